"""Shopify access tokens as Shopify issues them now, and which one a shop's settings ask for.

Three kinds of Shopify app, three ways to a token (`shopify_token_source` picks by what is set):

- **Client credentials** (`STATEBRIDGE_SHOPIFY_CLIENT_ID` + `_CLIENT_SECRET`): apps made in the Dev
  Dashboard and installed on shops of the same organisation.
  `POST https://{shop}.myshopify.com/admin/oauth/access_token` with the form
  `grant_type=client_credentials&client_id=…&client_secret=…` answers `access_token`, `scope` and
  `expires_in` (about a day)
  (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant,
  https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets). Asking again is
  harmless, so the request is retried like a read.
- **Expiring offline tokens** (the same two plus `STATEBRIDGE_SHOPIFY_REFRESH_TOKEN`): public apps,
  which must use them from 2027-01-01. The same endpoint with `grant_type=refresh_token`,
  `client_id`, `client_secret`, `refresh_token` answers `access_token`, `expires_in` (an hour), a new
  `refresh_token` and `refresh_token_expires_in` (90 days); the refresh token used is retired
  (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens,
  https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh). The rotated
  refresh token is kept in the store (`store.tokens`); the configured one only starts the chain,
  and a different one configured later (after a re-install) starts a new chain. A refresh is
  never sent twice by the retry policy: after a lost answer the old token may be spent already.
  (Since 2026-08-28 Shopify accepts a spent refresh token again until its replacement is first
  used, https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens;
  statebridge does not rely on it.)
- **A static token** (`STATEBRIDGE_SHOPIFY_TOKEN` alone): legacy custom apps and admin-created
  apps; never renewed.

A token endpoint that refuses the credentials (400 or 401: `invalid_client`, a revoked, expired
or spent refresh token) is a `ConfigurationError` saying what to do, naming the shop and the
variables, never a value.
"""

from __future__ import annotations

import hashlib
import threading
import time
import typing as t

import orjson

from ..errors import APIError, ConfigurationError, FatalAPIError
from ..settings import Settings
from ..store.tokens import StoredGrant
from .base import ApiClient, Page, describe_request, mask_secrets, reason
from .credentials import optional_secret, require_secret
from .oauth_tokens import GrantStore, RenewingSource, StaticToken, TokenSource

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "REFRESH_TOKEN_ENV",
    "TOKEN_ENV",
    "ShopifyClientCredentials",
    "ShopifyRefreshToken",
    "shopify_token_source",
]

TOKEN_ENV = "STATEBRIDGE_SHOPIFY_TOKEN"
CLIENT_ID_ENV = "STATEBRIDGE_SHOPIFY_CLIENT_ID"
CLIENT_SECRET_ENV = "STATEBRIDGE_SHOPIFY_CLIENT_SECRET"
REFRESH_TOKEN_ENV = "STATEBRIDGE_SHOPIFY_REFRESH_TOKEN"
TOKEN_PATH = "/admin/oauth/access_token"
#: Lifetime assumed when an answer has no usable `expires_in` (a 401 still renews).
FALLBACK_LIFETIME = 3600.0


class _TokenEndpoint(ApiClient):
    """The shop's OAuth token endpoint, sent through the same time-outs, retries and pacing."""

    platform = "shopify"
    pace_scope = "shopify-oauth"  # not a request of the Admin API's buckets

    def pages(self, since: t.Any | None) -> t.Iterator[Page]:
        """A token endpoint has no orders."""
        return iter(())


class _ShopifyGrant(RenewingSource):
    """What both grants share: the endpoint, the form, reading the answer, wording a refusal."""

    grant_type: t.ClassVar[str]

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        settings: Settings,
        store: GrantStore | None = None,
        clock: t.Callable[[], float] = time.time,
    ) -> None:
        super().__init__("shopify", base_url.rstrip("/"), client_id, store=store, clock=clock)
        self._client_secret = client_secret
        self._settings = settings

    def _form(self, current: StoredGrant | None) -> dict[str, str]:
        return {
            "grant_type": self.grant_type,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }

    def _secrets(self, *more: str | None) -> list[str | None]:
        return [self._client_secret, *more]

    def _advice(self) -> str:
        """What the operator should do when the endpoint refuses the credentials."""
        raise NotImplementedError

    def _post(self, current: StoredGrant | None, *, repeatable: bool) -> dict[str, t.Any]:
        form = self._form(current)
        started = self._clock()
        try:
            # A connection of its own, closed at once: grants come a day or an hour apart, and a
            # source shared for the life of the process then holds no socket in between.
            with _TokenEndpoint(self.base_url, settings=self._settings) as endpoint:
                response = endpoint.request(
                    "POST",
                    TOKEN_PATH,
                    data=form,
                    headers={"Accept": "application/json"},
                    repeatable=repeatable,
                )
        except FatalAPIError as exc:
            masked = mask_secrets(exc, self._secrets(form.get("refresh_token")))
            if exc.status in (400, 401):
                msg = (
                    f"Shopify refused the {self.grant_type} grant for the shop {self.base_url} "
                    f"({reason(masked)}): {self._advice()}"
                )
                raise ConfigurationError(msg) from None
            raise masked from None
        except APIError as exc:
            raise mask_secrets(exc, self._secrets(form.get("refresh_token"))) from None
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            answer = None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(token, str) or not token:
            msg = f"the {self.grant_type} answer ({response.status_code}) has no access_token"
            raise FatalAPIError(msg, request=describe_request("POST", response.request.url))
        answer["_started"] = started
        return answer

    @staticmethod
    def _seconds(answer: t.Mapping[str, t.Any], field: str) -> float | None:
        value = answer.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        return None


class ShopifyClientCredentials(_ShopifyGrant):
    """Tokens of a Dev Dashboard app from the client-credentials grant, kept until shortly before
    they expire (and in the store, when given, so that other processes use them too)."""

    grant_type = "client_credentials"

    def _advice(self) -> str:
        return (
            f"check {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (the app's Dev Dashboard settings) and "
            "that the app is installed on this shop, which must belong to the app's organisation"
        )

    def _renew(self, current: StoredGrant | None) -> StoredGrant:
        # A client-credentials grant changes nothing but mints a token: asking again is harmless.
        answer = self._post(current, repeatable=True)
        lifetime = self._seconds(answer, "expires_in") or FALLBACK_LIFETIME
        return StoredGrant(access_token=answer["access_token"], expires_at=answer["_started"] + lifetime)


class ShopifyRefreshToken(_ShopifyGrant):
    """Expiring offline tokens of a public app, renewed with its rotating refresh token.

    The rotated refresh token lives in the store when one is given (a restart, or another process,
    carries on with it); without a store it lives in this object only, and a restart starts again
    from the configured refresh token, which Shopify may then refuse as spent.
    """

    grant_type = "refresh_token"

    def __init__(
        self, base_url: str, client_id: str, client_secret: str, refresh_token: str, **kwargs: t.Any
    ) -> None:
        super().__init__(base_url, client_id, client_secret, **kwargs)
        self._initial = refresh_token
        #: Which configured refresh token a stored chain descends from (a digest, not the token).
        self._origin = hashlib.sha256(refresh_token.encode()).hexdigest()

    def _advice(self) -> str:
        return (
            "the refresh token is revoked, expired or already spent (by another installation using "
            "the same one, or a store that lost the rotated one); re-install the app on the shop "
            f"(or run its OAuth grant again) and set {REFRESH_TOKEN_ENV} to the new refresh token; "
            f"check {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} too"
        )

    def _belongs(self, grant: StoredGrant) -> bool:
        return grant.origin == self._origin

    def _form(self, current: StoredGrant | None) -> dict[str, str]:
        refresh = self._initial
        if current is not None and current.refresh_token and self._belongs(current):
            refresh = current.refresh_token
        return {**super()._form(current), "refresh_token": refresh}

    def _renew(self, current: StoredGrant | None) -> StoredGrant:
        answer = self._post(current, repeatable=False)
        started = answer["_started"]
        lifetime = self._seconds(answer, "expires_in") or FALLBACK_LIFETIME
        refresh = answer.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            msg = f"the refresh_token answer for the shop {self.base_url} has no new refresh_token"
            raise FatalAPIError(msg, request=describe_request("POST", self.base_url + TOKEN_PATH))
        refresh_life = self._seconds(answer, "refresh_token_expires_in")
        return StoredGrant(
            access_token=answer["access_token"],
            expires_at=started + lifetime,
            refresh_token=refresh,
            refresh_expires_at=None if refresh_life is None else started + refresh_life,
            origin=self._origin,
        )


_SOURCES: dict[tuple[t.Any, ...], TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def shopify_token_source(
    base_url: str, *, settings: Settings, store: GrantStore | None = None
) -> TokenSource:
    """The token source the settings ask for on the shop at `base_url` (module docstring), shared by
    every client of this process for the same shop, app, credentials and store, so that they renew
    once between them. A `ConfigurationError` naming the variables when too few are set."""
    client_id = optional_secret(CLIENT_ID_ENV, settings=settings)
    secret = optional_secret(CLIENT_SECRET_ENV, settings=settings)
    refresh = optional_secret(REFRESH_TOKEN_ENV, settings=settings)
    if not (client_id or secret or refresh):
        return StaticToken(
            require_secret(
                TOKEN_ENV,
                purpose=(
                    "the Admin API access token of the shop (or, for an app that mints its own tokens, "
                    f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}, plus {REFRESH_TOKEN_ENV} for a public app)"
                ),
                settings=settings,
            )
        )
    missing = [name for name, value in ((CLIENT_ID_ENV, client_id), (CLIENT_SECRET_ENV, secret)) if not value]
    if missing:
        msg = (
            f"set {' and '.join(missing)} in the environment: a Shopify app that mints its own tokens "
            "needs its client id and secret (Dev Dashboard, app settings)"
        )
        raise ConfigurationError(msg)
    client_id, secret = t.cast(str, client_id), t.cast(str, secret)
    shop = base_url.rstrip("/")
    digest = hashlib.sha256(f"{secret}\n{refresh or ''}".encode()).hexdigest()
    key = (shop, client_id, digest, store)
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            if refresh:
                source = ShopifyRefreshToken(shop, client_id, secret, refresh, settings=settings, store=store)
            else:
                source = ShopifyClientCredentials(shop, client_id, secret, settings=settings, store=store)
            _SOURCES[key] = source
        return source
