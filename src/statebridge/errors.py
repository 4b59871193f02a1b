"""The errors statebridge raises, all rooted in `StatebridgeError`.

```
StatebridgeError
├── UsageError                  a platform, format or option statebridge does not know
├── MappingTableError           a YAML mapping table is invalid (schema or consistency)
├── ConfigurationError          a credential or setting is missing (names the variable, never a value)
│   └── ConnectionsError        the connections file (statebridge.yaml) is invalid: every problem, one a line
├── APIError                    a platform API request failed
│   ├── FatalAPIError           the platform refused it (4xx other than 429): retrying cannot help
│   │   └── QueryTooCostly      Shopify GraphQL priced the query over its limit: ask for fewer items
│   └── RequestFailedError      429, 5xx or transport faults went on past the retry budget
├── StoreError                  the order store cannot be opened, migrated or written
│   ├── StoreUnavailable        it cannot be reached or written now (down, read-only, full): retry later
│   ├── VersionConflict         a conditional write's version is no longer the order's (HTTP 412)
│   └── InboxEntryMissing       a message names an inbox entry the store does not have
├── AccessError                 a request to the DFC endpoint cannot be let in
│   ├── Unauthorized            no token, or one refused (HTTP 401 with a `WWW-Authenticate` challenge)
│   ├── Forbidden               authenticated, but no client is registered for it (HTTP 403)
│   └── AuthUnavailable         the token issuer's keys cannot be fetched now (HTTP 503)
└── OrderError                  one order (or one input position) cannot be translated
    ├── MalformedInputError     the bytes are not JSON / NDJSON
    ├── UnrecognisedShapeError  JSON, but not a shape the adapter reads
    ├── InvalidOrderError       a field is missing or has a bad value (negative quantity, bad date…)
    └── StatusError             the status fields cannot be translated
        ├── UnknownStatusError  a value outside the field's declared domain (newer API version?)
        └── RejectedStatusError a combination the table declares impossible
```

`APIError`s name the request (method and URL, with secret query parameters masked) and what the
platform answered; tokens travel in headers and never appear in a message.

Every `OrderError` carries where it happened (`position`, e.g. `orders[3]` or `line 7`), the order
number when one is known, the field and the offending value, so that a single line of text is
enough to find and fix the problem. Messages never contain credentials.
"""

from __future__ import annotations

import typing as t

from .position import Position, Where, nested

__all__ = [
    "APIError",
    "AccessError",
    "AuthUnavailable",
    "ConfigurationError",
    "ConnectionsError",
    "DeliveryError",
    "FatalAPIError",
    "Forbidden",
    "InboxEntryMissing",
    "InvalidOrderError",
    "MalformedInputError",
    "MappingTableError",
    "NoWriteApi",
    "OrderError",
    "QueryTooCostly",
    "RejectedStatusError",
    "RequestFailedError",
    "StatebridgeError",
    "StatusError",
    "StoreError",
    "StoreUnavailable",
    "Unauthorized",
    "UnknownStatusError",
    "UnreachableState",
    "UnrecognisedShapeError",
    "UsageError",
    "VersionConflict",
]

#: The `WWW-Authenticate` challenge sent with a 401 (RFC 6750).
DEFAULT_CHALLENGE = 'Bearer realm="statebridge"'


class StatebridgeError(Exception):
    """Root of every error statebridge raises on purpose.

    Errors pickle whatever their constructor takes (`translate --jobs` sends them between
    processes): they are rebuilt from their attributes, not by calling `__init__` again.
    """

    def __reduce__(self) -> tuple[t.Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__.copy())


def _rebuild(
    cls: type[StatebridgeError], args: tuple[t.Any, ...], state: dict[str, t.Any]
) -> StatebridgeError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UsageError(StatebridgeError):
    """A name or option given by the caller is not one statebridge knows."""


class ConfigurationError(StatebridgeError):
    """A setting or credential is missing or malformed; the message names it, never its value."""


class ConnectionsError(ConfigurationError):
    """The connections file is invalid: `problems` lists every one found, each naming its entry
    (`targets.hub.method: 'GET' is not one of POST, PUT`); `source` names the file."""

    def __init__(self, source: str, problems: t.Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        joined = "\n  ".join(self.problems)
        super().__init__(f"connections file {source} is invalid:\n  {joined}")


class StoreError(StatebridgeError):
    """The order store cannot be opened, migrated or written."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written now: down, connection lost, read-only, full, locked.

    Not the caller's fault and not a bug: the same request may succeed later. The message names
    the store (password hidden) and the driver's reason, for logs and the command line; the web
    app answers 503 with `Retry-After` and keeps the message in its log.
    """


class VersionConflict(StoreError):
    """The order changed since the version a conditional write was based on (HTTP 412)."""


class InboxEntryMissing(StoreError):
    """A message names an inbox entry the store does not have (sent for another store): retrying
    cannot help."""


class AccessError(StatebridgeError):
    """A request to the DFC endpoint cannot be let in; `reason` is safe to show the client."""

    reason: str


class Unauthorized(AccessError):
    """The request must be refused with 401; `reason` is safe to show the client (never a token),
    `challenge` is the `WWW-Authenticate` header value to send with it."""

    def __init__(self, reason: str, *, challenge: str = DEFAULT_CHALLENGE) -> None:
        self.reason = reason
        self.challenge = challenge
        super().__init__(reason)


class Forbidden(AccessError):
    """Authenticated, but statebridge knows no client for it (403); `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AuthUnavailable(AccessError):
    """Tokens cannot be verified now because the issuer's keys cannot be fetched: answer 503.

    `reason` is safe for the client; `str(exc)` adds `detail` (which URL failed and how) for the
    server log. `retry_after` is whole seconds until statebridge will try the issuer again.
    """

    reason = "cannot verify tokens now: the token issuer is unreachable"

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{self.reason} ({detail})")


class APIError(StatebridgeError):
    """A request to a platform's API failed; `request` is how messages name it (no secrets)."""

    #: The body of the answer that refused the request (a 4xx), for a caller that reads the
    #: platform's structured errors (JSON:API `errors[].source.pointer`); None otherwise.
    body: bytes | None = None
    #: Seconds the platform last asked to wait (`Retry-After` of a 429 or 503) when the client gave
    #: up, so that a later attempt (the outbox's) waits at least that long; None otherwise.
    retry_after: float | None = None

    def __init__(self, message: str, *, request: str, status: int | None = None) -> None:
        self.request = request
        self.status = status
        super().__init__(f"{request}: {message}")


class FatalAPIError(APIError):
    """The platform refused the request (4xx other than 429); retrying cannot help."""


class QueryTooCostly(FatalAPIError):
    """Shopify GraphQL `MAX_COST_EXCEEDED`: the same query, asking for fewer items, can still succeed."""

    def __init__(self, message: str, *, request: str, cost: float | None, limit: float | None) -> None:
        self.cost = cost
        self.limit = limit
        super().__init__(message, request=request)

    def fewer(self, first: int) -> int:
        """A smaller `first:` that Shopify's price should allow; re-raises when there is none."""
        if first <= 1 or not self.cost or not self.limit:
            raise self
        return max(1, min(first - 1, int(first * self.limit // self.cost)))


class RequestFailedError(APIError):
    """Throttling, server errors or transport faults outlasted the retry budget."""


class DeliveryError(StatebridgeError):
    """An order cannot be delivered to a target as it is: retrying the same delivery cannot help.

    The outbox parks the delivery at once with this message as its reason (`statebridge outbox
    list` shows it); a later change of the order, or `statebridge outbox retry`, tries again."""

    def __init__(self, message: str, *, target: str | None = None, order: str | None = None) -> None:
        self.target = target
        self.order = order
        #: The message without the order and target (for reports that name them already).
        self.reason = message
        parts = (f"order {order}" if order else "", f"to {target}" if target else "")
        where = " ".join(part for part in parts if part)
        super().__init__(f"{where}: {message}" if where else message)


class UnreachableState(DeliveryError):
    """The target cannot go from where the order stands there to the DFC state asked for
    (uncancelling a cancelled Shopify order, say): refused, never forced."""


class NoWriteApi(DeliveryError):
    """The platform publishes no API to write orders through (Relatude, Socleo)."""


class MappingTableError(StatebridgeError):
    """A mapping table failed validation when it was loaded."""

    def __init__(self, table: str, problems: t.Sequence[str]) -> None:
        self.table = table
        self.problems = list(problems)
        joined = "\n  ".join(self.problems)
        super().__init__(f"mapping table {table!r} is invalid:\n  {joined}")


def _shown(value: object) -> str:
    """Render an offending value for a message: quoted strings, `null` for None, short."""
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


class OrderError(StatebridgeError):
    """A problem with one order, or with one position of the input.

    `where` is a `Position` value, formatted only when the error is shown (`str`, `position`).
    """

    def __init__(
        self,
        reason: str,
        *,
        position: Where = None,
        order: str | None = None,
        field: str | None = None,
        value: object = None,
        has_value: bool = False,
    ) -> None:
        self.reason = reason
        self.where = Position.of(position)
        self.order = order
        self.field = field
        self.value = value
        self.has_value = has_value
        super().__init__(reason)

    @property
    def position(self) -> str | None:
        """Where the error happened, as shown (`line 7: orders[3]`), or None."""
        return None if self.where is None else str(self.where)

    def locate(self, *, position: Where = None, order: str | None = None) -> OrderError:
        """Fill in where the error happened, keeping anything already known; returns self."""
        if self.where is None:
            self.where = Position.of(position)
        if self.order is None and order is not None:
            self.order = order
        return self

    def within(self, outer: Where) -> OrderError:
        """The error found inside `outer` (`line 7` of the input holding `orders[3]`); returns self."""
        self.where = nested(outer, self.where)
        return self

    def describe(self) -> str:
        """One line: `position: order N: field F: value V: reason`."""
        parts = []
        position = self.position
        if position:
            parts.append(position)
        if self.order:
            parts.append(f"order {self.order}")
        if self.field:
            parts.append(f"field {self.field}")
        if self.has_value:
            parts.append(f"value {_shown(self.value)}")
        parts.append(self.reason)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.describe()


class MalformedInputError(OrderError):
    """The input is not valid JSON or NDJSON."""


class UnrecognisedShapeError(OrderError):
    """The input is JSON but not in any shape the adapter reads."""


class InvalidOrderError(OrderError):
    """A field of an order is missing or has a value the canonical model rejects."""


class StatusError(OrderError):
    """The order's status fields cannot be translated."""

    def __init__(
        self,
        reason: str,
        *,
        platform: str,
        field: str | None = None,
        value: object = None,
        has_value: bool = False,
        position: Where = None,
        order: str | None = None,
    ) -> None:
        self.platform = platform
        super().__init__(
            reason, position=position, order=order, field=field, value=value, has_value=has_value
        )


class UnknownStatusError(StatusError):
    """A status value that the platform's mapping table does not list. Never guessed."""

    def __init__(
        self,
        *,
        platform: str,
        field: str,
        value: object,
        valid: t.Sequence[str | None],
        position: Where = None,
        order: str | None = None,
    ) -> None:
        self.valid = list(valid)
        shown = ", ".join("null" if v is None else v for v in self.valid)
        super().__init__(
            f"unknown {platform} {field} (valid: {shown})",
            platform=platform,
            field=field,
            value=value,
            has_value=True,
            position=position,
            order=order,
        )


class RejectedStatusError(StatusError):
    """A combination of status values that the table declares invalid, with its reason."""
