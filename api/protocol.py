"""uvicorn's h11 connection with a deadline for every request head, and the connection's own refusals in the API's JSON."""

from __future__ import annotations

import asyncio
import sys

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.errors import bad_http, head_timeout, log, raw_refusal


class GuardedH11Protocol(H11Protocol):
    """Each request head must arrive whole within ``head_timeout`` seconds of connecting, or of the previous answer.

    uvicorn has no such deadline: a socket that sends nothing, or one byte a second, stays open for ever. Past it the
    connection is closed, with 408 ``timeout`` if part of a head had come, silently if nothing had (as an idle
    keep-alive connection is). The request line and headers uvicorn cannot parse get 400 (431 when too large) in the
    API's JSON instead of uvicorn's plain text. Made for a given deadline by ``guarded_protocol``.
    """

    head_timeout: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # a whole head has arrived: the request is the app's to time now
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._expect_head()  # the next request on this keep-alive connection has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        error = sys.exception()  # called by uvicorn inside `except h11.RemoteProtocolError`
        self._cancel_head_timer()
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(raw_refusal(bad_http(getattr(error, "error_status_hint", 400))))
        self.transport.close()

    def _expect_head(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:  # part of a head is waiting in h11's buffer
            log.info("closed %s: no whole request head within %g s", _address(self.client), self.head_timeout)
            self.transport.write(raw_refusal(head_timeout(self.head_timeout)))
        self.transport.close()


def guarded_protocol(head_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's ``http`` setting, with this head deadline in seconds."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"head_timeout": head_timeout})


def _address(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a connection"
