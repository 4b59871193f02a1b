"""Run an ASGI app under uvicorn on a free loopback port, in a thread, for the length of a test."""

from __future__ import annotations

import contextlib
import threading
import time
import typing as t

import pytest
import uvicorn


@contextlib.contextmanager
def running(app: t.Any, *, name: str = "uvicorn-test") -> t.Iterator[str]:
    """The app's base URL (`http://127.0.0.1:PORT`) while it runs."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
