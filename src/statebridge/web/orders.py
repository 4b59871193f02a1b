"""The DFC Orders endpoint: stored orders out as DFC, DFC orders in, as other DFC servers expect.

Routes (each also under `/api/dfc/Enterprises/{enterprise}/…`, scoped to that enterprise's shop):

- `GET  /api/dfc/Orders`: a page of orders, every order's nodes in one flat graph as FDC's server
  lists them (no container node, nothing outside the DFC ontology), page links in `Link`
  (`rel="next"`, `rel="first"`); `?limit=` (1 to 500, default 100) and `?after=` (a cursor);
- `GET  /api/dfc/Orders/{id}`: one order;
- `POST /api/dfc/Orders`: a new order, sent as DFC JSON-LD (Open Food Network sends a Held order);
  answered 201 with `Location` and the stored order. With an `Idempotency-Key` header, the same
  key sent again by the same client within 24 hours answers with the order it created instead of
  creating another, and a 422 when the body differs (`idempotency.py`);
- `PUT  /api/dfc/Orders/{id}`: a new version of an order (OFN then sends it Complete); with
  `If-Match`, only while the order is still at that ETag (else 412 Precondition Failed);
- `DELETE /api/dfc/Orders/{id}`: cancels the order (its order state becomes Cancelled), answered
  with the cancelled order; `If-Match` as for PUT (OFN's open pull request #14423 cancels the same
  way; FDC's server has no DELETE);
- `GET  /api/dfc/Orders/{id}/OrderLines` and `…/OrderLines/{key}` (`orderLines` too): its lines.

What a client sends is what it reads back (`platforms/dfc/kept.py`, `lines.py`). A write for an
enterprise whose platform is a delivery target goes on to it through the outbox (`forwarding.py`).

Who sees what is decided in `access.py`: an operator every order, a client only the orders it
created or that are ordered by its buyer, at the enterprises it may order from; any other order is
404, as if it did not exist.

Representations: JSON-LD (default), JSON, Turtle and N-Triples by `Accept`, 406 otherwise; every
GET carries a strong `ETag` and answers `If-None-Match` with 304. An order's ETag is derived from
its stored version (bumped by every write, whoever makes it), the IRI base and the media type, so
every write answer carries the new ETag and `If-Match` can be checked without rendering.

An order sent to an enterprise whose shop runs on another platform is stored with its DFC states
translated to that platform's status fields (`platform_status`) beside the DFC states it was sent
with, which are what it is served with until the platform itself changes the order (a pull or a
webhook storing a newer version of it): a Held order sent to a Spree shop reads back Held. What the
platform cannot hold is named in the `Statebridge-Lossy` header of the write. Errors are
`application/problem+json`.
"""

from __future__ import annotations

import functools
import logging
import typing as t
import uuid
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import (
    AuthUnavailable,
    Forbidden,
    Unauthorized,
)
from ..mapping import SHIPPED, Tables
from ..model import Order
from ..states import OrderStatus
from ..store import ClientRegistry, IdempotencyClaim, Store, StoredOrder
from . import idempotency
from .access import Access, AccessControl
from .auth import Authenticator
from .enterprises import Enterprise
from .forwarding import Forwarding
from .lines import addressed
from .negotiation import OFFERED, choose
from .order_requests import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Problem,
    check_buyer,
    guarded,
    idempotency_key,
    loss_header,
    paging,
    precondition,
    source,
)
from .order_writes import NEW_LINES, LineKeys, prepare, read_order
from .page_fragments import OrderFragments, assemble_page
from .problems import problem_response
from .render_cache import RenderCache
from .representation import (
    Rendered,
    body_etag,
    order_etag,
    render_lines,
    render_order,
    respond,
    served_order,
)
from .scope import Scope

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "OrdersApi"]

log = logging.getLogger("statebridge.web")


class OrdersApi:
    """The Orders routes over one store."""

    def __init__(
        self,
        store: Store,
        *,
        authenticator: Authenticator,
        enterprises: t.Mapping[str, Enterprise],
        clients: ClientRegistry | None = None,
        public_url: str | None = None,
        cache_size: int = 256,
        freshness: float = 0.1,
        tables: Tables = SHIPPED,
        forwarding: Forwarding | None = None,
    ) -> None:
        self.store = store
        #: Wakes the outbox's drain after a write, and says where the order stands at its targets.
        self.forwarding = forwarding or Forwarding(store)
        #: The mapping tables that give a shop's platform its status fields.
        self.tables = tables
        self.authenticator = authenticator
        self.access = AccessControl(authenticator, clients or ClientRegistry(store))
        self.enterprises = dict(enterprises)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.cache = RenderCache(store, size=cache_size, freshness=freshness)
        #: Each order's JSON-LD nodes at its version, from which pages are assembled across writes.
        self.fragments = OrderFragments()

    def routes(self) -> list[Route]:
        """One route per resource, so that `Allow` on a 405 lists every method it supports."""
        resources = [
            ("/Orders", {"GET": self.list_orders, "POST": self.create_order}),
            (
                "/Orders/{order_id}",
                {"GET": self.get_order, "PUT": self.update_order, "DELETE": self.delete_order},
            ),
            *(
                (f"/Orders/{{order_id}}/{lines}", {"GET": self.get_lines})
                for lines in ("OrderLines", "orderLines")  # FDC's routes match either case
            ),
            *(
                (f"/Orders/{{order_id}}/{lines}/{{line_id}}", {"GET": self.get_line})
                for lines in ("OrderLines", "orderLines")
            ),
        ]
        return [
            Route(prefix + path, guarded(handlers), methods=list(handlers))
            for prefix in ("/api/dfc", "/api/dfc/Enterprises/{enterprise}")
            for path, handlers in resources
        ]

    # -- helpers -----------------------------------------------------------------------------------

    async def _authorise(self, request: Request) -> Access:
        try:
            return await self.access.resolve(request.headers.get("authorization"))
        except Forbidden as exc:
            raise Problem(problem_response(403, "Forbidden", exc.reason)) from None
        except Unauthorized as exc:
            raise Problem(
                problem_response(401, "Unauthorized", exc.reason, headers={"WWW-Authenticate": exc.challenge})
            ) from None
        except AuthUnavailable as exc:
            log.warning("%s", exc)  # the URL detail is for the log, never the client
            raise Problem(
                problem_response(
                    503,
                    "Authentication unavailable",
                    exc.reason,
                    headers={"Retry-After": str(exc.retry_after or 30)},
                )
            ) from None

    async def _scope(self, request: Request) -> Scope:
        """Who asks (authenticated here) and which orders the URL addresses."""
        access = await self._authorise(request)
        root = self.public_url or str(request.base_url).rstrip("/")
        usable = {slug: e for slug, e in self.enterprises.items() if access.may_use(slug)}
        slug = request.path_params.get("enterprise")
        if slug is None:
            restricted = access.client is not None and bool(access.client.enterprises)
            allowed = tuple(usable.values()) if restricted else None
            return Scope(None, f"{root}/api/dfc", access, allowed)
        enterprise = usable.get(slug)
        if enterprise is None:
            # An enterprise the client may not order from is as unknown to it as a made-up one.
            known = ", ".join(sorted(usable)) or "none"
            raise Problem(
                problem_response(404, "Unknown enterprise", f"no enterprise {slug!r} (known: {known})")
            )
        return Scope(enterprise, f"{root}/api/dfc/Enterprises/{slug}", access)

    @staticmethod
    def _media(request: Request) -> str:
        media = choose(request.headers.get("accept"))
        if media is None:
            raise Problem(
                problem_response(406, "Not Acceptable", f"this resource is available as {', '.join(OFFERED)}")
            )
        return media

    async def _stored(self, scope: Scope, order_id: str) -> StoredOrder:
        stored = await run_in_threadpool(self.store.by_public_id, order_id)
        if stored is None or not scope.holds(stored):
            raise Problem(
                problem_response(404, "Order not found", f"no order {order_id!r} at {scope.collection}")
            )
        return stored

    # -- reading -----------------------------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        limit, after = paging(request)

        async def produce() -> Rendered:
            page = await run_in_threadpool(
                lambda: assemble_page(self.fragments, self.store, scope, media, after=after, limit=limit)
            )
            links = [f'<{scope.collection}?{urlencode({"limit": limit})}>; rel="first"']
            if page.more:
                cursor = urlencode({"limit": limit, "after": page.public_ids[-1]})
                links.append(f'<{scope.collection}?{cursor}>; rel="next"')
            return Rendered(page.body, body_etag(page.body), {"Link": ", ".join(links)})

        return respond(request, await self.cache.render(request, scope, media, produce), media)

    async def get_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        order_id = request.path_params["order_id"]

        async def produce() -> Rendered:
            stored = await self._stored(scope, order_id)
            body = await run_in_threadpool(render_order, stored, scope, media)
            return Rendered(body, order_etag(stored, scope, media), {})

        return respond(request, await self.cache.render(request, scope, media, produce), media)

    async def get_lines(self, request: Request) -> Response:
        """The order's lines, as FDC serves them: every line with the nodes it points at."""
        return await self._get_lines(request, None)

    async def get_line(self, request: Request) -> Response:
        """One line of the order, with the nodes it points at; 404 for a line the order lacks."""
        return await self._get_lines(request, request.path_params["line_id"])

    async def _get_lines(self, request: Request, line_id: str | None) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        order_id = request.path_params["order_id"]

        async def produce() -> Rendered:
            stored = await self._stored(scope, order_id)  # the order's access rules, and its 404
            order = served_order(stored)
            iris = scope.minter.lines(order, scope.minter.order(order.id))
            wanted = addressed(iris, line_id)
            if not wanted:
                raise Problem(
                    problem_response(
                        404, "Order line not found", f"order {order_id!r} has no line {line_id!r}"
                    )
                )
            body = await run_in_threadpool(render_lines, order, wanted, scope, media)
            part = "OrderLines" if line_id is None else f"OrderLines/{line_id}"
            return Rendered(body, order_etag(stored, scope, media, part), {})

        return respond(request, await self.cache.render(request, scope, media, produce), media)

    # -- writing -----------------------------------------------------------------------------------

    async def create_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        key = idempotency_key(request)
        document, order = await read_order(request)
        check_buyer(scope.access, order)
        platform, base_url = source(scope)
        order = order.model_copy(update={"id": uuid.uuid4().hex})
        replayed = False
        if key is None:
            stored, losses = await run_in_threadpool(
                lambda: self._save(platform, base_url, order, document, owner=scope.access.owner)
            )
        else:
            target = scope.enterprise.slug if scope.enterprise else ""
            claim = IdempotencyClaim(
                idempotency.scope_of(scope.access), key, idempotency.fingerprint(target, document)
            )
            stored, losses, replayed = await self._save_once(
                scope, platform, base_url, order, document, claim
            )
        written = await run_in_threadpool(self._written, scope, media, stored, losses)
        headers = {"Location": f"{scope.collection}/{stored.public_id}", **written.headers}
        if replayed:
            headers[idempotency.REPLAYED_HEADER] = "true"
        return respond(request, Rendered(written.body, written.etag, headers), media, status=201)

    async def _save_once(
        self,
        scope: Scope,
        platform: str,
        base_url: str,
        order: Order,
        document: t.Any,
        claim: IdempotencyClaim,
    ) -> tuple[StoredOrder, list[str], bool]:
        """The order created under `claim`'s key, what its platform cannot hold, and whether it was
        created by the key's first request (a replay) rather than now."""
        prepared, losses = await run_in_threadpool(
            functools.partial(prepare, platform, order, tables=self.tables)
        )
        outcome = await run_in_threadpool(
            lambda: self.store.create_once(
                platform, base_url, prepared, document, claim, owner=scope.access.owner
            )
        )
        self.cache.written()
        if outcome.stored is not None:
            return outcome.stored, losses, False
        if not outcome.same_request:
            first = await run_in_threadpool(self.store.by_public_id, outcome.public_id)
            created = (
                f"{scope.collection}/{outcome.public_id}"
                if first is not None and scope.holds(first)
                else f"order {outcome.public_id}"
            )
            detail = (
                f"this {idempotency.HEADER} was sent before with another request, which created "
                f"{created}: use a new key for a new order, and PUT to change that one"
            )
            raise Problem(problem_response(422, "Idempotency-Key reused", detail))
        return await self._stored(scope, outcome.public_id), losses, True

    async def update_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        existing = await self._stored(scope, request.path_params["order_id"])
        expected = precondition(request, existing, scope)
        document, order = await read_order(request)
        check_buyer(scope.access, order)
        order = order.model_copy(update={"id": existing.order.id})
        served = LineKeys(existing.public_id, frozenset(line.id for line in existing.order.lines if line.id))
        rendered = await self._replace(scope, media, existing, order, document, expected, served)
        return respond(request, rendered, media)

    async def delete_order(self, request: Request) -> Response:
        """Cancel the order, as DFC servers do for DELETE: it stays readable, Cancelled."""
        scope = await self._scope(request)
        media = self._media(request)
        existing = await self._stored(scope, request.path_params["order_id"])
        expected = precondition(request, existing, scope)
        states = existing.order.states.model_copy(update={"order": OrderStatus.CANCELLED})
        order = existing.order.model_copy(update={"states": states})
        rendered = await self._replace(scope, media, existing, order, existing.raw, expected, None)
        return respond(request, rendered, media)

    async def _replace(
        self,
        scope: Scope,
        media: str,
        existing: StoredOrder,
        order: Order,
        document: t.Any,
        expected: int | None,
        lines: LineKeys | None,
    ) -> Rendered:
        """Replace `existing` with `order` (if still at version `expected`) and render the answer,
        in one trip to the threadpool."""
        platform, base_url = existing.platform, existing.base_url
        return await run_in_threadpool(
            lambda: self._written(
                scope,
                media,
                *self._save(platform, base_url, order, document, expected_version=expected, lines=lines),
            )
        )

    def _written(self, scope: Scope, media: str, stored: StoredOrder, losses: list[str]) -> Rendered:
        """The answer to a write of `stored`: the order, with what its platform cannot hold and where
        it stands at its targets. Made in the thread that wrote it: every hop between the event loop
        and the threadpool waits its turn for both (docs/performance.md)."""
        body = render_order(stored, scope, media)
        headers = {**loss_header(losses), **self.forwarding.written(stored)}
        return Rendered(body, order_etag(stored, scope, media), headers)

    def _save(
        self,
        platform: str,
        base_url: str,
        order: Order,
        document: t.Any,
        *,
        owner: str | None = None,
        expected_version: int | None = None,
        lines: LineKeys | None = NEW_LINES,
    ) -> tuple[StoredOrder, list[str]]:
        """Store a DFC order for `platform`, and say what the platform cannot hold of its states."""
        prepared, losses = prepare(platform, order, lines=lines, tables=self.tables)
        stored = self.store.replace(
            platform, base_url, prepared, document, owner=owner, expected_version=expected_version
        )
        self.cache.written()  # this app's own write is seen by the next read
        return stored, losses
