"""The state behind the Shopify Admin write stand-in: a catalogue of variants, draft orders, orders.

The rules it enforces are Shopify's, as its GraphQL Admin reference states them
(docs/references/fdc-shopify-orders.md#shopifys-rules): a draft order is `OPEN`, `INVOICE_SENT` or
`COMPLETED`; only an open one can be completed or updated; completing makes an order (payment
pending when the draft has payment terms, paid otherwise); an order is cancelled once and never
uncancelled; a line needs a variant of the shop's catalogue, or a title and a price, and a quantity
of at least 1. Refusals are `userErrors` (`orderCancelUserErrors` for `orderCancel`) with a `field`
path and a message; the messages are the stand-in's wording, not Shopify's exact text."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import threading
import typing as t

#: Variants of the seeded catalogue: FDC names a SuppliedProduct by its variant's id (these two are
#: Hodmedod's, from OFN's recorded backorders), then a few more.
CATALOGUE = {
    "44519466500403": ("Baked British Beans - Case, 12 x 400g (can)", "18.85"),
    "44519468433715": ("Chia Seed, Organic - Case, 8 x 300g", "23.95"),
    "44519466467635": ("Carlin Peas, Organic - Case, 12 x 400g", "2.09"),
    "40001": ("Rye flour 1kg", "4.10"),
}
DRAFT_KEYS = frozenset(
    {"lineItems", "tags", "note", "email", "reserveInventoryUntil", "paymentTerms", "purchasingEntity"}
)

Errors = list[dict[str, t.Any]]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(field: list[str | int], message: str, code: str | None = None) -> dict[str, t.Any]:
    error: dict[str, t.Any] = {"field": [str(part) for part in field], "message": message}
    if code is not None:
        error["code"] = code
    return error


@dataclasses.dataclass
class Store:
    """The shop's catalogue, draft orders and orders, changed only by the mutations below."""

    catalogue: dict[str, tuple[str, str]] = dataclasses.field(default_factory=lambda: dict(CATALOGUE))

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.drafts: dict[str, dict[str, t.Any]] = {}
        self.orders: dict[str, dict[str, t.Any]] = {}
        self._next = 1
        self._stamped = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    def _stamp(self) -> str:
        """Now, as Shopify's `updatedAt` (whole seconds), later than every stamp before it: each
        change of an order is newer news to a pull than the last."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._stamped = max(now, self._stamped + dt.timedelta(seconds=1))
        return self._stamped.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _id(self) -> int:
        self._next += 1
        return self._next

    # -- lines -------------------------------------------------------------------------------------

    def _lines(self, items: t.Any) -> tuple[list[dict[str, t.Any]], Errors]:
        if not isinstance(items, list) or not items:
            return [], [_error(["lineItems"], "Add at least 1 product or custom item")]
        lines, errors = [], []
        for index, item in enumerate(items):
            where: list[str | int] = ["lineItems", index]
            quantity = item.get("quantity")
            if not isinstance(quantity, int) or quantity < 1:
                errors.append(_error([*where, "quantity"], "Quantity must be greater than or equal to 1"))
                continue
            variant = item.get("variantId")
            if variant is not None:
                number = str(variant).rsplit("/", 1)[-1]
                if (
                    not str(variant).startswith("gid://shopify/ProductVariant/")
                    or number not in self.catalogue
                ):
                    errors.append(_error([*where, "variantId"], f"Product variant {variant} does not exist"))
                    continue
                title, price = self.catalogue[number]
                line = {"custom": False, "title": title, "variant": {"id": variant}, "price": price}
            elif item.get("title") and item.get("originalUnitPrice") is not None:
                line = {
                    "custom": True,
                    "title": item["title"],
                    "variant": None,
                    "price": str(item["originalUnitPrice"]),
                }
            else:
                errors.append(_error(where, "A custom line item needs a title and an originalUnitPrice"))
                continue
            line.update(id=f"gid://shopify/DraftOrderLineItem/{self._id()}", quantity=quantity)
            lines.append(line)
        return lines, errors

    def _check_input(self, draft_input: t.Any) -> Errors:
        if not isinstance(draft_input, dict):
            return [_error(["input"], "input must be a DraftOrderInput object")]
        unknown = sorted(set(draft_input) - DRAFT_KEYS)
        return [
            _error(["input", key], f"{key} is not a field the stand-in knows of DraftOrderInput")
            for key in unknown
        ]

    # -- mutations ---------------------------------------------------------------------------------

    def create(self, draft_input: t.Any) -> tuple[dict[str, t.Any] | None, Errors]:
        with self.lock:
            errors = self._check_input(draft_input)
            if errors:
                return None, errors
            lines, errors = self._lines(draft_input.get("lineItems"))
            if errors:
                return None, errors
            number = self._id()
            draft = {
                "id": f"gid://shopify/DraftOrder/{number}",
                "name": f"#D{number}",
                "status": "OPEN",
                "tags": sorted(str(tag) for tag in draft_input.get("tags") or []),
                "note": draft_input.get("note"),
                "email": draft_input.get("email"),
                "reserveInventoryUntil": draft_input.get("reserveInventoryUntil"),
                "paymentTerms": draft_input.get("paymentTerms"),
                "lineItems": lines,
                "order": None,
                "createdAt": _now(),
            }
            self.drafts[draft["id"]] = draft
            return draft, []

    def update(self, draft_id: t.Any, draft_input: t.Any) -> tuple[dict[str, t.Any] | None, Errors]:
        with self.lock:
            draft = self.drafts.get(str(draft_id))
            if draft is None:
                return None, [_error(["id"], "Draft order does not exist")]
            if draft["status"] == "COMPLETED":
                return None, [_error(["id"], "Draft order has been completed and can no longer be edited")]
            errors = self._check_input(draft_input)
            if errors:
                return None, errors
            if "lineItems" in draft_input:
                lines, errors = self._lines(draft_input["lineItems"])
                if errors:
                    return None, errors
                draft["lineItems"] = lines
            for key in DRAFT_KEYS - {"lineItems"}:
                if key in draft_input:
                    draft[key] = draft_input[key]
            return draft, []

    def complete(self, draft_id: t.Any) -> tuple[dict[str, t.Any] | None, Errors]:
        with self.lock:
            draft = self.drafts.get(str(draft_id))
            if draft is None:
                return None, [_error(["id"], "Draft order does not exist")]
            if draft["status"] not in ("OPEN", "INVOICE_SENT"):
                return None, [_error(["id"], "This draft order has already been completed")]
            number = self._id()
            order = {
                "id": f"gid://shopify/Order/{number}",
                "name": f"#{1000 + number}",
                "cancelledAt": None,
                "cancelReason": None,
                "displayFinancialStatus": "PENDING" if draft.get("paymentTerms") else "PAID",
                "displayFulfillmentStatus": "UNFULFILLED",
                "lineItems": copy.deepcopy(draft["lineItems"]),
                "restocked": False,
                "email": draft.get("email"),
                "createdAt": _now(),
                "updatedAt": self._stamp(),
            }
            self.orders[order["id"]] = order
            draft.update(status="COMPLETED", order=order)
            return draft, []

    def delete(self, delete_input: t.Any) -> tuple[str | None, Errors]:
        with self.lock:
            draft_id = delete_input.get("id") if isinstance(delete_input, dict) else None
            if self.drafts.pop(str(draft_id), None) is None:
                return None, [_error(["id"], "Draft order does not exist")]
            return str(draft_id), []

    def cancel(self, order_id: t.Any, *, restock: bool) -> tuple[dict[str, t.Any] | None, Errors]:
        """Cancel at once (Shopify runs a job; the stand-in's job is done when it answers)."""
        with self.lock:
            order = self.orders.get(str(order_id))
            if order is None:
                return None, [_error(["orderId"], "Order does not exist", "NOT_FOUND")]
            if order["cancelledAt"] is not None:
                return None, [_error(["orderId"], "Order has already been cancelled", "INVALID")]
            order.update(cancelledAt=_now(), cancelReason="OTHER", restocked=restock, updatedAt=self._stamp())
            return {"id": f"gid://shopify/Job/{self._id()}", "done": True}, []

    def cancel_at_the_shop(self, order_id: str) -> None:
        """A merchant cancels the order in the Shopify admin (not through statebridge)."""
        _, errors = self.cancel(order_id, restock=True)
        assert not errors, errors

    # -- reading -----------------------------------------------------------------------------------

    def as_read(self) -> list[dict[str, t.Any]]:
        """The orders as the reading API serves them (`orders(...)`: `shopify_graphql.make_node`'s
        shape), so that statebridge can pull the shop it delivers to."""
        with self.lock:
            return [_read_node(order) for order in self.orders.values()]

    def tagged(self, tag: str) -> list[dict[str, t.Any]]:
        with self.lock:
            return [draft for draft in self.drafts.values() if tag in draft["tags"]]


def _read_node(order: dict[str, t.Any]) -> dict[str, t.Any]:
    number = order["id"].rsplit("/", 1)[-1]
    items = order["lineItems"]
    total = sum(float(item["price"]) * item["quantity"] for item in items)
    return {
        "id": order["id"],
        "legacyResourceId": number,
        "name": order["name"],
        "email": order.get("email"),
        "createdAt": order["createdAt"],
        "updatedAt": order["updatedAt"],
        "processedAt": order["createdAt"],
        "cancelledAt": order["cancelledAt"],
        "cancelReason": order["cancelReason"],
        "closed": False,
        "closedAt": None,
        "test": False,
        "currencyCode": "GBP",
        "displayFinancialStatus": order["displayFinancialStatus"],
        "displayFulfillmentStatus": order["displayFulfillmentStatus"],
        "currentTotalPriceSet": {"shopMoney": {"amount": f"{total:.2f}", "currencyCode": "GBP"}},
        "customer": None,
        "lineItems": [
            {
                "id": f"gid://shopify/LineItem/{item['id'].rsplit('/', 1)[-1]}",
                "name": item["title"],
                "title": item["title"],
                "sku": None,
                "quantity": item["quantity"],
                "originalUnitPriceSet": {"shopMoney": {"amount": item["price"], "currencyCode": "GBP"}},
                "variant": None if item["variant"] is None else {"id": item["variant"]["id"], "sku": None},
            }
            for item in items
        ],
    }
