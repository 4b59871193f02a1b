"""Client principals of the DFC endpoint: who may order, as which buyer, from which enterprises.

A client is what a hub (Open Food Network, say) uses to reach statebridge. It is bound to one
buyer, the IRI of the enterprise it orders as, and optionally to the enterprises (slugs of
`STATEBRIDGE_ENTERPRISES`) it may order from. It authenticates with a bearer token that
statebridge makes once (`statebridge clients add`), shows once and keeps only as its SHA-256 digest,
or with an OIDC token whose configured claim (`sub` or `azp`) equals the client's `oidc_subject`.

Tokens are 256 random bits, so a plain SHA-256 of them cannot be reversed or guessed by brute
force: a slow password hash would add nothing but latency to every request. A revoked client keeps
its row (its name stays taken, its orders keep their owner), loses its token digest and OIDC
subject, and never authenticates again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import typing as t

import orjson
import sqlalchemy as sa

from ..errors import StoreError, UsageError
from . import schema

if t.TYPE_CHECKING:
    from .store import Store

__all__ = ["TOKEN_PREFIX", "Client", "ClientRegistry", "hash_token", "new_token"]

#: Marks statebridge client tokens, so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "sbc_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def new_token() -> str:
    """A fresh client token: the prefix and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Client:
    """One client principal, as stored (never its token)."""

    name: str
    buyer: str | None
    enterprises: tuple[str, ...]
    oidc_subject: str | None
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def may_order_from(self, enterprise: str) -> bool:
        """Whether the client may address the enterprise's orders (any, when none are listed)."""
        return not self.enterprises or enterprise in self.enterprises


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _client(row: t.Any) -> Client:
    return Client(
        name=row.name,
        buyer=row.buyer,
        enterprises=tuple(orjson.loads(row.enterprises)),
        oidc_subject=row.oidc_subject,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class ClientRegistry:
    """Adds, finds, lists and revokes clients in a store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        name: str,
        *,
        buyer: str | None = None,
        enterprises: t.Sequence[str] = (),
        oidc_subject: str | None = None,
        token: bool = True,
    ) -> tuple[Client, str | None]:
        """Register a client; returns it and its new bearer token (None with `token=False`).

        The token is returned once and never stored: only its digest is.
        """
        if not _NAME.fullmatch(name):
            msg = (
                f"client name {name!r} must be 1-100 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
            raise UsageError(msg)
        if buyer is not None and not buyer.startswith(("http://", "https://")):
            msg = f"client {name}: --buyer must be the buyer's IRI (http:// or https://), not {buyer!r}"
            raise UsageError(msg)
        if not token and oidc_subject is None:
            msg = f"client {name}: without a token it needs --oidc-subject, or it could never authenticate"
            raise UsageError(msg)
        secret = new_token() if token else None
        client = Client(
            name=name,
            buyer=buyer,
            enterprises=tuple(dict.fromkeys(enterprises)),
            oidc_subject=oidc_subject,
            created_at=_now(),
        )
        values = {
            "name": client.name,
            "token_hash": hash_token(secret) if secret else None,
            "oidc_subject": client.oidc_subject,
            "buyer": client.buyer,
            "enterprises": orjson.dumps(list(client.enterprises)).decode(),
            "created_at": client.created_at,
        }
        try:
            with self.store.engine.begin() as connection:
                taken = connection.execute(
                    sa.select(schema.clients.c.name).where(
                        sa.or_(
                            schema.clients.c.name == name,
                            sa.and_(
                                schema.clients.c.oidc_subject.is_not(None),
                                schema.clients.c.oidc_subject == oidc_subject,
                            ),
                        )
                    )
                ).first()
                if taken is not None:
                    what = "name" if taken.name == name else f"OIDC subject (client {taken.name})"
                    msg = f"client {name}: that {what} is taken; revoked clients keep their names"
                    raise UsageError(msg)
                connection.execute(schema.clients.insert().values(**values))
        except sa.exc.IntegrityError:
            msg = f"client {name}: the name or OIDC subject is taken"
            raise UsageError(msg) from None
        except sa.exc.SQLAlchemyError as exc:
            msg = f"cannot write client {name} to the store: {type(exc).__name__}"
            raise StoreError(msg) from None
        return client, secret

    def by_token(self, token: str) -> Client | None:
        """The active client whose token this is, or None."""
        return self._find(schema.clients.c.token_hash == hash_token(token))

    def by_subject(self, subject: str) -> Client | None:
        """The active client mapped to this OIDC claim value, or None."""
        return self._find(schema.clients.c.oidc_subject == subject)

    def _find(self, condition: sa.ColumnElement[bool]) -> Client | None:
        table = schema.clients
        query = sa.select(table).where(condition, table.c.revoked_at.is_(None))
        with self.store.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _client(row)

    def list(self) -> list[Client]:
        table = schema.clients
        with self.store.engine.connect() as connection:
            return [_client(row) for row in connection.execute(sa.select(table).order_by(table.c.name))]

    def any_active(self) -> bool:
        """Whether any client can authenticate (then the endpoint is never open to anonymous requests)."""
        table = schema.clients
        query = sa.select(sa.func.count()).select_from(table).where(table.c.revoked_at.is_(None))
        with self.store.engine.connect() as connection:
            return bool(connection.execute(query).scalar())

    def revoke(self, name: str) -> Client:
        """Revoke `name` at once; `UsageError` when there is no such active client."""
        table = schema.clients
        with self.store.engine.begin() as connection:
            done = connection.execute(
                table.update()
                .where(table.c.name == name, table.c.revoked_at.is_(None))
                .values(revoked_at=_now(), token_hash=None, oidc_subject=None)
                .returning(table)
            ).first()
        if done is None:
            known = ", ".join(c.name for c in self.list() if c.active) or "none"
            msg = f"no active client {name!r} (active clients: {known})"
            raise UsageError(msg)
        return _client(done)
