"""Who sees which orders: operators see everything, a client only its own.

Principals of the DFC endpoint, checked in this order for a `Bearer` token:

1. **Operator**: one of the static tokens of `STATEBRIDGE_API_TOKENS`. Sees and changes every
   order, at every enterprise.
2. **Client**, by token: a token made by `statebridge clients add` (kept as its SHA-256 digest).
3. **Client**, by OIDC: a JWT from the configured issuer whose client claim (`sub` by default,
   `azp` with `STATEBRIDGE_OIDC_CLIENT_CLAIM=azp`) is a client's `--oidc-subject`. A valid JWT that
   names no client is refused with 403: the issuer vouches for the caller, statebridge does not
   know it.

A client is bound to a buyer (the hub it orders as) and optionally to enterprises. It lists,
reads, updates and deletes only orders it created or that are `dfc-b:orderedBy` its buyer, and
only at the enterprises it may order from: anything else answers 404, exactly as an order that
does not exist, so that a client learns nothing of other clients' orders. Like the FDC Shopify
server, which shows a client only the orders of its own customer.

With no static token, no OIDC issuer and no active client, the endpoint is open and every request
is an operator: the embedded default, behind the platform that embeds statebridge. Registering a
client closes it: from then on every request must authenticate.
"""

from __future__ import annotations

import dataclasses
import time

from starlette.concurrency import run_in_threadpool

from ..errors import Forbidden
from ..store import Client, ClientRegistry, Seen
from .auth import Authenticator, bearer_token

__all__ = ["Access", "AccessControl"]

#: How long "are there any clients?" is remembered, for open endpoints (no token configured).
_CLIENTS_TTL = 1.0


@dataclasses.dataclass(frozen=True)
class Access:
    """What one request may see: everything (`client` None, an operator) or one client's orders."""

    client: Client | None = None

    @property
    def operator(self) -> bool:
        return self.client is None

    @property
    def key(self) -> str:
        """A stable name for the principal (cache keys, idempotency keys): never a token."""
        return "operator" if self.client is None else f"client:{self.client.name}"

    @property
    def owner(self) -> str | None:
        """The owner recorded on orders this principal creates."""
        return None if self.client is None else self.client.name

    @property
    def seen(self) -> Seen | None:
        """The filter on orders, None for an operator."""
        if self.client is None:
            return None
        return Seen(owner=self.client.name, buyer=self.client.buyer)

    def may_use(self, enterprise: str) -> bool:
        return self.client is None or self.client.may_order_from(enterprise)


OPERATOR = Access()


class AccessControl:
    """Turns an `Authorization` header into an `Access`, or raises `Unauthorized` (401),
    `AuthUnavailable` (503) or `Forbidden` (403)."""

    def __init__(self, authenticator: Authenticator, registry: ClientRegistry) -> None:
        self.authenticator = authenticator
        self.registry = registry
        self._clients_known: tuple[bool, float] | None = None

    async def _clients_exist(self) -> bool:
        now = time.monotonic()
        if self._clients_known is not None and now - self._clients_known[1] < _CLIENTS_TTL:
            return self._clients_known[0]
        exist = await run_in_threadpool(self.registry.any_active)
        self._clients_known = (exist, now)
        return exist

    def forget(self) -> None:
        """Drop what is remembered (after a client is added in this process)."""
        self._clients_known = None

    async def resolve(self, authorization: str | None) -> Access:
        if not self.authenticator.required and not await self._clients_exist():
            return OPERATOR
        token = bearer_token(authorization)
        if self.authenticator.matches_static(token):
            return OPERATOR
        client = await run_in_threadpool(self.registry.by_token, token)
        if client is not None:
            return Access(client)
        # Neither an operator's nor a client's token: a JWT, or refused (401) when OIDC is off.
        principal = await self.authenticator.verify_jwt(token)
        client = await run_in_threadpool(self.registry.by_subject, principal.subject)
        if client is None:
            claim = self.authenticator.client_claim
            msg = f"no statebridge client is registered for this token's {claim}"
            raise Forbidden(msg)
        return Access(client)
