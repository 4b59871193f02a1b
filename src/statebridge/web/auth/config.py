"""Which authentication the settings configure: static tokens (`STATEBRIDGE_API_TOKENS`) and OIDC
(`STATEBRIDGE_OIDC_*`), refused with a `ConfigurationError` naming the variable, never a value."""

from __future__ import annotations

import dataclasses
import ipaddress
from urllib.parse import urlsplit

from ...errors import ConfigurationError
from ...settings import Settings

__all__ = [
    "AUDIENCE_VARIABLE",
    "CLIENT_CLAIMS",
    "CLIENT_CLAIM_VARIABLE",
    "ISSUER_VARIABLE",
    "JWKS_URL_VARIABLE",
    "TOKENS_VARIABLE",
    "OidcSettings",
    "oidc_settings",
    "static_tokens",
    "url_problem",
]

TOKENS_VARIABLE = "STATEBRIDGE_API_TOKENS"
ISSUER_VARIABLE = "STATEBRIDGE_OIDC_ISSUER"
AUDIENCE_VARIABLE = "STATEBRIDGE_OIDC_AUDIENCE"
JWKS_URL_VARIABLE = "STATEBRIDGE_OIDC_JWKS_URL"
CLIENT_CLAIM_VARIABLE = "STATEBRIDGE_OIDC_CLIENT_CLAIM"
CLIENT_CLAIMS = ("sub", "azp")


@dataclasses.dataclass(frozen=True)
class OidcSettings:
    """Where JWTs come from and whom they must be for."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    client_claim: str = "sub"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why `url` cannot be trusted to deliver signing keys, or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https:// URL"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "must use https:// (plain http is accepted on loopback only)"
    return None


def static_tokens(settings: Settings) -> tuple[bytes, ...]:
    value = settings.value(TOKENS_VARIABLE) or ""
    if not value.strip():
        return ()
    tokens = []
    for position, entry in enumerate(value.split(","), start=1):
        token = entry.strip()
        if not token:
            continue
        if not all(0x21 <= ord(c) <= 0x7E for c in token):
            msg = (
                f"{TOKENS_VARIABLE}: entry {position} must be printable ASCII without spaces "
                "(it travels in an Authorization header)"
            )
            raise ConfigurationError(msg)
        tokens.append(token.encode("ascii"))
    if not tokens:
        msg = (
            f"{TOKENS_VARIABLE} is set but lists no token: give comma-separated tokens, or unset it "
            "to leave the endpoint open"
        )
        raise ConfigurationError(msg)
    return tuple(tokens)


def oidc_settings(settings: Settings) -> OidcSettings | None:
    issuer = (settings.value(ISSUER_VARIABLE) or "").strip()
    audience = (settings.value(AUDIENCE_VARIABLE) or "").strip()
    jwks_url = (settings.value(JWKS_URL_VARIABLE) or "").strip() or None
    if not issuer:
        stray = AUDIENCE_VARIABLE if audience else JWKS_URL_VARIABLE if jwks_url else None
        if stray:
            msg = f"{stray} is set but {ISSUER_VARIABLE} is not: set {ISSUER_VARIABLE} to enable OIDC"
            raise ConfigurationError(msg)
        return None
    if not audience:
        msg = (
            f"set {AUDIENCE_VARIABLE} in the environment: with {ISSUER_VARIABLE} set, tokens must name "
            "statebridge's audience (the client id or API identifier the issuer puts in `aud`)"
        )
        raise ConfigurationError(msg)
    for variable, url in ((ISSUER_VARIABLE, issuer), (JWKS_URL_VARIABLE, jwks_url)):
        problem = url_problem(url) if url else None
        if problem:
            msg = f"{variable} {problem}"
            raise ConfigurationError(msg)
    claim = (settings.value(CLIENT_CLAIM_VARIABLE) or "").strip() or "sub"
    if claim not in CLIENT_CLAIMS:
        msg = f"{CLIENT_CLAIM_VARIABLE} must be one of {', '.join(CLIENT_CLAIMS)} (the claim naming a client)"
        raise ConfigurationError(msg)
    return OidcSettings(issuer=issuer, audience=audience, jwks_url=jwks_url, client_claim=claim)
