"""The `Idempotency-Key` request header of `POST …/Orders` (draft-ietf-httpapi-idempotency-key-header).

A client that may send an order twice (it retried after a 5xx or a dropped connection, or it runs
its sync again) sends the same key each time. statebridge keeps each key with the order its first
request created, for 24 hours (`store.KEY_LIFETIME`), in the same transaction as the order:

- the same key from the same sender with the same request (`fingerprint`) answers with that order
  (201, the same `Location`, its current representation, `Idempotent-Replayed: true`) and creates
  nothing;
- the same key with another request is a 422: a key names one operation;
- concurrent requests with one key create one order; the others answer as replays.

Keys are scoped to their sender (`scope_of`), so one client cannot reach another's orders by
guessing its keys. The value is a Structured Field string (`"…"`, as the draft defines it); a bare
token is read the same way. 1 to 255 visible ASCII characters, no `"` or `\\` inside.
"""

from __future__ import annotations

import hashlib
import re
import typing as t

import orjson

from .access import Access

__all__ = ["HEADER", "REPLAYED_HEADER", "fingerprint", "parse_key", "scope_of"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r'"([!#-\[\]-~ ]{1,255})"|([!#-\[\]-~]{1,255})')


def parse_key(value: str | None) -> str | None:
    """The key an `Idempotency-Key` header carries, None without one; ValueError saying what a key
    must be when it is malformed (the message never repeats the value)."""
    if value is None:
        return None
    match = _KEY.fullmatch(value.strip())
    if match is None:
        msg = (
            f"{HEADER} must be a quoted string of 1 to 255 visible ASCII characters without "
            '`"` or `\\` (for example "8e03978e-40d5-43e8-bc93-6894a57f9324")'
        )
        raise ValueError(msg)
    return match.group(1) or match.group(2)


def scope_of(access: Access) -> str:
    """Whose keys a request's key is one of: each client its own; the operators (static tokens, or
    anyone while the endpoint is open) share one. The one place that says which senders share keys."""
    scope = access.key
    return scope if len(scope) <= 200 else "sha256:" + hashlib.sha256(scope.encode()).hexdigest()


def fingerprint(target: str, document: t.Any) -> str:
    """What makes two requests with one key the same request: where the order was sent (`target`,
    e.g. the enterprise) and the JSON body, compared as data (key order and spacing do not count)."""
    body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(target.encode() + b"\n" + body).hexdigest()
