"""The ASGI layers in front of the routes: the body cap and deadline, the in-flight limit, and JSON whatever the Content-Type."""

from __future__ import annotations

import asyncio

from api.errors import body_timeout, busy, send_refusal, too_large


class BodyCap:
    """A request body over ``limit`` bytes is refused with 413, one not whole within ``timeout`` seconds with 408, both
    before the app reads any of it.

    The declared Content-Length is checked first; a chunked body is counted as it arrives and read whole (at most
    ``limit`` bytes) before the app runs, so a slow or endless upload never reaches the answering threads.
    """

    def __init__(self, app, limit: int, timeout: float):
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await send_refusal(scope, send, too_large(self.limit))
        body, more = [], True
        try:
            async with asyncio.timeout(self.timeout):
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    body.append(message.get("body", b""))
                    more = message.get("more_body", False)
                    if sum(map(len, body)) > self.limit:
                        return await send_refusal(scope, send, too_large(self.limit))
        except TimeoutError:
            return await send_refusal(scope, send, body_timeout(self.timeout, self.limit))
        whole, sent = b"".join(body), False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()  # after the body: the disconnect, when it comes
            sent = True
            return {"type": "http.request", "body": whole, "more_body": False}

        return await self.app(scope, replay, send)


class InFlight:
    """At most ``limit`` requests inside the app at once; past it 503 ``busy`` with Retry-After, at once.

    It counts requests, not sockets: placed inside BodyCap, a request takes a place only once its whole body has
    arrived, so connections that are idle or trickle their request never crowd out one that is ready to be answered.
    """

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit
        self.active = 0  # read and written on the event loop only, so no lock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.active >= self.limit:
            return await send_refusal(scope, send, busy())
        self.active += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.active -= 1


class JsonBody:
    """Every POST body is read as JSON whatever its Content-Type says, or says nothing: each endpoint takes JSON only,
    and `curl -d` labels it a form. A body that does not parse still gets 400 ``bad_json``.

    Safe here because no endpoint changes anything and keys travel in headers: a page on another site that posts
    "text/plain" without a preflight can neither present a key nor read the answer.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = [(k, v) for k, v in scope.get("headers") or () if k != b"content-type"]
            scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        return await self.app(scope, receive, send)
