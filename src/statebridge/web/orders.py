"""The DFC Orders endpoint: stored orders out as DFC, DFC orders in, as other DFC servers expect.

Routes (each also under `/api/dfc/Enterprises/{enterprise}/…`, scoped to that enterprise's shop):

- `GET  /api/dfc/Orders`: a page of orders, every order's nodes in one flat graph as FDC's server
  lists them (no container node, nothing outside the DFC ontology), page links in `Link`
  (`rel="next"`, `rel="first"`);
  `?limit=` (1 to 500, default 100) and `?after=` (the opaque cursor a `next` link carries);
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
- `GET  /api/dfc/Orders/{id}/OrderLines` and `…/OrderLines/{key}` (`orderLines` too, as FDC's
  routes match either case): the order's lines, or one, with the nodes they point at (`lines.py`).

What a client sends is what it reads back: every statement of the order's graph that the DFC
defines (offers and their offered items and prices, products, the sale session; see
`platforms/dfc/kept.py`), and its lines under IRIs that do not change from one PUT to the next
(`lines.py`).

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

import collections
import dataclasses
import datetime as dt
import logging
import re
import time
import typing as t
import uuid
from urllib.parse import unquote, urlencode

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import (
    AuthUnavailable,
    Forbidden,
    OrderError,
    StatebridgeError,
    StoreError,
    Unauthorized,
    VersionConflict,
)
from ..mapping import SHIPPED, Tables
from ..model import Order
from ..platforms import get_adapter
from ..reading import Document
from ..states import OrderStatus
from ..store import ClientRegistry, IdempotencyClaim, Store, StoredOrder, buyer_iri
from ..translate import translate_documents
from . import idempotency
from .access import Access, AccessControl
from .access_log import request_id
from .auth import Authenticator
from .enterprises import Enterprise
from .faults import identified
from .lines import line_keys
from .negotiation import OFFERED, choose
from .problems import problem_response
from .representation import (
    Rendered,
    body_etag,
    etag_matches,
    order_etag,
    render_collection,
    render_lines,
    render_order,
    respond,
    served_order,
)
from .scope import Scope

__all__ = ["OrdersApi"]

log = logging.getLogger("statebridge.web")

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_ACCEPTED_BODIES = ("application/ld+json", "application/json")
_CURSOR = re.compile(r"[A-Za-z0-9]{1,64}")


class _Problem(Exception):
    """An error answer, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        self.response = response


@dataclasses.dataclass(frozen=True)
class _LineKeys:
    """What a write needs to key an order's lines: the id it is served under (None for a new order)
    and the keys of the lines it was served with."""

    order_id: str | None
    served: frozenset[str]


_NEW_LINES = _LineKeys(None, frozenset())


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
    ) -> None:
        self.store = store
        #: The mapping tables that give a shop's platform its status fields.
        self.tables = tables
        self.authenticator = authenticator
        self.access = AccessControl(authenticator, clients or ClientRegistry(store))
        self.enterprises = dict(enterprises)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.freshness = freshness
        self._known: tuple[int, float] | None = None
        self._cache: collections.OrderedDict[tuple[t.Any, ...], Rendered] = collections.OrderedDict()
        self.cache_size = cache_size

    async def _generation(self) -> int:
        now = time.monotonic()
        if self._known is not None and now - self._known[1] < self.freshness:
            return self._known[0]
        value = await run_in_threadpool(self.store.generation)
        self._known = (value, now)
        return value

    async def _render(
        self,
        request: Request,
        scope: Scope,
        media: str,
        produce: t.Callable[[], t.Awaitable[Rendered]],
    ) -> Rendered:
        """A representation from the cache, valid while the store's generation has not moved.

        Rendering a page of 100 orders costs far more than serving bytes; any write of orders, by
        this process or a pull in another, bumps the generation and so retires every entry. The
        generation is read from the store at most every `freshness` seconds: a write through this
        app is seen at once, one by another process (a pull) within that time. The principal is
        part of the key: two clients asking for one URL see different orders.
        """
        generation = await self._generation()
        key = (
            generation,
            scope.access.key,
            str(request.base_url),
            request.url.path,
            request.url.query,
            media,
        )
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        rendered = await produce()
        self._cache[key] = rendered
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return rendered

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
            Route(prefix + path, _guarded(handlers), methods=list(handlers))
            for prefix in ("/api/dfc", "/api/dfc/Enterprises/{enterprise}")
            for path, handlers in resources
        ]

    # -- helpers -----------------------------------------------------------------------------------

    async def _authorise(self, request: Request) -> Access:
        try:
            return await self.access.resolve(request.headers.get("authorization"))
        except Forbidden as exc:
            raise _Problem(problem_response(403, "Forbidden", exc.reason)) from None
        except Unauthorized as exc:
            raise _Problem(
                problem_response(401, "Unauthorized", exc.reason, headers={"WWW-Authenticate": exc.challenge})
            ) from None
        except AuthUnavailable as exc:
            log.warning("%s", exc)  # the URL detail is for the log, never the client
            raise _Problem(
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
            raise _Problem(
                problem_response(404, "Unknown enterprise", f"no enterprise {slug!r} (known: {known})")
            )
        return Scope(enterprise, f"{root}/api/dfc/Enterprises/{slug}", access)

    @staticmethod
    def _media(request: Request) -> str:
        media = choose(request.headers.get("accept"))
        if media is None:
            raise _Problem(
                problem_response(406, "Not Acceptable", f"this resource is available as {', '.join(OFFERED)}")
            )
        return media

    async def _stored(self, scope: Scope, order_id: str) -> StoredOrder:
        stored = await run_in_threadpool(self.store.by_public_id, order_id)
        if stored is None or not scope.holds(stored):
            raise _Problem(
                problem_response(404, "Order not found", f"no order {order_id!r} at {scope.collection}")
            )
        return stored

    # -- reading -----------------------------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        limit, after = _paging(request)

        async def produce() -> Rendered:
            rows = await run_in_threadpool(
                lambda: self.store.page(
                    after=after, limit=limit + 1, sources=scope.sources, seen=scope.access.seen
                )
            )
            more = len(rows) > limit
            rows = rows[:limit]
            links = [f'<{scope.collection}?{urlencode({"limit": limit})}>; rel="first"']
            if more:
                cursor = urlencode({"limit": limit, "after": rows[-1].public_id})
                links.append(f'<{scope.collection}?{cursor}>; rel="next"')
            body = await run_in_threadpool(render_collection, rows, scope, media)
            return Rendered(body, body_etag(body), {"Link": ", ".join(links)})

        return respond(request, await self._render(request, scope, media, produce), media)

    async def get_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        order_id = request.path_params["order_id"]

        async def produce() -> Rendered:
            stored = await self._stored(scope, order_id)
            body = await run_in_threadpool(render_order, stored, scope, media)
            return Rendered(body, order_etag(stored, scope, media), {})

        return respond(request, await self._render(request, scope, media, produce), media)

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
            wanted = iris if line_id is None else [i for i in iris if unquote(i.rsplit("/", 1)[1]) == line_id]
            if not wanted:
                raise _Problem(
                    problem_response(
                        404, "Order line not found", f"order {order_id!r} has no line {line_id!r}"
                    )
                )
            body = await run_in_threadpool(render_lines, order, wanted, scope, media)
            part = "OrderLines" if line_id is None else f"OrderLines/{line_id}"
            return Rendered(body, order_etag(stored, scope, media, part), {})

        return respond(request, await self._render(request, scope, media, produce), media)

    # -- writing -----------------------------------------------------------------------------------

    async def create_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        key = _idempotency_key(request)
        document, order = await self._read_body(request)
        _check_buyer(scope.access, order)
        platform, base_url = _source(scope)
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
        body = await run_in_threadpool(render_order, stored, scope, media)
        headers = {"Location": f"{scope.collection}/{stored.public_id}", **_loss_header(losses)}
        if replayed:
            headers[idempotency.REPLAYED_HEADER] = "true"
        rendered = Rendered(body, order_etag(stored, scope, media), headers)
        return respond(request, rendered, media, status=201)

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
        prepared, losses = await run_in_threadpool(self._prepare, platform, order)
        outcome = await run_in_threadpool(
            lambda: self.store.create_once(
                platform, base_url, prepared, document, claim, owner=scope.access.owner
            )
        )
        self._known = None
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
            raise _Problem(problem_response(422, "Idempotency-Key reused", detail))
        return await self._stored(scope, outcome.public_id), losses, True

    async def update_order(self, request: Request) -> Response:
        scope = await self._scope(request)
        media = self._media(request)
        existing = await self._stored(scope, request.path_params["order_id"])
        expected = _precondition(request, existing, scope)
        document, order = await self._read_body(request)
        _check_buyer(scope.access, order)
        order = order.model_copy(update={"id": existing.order.id})
        served = _LineKeys(existing.public_id, frozenset(line.id for line in existing.order.lines if line.id))
        stored, losses = await run_in_threadpool(
            lambda: self._save(
                existing.platform, existing.base_url, order, document, expected_version=expected, lines=served
            )
        )
        body = await run_in_threadpool(render_order, stored, scope, media)
        rendered = Rendered(body, order_etag(stored, scope, media), _loss_header(losses))
        return respond(request, rendered, media)

    async def delete_order(self, request: Request) -> Response:
        """Cancel the order, as DFC servers do for DELETE: it stays readable, Cancelled."""
        scope = await self._scope(request)
        media = self._media(request)
        existing = await self._stored(scope, request.path_params["order_id"])
        expected = _precondition(request, existing, scope)
        states = existing.order.states.model_copy(update={"order": OrderStatus.CANCELLED})
        order = existing.order.model_copy(update={"states": states})
        stored, losses = await run_in_threadpool(
            lambda: self._save(
                existing.platform,
                existing.base_url,
                order,
                existing.raw,
                expected_version=expected,
                lines=None,
            )
        )
        body = await run_in_threadpool(render_order, stored, scope, media)
        rendered = Rendered(body, order_etag(stored, scope, media), _loss_header(losses))
        return respond(request, rendered, media)

    async def _read_body(self, request: Request) -> tuple[t.Any, Order]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in _ACCEPTED_BODIES:
            raise _Problem(
                problem_response(
                    415,
                    "Unsupported Media Type",
                    f"send the order as {' or '.join(_ACCEPTED_BODIES)}, not {kind or 'nothing'}",
                )
            )
        raw = await request.body()
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _Problem(
                problem_response(400, "Malformed JSON", f"the body is not JSON: {exc.msg}")
            ) from None
        outcomes = await run_in_threadpool(
            lambda: list(translate_documents(get_adapter("dfc"), [Document(None, document)]))
        )
        problems = [str(o) for o, _ in outcomes if isinstance(o, OrderError)]
        orders = [o for o, _ in outcomes if isinstance(o, Order)]
        if problems:
            raise _Problem(
                problem_response(422, "Order cannot be read", "; ".join(problems), problems=problems)
            )
        if len(orders) != 1:
            raise _Problem(
                problem_response(
                    422,
                    "One order expected",
                    f"the document holds {len(orders)} dfc-b:Order nodes; send one at a time",
                )
            )
        return document, orders[0]

    def _save(
        self,
        platform: str,
        base_url: str,
        order: Order,
        document: t.Any,
        *,
        owner: str | None = None,
        expected_version: int | None = None,
        lines: _LineKeys | None = _NEW_LINES,
    ) -> tuple[StoredOrder, list[str]]:
        """Store a DFC order for `platform`, and say what the platform cannot hold of its states."""
        prepared, losses = self._prepare(platform, order, lines=lines, tables=self.tables)
        stored = self.store.replace(
            platform, base_url, prepared, document, owner=owner, expected_version=expected_version
        )
        self._known = None  # this app's own write is seen by the next read
        return stored, losses

    @staticmethod
    def _prepare(
        platform: str, order: Order, *, lines: _LineKeys | None = _NEW_LINES, tables: Tables = SHIPPED
    ) -> tuple[Order, list[str]]:
        """A DFC order as the endpoint stores it for `platform`, and what the platform cannot hold.

        Its lines get their keys (`lines.py`): those of the lines it was served with (`lines`),
        new ones for the rest; with `lines` None they are kept as they are. For a shop's platform,
        `platform_status` is what the platform would hold (the table's reverse rules), while the
        states stay the DFC states the client wrote: a client reads back what it wrote (OFN finds
        its open backorder only while it reads Held) until the platform itself changes the order,
        by a pull or a webhook that stores a newer version of it. What the platform cannot hold is
        reported, as the `Statebridge-Lossy` header of the write.
        """
        losses: list[str] = []
        update: dict[str, t.Any] = {
            "platform": platform,
            "shape": "dfc-jsonld",
            "updated_at": dt.datetime.now(dt.UTC),
        }
        if lines is not None:
            keys = line_keys(order.lines, lines.order_id, lines.served)
            update["lines"] = tuple(
                line.model_copy(update={"id": key}) for line, key in zip(order.lines, keys, strict=True)
            )
        if platform != "dfc":
            table = get_adapter(platform, tables=tables).mapping_table()
            result = table.reverse(order.states)
            update["platform_status"] = result.fields
            losses = [str(loss) for loss in result.losses]
        return order.model_copy(update=update), losses


Handler = t.Callable[[Request], t.Awaitable[Response]]


def _guarded(handlers: t.Mapping[str, Handler]) -> Handler:
    """Dispatch on the method (HEAD as GET), answering every `_Problem` as its problem details.

    Store errors are not the caller's: they go on to the app's one fault mapping (`faults.py`),
    503 when the store is unavailable, else 500; never a 400 carrying the store's URL.
    """

    async def endpoint(request: Request) -> Response:
        handler = handlers["GET"] if request.method == "HEAD" else handlers[request.method]
        try:
            return await handler(request)
        except _Problem as problem:
            return identified(problem.response, request_id(request.scope))
        except VersionConflict:
            return problem_response(
                412,
                "Precondition Failed",
                "the order changed since the ETag given in If-Match; GET it again and retry",
            )
        except StoreError:
            raise
        except StatebridgeError as exc:
            return problem_response(400, "Bad request", str(exc))

    return endpoint


def _check_buyer(access: Access, order: Order) -> None:
    """A client bound to a buyer orders as that buyer: an order naming another is refused (422)."""
    client = access.client
    if client is None or client.buyer is None:
        return
    named = buyer_iri(order)
    if named is not None and named != client.buyer:
        raise _Problem(
            problem_response(
                422,
                "Order for another buyer",
                f"dfc-b:orderedBy is {named}, but client {client.name} orders as {client.buyer}",
            )
        )


def _precondition(request: Request, existing: StoredOrder, scope: Scope) -> int | None:
    """The version a conditional write must find (`If-Match`), None without the header; 412 when the
    ETag given is not the order's current one in any representation."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    current = [order_etag(existing, scope, media) for media in OFFERED]
    if not any(etag_matches(header, etag) for etag in current):
        raise _Problem(
            problem_response(
                412,
                "Precondition Failed",
                "the order changed since the ETag given in If-Match; GET it again and retry",
            )
        )
    return existing.version


def _idempotency_key(request: Request) -> str | None:
    try:
        return idempotency.parse_key(request.headers.get(idempotency.HEADER))
    except ValueError as exc:
        raise _Problem(problem_response(400, "Bad Idempotency-Key", str(exc))) from None


def _source(scope: Scope) -> tuple[str, str]:
    if scope.enterprise is None:
        return "dfc", scope.base
    return scope.enterprise.platform, scope.enterprise.base_url


def _paging(request: Request) -> tuple[int, str | None]:
    text = request.query_params.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise _Problem(
            problem_response(
                400, "Bad limit", f"limit must be a whole number from 1 to {MAX_LIMIT}, not {text!r}"
            )
        )
    after = request.query_params.get("after")
    if after is not None and not _CURSOR.fullmatch(after):
        raise _Problem(problem_response(400, "Bad cursor", "after must be the cursor of a `next` link"))
    return limit, after


def _loss_header(losses: list[str]) -> dict[str, str]:
    return {"Statebridge-Lossy": "; ".join(losses)} if losses else {}
