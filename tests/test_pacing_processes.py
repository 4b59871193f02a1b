"""Three worker processes pulling one small shop at once stay inside its budget when they share
their pacing in Redis, and overshoot it when each paces itself (which shows the test can fail).

Each process pages the same stand-in shop with its own client, through the Admin REST API (a
bucket of 10 requests leaking 2 a second) or the GraphQL API (a bucket of 300 points restoring 300
a second), and a Commerce Layer organization (a sliding window of 10 requests in 2 seconds), with no
deliberate 429s or THROTTLED answers; the stand-in counts the requests it refused because the
bucket (or window) was full (`over_limit`).
"""

from __future__ import annotations

import multiprocessing
import time
import typing as t
import uuid

import pytest
import redis

from statebridge.clients.pacing import RedisPacer
from statebridge.clients.policy import RetryPolicy
from statebridge.errors import APIError
from statebridge.platforms.commercelayer.client import CommerceLayerClient
from statebridge.platforms.shopify.client_graphql import ShopifyGraphQLClient
from statebridge.platforms.shopify.client_rest import ShopifyRestClient
from statebridge.settings import Settings

from .standin import commercelayer as cl_standin, shopify_graphql as graphql_standin
from .standin.shopify import TOKEN, Shop, StandinShopify

REDIS_URL = "redis://127.0.0.1:6379/0"
PROCESSES = 3
ORDERS = 40
PAGE_SIZE = 5
#: Pages each process reads: 8 of 5 orders (Commerce Layer's keyset paging asks two more).
PAGES = {"rest": 8, "graphql": 8, "commercelayer": 10}


POLICY = RetryPolicy(max_attempts=20, base_delay=0.05, max_delay=0.5, timeout=10)


def page_shop(api: str, base_url: str, prefix: str | None, start_at: float, results: t.Any) -> None:
    """One worker: every page of the shop, paced through Redis under `prefix` (None: alone)."""
    pacer = RedisPacer(REDIS_URL, prefix=prefix) if prefix is not None else None
    settings = Settings(
        shopify_token=TOKEN if api == "rest" else graphql_standin.TOKEN,
        commercelayer_client_id=cl_standin.CLIENT_ID,
        commercelayer_client_secret=cl_standin.CLIENT_SECRET,
    )
    time.sleep(max(0.0, start_at - time.time()))
    client: ShopifyRestClient | ShopifyGraphQLClient | CommerceLayerClient
    if api == "rest":
        client = ShopifyRestClient(
            base_url,
            page_size=PAGE_SIZE,
            restore_rate=2.0,
            headroom=1.0,  # each process alone goes as far as the bucket it is told about
            policy=POLICY,
            settings=settings,
            pacer=pacer,
        )
    elif api == "commercelayer":
        client = CommerceLayerClient(
            base_url,
            auth_url=f"{base_url}/oauth/token",
            page_size=PAGE_SIZE,
            policy=POLICY,
            settings=settings,
            pacer=pacer,
        )
    else:
        client = ShopifyGraphQLClient(
            base_url, page_size=PAGE_SIZE, lines_per_order=3, policy=POLICY, settings=settings, pacer=pacer
        )
    try:
        with client:
            results.put(sum(1 for _ in client.pages(None)))
    except APIError as exc:
        results.put(str(exc))


@pytest.fixture
def prefix() -> t.Iterator[str]:
    name = f"statebridge-test:pace:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def standin(
    api: str,
) -> StandinShopify | graphql_standin.StandinShopifyGraphQL | cl_standin.StandinCommerceLayer:
    if api == "rest":
        return StandinShopify(Shop(count=ORDERS, bucket_size=10, leak_per_second=2.0))
    if api == "commercelayer":
        return cl_standin.StandinCommerceLayer(cl_standin.Organization(count=ORDERS, limit=10, interval=2.0))
    # no order has more lines than a page asks for, so that every request is a page
    small = graphql_standin.Shop(count=ORDERS, big_every=ORDERS + 1, maximum=300.0, restore_rate=300.0)
    return graphql_standin.StandinShopifyGraphQL(small)


@pytest.mark.parametrize("api", ["rest", "graphql", "commercelayer"])
@pytest.mark.parametrize("shared", [True, False], ids=["redis", "local"])
def test_processes_pulling_one_shop_stay_inside_its_bucket(api: str, shared: bool, prefix: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    with standin(api) as shop:
        start_at = time.time() + 2.0  # after every process has started
        key_prefix = prefix if shared else None
        workers = [
            spawn.Process(target=page_shop, args=(api, shop.base_url, key_prefix, start_at, results))
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=10)
        over_limit = shop.over_limit
    assert outcomes == [PAGES[api]] * PROCESSES
    if shared:
        assert over_limit == 0
    else:
        assert over_limit > 0  # each process alone knows only its own requests
