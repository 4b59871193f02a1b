"""Faults answered right by `statebridge serve`, made for real and driven over real HTTP.

- read-only: PostgreSQL `default_transaction_read_only` (existing sessions terminated), SQLite
  `PRAGMA query_only`;
- full: SQLite `PRAGMA max_page_count` at the file's size, so that a write needing a page fails
  with "database or disk is full";
- an outage: the store reached through a TCP proxy on loopback that the test stops and restarts;
- a restart: the pool's server sessions terminated by `pg_terminate_backend`, as a restart does.

A store fault is a 503 with `Retry-After`, never naming the store or its SQL (the server log has
both); every 5xx names the request id that the access log records and `X-Request-Id` echoes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import pathlib
import socket
import subprocess
import sys
import typing as t
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
import sqlalchemy as sa

from statebridge.store import Store
from statebridge.translate import read_orders
from statebridge.web import WebhookSecrets, auth, create_app
from statebridge.web.auth import Authenticator

from .conftest import FIXTURES
from .serving import running
from .tcp_proxy import TcpProxy
from .test_webhooks import SECRET, SHOPIFY_CREATE, shopify_headers

POST_HELD = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
LD = {"Content-Type": "application/ld+json"}
PROBLEM = "application/problem+json"


@contextlib.contextmanager
def served(store: Store, authenticator: Authenticator | None = None) -> t.Iterator[httpx.Client]:
    app = create_app(
        store,
        secrets=WebhookSecrets(shopify=SECRET),
        authenticator=authenticator or Authenticator.from_env({}),
        enterprises={},
    )
    with running(app, name="uvicorn-faults") as url, httpx.Client(base_url=url, timeout=20) as http:
        yield http


def _post_order(http: httpx.Client) -> httpx.Response:
    return http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=LD)


def _post_webhook(http: httpx.Client, event_id: str) -> httpx.Response:
    body = SHOPIFY_CREATE.read_bytes()
    return http.post("/webhooks/shopify", content=body, headers=shopify_headers(body, event_id=event_id))


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, t.Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "statebridge.access"]


def _assert_unavailable(response: httpx.Response, *secret: str) -> tuple[str, int]:
    """A 503 problem with Retry-After, naming its request id and nothing of the store.

    Returns (request id, 503), to be found in the access log once the server has stopped (it
    logs a request after answering it)."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["title"] == "Store unavailable"
    rid = response.headers["X-Request-Id"]
    assert body["request_id"] == rid
    text = response.text.lower()
    for word in ("sqlite", "postgresql", "select", "insert", "update", "readonly", "read-only", *secret):
        assert word.lower() not in text, f"{word!r} in {response.text}"
    return rid, 503


def _assert_logged(caplog: pytest.LogCaptureFixture, expected: t.Iterable[tuple[str, int]]) -> None:
    """Each (request id, status) has its access log line; call once the server has stopped."""
    logged = {(line["request_id"], line["status"]) for line in _access_lines(caplog)}
    assert set(expected) <= logged


def _admin(server: str) -> psycopg.Connection[t.Any]:
    return psycopg.connect(server, autocommit=True)


def _terminate_sessions(server: str, database: str) -> int:
    """Terminate every session on `database`, as a server restart does to a pool's connections."""
    with _admin(server) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return len(rows)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="statebridge")
    return caplog


# -- read-only and full ----------------------------------------------------------------------------


def _make_read_only(store: Store, store_url: str, postgres_server: str | None) -> t.Callable[[bool], None]:
    """A switch that makes the store read-only (True) or writable again (False)."""
    if store.engine.dialect.name == "sqlite":
        state = {"on": False}

        @sa.event.listens_for(store.engine, "connect")
        def query_only(dbapi_connection: t.Any, _record: t.Any) -> None:
            dbapi_connection.execute(f"PRAGMA query_only={'ON' if state['on'] else 'OFF'}")

        def switch_sqlite(on: bool) -> None:
            state["on"] = on
            store.engine.dispose()  # new connections get the pragma

        return switch_sqlite

    assert postgres_server is not None
    database = urlsplit(store_url).path.lstrip("/")

    def switch_postgres(on: bool) -> None:
        with _admin(postgres_server) as admin:
            setting = (
                "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
            )
            admin.execute(f'ALTER DATABASE "{database}" {setting}')
        _terminate_sessions(postgres_server, database)

    return switch_postgres


def test_a_read_only_store_is_a_503_and_reads_still_work(
    store_url: str, request: pytest.FixtureRequest, logs: pytest.LogCaptureFixture
) -> None:
    server = request.getfixturevalue("postgres_server") if store_url.startswith("postgresql") else None
    with Store(store_url) as store, served(store) as http:
        created = _post_order(http)
        assert created.status_code == 201, created.text
        read_only = _make_read_only(store, store_url, server)
        read_only(True)

        refused = [_assert_unavailable(_post_order(http), store_url)]
        assert store.count() == 1
        refused.append(_assert_unavailable(_post_webhook(http, "evt-ro-1"), store_url))
        listed = http.get("/api/dfc/Orders")
        assert listed.status_code == 200
        assert http.get("/health").json() == {"status": "ok", "store": "ok"}

        read_only(False)
        retried = _post_webhook(http, "evt-ro-1")
        assert retried.status_code == 200
        assert retried.json()["status"] == "stored"  # not taken for a duplicate
        assert store.count() == 2
    _assert_logged(logs, refused)
    assert "readonly" in logs.text or "read-only" in logs.text  # the driver's reason, for the log only


def test_a_full_store_is_a_503_and_the_webhook_retry_is_stored(
    tmp_path: pathlib.Path, logs: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    limit = {"on": True}
    with Store(url) as store:

        @sa.event.listens_for(store.engine, "connect")
        def cap(dbapi_connection: t.Any, _record: t.Any) -> None:
            if limit["on"]:
                pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
                dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        store.engine.dispose()
        with served(store) as http:
            refused = [_assert_unavailable(_post_order(http), str(tmp_path), "full")]
            refused.append(_assert_unavailable(_post_webhook(http, "evt-full-1"), str(tmp_path), "full"))
            assert store.count() == 0

            limit["on"] = False
            store.engine.dispose()
            retried = _post_webhook(http, "evt-full-1")
            assert retried.json()["status"] == "stored"
            assert _post_order(http).status_code == 201
    _assert_logged(logs, refused)
    assert "database or disk is full" in logs.text


# -- outage and restart ----------------------------------------------------------------------------


def test_a_database_outage_is_a_503_and_the_server_recovers(
    postgres_url: str, logs: pytest.LogCaptureFixture
) -> None:
    real = urlsplit(postgres_url)
    with TcpProxy((real.hostname or "127.0.0.1", real.port or 5432)) as proxy:
        url = f"postgresql://{real.username}@127.0.0.1:{proxy.port}{real.path}"
        with Store(url) as store, served(store) as http:
            created = _post_order(http)
            assert created.status_code == 201, created.text
            location = urlsplit(created.headers["Location"]).path
            assert http.get("/health").json() == {"status": "ok", "store": "ok"}

            proxy.stop()
            database = real.path.lstrip("/")
            refused = [
                _assert_unavailable(http.get(location), database),
                _assert_unavailable(_post_order(http), database),
                _assert_unavailable(_post_webhook(http, "evt-down-1"), database),
            ]
            health = http.get("/health")
            assert health.status_code == 503
            assert int(health.headers["Retry-After"]) > 0
            assert health.json() == {
                "status": "unavailable",
                "store": "unavailable",
                "request_id": health.headers["X-Request-Id"],
            }

            proxy.start()
            assert http.get("/health").status_code == 200
            assert http.get(location).status_code == 200
            assert _post_webhook(http, "evt-down-1").json()["status"] == "stored"
    _assert_logged(logs, refused)


def test_the_pool_survives_a_postgresql_restart(postgres_server: str, postgres_url: str) -> None:
    database = urlsplit(postgres_url).path.lstrip("/")
    with Store(postgres_url) as store, served(store) as http:
        for _ in range(3):
            assert _post_order(http).status_code == 201
        assert http.get("/api/dfc/Orders").status_code == 200
        assert _terminate_sessions(postgres_server, database) >= 1
        after = _post_order(http)
        assert after.status_code == 201, after.text
        assert http.get("/health").json() == {"status": "ok", "store": "ok"}
        assert store.count() == 4


# -- a bug ------------------------------------------------------------------------------------------


def test_a_bug_is_a_500_naming_the_request_id_the_access_log_records(
    tmp_path: pathlib.Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: t.Any, **kwargs: t.Any) -> bytes:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr("statebridge.web.page_fragments.render_collection", explode)
    monkeypatch.setattr("statebridge.web.page_fragments.OrderFragments.page", explode)  # JSON-LD pages
    # Connection: close, as uvicorn closes a connection whose app raised, even after answering.
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store) as http:
        mine = http.get("/api/dfc/Orders", headers={"X-Request-Id": "req-bug-1", "Connection": "close"})
        theirs = http.get("/api/dfc/Orders?limit=7", headers={"Connection": "close"})
    for response in (mine, theirs):
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["request_id"] == response.headers["X-Request-Id"]
        assert "exploded" not in response.text
        assert "Traceback" not in response.text
    assert mine.headers["X-Request-Id"] == "req-bug-1"
    _assert_logged(logs, [("req-bug-1", 500), (theirs.headers["X-Request-Id"], 500)])


def test_an_issuer_outage_is_a_503_naming_the_request_id(
    tmp_path: pathlib.Path, logs: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on: the issuer is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    authenticator = Authenticator.from_env(
        {
            auth.ISSUER_VARIABLE: f"http://127.0.0.1:{port}",
            auth.AUDIENCE_VARIABLE: "statebridge",
            auth.JWKS_URL_VARIABLE: f"http://127.0.0.1:{port}/jwks",
        }
    )
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"k1","typ":"JWT"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(b'{"sub":"someone"}').rstrip(b"=").decode()
    token = f"{header}.{claims}.c2lnbmF0dXJl"
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store, authenticator) as http:
        response = http.get("/api/dfc/Orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert int(response.headers["Retry-After"]) > 0
    _assert_logged(logs, [(response.headers["X-Request-Id"], 503)])


# -- the command line -------------------------------------------------------------------------------


def test_export_says_one_line_when_the_store_fails_mid_run(postgres_server: str, postgres_url: str) -> None:
    """The store opens, then reading its orders fails with PostgreSQL's own "disk full" error
    (53100), raised by the server from a view standing in for the orders table."""
    database = urlsplit(postgres_url).path.lstrip("/")
    with (FIXTURES / "spree/chord_single_order.json").open("rb") as stream:
        orders = list(read_orders(stream, "spree"))
    with Store(postgres_url) as store:
        store.save_page("spree", "https://shop.example.org", [(order, {}) for order in orders])
    with psycopg.connect(f"{postgres_server.rsplit('/', 1)[0]}/{database}", autocommit=True) as admin:
        admin.execute("ALTER TABLE orders RENAME TO orders_kept")
        admin.execute(
            "CREATE FUNCTION disk_full() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; "
            "END $$"
        )
        admin.execute("CREATE VIEW orders AS SELECT * FROM orders_kept WHERE disk_full()")
    result = subprocess.run(
        [sys.executable, "-m", "statebridge", "export", "--store", postgres_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("statebridge: the store postgresql://")
    assert line.endswith("is unavailable: could not extend file: No space left on device")
