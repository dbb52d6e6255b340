"""Corpus and user text as inert Markdown: every special character escaped, highlights added by us only."""

from __future__ import annotations

import string

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also disarms Streamlit's
# own syntax (":red[…]" directives, "$…$" maths, "<…>" HTML, "[…](javascript:…)" links, "&lt;" entities).
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in string.punctuation})
HIGHLIGHT = "orange-background"


def escape_md(text: str) -> str:
    """Escape text so Markdown shows it literally; line breaks are kept, indentation (code blocks) dropped."""
    escaped = text.translate(_ESCAPES)
    return "  \n".join(line.strip() for line in escaped.splitlines())


def _mark(text: str, directive: str) -> str:
    # A directive cannot span lines, so each line of a highlighted span is wrapped on its own.
    return "  \n".join(f":{directive}[{escape_md(line)}]" if line.strip() else "" for line in text.splitlines())


def highlight_md(text: str, spans: list[tuple[int, int]], directive: str = HIGHLIGHT) -> str:
    """Escaped Markdown of ``text`` with the [start, end) ``spans`` highlighted (overlapping or adjacent ones merged)."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, a), min(len(text), b)) for a, b in spans if b > a):
        if merged and not text[merged[-1][1] : start].strip():  # overlapping, or only whitespace between
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, pos = [], 0
    for start, end in merged:
        parts += [escape_md_inline(text[pos:start]), _mark(text[start:end], directive)]
        pos = end
    parts.append(escape_md_inline(text[pos:]))
    return "".join(parts)


def escape_md_inline(text: str) -> str:
    """Like escape_md, but keeps leading/trailing spaces so pieces can be joined mid-line."""
    if not text:
        return ""
    lead = " " if text[0] in " \t" else ""
    trail = " " if text[-1] in " \t" and len(text.strip()) else ""
    body = escape_md(text)
    if text.endswith("\n"):
        body += "  \n"
    return lead + body + trail


def shorten(text: str, limit: int = 600) -> str:
    """Long user input shown in the chat: the start, then how long it really was."""
    text = text.strip()
    return text if len(text) <= limit else f"{text[:limit].rstrip()}… ({len(text):,} characters)"


_URL_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in "()<>\"'`\\[]{}|^"}  # characters that end or break a Markdown link target


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe to put in a Markdown link target, or None for any other scheme or a malformed one."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in url):
        return None
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in url)
