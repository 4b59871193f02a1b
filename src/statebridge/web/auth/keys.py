"""An OIDC issuer's signing keys (its JWKS): fetched (after discovery when no URL is configured),
cached for `JWKS_TTL`, refetched for an unknown `kid` at most once per `MIN_REFETCH`, and served
stale for up to `STALE_GRACE` while the issuer cannot be reached (see the package docstring)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import typing as t
from collections.abc import Mapping

import httpx
import jwt

from ...errors import AuthUnavailable
from .config import ISSUER_VARIABLE, OidcSettings, url_problem

__all__ = ["ALGORITHMS", "FETCH_TIMEOUT", "JWKS_TTL", "MIN_REFETCH", "STALE_GRACE", "KeySet", "Keys"]

log = logging.getLogger("statebridge.web.auth")

#: The signing algorithms accepted, each with the key type (and curves) that can verify it.
ALGORITHMS: Mapping[str, tuple[str, frozenset[str] | None]] = {
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
    "ES256": ("EC", frozenset({"P-256"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}

JWKS_TTL = 600.0  # how long fetched keys are trusted before a routine refetch
MIN_REFETCH = 30.0  # no two fetches (rotation or retry after failure) closer than this
STALE_GRACE = 3600.0  # how long past JWKS_TTL old keys serve while the issuer is unreachable
FETCH_TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True)
class KeySet:
    """One fetched JWKS: its signing keys (JWK objects) and when it was fetched."""

    keys: tuple[Mapping[str, t.Any], ...]
    fetched_at: float

    def find(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        """The key that may verify a token with header `kid` and `alg`, or None.

        Without a `kid` the token can only be verified when exactly one key fits `alg`.
        """
        kty, curves = ALGORITHMS[alg]
        fitting = []
        for jwk in self.keys:
            if kid is not None and jwk.get("kid") != kid:
                continue
            if jwk.get("kty") != kty or (curves is not None and jwk.get("crv") not in curves):
                continue
            if jwk.get("alg", alg) != alg:
                continue
            try:
                fitting.append(jwt.PyJWK(dict(jwk), algorithm=alg))
            except jwt.PyJWTError:
                continue
        if len(fitting) == 1 or (kid is not None and fitting):
            return fitting[0]
        return None


class Keys:
    """The cached JWKS of one issuer; `current` for a token, `rotated` for an unknown `kid`."""

    def __init__(
        self,
        settings: OidcSettings,
        *,
        http: httpx.AsyncClient | None,
        clock: t.Callable[[], float],
    ) -> None:
        self.settings = settings
        self._http = http
        self._clock = clock
        self._lock = asyncio.Lock()
        self._keyset: KeySet | None = None
        self._attempted_at: float | None = None
        self._problem = "the keys were never fetched"
        self._jwks_url = settings.jwks_url

    async def current(self) -> KeySet:
        """Fresh keys: the cached set within its TTL, else a refetch (stale keys if that fails)."""
        keyset = self._keyset
        if keyset is not None and self._clock() - keyset.fetched_at < JWKS_TTL:
            return keyset
        async with self._lock:
            keyset = self._keyset
            now = self._clock()
            if keyset is not None and now - keyset.fetched_at < JWKS_TTL:
                return keyset  # another request refreshed it while this one waited
            if not self._may_fetch(now):
                return self._stale(keyset, now)  # the last attempt failed moments ago
            try:
                return await self._fetch(now)
            except AuthUnavailable:
                keyset = self._stale(keyset, now)
                log.warning("still using the OIDC keys fetched %.0f s ago", now - keyset.fetched_at)
                return keyset

    async def rotated(self, seen: KeySet) -> KeySet:
        """The keys after one refetch for an unknown `kid`, unless one happened in the last 30 s."""
        async with self._lock:
            now = self._clock()
            if self._keyset is not seen and self._keyset is not None:
                return self._keyset  # refetched while this request waited
            if not self._may_fetch(now):
                return seen
            return await self._fetch(now)

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= MIN_REFETCH

    def _retry_after(self, now: float) -> int:
        due = (now if self._attempted_at is None else self._attempted_at) + MIN_REFETCH
        return max(1, math.ceil(due - now))

    def _stale(self, keyset: KeySet | None, now: float) -> KeySet:
        """Expired keys while within the grace period, else `AuthUnavailable` (logged by `_fetch`)."""
        if keyset is not None and now - keyset.fetched_at < JWKS_TTL + STALE_GRACE:
            return keyset
        raise AuthUnavailable(self._problem, retry_after=self._retry_after(now)) from None

    async def _fetch(self, now: float) -> KeySet:
        """Fetch the JWKS (discovering its URL first when needed); call with the lock held."""
        self._attempted_at = now
        try:
            url = self._jwks_url or await self._discover()
            document = await self._get_json(url)
            keys = document.get("keys")
            if not isinstance(keys, list):
                msg = f"GET {url} answered no `keys` list"
                raise AuthUnavailable(msg)
            usable = tuple(
                k
                for k in keys
                if isinstance(k, dict) and isinstance(k.get("kty"), str) and k.get("use", "sig") == "sig"
            )
        except AuthUnavailable as exc:
            self._problem = exc.detail
            if self.settings.jwks_url is None:
                self._jwks_url = None  # discover again next time: the jwks_uri may have moved
            log.warning("cannot fetch the OIDC signing keys: %s", exc.detail)
            raise AuthUnavailable(exc.detail, retry_after=self._retry_after(now)) from None
        self._keyset = KeySet(keys=usable, fetched_at=now)
        log.info("fetched %d OIDC signing key(s) from %s", len(usable), url)
        return self._keyset

    async def _discover(self) -> str:
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        if document.get("issuer") != self.settings.issuer:
            msg = f"GET {url} names another issuer than {ISSUER_VARIABLE} (OIDC Discovery §4.3)"
            raise AuthUnavailable(msg)
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            msg = f"GET {url} answered no `jwks_uri`"
            raise AuthUnavailable(msg)
        problem = url_problem(jwks_uri)
        if problem:
            msg = f"the `jwks_uri` of {url} {problem}"
            raise AuthUnavailable(msg)
        self._jwks_url = jwks_uri
        return jwks_uri

    async def _get_json(self, url: str) -> dict[str, t.Any]:
        headers = {"Accept": "application/json"}
        try:
            if self._http is not None:
                response = await self._http.get(url, headers=headers, timeout=FETCH_TIMEOUT)
            else:
                async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as client:
                    response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            msg = f"GET {url} failed: {type(exc).__name__}"
            raise AuthUnavailable(msg) from None
        if response.status_code != 200:
            msg = f"GET {url} answered {response.status_code}"
            raise AuthUnavailable(msg)
        try:
            document = response.json()
        except ValueError:
            msg = f"GET {url} did not answer JSON"
            raise AuthUnavailable(msg) from None
        if not isinstance(document, dict):
            msg = f"GET {url} did not answer a JSON object"
            raise AuthUnavailable(msg)
        return document
