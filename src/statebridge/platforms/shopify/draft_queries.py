"""The Admin GraphQL documents the Shopify writer sends, and what each is expected to cost.

They follow what the FDC Shopify producer app sends for the same job
(docs/references/fdc-shopify-orders.md#creating-an-order):
a DFC order is a **draft order** (`draftOrderCreate`, `draftOrderUpdate`, `draftOrderComplete`),
read back with its status, its reservation, its lines' variants and the order it became. Two
things FDC does not do are added: `draftOrderDelete` for an open draft whose DFC order is
cancelled, and `orderCancel` for a completed one.

Each document asks for at most `LINES` line items (a connection's price grows with `first`), and
the writer refuses a draft with more than that rather than compare half of its lines.
"""

from __future__ import annotations

__all__ = [
    "CANCEL",
    "COMPLETE",
    "CREATE",
    "DELETE",
    "DRAFT",
    "FIND",
    "LINES",
    "UPDATE",
    "expected_cost",
]

#: Line items read from a draft order (FDC reads 250; 100 keeps a read well under 1000 points).
LINES = 100

_DRAFT_FIELDS = """
    id
    status
    tags
    reserveInventoryUntil
    order { id cancelledAt displayFinancialStatus }
    lineItems(first: $lines) {
      pageInfo { hasNextPage }
      nodes { id quantity custom title variant { id } }
    }
"""

_ERRORS = "userErrors { field message }"

FIND = """query StatebridgeFindDraft($search: String!) {
  draftOrders(first: 5, query: $search) { nodes { id status } }
}"""

DRAFT = f"""query StatebridgeDraft($id: ID!, $lines: Int!) {{
  draftOrder(id: $id) {{ {_DRAFT_FIELDS} }}
}}"""

CREATE = f"""mutation StatebridgeDraftCreate($input: DraftOrderInput!, $lines: Int!) {{
  draftOrderCreate(input: $input) {{ {_ERRORS} draftOrder {{ {_DRAFT_FIELDS} }} }}
}}"""

UPDATE = f"""mutation StatebridgeDraftUpdate($id: ID!, $input: DraftOrderInput!, $lines: Int!) {{
  draftOrderUpdate(id: $id, input: $input) {{ {_ERRORS} draftOrder {{ {_DRAFT_FIELDS} }} }}
}}"""

COMPLETE = f"""mutation StatebridgeDraftComplete($id: ID!, $lines: Int!) {{
  draftOrderComplete(id: $id) {{ {_ERRORS} draftOrder {{ {_DRAFT_FIELDS} }} }}
}}"""

DELETE = f"""mutation StatebridgeDraftDelete($input: DraftOrderDeleteInput!) {{
  draftOrderDelete(input: $input) {{ {_ERRORS} deletedId }}
}}"""

CANCEL = """mutation StatebridgeOrderCancel(
  $orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!,
  $refundMethod: OrderCancelRefundMethodInput, $notifyCustomer: Boolean, $staffNote: String
) {
  orderCancel(
    orderId: $orderId, reason: $reason, restock: $restock, refundMethod: $refundMethod,
    notifyCustomer: $notifyCustomer, staffNote: $staffNote
  ) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

#: What a draft order with its line items is priced at by Shopify's published rules (an object 1,
#: a connection 2 plus `first` times a node; each line item node holds a variant object).
_DRAFT_COST = 1 + 1 + 2 + LINES * 2

_COSTS = {
    "StatebridgeFindDraft": 2 + 5,
    "StatebridgeDraft": _DRAFT_COST,
    # a mutation is priced at 10 points, plus what its payload selects
    "StatebridgeDraftCreate": 10 + _DRAFT_COST,
    "StatebridgeDraftUpdate": 10 + _DRAFT_COST,
    "StatebridgeDraftComplete": 10 + _DRAFT_COST,
    "StatebridgeDraftDelete": 10,
    "StatebridgeOrderCancel": 10 + 1,
}


def expected_cost(operation: str) -> float:
    """What `operation` is expected to be priced at before Shopify has priced it once."""
    return float(_COSTS.get(operation, 10))
