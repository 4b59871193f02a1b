"""The Shopify writer against the Admin GraphQL write stand-in, over real loopback HTTP.

The orders are Open Food Network's: the backorder its BackorderJob POSTed to the FDC Shopify app
(fixtures/dfc/ofn_backorder/), read as statebridge reads a DFC order, with the DFC state each test
needs. The stand-in enforces what Shopify does (tests/standin/shopify_drafts.py); the writer's
retries wait through an injected sleep, so throttling and `Retry-After` cost no real time.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import typing as t
from decimal import Decimal

import httpx
import pytest

from statebridge.clients.policy import RetryPolicy
from statebridge.delivery.writer import Delivery, Link, delivery_key
from statebridge.dfc import IriMinter
from statebridge.errors import DeliveryError, FatalAPIError, RequestFailedError, UnreachableState
from statebridge.model import Order, OrderLine
from statebridge.platforms import platform
from statebridge.platforms.shopify import draft_queries as q
from statebridge.platforms.shopify.deliver import ShopifyWriter, tag_for
from statebridge.settings import Settings
from statebridge.states import DFCStates, OrderStatus
from statebridge.translate import read_orders
from tests.conftest import FIXTURES
from tests.fakes import FakeTime
from tests.standin.demo import Options, build
from tests.standin.shopify_admin import TOKEN, StandinShopifyAdmin
from tests.standin.shopify_graphql import Shop

TARGET = "hodmedod-shop"
BEANS = "gid://shopify/ProductVariant/44519466500403"
CHIA = "gid://shopify/ProductVariant/44519468433715"
#: A day before the sale session of OFN's recorded order ends (Fri Oct 25 2024 03:58:10 UTC).
BEFORE_SESSION_END = dt.datetime(2024, 10, 24, 12, 0, tzinfo=dt.UTC)
HELD, COMPLETE, CANCELLED = OrderStatus.HELD, OrderStatus.COMPLETE, OrderStatus.CANCELLED


def ofn_backorder() -> Order:
    """The order OFN's BackorderJob POSTed to the FDC Shopify app: 1 x beans, 5 x chia."""
    recorded = json.loads(
        (FIXTURES / "dfc" / "ofn_backorder" / "backorder_job_places_an_order.json").read_text()
    )
    body = next(i["request"]["body"] for i in recorded["interactions"] if i["request"]["method"] == "POST")
    (order,) = read_orders(io.BytesIO(body.encode()), "dfc")
    assert isinstance(order, Order)
    return order


ORDER = ofn_backorder()


def delivery(state: OrderStatus, link: Link | None = None, **changes: t.Any) -> Delivery:
    order = ORDER.model_copy(update={"states": DFCStates(order=state), **changes})
    key = delivery_key("dfc", "https://ofn.example.org", order.id, TARGET)
    return Delivery(TARGET, key, order, IriMinter.for_platform("dfc"), link)


def quantities(*pairs: tuple[int, str]) -> tuple[OrderLine, ...]:
    """ORDER's lines with new quantities (its items and offers kept)."""
    return tuple(
        line.model_copy(update={"quantity": Decimal(q)})
        for line, (q, _) in zip(ORDER.lines, pairs, strict=True)
    )


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime(digits=3)


@pytest.fixture
def standin() -> t.Iterator[StandinShopifyAdmin]:
    with StandinShopifyAdmin(shop=Shop(count=0, restore_rate=1e9)) as server:
        yield server


@pytest.fixture
def writer(standin: StandinShopifyAdmin, fake: FakeTime) -> t.Iterator[ShopifyWriter]:
    with make_writer(standin, fake) as made:
        yield made


def make_writer(standin: StandinShopifyAdmin, fake: FakeTime, token: str = TOKEN) -> ShopifyWriter:
    return ShopifyWriter(
        standin.base_url,
        settings=Settings.from_env({"STATEBRIDGE_SHOPIFY_TOKEN": token}),
        now=lambda: BEFORE_SESSION_END,
        sleep=fake.sleep,
        clock=fake.clock,
        policy=RetryPolicy(max_attempts=4, base_delay=0.0),
    )


def names(standin: StandinShopifyAdmin) -> list[str]:
    return [m.name for m in standin.mutations]


def test_a_held_order_becomes_an_open_draft_order_as_fdc_makes_it(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    link = writer.deliver(delivery(HELD))

    draft = standin.store.drafts[link.remote_id]
    assert link == Link(draft["id"], {"status": "OPEN"})
    assert [(x["variant"]["id"], x["quantity"]) for x in draft["lineItems"]] == [(BEANS, 1), (CHIA, 5)]
    assert draft["tags"] == [tag_for(delivery(HELD).key)]
    assert len(draft["tags"][0]) == 40
    assert draft["reserveInventoryUntil"] == "2024-10-25T03:58:10Z"  # the SaleSession's end
    assert draft["note"] == f"DFC order {ORDER.id}"
    assert draft["paymentTerms"] == {"paymentTermsTemplateId": "gid://shopify/PaymentTermsTemplate/1"}
    assert names(standin) == ["draftOrderCreate"]


def test_create_then_complete_then_cancel(writer: ShopifyWriter, standin: StandinShopifyAdmin) -> None:
    held = writer.deliver(delivery(HELD))
    complete = writer.deliver(delivery(COMPLETE, held))
    order_gid = complete.detail["order"]
    number = order_gid.rsplit("/", 1)[-1]  # what a pull stores the order under
    assert complete == Link(held.remote_id, {"status": "COMPLETED", "order": order_gid, "source_id": number})
    order = standin.store.orders[order_gid]
    assert order["displayFinancialStatus"] == "PENDING"
    assert order["cancelledAt"] is None

    cancelled = writer.deliver(delivery(CANCELLED, complete))
    assert cancelled == Link(held.remote_id, {"order": order_gid, "source_id": number, "status": "CANCELLED"})
    assert order["cancelledAt"] is not None
    assert order["restocked"] is True
    (cancel,) = standin.applied("orderCancel")
    assert cancel.variables["orderId"] == order_gid
    assert cancel.variables["notifyCustomer"] is False

    assert writer.deliver(delivery(CANCELLED, cancelled)) == cancelled  # said again: nothing to do
    assert names(standin) == ["draftOrderCreate", "draftOrderComplete", "orderCancel"]


def test_a_new_order_delivered_complete_is_created_then_completed(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    link = writer.deliver(delivery(COMPLETE))
    assert link.detail["status"] == "COMPLETED"
    assert link.detail["order"] in standin.store.orders
    assert names(standin) == ["draftOrderCreate", "draftOrderComplete"]


def test_an_open_draft_gets_new_lines_only_when_they_differ(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    link = writer.deliver(delivery(HELD))
    writer.deliver(delivery(HELD, link))
    assert names(standin) == ["draftOrderCreate"]

    amended = writer.deliver(delivery(HELD, link, lines=quantities((3, "beans"), (0, "chia"))))
    assert amended.remote_id == link.remote_id
    draft = standin.store.drafts[link.remote_id]
    assert [(x["variant"]["id"], x["quantity"]) for x in draft["lineItems"]] == [(BEANS, 3)]
    assert names(standin) == ["draftOrderCreate", "draftOrderUpdate"]


def test_an_order_left_without_lines_keeps_fdcs_placeholder_line(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    link = writer.deliver(delivery(HELD))
    writer.deliver(delivery(COMPLETE, link, lines=quantities((0, "beans"), (0, "chia"))))
    draft = standin.store.drafts[link.remote_id]
    assert draft["status"] == "COMPLETED"
    assert [(x["title"], x["quantity"], x["custom"]) for x in draft["lineItems"]] == [
        ("placeholder", 1, True)
    ]
    assert draft["reserveInventoryUntil"] is None


def test_a_retry_without_link_finds_the_draft_it_created(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    first = writer.deliver(delivery(HELD))
    again = writer.deliver(delivery(HELD))  # a run killed before the outbox recorded `first`
    assert again == first
    assert len(standin.store.drafts) == 1
    assert names(standin) == ["draftOrderCreate"]


def test_a_create_accepted_then_answered_502_is_not_repeated(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    standin.fail_after_applying(1)
    with pytest.raises(RequestFailedError, match="not retried"):
        writer.deliver(delivery(HELD))
    assert len(standin.store.drafts) == 1

    link = writer.deliver(delivery(HELD))  # the outbox tries again later, still without a link
    assert link.remote_id in standin.store.drafts
    assert len(standin.store.drafts) == 1
    assert names(standin) == ["draftOrderCreate"]


def test_a_completion_accepted_then_answered_502_is_not_repeated(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    held = writer.deliver(delivery(HELD))
    standin.fail_after_applying(1)
    with pytest.raises(RequestFailedError):
        writer.deliver(delivery(COMPLETE, held))
    complete = writer.deliver(delivery(COMPLETE, held))
    assert complete.detail["status"] == "COMPLETED"
    assert complete.detail["order"] in standin.store.orders
    assert names(standin) == ["draftOrderCreate", "draftOrderComplete"]
    assert len(standin.store.orders) == 1


def test_throttled_answers_wait_for_the_bucket(fake: FakeTime) -> None:
    shop = Shop(count=0, restore_rate=1e9, steal={1: 1000.0, 3: 1000.0})
    with StandinShopifyAdmin(shop=shop) as standin, make_writer(standin, fake) as writer:
        link = writer.deliver(delivery(COMPLETE))
    assert standin.throttled == 2
    assert len(fake.sleeps) == 2  # each THROTTLED answer is waited out once, as its bucket says
    assert link.detail["status"] == "COMPLETED"
    assert names(standin) == ["draftOrderCreate", "draftOrderComplete"]


def test_429_waits_the_retry_after_shopify_sent(
    writer: ShopifyWriter, standin: StandinShopifyAdmin, fake: FakeTime
) -> None:
    standin.rate_limit(2, retry_after="2.5")
    link = writer.deliver(delivery(HELD))
    assert fake.sleeps == [2.5, 2.5]
    assert link.remote_id in standin.store.drafts
    assert names(standin) == ["draftOrderCreate"]


def _completed(writer: ShopifyWriter) -> Link:
    return writer.deliver(delivery(COMPLETE))


def _cancelled(writer: ShopifyWriter) -> Link:
    return writer.deliver(delivery(CANCELLED, _completed(writer)))


def _deleted(writer: ShopifyWriter) -> Link:
    link = writer.deliver(delivery(CANCELLED, writer.deliver(delivery(HELD))))
    assert link.detail == {"status": "DELETED"}
    return link


@pytest.mark.parametrize(
    ("standing", "wanted", "changes", "expected"),
    [
        (_completed, HELD, {}, r"cannot make it Held again: draft order .* was completed into order"),
        (_cancelled, COMPLETE, {}, r"cannot make it Complete: .* which is cancelled at Shopify"),
        (_cancelled, HELD, {}, r"cannot make it Held: .* which is cancelled at Shopify"),
        (_deleted, HELD, {}, r"cannot make it Held: its draft order .* was deleted at Shopify"),
        (_deleted, COMPLETE, {}, r"cannot make it Complete: its draft order .* was deleted"),
        (
            _completed,
            COMPLETE,
            {"lines": quantities((2, "beans"), (5, "chia"))},
            r"cannot change its lines to 2 x .*44519466500403.*a completed draft order cannot be edited",
        ),
    ],
    ids=[
        "completed-to-held",
        "cancelled-to-complete",
        "cancelled-to-held",
        "deleted-to-held",
        "deleted-to-complete",
        "lines-of-completed",
    ],
)
def test_unreachable_moves_are_refused_naming_order_state_and_where_it_stands(
    writer: ShopifyWriter,
    standin: StandinShopifyAdmin,
    standing: t.Callable[[ShopifyWriter], Link],
    wanted: OrderStatus,
    changes: dict[str, t.Any],
    expected: str,
) -> None:
    link = standing(writer)
    before = list(standin.mutations)
    with pytest.raises(UnreachableState, match=expected) as refused:
        writer.deliver(delivery(wanted, link, **changes))
    assert str(refused.value).startswith(f"order {ORDER.id} to {TARGET}: ")
    assert standin.mutations == before  # nothing was attempted


def test_a_cancelled_order_never_created_creates_nothing(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    assert writer.deliver(delivery(CANCELLED)) == Link("", {"status": "NOT_CREATED"})
    assert standin.mutations == []
    assert standin.store.drafts == {}


def test_user_errors_name_the_order_the_field_and_shopifys_message(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    unknown = ORDER.lines[0].model_copy(
        update={"item": "https://shop.example.org/api/dfc/SuppliedProducts/99"}
    )
    order_lines = (unknown,)
    with pytest.raises(
        DeliveryError, match=r"Shopify refused draftOrderCreate: field lineItems\.0\.variantId: "
    ) as e:
        writer.deliver(delivery(HELD, lines=order_lines, kept=()))
    assert "gid://shopify/ProductVariant/99 does not exist" in str(e.value)
    assert ORDER.id in str(e.value)
    assert standin.store.drafts == {}


def test_a_line_naming_no_variant_is_refused_before_any_request(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    line = ORDER.lines[0].model_copy(update={"item": "https://shop.example.org/api/dfc/Offers/rye-flour"})
    with pytest.raises(
        DeliveryError,
        match=r"line .*OrderLines/1: no Shopify variant found for https://shop\.example\.org/api/dfc/Offers/rye-flour",
    ):
        writer.deliver(delivery(HELD, lines=(line,), kept=()))
    half = ORDER.lines[0].model_copy(update={"quantity": Decimal("2.5")})
    with pytest.raises(DeliveryError, match=r"quantity 2\.5 is not a whole number"):
        writer.deliver(delivery(HELD, lines=(half,)))
    assert standin.requests == []


def test_a_refused_token_is_fatal(standin: StandinShopifyAdmin, fake: FakeTime) -> None:
    with make_writer(standin, fake, token="shpat_wrong") as writer, pytest.raises(FatalAPIError, match="401"):
        writer.deliver(delivery(HELD))
    assert standin.mutations == []


def test_shopify_names_this_writer_and_the_standin_runs_by_hand() -> None:
    assert platform("shopify").writer_class() is ShopifyWriter
    demo = build("shopify-admin", Options())
    with demo.server:
        banner = demo.banner(0)
    assert "shopify-admin stand-in (Admin GraphQL write API: draft orders of variants 40001, " in banner
    assert (
        f"listening on {demo.server.base_url}; its credentials: STATEBRIDGE_SHOPIFY_TOKEN={TOKEN}" in banner
    )


def test_an_order_without_a_dfc_order_state_is_refused(
    writer: ShopifyWriter, standin: StandinShopifyAdmin
) -> None:
    plain = delivery(HELD)
    unset = Delivery(TARGET, plain.key, ORDER.model_copy(update={"states": DFCStates()}), plain.minter)
    with pytest.raises(DeliveryError, match=rf"^order {ORDER.id} to {TARGET}: it has no DFC order state"):
        writer.deliver(unset)
    assert standin.requests == []


def graphql(
    standin: StandinShopifyAdmin, document: str, token: str = TOKEN, **variables: t.Any
) -> httpx.Response:
    url = f"{standin.base_url}/admin/api/2026-10/graphql.json"
    body = {"query": document, "variables": {"lines": 10, **variables}}
    return httpx.post(url, json=body, headers={"X-Shopify-Access-Token": token})


def test_the_standin_keeps_shopifys_rules(standin: StandinShopifyAdmin) -> None:
    """What the writer never provokes, the stand-in still refuses, as Shopify does."""
    create, update, complete, cancel = q.CREATE, q.UPDATE, q.COMPLETE, q.CANCEL
    assert graphql(standin, create, token="shpat_wrong", input={}).status_code == 401
    zero = graphql(standin, create, input={"lineItems": [{"variantId": BEANS, "quantity": 0}]}).json()
    assert zero["data"]["draftOrderCreate"]["userErrors"] == [
        {"field": ["lineItems", "0", "quantity"], "message": "Quantity must be greater than or equal to 1"}
    ]
    made = graphql(standin, create, input={"lineItems": [{"variantId": BEANS, "quantity": 2}]}).json()
    draft_id = made["data"]["draftOrderCreate"]["draftOrder"]["id"]
    assert made["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 1000

    done = graphql(standin, complete, id=draft_id).json()["data"]["draftOrderComplete"]
    assert done["userErrors"] == []
    again = graphql(standin, complete, id=draft_id).json()["data"]["draftOrderComplete"]
    assert again["userErrors"][0]["field"] == ["id"]
    edit = {"lineItems": [{"variantId": CHIA, "quantity": 1}]}
    edited = graphql(standin, update, id=draft_id, input=edit).json()["data"]["draftOrderUpdate"]
    assert "can no longer be edited" in edited["userErrors"][0]["message"]

    order_gid = done["draftOrder"]["order"]["id"]
    cancelling = {"orderId": order_gid, "reason": "OTHER", "restock": True}
    assert graphql(standin, cancel, **cancelling).json()["data"]["orderCancel"]["orderCancelUserErrors"] == []
    twice = graphql(standin, cancel, **cancelling).json()["data"]["orderCancel"]["orderCancelUserErrors"]
    assert twice == [{"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}]
    assert [m.name for m in standin.applied("orderCancel")] == ["orderCancel"]
