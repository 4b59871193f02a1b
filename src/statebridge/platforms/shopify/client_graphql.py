"""Shopify Admin GraphQL client: `POST /admin/api/{version}/graphql.json`, orders page by page.

REST is legacy at Shopify since 2024-10 and new public apps must use GraphQL
(docs/references/shopify.md#admin-rest-order),
so this client reads the same orders through `orders(first:, after:, sortKey: UPDATED_AT,
query: "updated_at:>='…'")`: oldest update first and an inclusive filter, so that a stored cursor
never passes an order not yet seen. It asks only for the fields the Shopify adapter reads from a
GraphQL order, and hands every page on as `{"data": {"orders": {"nodes": [...]}}}`, a document
the adapter reads.

Query cost. Shopify prices a query before running it (an object 1 point, a scalar or enum 0, a
connection 2 plus `first` times what one node costs, so nested connections multiply) and refuses any
query priced above 1000 points with `MAX_COST_EXCEEDED`. 250 orders of 250 line items would be
priced at about 250,000 points, so a page asks for `lines_per_order` lines of each order (20 by
default) and for as many orders as the price allows (11 by default; `page_size` only lowers it).
An order with more lines than that (`lineItems.pageInfo.hasNextPage`) gets follow-up
`order(id:) { lineItems(after:) }` queries for the rest before its page is handed on, because the
adapter rightly refuses an order whose lines were cut short. `orders_query_cost` is this client's
estimate of Shopify's price; should Shopify still refuse a query as too costly, the same page is
asked again with fewer orders (or a follow-up with fewer lines).

Pacing. Every answer reports the app's bucket of points, `extensions.cost.throttleStatus`
(`maximumAvailable`, `currentlyAvailable`, `restoreRate` per second), and what the query was
priced at (`requestedQueryCost`: the bucket must hold that much before Shopify runs a query; the
unused part of it is refunded afterwards). Before each request the client waits until the bucket,
refilling at `restoreRate` since it was last reported, holds what the query is expected to be priced
at: the `requestedQueryCost` of the last query of the same kind, or the estimate before the first.
So `THROTTLED` is the exception. When Shopify does answer `THROTTLED` (HTTP 200, or 429, with
`errors[].extensions.code`), the request is sent again once the bucket reported in that answer has
refilled enough, within the retry policy's attempts like any throttling.

Any other GraphQL error (`ACCESS_DENIED`, a field the API version does not have, …) is a
`FatalAPIError` naming the request: retrying cannot help, and an answer carrying errors is never read
as a complete page, even when it carries some data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import typing as t

import httpx

from ...clients.base import Page, describe_request
from ...clients.oauth_tokens import GrantStore, TokenSource
from ...clients.pacing import Budget
from ...errors import FatalAPIError, QueryTooCostly, UsageError
from ...settings import or_environment
from .client_auth import ShopifyAuth, token_source
from .client_rest import DEFAULT_API_VERSION, VERSION_ENV
from .graphql_answers import (
    _connection,
    _describe_errors,
    _is_throttled,
    _kind_of,
    _mapping,
    _max_cost_exceeded,
    _next_cursor,
    _number,
    _shown,
)
from .graphql_queries import (
    DEFAULT_LINES_PER_ORDER,
    LINES_QUERY,
    MAX_FIRST,
    MAX_QUERY_COST,
    ORDERS_QUERY,
    _most_within,
    lines_query_cost,
    orders_query_cost,
    since_filter,
)

__all__ = [
    "LINES_QUERY",
    "MAX_FIRST",
    "MAX_QUERY_COST",
    "ORDERS_QUERY",
    "Bucket",
    "ShopifyGraphQLClient",
    "lines_query_cost",
    "orders_query_cost",
    "since_filter",
]

log = logging.getLogger("statebridge.clients")

#: How full a shared pacer lets the bucket of points get: a margin for queries priced above what
#: they were expected to cost (clients/pacing.py).
SHARED_FILL = 0.9


@dataclasses.dataclass(frozen=True)
class Bucket:
    """The app's bucket of query points as Shopify last reported it, and when (client clock)."""

    maximum: float
    available: float
    restore_rate: float
    seen_at: float

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds from `now` until the bucket, refilling since it was seen, holds `cost` points.

        A cost above the bucket's size waits for a full bucket (Shopify refuses such a query as too
        costly, which is the answer that explains the problem); a bucket that reports no refill
        gives no wait to compute.
        """
        if self.restore_rate <= 0:
            return 0.0
        needed = min(cost, self.maximum)
        held = min(self.maximum, self.available + max(0.0, now - self.seen_at) * self.restore_rate)
        return max(0.0, (needed - held) / self.restore_rate)


_ORDERS = "orders"
_LINES = "lines"


class ShopifyGraphQLClient(ShopifyAuth):
    """Pages of `{"data": {"orders": {"nodes": [...]}}}` from a shop's Admin GraphQL API.

    The access token comes from `tokens`, else from the source the settings ask for (a static
    token, client credentials, or a rotating refresh token kept in `store`: clients/shopify_auth.py).
    """

    platform = "shopify"
    #: GraphQL points are a bucket of their own, apart from REST requests (clients/pacing.py).
    pace_scope = "shopify-graphql"

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str | None = None,
        page_size: int | None = None,
        lines_per_order: int = DEFAULT_LINES_PER_ORDER,
        max_query_cost: int = MAX_QUERY_COST,
        tokens: TokenSource | None = None,
        store: GrantStore | None = None,
        **kwargs: t.Any,
    ) -> None:
        if not 1 <= lines_per_order <= MAX_FIRST:
            msg = f"lines_per_order must be from 1 to {MAX_FIRST}, not {lines_per_order}"
            raise UsageError(msg)
        if page_size is not None and page_size < 1:
            msg = f"page_size must be at least 1, not {page_size}"
            raise UsageError(msg)
        settings = or_environment(kwargs.pop("settings", None))
        self.api_version = api_version or settings.value(VERSION_ENV) or DEFAULT_API_VERSION
        self.lines_per_order = lines_per_order
        self.max_query_cost = max_query_cost
        most = _most_within(lambda n: orders_query_cost(n, lines_per_order), max_query_cost)
        if most < 1:
            msg = (
                f"one order of {lines_per_order} lines already costs {orders_query_cost(1, lines_per_order)} "
                f"query points, over the limit of {max_query_cost}: lower lines_per_order"
            )
            raise UsageError(msg)
        #: Orders per request: what the query's price allows, lowered to `page_size` when given.
        self.page_size = min(page_size or MAX_FIRST, most)
        if page_size is not None and page_size > most:
            log.info(
                "%d orders a page with %d lines each would cost more than %d query points; asking for %d",
                page_size,
                lines_per_order,
                max_query_cost,
                most,
            )
        #: Line items per follow-up request for an order with more than `lines_per_order` lines.
        self.lines_page = _most_within(lines_query_cost, max_query_cost)
        self.tokens = token_source(base_url.rstrip("/"), settings, tokens, store)
        # checked before the HTTP client exists, so that a refusal leaves nothing open
        super().__init__(base_url, settings=settings, **kwargs)
        self.bucket: Bucket | None = None
        self._priced: dict[str, float] = {}
        self._kind = _ORDERS
        self._asking = "orders"
        self._parsed: tuple[httpx.Response, dict[str, t.Any]] | None = None
        # A 429 never reaches `problem()`: read its throttleStatus as it arrives instead.
        hooks = self.http.event_hooks
        self.http.event_hooks = {**hooks, "response": [*hooks.get("response", []), self._on_response]}

    @property
    def endpoint(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    # -- reading answers ---------------------------------------------------------------------------

    def _name(self, response: httpx.Response | None = None, what: str | None = None) -> str:
        """How messages name a request: method, URL and what it asked for (`orders page 3`)."""
        shown = (
            describe_request(response.request.method, response.request.url)
            if response is not None
            else describe_request("POST", self.url(self.endpoint))
        )
        return f"{shown} ({what or self._asking})"

    def _body(self, response: httpx.Response) -> dict[str, t.Any]:
        """The JSON object of an answer, parsed once (`problem`, then the caller, read it)."""
        if self._parsed is not None and self._parsed[0] is response:
            return self._parsed[1]
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            excerpt = response.text.strip().replace("\n", " ")[:200]
            msg = f"expected a GraphQL answer (a JSON object), got: {excerpt or '(empty body)'}"
            raise FatalAPIError(msg, request=self._name(response), status=response.status_code)
        self._parsed = (response, body)
        return body

    def _note(self, body: t.Mapping[str, t.Any]) -> float | None:
        """Keep the bucket an answer reports; its `requestedQueryCost`, if it gives one."""
        cost = _mapping(_mapping(body.get("extensions")).get("cost"))
        status = _mapping(cost.get("throttleStatus"))
        maximum, available, rate = (
            _number(status.get(key)) for key in ("maximumAvailable", "currentlyAvailable", "restoreRate")
        )
        if maximum is not None and available is not None and rate is not None:
            self.bucket = Bucket(maximum, available, rate, self._clock())
            budget = Budget(size=maximum, rate=rate, limit=maximum * SHARED_FILL, used=maximum - available)
            self.pacer.reconcile(self.pace_key, budget)
        return _number(cost.get("requestedQueryCost"))

    def _throttle_wait(self, body: t.Mapping[str, t.Any]) -> str:
        """Hold off until the bucket reported in a THROTTLED answer covers the query; what to log."""
        requested = self._note(body) or self._expected_cost()
        bucket = self.bucket
        if bucket is None:
            return "THROTTLED (no throttleStatus in the answer)"
        self.hold_off(bucket.wait_for(requested, self._clock()))
        return (
            f"THROTTLED (query priced at {requested:g} points; {bucket.available:g} of "
            f"{bucket.maximum:g} available, restoring {bucket.restore_rate:g}/s)"
        )

    def _on_response(self, response: httpx.Response) -> None:
        if response.status_code != 429:
            return
        response.read()
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and _is_throttled(body.get("errors")):
            self._throttle_wait(body)

    def problem(self, response: httpx.Response) -> str | None:
        """THROTTLED: wait per the bucket and send again. Any other GraphQL error is fatal."""
        body = self._body(response)
        errors = body.get("errors")
        if not errors:
            return None
        if _is_throttled(errors):
            return self._throttle_wait(body)
        name = self._name(response)
        too_costly = _max_cost_exceeded(errors)
        if too_costly is not None:
            cost, limit = too_costly
            msg = (
                f"Shopify priced the query at {_shown(cost)} points, over its limit of {_shown(limit)} "
                f"per query ({self.page_size} orders a page, {self.lines_per_order} lines each; "
                f"{self.lines_page} lines a follow-up): {_describe_errors(errors)}"
            )
            raise QueryTooCostly(msg, request=name, cost=cost, limit=limit)
        msg = f"Shopify answered with errors: {_describe_errors(errors)}"
        raise FatalAPIError(msg, request=name, status=response.status_code)

    def observe(self, response: httpx.Response) -> None:
        requested = self._note(self._body(response))
        if requested is not None:
            self._priced[self._kind] = requested

    # -- pacing ------------------------------------------------------------------------------------

    def _expected_cost(self) -> float:
        """What the next query of the current kind will be priced at: as last time, else estimated."""
        if self._kind in self._priced:
            return self._priced[self._kind]
        if self._kind == _LINES:
            return lines_query_cost(self.lines_page)
        return orders_query_cost(self.page_size, self.lines_per_order)

    def request_cost(self) -> float:
        return self._expected_cost()

    def _pace(self) -> None:
        if self.bucket is None:
            return
        wait = self.bucket.wait_for(self._expected_cost(), self._clock())
        if wait > 0:
            log.debug("%s: waiting %.2fs for the bucket to cover the query", self._asking, wait)
            self.hold_off(wait)

    # -- asking ------------------------------------------------------------------------------------

    def _ask(self, kind: str, what: str, query: str, variables: dict[str, t.Any]) -> dict[str, t.Any]:
        """`data` of one query's answer, sent when the bucket should cover it."""
        self._kind, self._asking = kind, what
        self._pace()
        operation = "StatebridgeOrders" if kind == _ORDERS else "StatebridgeOrderLines"
        response = self.request(
            "POST",
            self.endpoint,
            json={"query": query, "operationName": operation, "variables": variables},
            repeatable=True,  # a query reads only: asking again is harmless
        )
        data = self._body(response).get("data")
        if not isinstance(data, dict):
            msg = f"the answer has no data object (data is {_kind_of(data)})"
            raise FatalAPIError(msg, request=self._name(response), status=response.status_code)
        return data

    def pages(self, since: dt.datetime | None) -> t.Iterator[Page]:
        search = since_filter(since) if since is not None else None
        after: str | None = None
        number = 0
        while True:
            number += 1
            what = f"orders page {number}"
            while True:
                variables: dict[str, t.Any] = {"first": self.page_size, "lines": self.lines_per_order}
                if after is not None:
                    variables["after"] = after
                if search is not None:
                    variables["query"] = search
                try:
                    data = self._ask(_ORDERS, what, ORDERS_QUERY, variables)
                    break
                except QueryTooCostly as exc:
                    self.page_size = exc.fewer(self.page_size)
                    self._priced.pop(_ORDERS, None)
                    log.warning("%s; asking again for %d orders a page", exc, self.page_size)
            orders = _connection(data.get("orders"), "data.orders", self._name(what=what))
            nodes = orders["nodes"]
            for node in nodes:
                self._complete_lines(node)
            yield Page({"data": {"orders": {"nodes": nodes}}}, f"page {number}")
            following = _next_cursor(orders, after, self._name(what=what))
            if following is None:
                return
            after = following

    def _complete_lines(self, node: t.Any) -> None:
        """Fetch the rest of an order's line items when the page held only the first ones.

        An order that vanished in between (deleted) keeps its cut-short lines: the adapter then
        refuses it, naming `lineItems.pageInfo.hasNextPage`, and the pull keeps it among the
        rejects instead of storing half an order.
        """
        if not isinstance(node, dict):
            return
        lines = node.get("lineItems")
        order_id = node.get("id")
        if not isinstance(lines, dict) or not isinstance(order_id, str):
            return
        info = _mapping(lines.get("pageInfo"))
        if info.get("hasNextPage") is not True or not isinstance(lines.get("nodes"), list):
            return
        collected = list(lines["nodes"])
        after = info.get("endCursor")
        while True:
            what = f"line items of {order_id} after the first {len(collected)}"
            try:
                data = self._ask(
                    _LINES, what, LINES_QUERY, {"id": order_id, "first": self.lines_page, "after": after}
                )
            except QueryTooCostly as exc:
                self.lines_page = exc.fewer(self.lines_page)
                self._priced.pop(_LINES, None)
                log.warning("%s; asking again for %d lines at a time", exc, self.lines_page)
                continue
            order = data.get("order")
            if order is None:
                log.warning("%s: Shopify no longer finds the order; it is left cut short", what)
                return
            more = _connection(
                _mapping(order).get("lineItems"), "data.order.lineItems", self._name(what=what)
            )
            collected.extend(more["nodes"])
            following = _next_cursor(more, after, self._name(what=what))
            if following is None:
                break
            after = following
        node["lineItems"] = {"pageInfo": {"hasNextPage": False, "endCursor": after}, "nodes": collected}
