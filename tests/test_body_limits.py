"""Bounded work per request: request bodies have a size limit and a time limit, over real HTTP.

The requests are written by hand on a loopback socket, so that the tests control exactly what
the server has received when it answers: a Content-Length over the limit is refused before a
single body byte is sent, a chunked body is refused while it is still being sent, and a body
that stops arriving is answered 408 and the connection closed.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import subprocess
import sys
import time
import typing as t
from urllib.parse import urlsplit

import httpx
import pytest

from statebridge.store import Store
from statebridge.web import WebhookSecrets, create_app
from statebridge.web.limits import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES

from .serving import running
from .test_webhooks import SECRET, SHOPIFY_CREATE, shopify_headers

PATHS = ["/webhooks/shopify", "/api/dfc/Orders"]


class Answer(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after answering


@contextlib.contextmanager
def connect(url: str) -> t.Iterator[socket.socket]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        yield sock


def head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before an answer: {data!r}"
        data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    try:
        closed = sock.recv(1) == b""
    except ConnectionResetError:
        closed = True
    return Answer(int(status_line.split()[1]), headers, body, closed)


@pytest.fixture
def store(tmp_path: t.Any) -> t.Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def serve(store: Store, **limits: t.Any) -> t.ContextManager[str]:
    return running(create_app(store, secrets=WebhookSecrets(shopify=SECRET), **limits), name="uvicorn-limits")


def test_the_defaults_are_one_mebibyte_and_thirty_seconds() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    assert DEFAULT_BODY_TIMEOUT == 30.0


@pytest.mark.parametrize("path", PATHS)
def test_a_content_length_over_the_limit_is_413_before_the_body_is_read(store: Store, path: str) -> None:
    """Nothing of the 100 MB body is sent: the answer comes from the headers alone."""
    with serve(store) as url, connect(url) as sock:
        sock.sendall(
            head(
                path,
                {
                    "Content-Type": "application/json",
                    "Content-Length": str(100_000_000),
                    "X-Shopify-Hmac-Sha256": "bm90LWEtc2lnbmF0dXJl",
                    "X-Shopify-Topic": "orders/create",
                },
            )
        )
        answer = read_answer(sock)
    assert answer.status == 413
    assert answer.headers["content-type"] == "application/problem+json"
    problem = json.loads(answer.body)
    assert problem["status"] == 413
    assert problem["limit"] == 1048576
    assert "1048576 bytes" in problem["detail"]
    assert answer.closed
    assert store.count() == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_body_over_the_limit_is_refused_while_it_is_still_being_sent(
    store: Store, path: str
) -> None:
    """No Content-Length: the server counts as the body streams in and answers 413 as soon as the
    limit is passed, long before the 32 MiB the client would send."""
    limit = 64 * 1024
    chunk = b"x" * 16384
    total = 32 * 1024 * 1024
    sent = 0
    with serve(store, max_body_bytes=limit) as url, connect(url) as sock:
        sock.sendall(head(path, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server has answered
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = read_answer(sock)
    assert answer.status == 413
    assert json.loads(answer.body)["limit"] == limit
    assert sent < total  # the server did not wait for (nor read) the whole body
    assert answer.closed


def test_a_body_at_the_limit_is_handled_and_one_byte_more_is_413(store: Store) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    with serve(store, max_body_bytes=len(body)) as url, httpx.Client(base_url=url, timeout=10) as http:
        stored = http.post("/webhooks/shopify", content=body, headers=shopify_headers(body, event_id="e-1"))
        assert stored.json()["status"] == "stored"
        longer = body + b" "
        refused = http.post(
            "/webhooks/shopify", content=longer, headers=shopify_headers(longer, event_id="e-2")
        )
        assert refused.status_code == 413
    assert store.count() == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_body_that_stops_arriving_is_408_and_the_connection_is_closed(store: Store, path: str) -> None:
    with serve(store, body_timeout=0.3) as url, connect(url) as sock:
        sock.sendall(
            head(path, {"Content-Type": "application/json", "Content-Length": "1000"}) + b'{"partial'
        )
        answer = read_answer(sock)  # nothing more is sent
    assert answer.status == 408
    assert answer.headers["content-type"] == "application/problem+json"
    assert "0.3 seconds" in json.loads(answer.body)["detail"]
    assert answer.closed


def test_requests_without_a_body_are_not_affected(store: Store) -> None:
    with (
        serve(store, max_body_bytes=1, body_timeout=0.01) as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        assert http.get("/health").status_code == 200
        assert http.get("/api/dfc/Orders").status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_statebridge_serve_takes_the_limits_as_options_and_environment(tmp_path: t.Any) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "STATEBRIDGE_BODY_TIMEOUT": "0.5",
        "STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET": SECRET,
    }
    command = [sys.executable, "-m", "statebridge", "serve", "--port", str(port), "--max-body-bytes", "2000"]
    command += ["--store", f"sqlite:///{tmp_path / 'serve.db'}"]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[1].decode()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "statebridge serve did not start"
            time.sleep(0.1)
        refused = httpx.post(f"{url}/webhooks/shopify", content=b"x" * 2001, timeout=10)
        assert refused.status_code == 413
        assert "2000 bytes" in refused.json()["detail"]
        with connect(url) as sock:
            sock.sendall(
                head("/api/dfc/Orders", {"Content-Type": "application/json", "Content-Length": "10"})
            )
            assert read_answer(sock).status == 408
    finally:
        server.terminate()
        server.communicate(timeout=10)
