"""The Admin GraphQL queries the Shopify client sends, and what each costs (its calculated query cost)."""

from __future__ import annotations

import datetime as dt
import typing as t

from ...errors import UsageError

#: Shopify's largest `first:` on a connection, and its price limit of a single query.
MAX_FIRST = 250
MAX_QUERY_COST = 1000
DEFAULT_LINES_PER_ORDER = 20

# The fields the Shopify adapter reads from a GraphQL order (platforms/shopify/graphql.py `graphql_fields`,
# `_graphql_line`, `_graphql_buyer`). Left out on purpose: `transactions` and `fulfillments` (the
# canonical payments and shipments, which no DFC output uses, for their price), `totalPriceSet`
# (the adapter reads it only when `currentTotalPriceSet` is absent, which this query always asks
# for), and `customer.email` (deprecated in recent versions; the order's own `email` comes first).
_LINE_FIELDS = """
fragment StatebridgeLine on LineItem {
  id
  name
  title
  sku
  quantity
  originalUnitPriceSet { shopMoney { amount currencyCode } }
  variant { id sku }
}
"""

ORDERS_QUERY = (
    """
query StatebridgeOrders($first: Int!, $after: String, $query: String, $lines: Int!) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      legacyResourceId
      name
      email
      createdAt
      updatedAt
      processedAt
      cancelledAt
      cancelReason
      closed
      closedAt
      test
      currencyCode
      displayFinancialStatus
      displayFulfillmentStatus
      currentTotalPriceSet { shopMoney { amount currencyCode } }
      customer { id displayName }
      lineItems(first: $lines) {
        pageInfo { hasNextPage endCursor }
        nodes { ...StatebridgeLine }
      }
    }
  }
}
"""
    + _LINE_FIELDS
)

LINES_QUERY = (
    """
query StatebridgeOrderLines($id: ID!, $first: Int!, $after: String) {
  order(id: $id) {
    lineItems(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...StatebridgeLine }
    }
  }
}
"""
    + _LINE_FIELDS
)

#: Objects per line item in `StatebridgeLine`: the LineItem, originalUnitPriceSet, its shopMoney, variant.
_LINE_OBJECTS = 4


def orders_query_cost(orders: int, lines: int) -> int:
    """What Shopify is expected to price `ORDERS_QUERY` at, for `orders` a page of `lines` lines each.

    Shopify's published rules, counting every `pageInfo` as an object too, so that the estimate
    errs high: the orders connection (2) and its pageInfo (1), then per order the Order (1),
    currentTotalPriceSet and its shopMoney (2), customer (1), and the lineItems connection (2), its
    pageInfo (1) and `_LINE_OBJECTS` per line.
    """
    per_order = 1 + 2 + 1 + 2 + 1 + lines * _LINE_OBJECTS
    return 2 + 1 + orders * per_order


def lines_query_cost(lines: int) -> int:
    """What Shopify is expected to price `LINES_QUERY` at, for `lines` line items."""
    return 1 + 2 + 1 + lines * _LINE_OBJECTS


def _most_within(cost: t.Callable[[int], int], limit: int) -> int:
    """The largest `first:` (at most 250) whose query costs at most `limit`; 0 when none does."""
    return max((n for n in range(1, MAX_FIRST + 1) if cost(n) <= limit), default=0)


def since_filter(since: dt.datetime) -> str:
    """`updated_at:>='2026-05-01T06:00:00Z'`: Shopify's search syntax, inclusive, in UTC.

    Shopify's search takes whole seconds; the time is rounded down, so that nothing updated at or
    after `since` is left out.
    """
    if since.tzinfo is None or since.utcoffset() is None:
        msg = f"since needs a UTC offset (e.g. {since.isoformat()}+00:00), not a naive time"
        raise UsageError(msg)
    moment = since.astimezone(dt.UTC).replace(microsecond=0)
    return f"updated_at:>='{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
