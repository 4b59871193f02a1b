"""A retried POST never duplicates an order: `Idempotency-Key` on the way out, honoured on the way in.

The targets store each order and then fail, so the client cannot tell that the order arrived: a
stand-in DFC collection (tests/standin/dfc_target.py) and the real statebridge app behind an ASGI
wrapper that loses its first answer for each order. Everything runs over real HTTP on loopback, the
CLI as a real process, the store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import typing as t

import httpx
import pytest
import yaml

from statebridge.clients import RetryPolicy
from statebridge.clients.dfc_endpoint import idempotency_key
from statebridge.delivery.dfc_writer import DfcWriter
from statebridge.dfc import IriMinter
from statebridge.settings import Settings
from statebridge.store import Client, IdempotencyClaim, Store
from statebridge.sync import sync
from statebridge.web import create_app
from statebridge.web.access import OPERATOR, Access
from statebridge.web.auth import Authenticator
from statebridge.web.enterprises import Enterprise
from statebridge.web.idempotency import scope_of

from .conftest import FIXTURES, ROOT
from .serving import running
from .standin.dfc_target import StandinDfcTarget
from .standin.shopify import TOKEN as SHOPIFY_TOKEN, Shop, StandinShopify

ORDERS = 5
API_TOKEN = "idempotency-test-token"
POST_HELD = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
PUT_COMPLETE = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_8_put_request.json"
LD = {"Content-Type": "application/ld+json", "Authorization": f"Bearer {API_TOKEN}"}

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]


def _sync_cli(source: str, store: pathlib.Path, target: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"STATEBRIDGE_SHOPIFY_TOKEN": SHOPIFY_TOKEN, "STATEBRIDGE_DFC_TOKEN": API_TOKEN})
    command = [sys.executable, "-m", "statebridge", "sync", "shopify", "--base-url", source]
    command += ["--store", f"sqlite:///{store}", "--target", target, "--method", "POST"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def _order_iri(body: bytes) -> str:
    document = json.loads(body)
    return str(next(n["@id"] for n in document["@graph"] if n.get("@type") == "dfc-b:Order"))


# -- the client against a stand-in that stores, then fails ------------------------------------------------


def test_sync_post_twice_to_a_target_that_fails_after_storing_ends_with_one_copy_of_each(
    tmp_path: pathlib.Path,
) -> None:
    with StandinShopify(Shop(count=ORDERS)) as shop, StandinDfcTarget(honour_keys=True) as target:
        first = _sync_cli(shop.base_url, tmp_path / "s.db", target.url)
        second = _sync_cli(shop.base_url, tmp_path / "s.db", target.url)
    assert len(target.stored) == ORDERS, f"{len(target.stored)} copies of {ORDERS} orders"
    assert sorted(t.cast(list[str], target.stored_iris())) == sorted({p.iri for p in target.posts if p.iri})
    # The first run is told of the lost answers and sends nothing twice; the second finishes the job.
    assert first.returncode == 3, first.stderr
    assert first.stderr.count("not sent: order #") == ORDERS
    assert "500 Internal Server Error" in first.stderr
    assert second.returncode == 0, second.stderr
    # Every POST carried a key, the same for an order in both runs, and the order's own IRI as @id.
    keys: dict[str | None, set[str | None]] = {}
    for post in target.posts:
        keys.setdefault(post.iri, set()).add(post.key)
    assert len(keys) == ORDERS
    assert all(len(sent) == 1 and None not in sent for sent in keys.values())
    assert all(str(iri).startswith(f"{shop.base_url}/api/dfc/Orders/") for iri in keys)


def test_a_target_that_ignores_the_key_gets_one_post_per_order_per_run(tmp_path: pathlib.Path) -> None:
    with StandinShopify(Shop(count=ORDERS)) as shop, StandinDfcTarget(honour_keys=False) as target:
        result = _sync_cli(shop.base_url, tmp_path / "s.db", target.url)
    iris = [post.iri for post in target.posts]
    assert len(iris) == len(set(iris)) == ORDERS, "one POST per order: no blind retry"
    assert len(target.stored) == ORDERS
    assert result.returncode == 3
    assert result.stderr.count("not sent: order #") == ORDERS
    assert "not retried" in result.stderr


def test_a_client_told_the_target_honours_keys_retries_within_the_run(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", SHOPIFY_TOKEN)
    with (
        StandinShopify(Shop(count=ORDERS)) as shop,
        StandinDfcTarget(honour_keys=True) as target,
        Store(f"sqlite:///{tmp_path / 's.db'}") as store,
        DfcWriter(
            target.url, method="POST", honours_idempotency_key=True, policy=RetryPolicy(base_delay=0.01)
        ) as writer,
    ):
        report = sync("shopify", shop.base_url, store, writer=writer)
    assert (report.sent, report.failures) == (ORDERS, [])
    assert len(target.stored) == ORDERS
    assert len(target.posts) == 2 * ORDERS  # each order: the lost answer, then the replay


def test_the_key_is_stable_per_order_and_differs_between_orders() -> None:
    from statebridge.model import Order

    minter = IriMinter.for_platform("shopify", "https://shop.example.org")
    one = Order(platform="shopify", shape="rest", id="1")
    assert idempotency_key(one, minter) == idempotency_key(one.model_copy(update={"number": "#9"}), minter)
    assert idempotency_key(one, minter) != idempotency_key(one.model_copy(update={"id": "2"}), minter)
    other_shop = IriMinter.for_platform("shopify", "https://other.example.org")
    assert idempotency_key(one, minter) != idempotency_key(one, other_shop)
    assert len({idempotency_key(one, minter)}) == 1
    assert len(idempotency_key(one, minter)) == 64


# -- statebridge serve as the target, its first answer for each order lost ---------------------------------


class LoseFirstAnswer:
    """ASGI: hand each request to the real app, but answer the first POST of each order with a 500
    once the app has handled (stored) it, as if the answer were lost on the way back."""

    def __init__(self, app: t.Any) -> None:
        self.app = app
        self.seen: set[str] = set()
        self.lost = 0

    async def __call__(self, scope: Scope, receive: t.Any, send: t.Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()  # type: ignore[no-any-return]
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, replay, keep)
        iri = _order_iri(body)
        if iri not in self.seen:
            self.seen.add(iri)
            self.lost += 1
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        for message in answer:
            await send(message)


@contextlib.contextmanager
def _serving(store: Store, *, wrap: bool) -> t.Iterator[tuple[str, LoseFirstAnswer | None]]:
    app = create_app(
        store, authenticator=Authenticator.from_env({"STATEBRIDGE_API_TOKENS": API_TOKEN}), enterprises={}
    )
    wrapper = LoseFirstAnswer(app) if wrap else None
    with running(wrapper or app, name="uvicorn-idempotency") as url:
        yield url, wrapper


def test_sync_post_to_statebridge_serve_that_loses_its_first_answers(tmp_path: pathlib.Path) -> None:
    with (
        StandinShopify(Shop(count=ORDERS)) as shop,
        Store(f"sqlite:///{tmp_path / 'target.db'}") as target,
        _serving(target, wrap=True) as (url, wrapper),
    ):
        first = _sync_cli(shop.base_url, tmp_path / "s.db", f"{url}/api/dfc/Orders")
        second = _sync_cli(shop.base_url, tmp_path / "s.db", f"{url}/api/dfc/Orders")
        assert wrapper is not None
        assert wrapper.lost == ORDERS
        assert target.count() == ORDERS, f"{target.count()} orders stored for {ORDERS} sent"
    assert first.returncode == 3, first.stderr
    assert second.returncode == 0, second.stderr
    assert "5 written" in second.stderr


def test_a_library_sync_that_may_retry_posts_to_statebridge_serve_once_per_order(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", SHOPIFY_TOKEN)
    monkeypatch.setenv("STATEBRIDGE_DFC_TOKEN", API_TOKEN)
    with (
        StandinShopify(Shop(count=ORDERS)) as shop,
        Store(f"sqlite:///{tmp_path / 'target.db'}") as target,
        Store(f"sqlite:///{tmp_path / 's.db'}") as source,
        _serving(target, wrap=True) as (url, _),
        DfcWriter(
            f"{url}/api/dfc/Orders",
            method="POST",
            honours_idempotency_key=True,
            policy=RetryPolicy(base_delay=0.01),
        ) as writer,
    ):
        report = sync("shopify", shop.base_url, source, writer=writer)
        assert (report.sent, report.failures) == (ORDERS, [])
        assert target.count() == ORDERS


# -- statebridge's own endpoint honours the key ------------------------------------------------------------


def test_the_endpoint_replays_a_key_and_refuses_it_with_another_body(tmp_path: pathlib.Path) -> None:
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, _serving(store, wrap=False) as (url, _):
        with httpx.Client(base_url=url, timeout=20) as http:
            keyed = {**LD, "Idempotency-Key": '"order-R1-a7"'}
            first = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=keyed)
            again = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=keyed)
            bare = {**LD, "Idempotency-Key": "order-R1-a7"}  # a bare token: read as the same key
            third = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=bare)
            other = http.post("/api/dfc/Orders", content=PUT_COMPLETE.read_bytes(), headers=keyed)
            unkeyed = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=LD)
            bad = http.post(
                "/api/dfc/Orders",
                content=POST_HELD.read_bytes(),
                headers={**LD, "Idempotency-Key": '"a b\x7f'},
            )
        assert first.status_code == 201, first.text
        assert "Idempotent-Replayed" not in first.headers
        for replay in (again, third):
            assert replay.status_code == 201
            assert replay.headers["Location"] == first.headers["Location"]
            assert replay.headers["Idempotent-Replayed"] == "true"
            assert replay.json() == first.json()
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        assert first.headers["Location"] in other.json()["detail"]
        assert unkeyed.status_code == 201
        assert unkeyed.headers["Location"] != first.headers["Location"]
        assert bad.status_code == 400
        assert store.count() == 2


def _tables_held_as_confirm(folder: pathlib.Path) -> pathlib.Path:
    """A copy of the repository's tables whose Spree reverse rule for a Held order writes
    `confirm` instead of the shipped `complete`."""
    shutil.copytree(ROOT / "mappings", folder)
    path = folder / "spree.yaml"
    table = yaml.safe_load(path.read_text("utf-8"))
    [held] = [rule for rule in table["reverse"]["state"] if rule["when"] == {"order": ["Held"]}]
    assert held["then"] == "complete", "the shipped rule this test edits has changed"
    held["then"] = "confirm"
    path.write_text(yaml.safe_dump(table, sort_keys=False), "utf-8")
    return folder


def test_a_post_with_or_without_a_key_translates_with_the_apps_edited_tables(
    tmp_path: pathlib.Path,
) -> None:
    """`serve --mappings FOLDER`: an order POSTed to a Spree shop's enterprise is stored with the
    platform fields of the edited table's reverse rules, whether or not it carries a key."""
    folder = _tables_held_as_confirm(tmp_path / "mappings")
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        app = create_app(
            store,
            settings=Settings(mappings=folder),
            authenticator=Authenticator.from_env({"STATEBRIDGE_API_TOKENS": API_TOKEN}),
            enterprises={"acme": Enterprise("acme", "spree", "https://hub.example.org")},
        )
        with (
            running(app, name="uvicorn-edited-tables") as url,
            httpx.Client(base_url=url, timeout=20) as http,
        ):
            orders = "/api/dfc/Enterprises/acme/Orders"
            keyed = http.post(
                orders, content=POST_HELD.read_bytes(), headers={**LD, "Idempotency-Key": '"edited-1"'}
            )
            unkeyed = http.post(orders, content=POST_HELD.read_bytes(), headers=LD)
        assert (keyed.status_code, unkeyed.status_code) == (201, 201), keyed.text + unkeyed.text
        assert keyed.headers["Location"] != unkeyed.headers["Location"]
        stored = list(store.orders())
    assert len(stored) == 2
    assert [s.order.platform_status["state"] for s in stored] == ["confirm", "confirm"]
    assert all(s.order.states.order == "Held" for s in stored)  # what the client sent, kept beside it


def test_ten_concurrent_posts_with_one_key_create_one_order(store_url: str) -> None:
    body = POST_HELD.read_bytes()
    with Store(store_url) as store, _serving(store, wrap=False) as (url, _):

        async def post_all() -> list[httpx.Response]:
            start = asyncio.Event()
            headers = {**LD, "Idempotency-Key": '"one-key-for-ten"'}
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:

                async def post() -> httpx.Response:
                    await start.wait()
                    return await http.post("/api/dfc/Orders", content=body, headers=headers)

                tasks = [asyncio.ensure_future(post()) for _ in range(10)]
                await asyncio.sleep(0)
                start.set()
                return await asyncio.gather(*tasks)

        answers = asyncio.run(post_all())
        assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
        assert len({a.headers["Location"] for a in answers}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 9
        assert store.count() == 1


def test_threads_racing_one_key_in_the_store_write_one_order(store_url: str) -> None:
    """The store itself, without the web layer's event loop: 10 threads, one key, one order."""
    from statebridge.model import Order

    with Store(store_url) as store:
        barrier = threading.Barrier(10, timeout=20)
        outcomes: list[t.Any] = []
        claim = IdempotencyClaim(scope="token:token", key="k", fingerprint="f")

        def write(index: int) -> None:
            order = Order(platform="dfc", shape="dfc-jsonld", id=f"attempt-{index}")
            barrier.wait()
            outcomes.append(store.create_once("dfc", "https://x.example/api/dfc", order, {}, claim))

        threads = [threading.Thread(target=write, args=(i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(outcomes) == 10
        assert sum(outcome.created for outcome in outcomes) == 1
        assert len({outcome.public_id for outcome in outcomes}) == 1
        assert store.count() == 1


def test_a_key_is_scoped_to_its_sender_and_lives_24_hours(tmp_path: pathlib.Path) -> None:
    from statebridge.model import Order

    def order(number: int) -> Order:
        return Order(platform="dfc", shape="dfc-jsonld", id=f"o{number}")

    t0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    base = "https://x.example/api/dfc"
    alice = IdempotencyClaim(scope=scope_of(_client("alice")), key="k", fingerprint="f1")
    bob = IdempotencyClaim(scope=scope_of(_client("bob")), key="k", fingerprint="f1")
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        first = store.create_once("dfc", base, order(1), {}, alice, now=t0)
        assert first.created
        assert not store.create_once(
            "dfc", base, order(2), {}, alice, now=t0 + dt.timedelta(hours=23)
        ).created
        assert store.create_once("dfc", base, order(3), {}, bob, now=t0).created
        reused = dataclasses.replace(alice, fingerprint="f2")
        late = store.create_once(
            "dfc", base, order(4), {}, reused, now=t0 + dt.timedelta(hours=24, seconds=1)
        )
        assert late.created, "an expired key starts afresh"
        assert store.count() == 3
    assert scope_of(OPERATOR) == "operator"
    assert scope_of(_client("operator")) != scope_of(OPERATOR)  # a client named so is still a client


def _client(name: str) -> Access:
    return Access(Client(name=name, buyer=None, enterprises=(), oidc_subject=None, created_at="now"))


def test_migration_step_6_is_idempotent_and_keeps_the_keys(store_url: str) -> None:
    import sqlalchemy as sa

    from statebridge.model import Order
    from statebridge.store import LATEST
    from statebridge.store.migrations import MIGRATIONS, current_version

    assert (6, "idempotency keys of POSTed orders") in [(v, name) for v, name, _ in MIGRATIONS]
    claim = IdempotencyClaim(scope="anonymous", key="k", fingerprint="f")
    with Store(store_url) as store:
        store.create_once(
            "dfc", "https://x.example/api/dfc", Order(platform="dfc", shape="s", id="1"), {}, claim
        )
        with store.engine.begin() as connection:  # as if step 6 had not run (a renumbered step)
            connection.execute(sa.text("UPDATE statebridge_schema SET version = 4"))
    with Store(store_url) as store:
        with store.engine.connect() as connection:
            assert current_version(connection) == LATEST
        again = store.create_once(
            "dfc", "https://x.example/api/dfc", Order(platform="dfc", shape="s", id="2"), {}, claim
        )
        assert not again.created, "the key written before the step ran again is still there"
        assert store.count() == 1
