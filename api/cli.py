"""`python -m api`: parse the options and run the API with uvicorn until stopped."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from api.config import ServeConfig, from_env


def parse_args(argv: list[str] | None = None) -> tuple[ServeConfig, str]:
    """The server's configuration (options over MYTHQA_* variables) and the proxy's path prefix."""
    p = argparse.ArgumentParser(prog="python -m api", description="Serve Myth Q&A answers as a JSON HTTP API (docs at /docs).")
    p.add_argument("--index", type=Path, help="index folder built by `python -m ingest` (default: MYTHQA_INDEX or index/)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1); any other needs API keys")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, help="answering threads (default: 2, MYTHQA_API_WORKERS)")
    p.add_argument("--require-keys", action="store_true", default=None, help="need API keys on loopback too (behind a reverse proxy)")
    p.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="allow browser calls from ORIGIN (repeatable; default: none)",
    )
    p.add_argument("--root-path", default="", help="the path prefix a reverse proxy serves the API under, e.g. /api")
    args = p.parse_args(argv)
    if not 0 < args.port < 65536:
        p.error("--port must be between 1 and 65535")
    if args.workers is not None and args.workers < 1:
        p.error("--workers must be at least 1")
    given = {"index": args.index, "host": args.host, "port": args.port, "workers": args.workers, "require_keys": args.require_keys}
    config = from_env(**given, cors_origins=tuple(args.cors_origins) if args.cors_origins else None)
    return config, args.root_path


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted (uvicorn itself says so and exits 1 when the address is taken)."""
    config, root_path = parse_args(argv)
    return serve(config, root_path)


def serve(config: ServeConfig, root_path: str = "") -> int:
    """Run uvicorn with the app over ``config`` in this process until interrupted."""
    import uvicorn

    from api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    who = "API keys required" if config.keys_required else "no key needed (loopback only)"
    print(f"Myth Q&A API on http://{config.host}:{config.port}/ (docs: /docs; {who}; index: {config.index})", flush=True)
    server = uvicorn.Server(server_config(create_app(config), config, root_path))
    logging.getLogger("uvicorn.access").addFilter(PathOnly())  # after uvicorn.Config set its loggers up, so it stays
    server.run()
    return 0


class PathOnly(logging.Filter):
    """The access log keeps each request's path without its query string: a key or the operator token sent by mistake
    as ``?token=…`` must never land in a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):  # (client, method, path, version, status)
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def server_config(app, config: ServeConfig, root_path: str = "", log_level: str = "info"):
    """uvicorn's settings for ``app``: how connections are read, timed out and refused (tests run the same ones)."""
    import uvicorn

    from api.protocol import guarded_protocol

    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        root_path=root_path,
        server_header=False,  # names no software to a scanner
        http=guarded_protocol(config.head_timeout),  # h11, with a deadline for each request head
        ws="none",  # no endpoint is a websocket: an upgrade request is answered as plain HTTP, not handed a socket
        # No limit_concurrency: uvicorn counts idle sockets against it, so 129 silent connections refused everyone
        # (plain-text 503). Requests in flight are limited in the app instead (middleware.InFlight, JSON refusals).
        limit_concurrency=None,
        timeout_keep_alive=config.keep_alive,
        log_level=log_level,
    )
