"""The Shopify GraphQL client, extended to send the writer's queries and mutations.

It *is* the reading client (`ShopifyGraphQLClient`), so the writer authenticates, paces itself by
the bucket of query points, waits out `THROTTLED` and 429 answers and refuses GraphQL errors exactly
as a pull does, and whatever changes how that client obtains its access token applies here too.

What differs is repetition. A query is sent again after a 5xx or a dropped connection; a mutation
is not (`repeatable=False`): Shopify may have applied it before failing, and draft order mutations
carry no idempotency key. The `RequestFailedError` that results is transient for the outbox, and the
next attempt *reads* the draft order before changing it, so a mutation that had been applied is
found done rather than made twice. A THROTTLED answer or a 429 is sent again whatever the operation:
Shopify did not run it.
"""

from __future__ import annotations

import typing as t

from ...errors import FatalAPIError
from .client_graphql import ShopifyGraphQLClient
from .draft_queries import expected_cost
from .graphql_answers import _kind_of

__all__ = ["ShopifyAdminClient"]


class ShopifyAdminClient(ShopifyGraphQLClient):
    """`call(operation, document, variables)`: the `data` of one query or mutation."""

    def _expected_cost(self) -> float:
        if self._kind.startswith("Statebridge"):  # the writer's operations; pages are "orders"/"lines"
            return self._priced.get(self._kind, expected_cost(self._kind))
        return super()._expected_cost()

    def call(
        self, operation: str, document: str, variables: dict[str, t.Any], *, what: str, mutation: bool
    ) -> dict[str, t.Any]:
        """Send `document` (named `operation`) once the bucket should cover it; its `data` object.

        `what` names the request in messages (`draftOrderCreate for order R123`). GraphQL errors
        are `FatalAPIError`s (through `problem`); userErrors are in the data, for the caller.
        """
        self._kind, self._asking = operation, what
        self._pace()
        response = self.request(
            "POST",
            self.endpoint,
            json={"query": document, "operationName": operation, "variables": variables},
            repeatable=not mutation,
        )
        data = self._body(response).get("data")
        if not isinstance(data, dict):
            msg = f"the answer has no data object (data is {_kind_of(data)})"
            raise FatalAPIError(msg, request=self._name(response), status=response.status_code)
        return data
