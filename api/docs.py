"""Interactive docs from this machine: Swagger UI's files from the pinned fastapi-offline wheel, checked by sha256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import Response

from api.errors import ApiError, refusal

ASSETS = "/docs/assets"
# fastapi-offline==1.7.7 (requirements.txt) ships Swagger UI 5.32.6, which reads the OpenAPI 3.1 FastAPI writes.
FILES = {
    "swagger-ui-bundle.js": ("text/javascript", "4b5a9b35a1adf37f00d39c0bae23cdb37007e2946240ef035137cc85b4d55349"),
    "swagger-ui.css": ("text/css", "ca238f7d7c2cf4480c1e77a9c3b9da915ab216e96ffd354e69076560c650c6de"),
    "favicon.png": ("image/png", "d16f72cf5a2773eba499cc7f3db1923c6f5f73de990f739e3a05806aafec15b7"),
}


@dataclass(frozen=True)
class Asset:
    media_type: str
    data: bytes


@cache
def asset(name: str) -> Asset:
    """One checked file of the docs page; raises 503 when the package is missing or the file is not the pinned one."""
    media_type, sha256 = FILES[name]
    spec = find_spec("fastapi_offline")
    path = Path(spec.origin).parent / "static" / name if spec and spec.origin else None
    data = path.read_bytes() if path and path.is_file() else b""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(
            503,
            "docs_unavailable",
            "The docs page's files are missing or altered: reinstall with `make setup`. The schema is at /openapi.json.",
        )
    return Asset(media_type, data)


def add_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and its assets; the schema itself is FastAPI's ``/openapi.json``."""

    @app.get("/docs", include_in_schema=False)
    def docs_page(request: Request) -> Response:
        for name in FILES:  # refuse the page, not just a script inside it, when a file is wrong
            try:
                asset(name)
            except ApiError as e:
                return refusal(e)
        root = request.scope.get("root_path", "")  # behind a proxy under a prefix (uvicorn --root-path)
        return get_swagger_ui_html(
            openapi_url=root + app.openapi_url,
            title=f"{app.title} — API docs",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            # Swagger UI would otherwise send the schema to an online validator for its badge.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(ASSETS + "/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name not in FILES:
            return refusal(ApiError(404, "not_found", "There is no such file of the docs page. Open /docs."))
        try:
            found = asset(name)
        except ApiError as e:
            return refusal(e)
        return Response(found.data, media_type=found.media_type, headers={"Cache-Control": "public, max-age=86400"})
