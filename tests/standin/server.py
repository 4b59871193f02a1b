"""The loopback plumbing every stand-in shares: a threaded HTTP server on 127.0.0.1 and quiet handlers.

A stand-in subclasses `StandinServer`, sets up its own state, then calls `super().__init__()`, which
builds the server from the stand-in's `_handler()` (a `StandinHandler` subclass that closes over the
stand-in) on a free port. Use it as a context manager: the server runs in a daemon thread, with a
thread per connection, so a client under test can keep connections alive and a stuck test never
keeps pytest from exiting.
"""

from __future__ import annotations

import http.server
import json
import threading
import typing as t


class StandinHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 (keep-alive, as the platforms), no request log on stderr, and answer helpers."""

    protocol_version = "HTTP/1.1"
    #: Headers and body go out in two sends: without this, each answer waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        return

    def send_body(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: t.Mapping[str, str] | None = None,
    ) -> None:
        """One whole answer: status, `Content-Type`, `Content-Length`, `headers`, then `body`."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(
        self,
        status: int,
        value: t.Any,
        *,
        content_type: str = "application/json",
        headers: t.Mapping[str, str] | None = None,
    ) -> None:
        """`value` as a JSON answer."""
        self.send_body(status, json.dumps(value).encode(), content_type=content_type, headers=headers)


class StandinServer:
    """A `ThreadingHTTPServer` on 127.0.0.1 and a free port, serving `_handler()` while in a `with`."""

    def __init__(self, *, poll_interval: float = 0.5) -> None:
        self._poll_interval = poll_interval
        self._bind(0)

    def _bind(self, port: int) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(self._poll_interval,), daemon=True
        )

    def listen_on(self, port: int) -> None:
        """Serve on `port` rather than the free port picked at construction (0 keeps that one).

        Call it before entering the `with`; an `OSError` when the port is taken.
        """
        if port:
            self.server.server_close()
            self._bind(port)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> t.Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
