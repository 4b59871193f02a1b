"""Run an ASGI app under uvicorn on a free loopback port, in a thread, for the length of a test."""

from __future__ import annotations

import contextlib
import threading
import time
import typing as t

import httpx
import pytest
import uvicorn

from statebridge.connections import Connections
from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator
from statebridge.web.enterprises import Enterprise


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
        # The lifespan is off here: stop the app's outbox drain as its shutdown would, so that no
        # thread outlives the test (a live thread makes `translate --jobs` spawn instead of fork).
        drain = getattr(getattr(app, "state", None), "drain", None)
        if drain is not None:
            drain.stop()
            drain.writers_close()


def wait_until(what: str, check: t.Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for something a running app does in the background (its outbox drain) to be done;
    fail naming `what` when it is not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def dfc_hub(store: Store, token: str, *, name: str = "uvicorn-hub") -> t.Iterator[str]:
    """A DFC server to deliver to: `create_app(store)` on loopback, behind the bearer token `token`,
    serving no enterprise and forwarding nothing; its base URL (the collection is `/api/dfc/Orders`)."""
    app = create_app(
        store,
        authenticator=Authenticator.from_env({"STATEBRIDGE_API_TOKENS": token}),
        enterprises={},
        connections=Connections.empty(),
    )
    with running(app, name=name) as url:
        yield url


@contextlib.contextmanager
def dfc_client(
    store: Store,
    enterprises: t.Iterable[Enterprise],
    environ: t.Mapping[str, str] | None = None,
    *,
    name: str = "uvicorn-dfc",
    timeout: float = 20,
) -> t.Iterator[httpx.Client]:
    """An httpx client of `create_app(store)` running on loopback, its authentication configured as
    `environ` would (`STATEBRIDGE_API_TOKENS`, `STATEBRIDGE_OIDC_*`; none: open)."""
    app = create_app(
        store,
        authenticator=Authenticator.from_env(dict(environ or {})),
        enterprises={enterprise.slug: enterprise for enterprise in enterprises},
    )
    with running(app, name=name) as url, httpx.Client(base_url=url, timeout=timeout) as http:
        yield http
