"""The `Authenticator`: checks a request's `Authorization` header against the static tokens (in
constant time over all of them) and then, when configured, as a JWT of the OIDC issuer."""

from __future__ import annotations

import hmac
import time
import typing as t
from collections.abc import Mapping

import httpx

from ...settings import Settings
from .bearer import REJECTED, Principal, bearer_token, refused
from .config import ISSUER_VARIABLE, TOKENS_VARIABLE, OidcSettings, oidc_settings, static_tokens
from .issuer import Issuer

__all__ = ["Authenticator"]


class Authenticator:
    """Checks the `Authorization` header of DFC requests against the configured methods."""

    def __init__(
        self,
        *,
        tokens: t.Sequence[str] = (),
        oidc: OidcSettings | None = None,
        http: httpx.AsyncClient | None = None,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tuple(token.encode("utf-8") for token in tokens)
        self._oidc = Issuer(oidc, http=http, clock=clock) if oidc is not None else None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> Authenticator:
        """The authenticator the settings configure; `ConfigurationError` naming the variable
        when a setting is missing or unusable (never showing a value)."""
        tokens = static_tokens(settings)
        oidc = oidc_settings(settings)
        return cls(tokens=[token.decode("ascii") for token in tokens], oidc=oidc, http=http, clock=clock)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        *,
        http: httpx.AsyncClient | None = None,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> Authenticator:
        """The authenticator the variables in `environ` configure (as `from_settings`)."""
        return cls.from_settings(Settings.from_env(environ), http=http, clock=clock)

    @property
    def required(self) -> bool:
        """Whether requests must authenticate (tokens or OIDC configured); False means open."""
        return bool(self._tokens) or self._oidc is not None

    def describe(self) -> str:
        """One line for the start-up log: which methods are on (counts and URLs, no secrets)."""
        if not self.required:
            return f"open: no authentication (set {TOKENS_VARIABLE} or {ISSUER_VARIABLE} to require it)"
        methods = []
        if self._tokens:
            methods.append(f"{len(self._tokens)} static token(s)")
        if self._oidc is not None:
            settings = self._oidc.settings
            methods.append(f"OIDC tokens from {settings.issuer} for audience {settings.audience}")
        return "bearer: " + ", ".join(methods)

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """Who sent `authorization`: None when authentication is not required; `Unauthorized` when
        it is and the header is missing, malformed or refused; `AuthUnavailable` when a JWT cannot
        be checked because the issuer's keys cannot be fetched."""
        if not self.required:
            return None
        token = bearer_token(authorization)
        if self._tokens and self.matches_static(token):
            return Principal(subject="token", method="token")
        if self._oidc is None:
            raise refused(REJECTED)
        return await self._oidc.verify(token)

    @property
    def client_claim(self) -> str | None:
        """The JWT claim that names a client (`sub` or `azp`), or None without OIDC."""
        return self._oidc.settings.client_claim if self._oidc is not None else None

    async def verify_jwt(self, token: str) -> Principal:
        """The OIDC principal of `token`; `Unauthorized` when OIDC is off or the token is refused."""
        if self._oidc is None:
            raise refused(REJECTED)
        return await self._oidc.verify(token)

    def matches_static(self, token: str) -> bool:
        """Whether `token` is one of the static (operator) tokens; constant time over all of them."""
        given = token.encode("utf-8", "replace")
        matched = False
        for known in self._tokens:
            matched |= hmac.compare_digest(given, known)
        return matched
