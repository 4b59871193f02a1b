"""What every webhook handler shares: the answer, headers, signature checks and event keys.

A platform's webhook handler (`platforms/<name>/webhook.py`) checks its own signature and topic
with these pieces, then hands the order to `Ingest` (the receiver in `webhooks.py`), which
translates and stores it. See `webhooks.py` for the steps every delivery goes through.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import logging
import typing as t

import orjson
from starlette.responses import JSONResponse

from ..errors import MalformedInputError
from ..settings import Settings

__all__ = [
    "PROBLEM_JSON",
    "Answer",
    "Delivery",
    "Headers",
    "Ingest",
    "WebhookHandler",
    "bad_signature",
    "body_key",
    "event_key",
    "ignored",
    "missing_secret",
    "parse",
    "problem",
    "signed",
    "signed_hex",
]

log = logging.getLogger("statebridge.web.webhooks")

PROBLEM_JSON = "application/problem+json"

#: `webhook_events.event_id` is VARCHAR(200); a longer id is stored as its digest.
_EVENT_ID_MAX = 200


@dataclasses.dataclass(frozen=True)
class Answer:
    """What an endpoint answers: a status and a JSON body (RFC 9457 problem details when `problem`)."""

    status: int
    body: dict[str, t.Any]
    problem: bool = False
    headers: t.Mapping[str, str] = dataclasses.field(default_factory=dict)

    def response(self, request_id: str | None = None) -> JSONResponse:
        """The response; a 5xx problem names `request_id`, the id the access log records."""
        body = self.body
        if self.problem and self.status >= 500 and request_id is not None:
            body = {**body, "request_id": request_id}
        media = PROBLEM_JSON if self.problem else None
        return JSONResponse(body, self.status, headers=dict(self.headers), media_type=media)


def problem(status: int, title: str, detail: str) -> Answer:
    """An `application/problem+json` answer (RFC 9457)."""
    return Answer(status, {"type": "about:blank", "title": title, "status": status, "detail": detail}, True)


class Headers:
    """Request headers, case-insensitive, each name's first value, tried in the spellings given."""

    def __init__(self, items: t.Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, str] = {}
        for name, value in items:
            self._values.setdefault(name.lower(), value)

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first of `names` present with a non-blank value, as (name, value)."""
        for name in names:
            value = self._values.get(name.lower(), "").strip()
            if value:
                return name, value
        return None


class Ingest(t.Protocol):
    """Translate a delivery's document and store its orders (or rejects) with its event id."""

    def __call__(
        self,
        platform: str,
        base_url: str,
        topic: str,
        event_id: str,
        body: bytes,
        document: t.Any | MalformedInputError,
    ) -> Answer: ...


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One POST to `/webhooks/<platform>`: its headers, raw body, the platform's secret and now."""

    headers: Headers
    body: bytes
    #: The shared secret that signs the platform's deliveries, or None when not configured.
    secret: str | None
    #: Unix seconds, for handlers that check a timestamp.
    now: float
    #: The settings in force (base URLs a platform's deliveries do not carry).
    settings: Settings


class WebhookHandler(t.Protocol):
    """A platform's webhook: the variable holding its secret, and the handling of one delivery."""

    #: The environment variable that holds the shared secret (`STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET`).
    secret_env: str

    def handle(self, delivery: Delivery, ingest: Ingest) -> Answer:
        """Check the delivery's signature and topic, then ingest its order (or answer why not)."""
        ...


def signed(secret: str, body: bytes, given: str) -> bool:
    """Whether `given` is base64(HMAC-SHA256(secret, body)); compared in constant time."""
    try:
        digest = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, digest)


def signed_hex(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """Whether `given` is hex(HMAC-SHA256(secret, "{timestamp}.{body}")); constant time."""
    try:
        digest = bytes.fromhex(given)
    except ValueError:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, digest)


def body_key(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def event_key(value: str) -> str:
    return value if len(value) <= _EVENT_ID_MAX else body_key(value.encode())


def missing_secret(variable: str, platform: str) -> Answer:
    message = f"set {variable} in the environment: the shared secret that signs {platform} webhooks"
    log.error("%s webhook refused: %s", platform, message)
    return problem(503, "Webhook secret not configured", message)


def bad_signature(platform: str, header: str, variable: str, present: bool) -> Answer:
    if present:
        detail = (
            f"the {header} header does not match the body: the delivery was not signed with the "
            f"secret in {variable}"
        )
    else:
        detail = f"the {header} header is missing: every {platform} delivery must be signed"
    log.warning("%s webhook refused (401): %s", platform, detail)
    return problem(401, "Invalid webhook signature", detail)


def parse(body: bytes) -> t.Any | MalformedInputError:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return MalformedInputError(f"the webhook body is not valid JSON ({exc})", position="body")


def ignored(platform: str, topic: str, reason: str) -> Answer:
    log.info("%s webhook %s ignored: %s", platform, topic, reason)
    return Answer(200, {"status": "ignored", "topic": topic, "reason": reason})
