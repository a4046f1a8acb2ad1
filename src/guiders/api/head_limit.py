"""A cap on the size of a request's head (request line and headers), in uvicorn's protocol.

uvicorn's httptools protocol has no such limit: a client can send a 1 MB header (or an endless
one) and the parser buffers all of it. uvicorn only bounds heads for its pure-Python h11
protocol (``h11_max_incomplete_event_size``), which ``guiders serve`` also sets. This subclass
counts the bytes received while a head is still open and answers 431 with the API's JSON error,
closing the connection, as soon as they pass the limit: before the parser has seen the rest.

Only the head's bytes count: a read often holds the head *and* the start of the body (a
client writes both at once, the kernel hands over up to 256 KiB), so the bytes past the
head's blank line are not counted. An earlier version counted the whole read and answered 431
to every upload larger than the limit that arrived in one piece (an image attachment, a
knowledge document). A head that starts later in a read (a pipelined request) is counted from
the next read on: it can pass the limit by at most one read.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

DEFAULT_MAX_HEAD_BYTES = 32 * 1024
_HEAD_END = b"\r\n\r\n"


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = DEFAULT_MAX_HEAD_BYTES
    """Set per server by :func:`head_limited_protocol`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_open = True
        self._head_bytes = 0
        self._tail = b""
        """The last bytes of the head read so far: its blank line may be split across reads."""

    def data_received(self, data: bytes) -> None:
        if self._head_open:
            seen = self._tail + data
            end = seen.find(_HEAD_END)
            self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            if self._head_bytes > self.max_head_bytes:
                self._refuse_head()
                return
            self._tail = seen[-3:] if end < 0 else b""
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head_open = False
        self._head_bytes = 0
        self._tail = b""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open = True  # the next request on this connection starts with its head

    def _refuse_head(self) -> None:
        body = json.dumps(
            {
                "error": "headers_too_large",
                "message": f"The request line and headers exceed {self.max_head_bytes} bytes",
            }
        ).encode()
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[431],
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()


def head_limited_protocol(max_head_bytes: int) -> type[HeadLimitedHttpToolsProtocol]:
    """A protocol class for ``uvicorn.run(http=...)`` with this server's limit."""
    return type(
        "HeadLimitedHttpToolsProtocol",
        (HeadLimitedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes},
    )
