"""The stand-ins as something to try `statebridge pull` against by hand: one per platform client.

`STANDINS` holds, for every registered platform with an API client, how to build its stand-in
with `orders` generated orders, for each API (`pull --api`) and Spree flavour its client speaks.
`missing()` names any client without one, so that a new client cannot be forgotten here.

Generated orders are deterministic: their status fields cycle through combinations that together use
every value of the platform's mapping table (`bench.orders.status_variants`, in the spelling of the
API served), so a pull exercises every value; `seed` picks their line items.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
import shlex
import typing as t

import orjson
from bench.orders import FIXTURES, status_variants

from statebridge.platforms.commercelayer import client as cl_client
from statebridge.platforms.relatude import client as relatude_client
from statebridge.platforms.shopify import client_rest as shopify_client
from statebridge.platforms.spree import client as spree_client

from ..platforms import api_choices, pullable
from . import commercelayer, commercelayer_write, relatude, shopify, shopify_admin, shopify_graphql, spree
from .server import StandinServer

Status = dict[str, str | None]
START = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Options:
    orders: int = 500
    seed: int = 1
    api: str | None = None
    flavour: str | None = None


@dataclasses.dataclass
class Demo:
    """A stand-in ready to start, and how to pull from it."""

    platform: str
    server: StandinServer
    env: dict[str, str]
    #: `pull` options; `{server}` in one stands for the stand-in's root URL
    options: list[str]
    path: str = ""
    what: str = ""

    @property
    def url(self) -> str:
        return self.server.base_url + self.path

    def command(self) -> str:
        """`NAME=value … statebridge pull …`: a line a shell runs as it is."""
        env = [f"{name}={shlex.quote(value)}" for name, value in self.env.items()]
        options = [option.replace("{server}", self.server.base_url) for option in self.options]
        pull = ["statebridge", "pull", self.platform, "--base-url", self.url, *options]
        pull += ["--store", f"sqlite:///standin-{self.platform}.db"]
        return " ".join([*env, *map(shlex.quote, pull)])

    def banner(self, orders: int) -> str:
        what = f"{self.platform} stand-in ({self.what}, {orders} orders)"
        return f"{what} listening on {self.url}; try: {self.command()}"


@dataclasses.dataclass(frozen=True)
class Platform:
    build: t.Callable[[Options], Demo]
    apis: tuple[str, ...] = ()
    flavours: tuple[str, ...] = ()


class NoStandin(Exception):
    """A platform (or one of its APIs) that has a client but no stand-in, or no client at all."""


def _spelling(case: t.Callable[[str], str]) -> t.Callable[[str, str | None], bool]:
    """Keep a field's values spelt as `case` spells them (Shopify's tables list REST's and GraphQL's)."""
    return lambda field, value: value is None or field in ("cancelled", "closed") or case(value) == value


def _cycle(variants: list[Status], count: int) -> list[Status]:
    return [variants[i % len(variants)] for i in range(count)]


# -- per platform ---------------------------------------------------------------------------------


def _shopify(options: Options) -> Demo:
    if options.api == "graphql":
        return _shopify_graphql(options)
    shop = shopify.Shop(count=options.orders)
    rng = random.Random(options.seed)
    statuses = _cycle(status_variants("shopify", _spelling(str.lower)), options.orders)
    for (index, order), status in zip(sorted(shop.orders.items()), statuses, strict=True):
        when = order["updated_at"]
        order.update(
            financial_status=status["financial_status"],
            fulfillment_status=status["fulfillment_status"],
            cancel_reason=status["cancel_reason"],
            cancelled_at=when if status["cancelled"] == "yes" else None,
            closed_at=when if status["closed"] == "yes" else None,
        )
        lines = []
        for n in range(rng.randint(1, 3)):
            sku, name, price = rng.choice(spree.PRODUCTS)
            line = {"id": 9000000 + 10 * index + n, "variant_id": 700 + n, "sku": sku, "name": name}
            lines.append({**line, "title": name, "quantity": rng.randint(1, 4), "price": price})
        total = f"{sum(x['quantity'] * float(x['price']) for x in lines):.2f}"
        order.update(line_items=lines, total_price=total, current_total_price=total)
    env = {shopify_client.TOKEN_ENV: shopify.TOKEN}
    return Demo("shopify", shopify.StandinShopify(shop), env, [], what="Admin REST API")


def _shopify_graphql(options: Options) -> Demo:
    shop = shopify_graphql.Shop(count=options.orders)
    rng = random.Random(options.seed)
    statuses = _cycle(status_variants("shopify", _spelling(str.upper)), options.orders)
    for (_, node), status in zip(sorted(shop.orders.items()), statuses, strict=True):
        when = node["updatedAt"]
        node.update(
            displayFinancialStatus=status["financial_status"],
            displayFulfillmentStatus=status["fulfillment_status"],
            cancelReason=status["cancel_reason"],
            cancelledAt=when if status["cancelled"] == "yes" else None,
            closed=status["closed"] == "yes",
            closedAt=when if status["closed"] == "yes" else None,
        )
        for line in node["lineItems"]:
            line["quantity"] = rng.randint(1, 4)
    env = {shopify_client.TOKEN_ENV: shopify_graphql.TOKEN}
    server = shopify_graphql.StandinShopifyGraphQL(shop)
    return Demo("shopify", server, env, ["--api", "graphql"], what="Admin GraphQL API")


def _commercelayer(options: Options) -> Demo:
    organization = commercelayer.Organization(count=options.orders)
    statuses = _cycle(status_variants("commercelayer"), options.orders)
    for (_, order), status in zip(sorted(organization.orders.items()), statuses, strict=True):
        attributes = order["attributes"]
        attributes.update(status)
        if status["status"] in ("draft", "pending"):
            attributes["placed_at"] = None
    # the writable stand-in: it also takes order writes (market code:europe), for the writer
    server = commercelayer_write.StandinCommerceLayerWrite(organization)
    env = {
        cl_client.CLIENT_ID_ENV: commercelayer.CLIENT_ID,
        cl_client.CLIENT_SECRET_ENV: commercelayer.CLIENT_SECRET,
    }
    options_ = ["--auth-url", "{server}/oauth/token"]
    return Demo("commercelayer", server, env, options_, what="Core API, client credentials")


def _solidus_or_ofn(field: str, value: str | None) -> bool:
    """Solidus and OFN have no Spree 5.5+ `status` and always send a `state`."""
    return (field != "status" or value is None) and (field != "state" or value is not None)


def _spree(options: Options) -> Demo:
    flavour = options.flavour or "spree-v2"
    keep = None if flavour == "spree-v2" else _solidus_or_ofn
    statuses = status_variants("spree", keep)  # the site cycles through them
    site = spree.Site(count=options.orders, statuses=statuses, seed=options.seed)
    env = {spree_client.TOKEN_ENV: spree.TOKEN}
    return Demo("spree", spree.StandinSpree(site), env, ["--flavour", flavour], what=f"{flavour} API")


def _relatude(options: Options) -> Demo:
    template = orjson.loads((FIXTURES / "relatude" / "orders.ndjson").read_text("utf-8").splitlines()[1])
    rng = random.Random(options.seed)
    statuses = _cycle(status_variants("relatude"), options.orders)
    orders = []
    for i, status in enumerate(statuses, 1):
        order = copy.deepcopy(template)
        order.update(
            OrderGuid=f"00000000-0000-4000-8000-{i:012d}",
            OrderNumber=str(70000 + i),
            DateOrdered=(START + dt.timedelta(minutes=7 * i)).isoformat(),
            Email=f"buyer{i}@example.no",
            **status,
        )
        for item in order["OrderItems"]:
            item["Quantity"] = str(rng.randint(1, 4))
        items = sum(float(x["Quantity"]) * float(x["UnitPrice"]) for x in order["OrderItems"])
        order["OrderTotal"] = f"{items + float(order.get('ShippingAmount') or 0):.2f}"
        orders.append(order)
    server = relatude.StandinRelatude(relatude.Export(orders))
    env = {relatude_client.TOKEN_ENV: relatude.TOKEN}
    return Demo("relatude", server, env, [], path=relatude.PATH, what="order export")


@dataclasses.dataclass
class WriteDemo(Demo):
    """A stand-in of a platform's write API: a delivery target, not something to pull from."""

    def banner(self, orders: int) -> str:
        env = " ".join(f"{name}={shlex.quote(value)}" for name, value in self.env.items())
        return f"{self.platform} stand-in ({self.what}) listening on {self.url}; its credentials: {env}"


def _shopify_admin(options: Options) -> Demo:
    server = shopify_admin.StandinShopifyAdmin()
    variants = ", ".join(sorted(server.store.catalogue))
    what = f"Admin GraphQL write API: draft orders of variants {variants}"
    return WriteDemo("shopify-admin", server, {shopify_client.TOKEN_ENV: shopify_admin.TOKEN}, [], what=what)


#: Stand-ins of write APIs (delivery targets), by the name `python -m tests.standin` takes.
WRITE_STANDINS: dict[str, t.Callable[[Options], Demo]] = {"shopify-admin": _shopify_admin}

STANDINS: dict[str, Platform] = {
    "shopify": Platform(_shopify, apis=("rest", "graphql")),
    "commercelayer": Platform(_commercelayer),
    "spree": Platform(_spree, flavours=("spree-v2", "solidus", "ofn")),
    "relatude": Platform(_relatude),
}


def missing(
    clients: t.Iterable[str] | None = None,
    api_clients: t.Mapping[str, t.Iterable[str]] | None = None,
    flavours: t.Mapping[str, t.Iterable[str]] | None = None,
    standins: t.Mapping[str, Platform] = STANDINS,
) -> list[str]:
    """Every platform, API and Spree flavour a client pulls from that no stand-in serves."""
    flavours = {"spree": spree_client.FLAVOURS} if flavours is None else flavours
    clients = pullable() if clients is None else clients
    api_clients = api_choices() if api_clients is None else api_clients
    gaps = [name for name in clients if name not in standins]
    for name, apis in api_clients.items():
        gaps += [f"{name} --api {api}" for api in apis if name in standins and api not in standins[name].apis]
    for name, kinds in flavours.items():
        have = standins[name].flavours if name in standins else ()
        gaps += [f"{name} --flavour {kind}" for kind in kinds if name in standins and kind not in have]
    return gaps


def build(platform: str, options: Options) -> Demo:
    """The stand-in of `platform` with `options`; `NoStandin` saying what is missing."""
    if platform in WRITE_STANDINS:
        return WRITE_STANDINS[platform](options)
    if platform not in pullable():
        msg = (
            f"{platform!r} has no API client to pull with "
            f"(platforms with one: {', '.join(sorted(pullable()))})"
        )
        raise NoStandin(msg)
    gaps = [gap for gap in missing() if gap.split()[0] == platform]
    if gaps:
        msg = f"no stand-in for {', '.join(gaps)}: add one to STANDINS in tests/standin/demo.py"
        raise NoStandin(msg)
    entry = STANDINS[platform]
    if options.api is not None and options.api not in entry.apis:
        known = ", ".join(entry.apis) or "none: it has one API"
        raise NoStandin(f"--api {options.api} is not an API of {platform} (APIs: {known})")
    if options.flavour is not None and options.flavour not in entry.flavours:
        known = ", ".join(entry.flavours) or "none"
        raise NoStandin(f"--flavour {options.flavour} is not a flavour of {platform} (flavours: {known})")
    return entry.build(options)
