"""The reverse-proxy configuration in deploy/ sends the security headers Streamlit cannot, on every response."""

from __future__ import annotations

import re
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
REQUIRED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
CSP = {"default-src": "'self'", "frame-ancestors": "'none'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'self'"}


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(block name, its own directives) for every { } block of an nginx file, comments and quoted strings respected."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{};]|[^\s{};"\']+', re.sub(r"(?m)#.*$", "", text))
    stack, out, words = [("main", [])], [], []
    for t in tokens:
        if t == "{":
            stack.append((" ".join(words), []))
            words = []
        elif t == "}":
            out.append(stack.pop())
        elif t == ";":
            stack[-1][1].append(" ".join(words))
            words = []
        else:
            words.append(t.strip('"'))
    return out + stack


def test_the_parser_sees_blocks_and_directives():
    found = blocks('http { server { listen 80; add_header X "a; b" always; location / { proxy_pass http://x; } } }')
    assert [name for name, _ in found] == ["location /", "server", "http", "main"]
    assert found[1][1] == ["listen 80", "add_header X a; b always"]


def test_every_https_response_carries_the_security_headers():
    found = blocks(CONF.read_text(encoding="utf-8"))
    tls = [d for name, d in found if name == "server" and any(x.startswith("listen 443") for x in d)]
    assert len(tls) == 1
    headers = {}
    for d in tls[0]:
        if d.startswith("add_header "):
            name, value = d.split(" ", 2)[1:]
            assert value.endswith(" always"), f"{name} would be missing from error responses"
            headers[name.lower()] = value.removesuffix(" always")
    for name, value in REQUIRED.items():
        assert headers.get(name) == value, name
    policy = dict(p.strip().split(" ", 1) for p in headers["content-security-policy"].split(";") if p.strip())
    assert {k: policy.get(k) for k in CSP} == CSP
    assert not re.search(r"https?://", headers["content-security-policy"]), "the pages load nothing from another host"
    # nginx drops the server's add_header in any location that adds its own
    assert not [name for name, d in found if name.startswith("location") and any(x.startswith("add_header") for x in d)]
    assert "server_tokens off" in tls[0] and "client_max_body_size 64k" in tls[0]


def test_the_api_is_proxied_under_the_root_path_it_is_started_with():
    found = dict(blocks(CONF.read_text(encoding="utf-8")))
    assert "proxy_pass http://mythqa_api/" in found["location /api/"]
    assert "--root-path /api" in CONF.read_text(encoding="utf-8")
    assert any(d.startswith("server 127.0.0.1:") for d in found["upstream mythqa_api"])


def test_the_access_log_never_keeps_a_query_string():
    found = blocks(CONF.read_text(encoding="utf-8"))
    servers = [d for name, d in found if name == "server"]
    assert len(servers) == 2 and all("access_log /var/log/nginx/mythqa.access.log mythqa_noquery" in d for d in servers)
    (fmt,) = [d for name, d in found if name == "main" for d in d if d.startswith("log_format mythqa_noquery")]
    assert "$uri" in fmt and not re.search(r"\$request\b|\$request_uri|\$args|\$query_string", fmt)
