"""The bearer token of a request, who it names (`Principal`), and the reasons and challenges of a
refusal (RFC 6750 §3), which never carry the token or a claim's value."""

from __future__ import annotations

import dataclasses

from ...errors import DEFAULT_CHALLENGE, Unauthorized

__all__ = ["MAX_TOKEN_LENGTH", "Principal", "bearer_token", "refused"]

MAX_TOKEN_LENGTH = 16384  # far above any real JWT; spares the parser absurd headers

# Reasons given to clients (`Unauthorized.reason`): what was wrong, never a token or claim value.
MISSING = "missing Authorization header"
NOT_BEARER = "Authorization must be `Bearer <token>`"
TOO_LONG = "token too long"
REJECTED = "token rejected"
BAD_ALGORITHM = "token signing algorithm is not accepted"
UNKNOWN_KEY = "unknown signing key"
NO_SUBJECT = "token lacks the sub claim"
EXPIRED = "token expired"
NOT_YET_VALID = "token not yet valid"
WRONG_AUDIENCE = "token audience is not statebridge's"
WRONG_ISSUER = "token issuer is not the configured one"
BAD_SIGNATURE = "token signature does not verify"
WEAK_KEY = "the issuer's signing key is too weak"

_SAFE_DESCRIPTION = {chr(c) for c in range(0x20, 0x7F)} - {'"', "\\"}


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who made the request: `subject` is "token" for a static token (never the token itself),
    the JWT's client claim (`sub`, or `azp` when so configured) for OIDC; `method` is "token" or
    "oidc"."""

    subject: str
    method: str


def _challenge(error: str, description: str) -> str:
    shown = "".join(c for c in description if c in _SAFE_DESCRIPTION)
    return f'{DEFAULT_CHALLENGE}, error="{error}", error_description="{shown}"'


def refused(reason: str) -> Unauthorized:
    """A bearer token was presented and refused (RFC 6750 `invalid_token`)."""
    return Unauthorized(reason, challenge=_challenge("invalid_token", reason))


def bearer_token(authorization: str | None) -> str:
    """The token of a `Bearer` Authorization header (scheme case-insensitive, spaces tolerated)."""
    if authorization is None or not authorization.strip():
        raise Unauthorized(MISSING)
    scheme, *rest = authorization.split(None, 1)
    token = rest[0].strip() if rest else ""
    if scheme.lower() != "bearer":
        # Another scheme (Basic…) is no bearer attempt at all: RFC 6750 §3.1, no error code.
        raise Unauthorized(NOT_BEARER)
    if not token or any(c.isspace() for c in token):
        raise Unauthorized(NOT_BEARER, challenge=_challenge("invalid_request", NOT_BEARER))
    if len(token) > MAX_TOKEN_LENGTH:
        raise refused(TOO_LONG)
    return token
