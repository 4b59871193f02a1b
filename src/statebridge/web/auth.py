"""Who may read statebridge's DFC endpoint: static bearer tokens, OIDC-issued JWTs, or anyone.

**Configuration** comes from the settings, i.e. the environment (`Authenticator.from_settings`):

- `STATEBRIDGE_API_TOKENS`: comma-separated static bearer tokens (spaces around commas and empty
  entries are ignored). Each must be printable ASCII without spaces, since an `Authorization`
  header cannot carry anything else. A value with separators but no token (`","`) is refused
  rather than silently leaving the endpoint open.
- `STATEBRIDGE_OIDC_ISSUER` enables OIDC; `STATEBRIDGE_OIDC_AUDIENCE` is then required (a JWT
  minted for another application of the same issuer must not open statebridge), and
  `STATEBRIDGE_OIDC_JWKS_URL` is optional (else OIDC discovery:
  `{issuer}/.well-known/openid-configuration` → `jwks_uri`, whose `issuer` must be the configured
  one, as OIDC Discovery §4.3 requires). Setting the audience or JWKS URL *without* the issuer is
  refused too: the operator meant to protect the endpoint, and it would otherwise be open.
  Issuer and key URLs must be `https://`, except on loopback (tests, a sidecar proxy).

With neither configured the endpoint is open (`required` is False): the embedded default, where
statebridge runs behind the platform that embeds it.

**Static tokens** are compared with `hmac.compare_digest` against *every* configured token, with
no early exit, so the time taken says nothing about which token, or which prefix, was close.
A token that matches none is then tried as a JWT when OIDC is configured.

**JWTs** are verified with PyJWT against the issuer's published keys: the algorithm must be one
of RS256, PS256, ES256, EdDSA (never `none`, never HS*: an HMAC "signed" with the issuer's public
key is the classic key-confusion forgery), and must fit the key (an RSA key cannot verify ES256,
and a key that declares its `alg` verifies only that one). RSA keys shorter than 2048 bits are
refused. `iss` must equal the issuer exactly, `aud` must contain the audience, `exp` and `sub` are
required, and `exp`/`nbf`/`iat` are checked with 30 s of leeway for clock skew.

**Keys** (the JWKS) are cached for 10 minutes. A token naming an unknown `kid` triggers one
refetch (the issuer rotated its keys), at most once per 30 s whatever the tokens say, so a flood
of made-up `kid`s cannot turn statebridge into a fetch storm against the issuer. A failed fetch
is not retried for 30 s either. When the cache has expired and the issuer cannot be reached, the
last keys stay in use for up to an hour more (logged), since refusing every client because the
issuer blinked is worse than honouring keys that were valid minutes ago; past that, or with no
keys at all, `authenticate` raises `AuthUnavailable`, which the app answers with 503 (and
`Retry-After`), not 401: the client's token may be fine, and it should retry rather than
re-authenticate.

**Errors.** `Unauthorized.reason` is safe to show the client: it names what was wrong ("token
expired", UNKNOWN_KEY) and never contains the token or a claim's value. Its `challenge`
is the `WWW-Authenticate` value (RFC 6750 §3): no error code when the request carried no bearer
token at all, `error="invalid_request"` for a malformed `Bearer` header, `error="invalid_token"`
with the reason as `error_description` for a token that was refused. Both exceptions are raised
`from None`, so a logged traceback does not carry PyJWT's messages either.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import ipaddress
import logging
import math
import time
import typing as t
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx
import jwt

from ..errors import DEFAULT_CHALLENGE, AuthUnavailable, ConfigurationError, Unauthorized
from ..settings import Settings

__all__ = [
    "ALGORITHMS",
    "AUDIENCE_VARIABLE",
    "CLIENT_CLAIMS",
    "CLIENT_CLAIM_VARIABLE",
    "ISSUER_VARIABLE",
    "JWKS_URL_VARIABLE",
    "TOKENS_VARIABLE",
    "Authenticator",
    "OidcSettings",
    "Principal",
    "bearer_token",
]

log = logging.getLogger("statebridge.web.auth")

TOKENS_VARIABLE = "STATEBRIDGE_API_TOKENS"
ISSUER_VARIABLE = "STATEBRIDGE_OIDC_ISSUER"
AUDIENCE_VARIABLE = "STATEBRIDGE_OIDC_AUDIENCE"
JWKS_URL_VARIABLE = "STATEBRIDGE_OIDC_JWKS_URL"
CLIENT_CLAIM_VARIABLE = "STATEBRIDGE_OIDC_CLIENT_CLAIM"
CLIENT_CLAIMS = ("sub", "azp")


#: The signing algorithms accepted, each with the key type (and curves) that can verify it.
ALGORITHMS: Mapping[str, tuple[str, frozenset[str] | None]] = {
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
    "ES256": ("EC", frozenset({"P-256"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}

LEEWAY = 30.0  # seconds of clock skew allowed on exp, nbf and iat
JWKS_TTL = 600.0  # how long fetched keys are trusted before a routine refetch
MIN_REFETCH = 30.0  # no two fetches (rotation or retry after failure) closer than this
STALE_GRACE = 3600.0  # how long past JWKS_TTL old keys serve while the issuer is unreachable
FETCH_TIMEOUT = 5.0
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


def _refused(reason: str) -> Unauthorized:
    """A bearer token was presented and refused (RFC 6750 `invalid_token`)."""
    return Unauthorized(reason, challenge=_challenge("invalid_token", reason))


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


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be trusted to deliver signing keys, or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https:// URL"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "must use https:// (plain http is accepted on loopback only)"
    return None


def _static_tokens(settings: Settings) -> tuple[bytes, ...]:
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


def _oidc_settings(settings: Settings) -> OidcSettings | None:
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
        problem = _url_problem(url) if url else None
        if problem:
            msg = f"{variable} {problem}"
            raise ConfigurationError(msg)
    claim = (settings.value(CLIENT_CLAIM_VARIABLE) or "").strip() or "sub"
    if claim not in CLIENT_CLAIMS:
        msg = f"{CLIENT_CLAIM_VARIABLE} must be one of {', '.join(CLIENT_CLAIMS)} (the claim naming a client)"
        raise ConfigurationError(msg)
    return OidcSettings(issuer=issuer, audience=audience, jwks_url=jwks_url, client_claim=claim)


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
        raise _refused(TOO_LONG)
    return token


@dataclasses.dataclass(frozen=True)
class _KeySet:
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


class _Issuer:
    """Verifies JWTs from one OIDC issuer, keeping its JWKS cached (see the module docstring)."""

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
        self._keyset: _KeySet | None = None
        self._attempted_at: float | None = None
        self._problem = "the keys were never fetched"
        self._jwks_url = settings.jwks_url

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refused(REJECTED) from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise _refused(BAD_ALGORITHM)
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _refused(REJECTED)
        keyset = await self._current()
        key = keyset.find(kid, alg)
        if key is None:
            keyset = await self._rotated(keyset)
            key = keyset.find(kid, alg)
        if key is None:
            raise _refused(UNKNOWN_KEY)
        claims = self._decode(token, key, alg)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _refused(NO_SUBJECT)
        claim = self.settings.client_claim
        named = claims.get(claim)
        if not isinstance(named, str) or not named:
            missing = f"token lacks the {claim} claim"
            raise _refused(missing)
        return Principal(subject=named, method="oidc")

    def _decode(self, token: str, key: jwt.PyJWK, alg: str) -> dict[str, t.Any]:
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=LEEWAY,
                options={
                    "verify_signature": True,
                    "require": ["exp", "sub", "iss", "aud"],
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.ExpiredSignatureError:
            reason = EXPIRED
        except jwt.ImmatureSignatureError:
            reason = NOT_YET_VALID
        except jwt.InvalidAudienceError:
            reason = WRONG_AUDIENCE
        except jwt.InvalidIssuerError:
            reason = WRONG_ISSUER
        except jwt.MissingRequiredClaimError as exc:
            reason = f"token lacks the {exc.claim} claim"
        except jwt.InvalidSignatureError:
            reason = BAD_SIGNATURE
        except jwt.InvalidAlgorithmError:
            reason = BAD_ALGORITHM
        except jwt.InvalidKeyError:
            reason = WEAK_KEY
        except jwt.PyJWTError:
            reason = REJECTED
        raise _refused(reason) from None

    # -- keys ----------------------------------------------------------------------------------

    async def _current(self) -> _KeySet:
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

    async def _rotated(self, seen: _KeySet) -> _KeySet:
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

    def _stale(self, keyset: _KeySet | None, now: float) -> _KeySet:
        """Expired keys while within the grace period, else `AuthUnavailable` (logged by `_fetch`)."""
        if keyset is not None and now - keyset.fetched_at < JWKS_TTL + STALE_GRACE:
            return keyset
        raise AuthUnavailable(self._problem, retry_after=self._retry_after(now)) from None

    async def _fetch(self, now: float) -> _KeySet:
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
        self._keyset = _KeySet(keys=usable, fetched_at=now)
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
        problem = _url_problem(jwks_uri)
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
        self._oidc = _Issuer(oidc, http=http, clock=clock) if oidc is not None else None

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
        tokens = _static_tokens(settings)
        oidc = _oidc_settings(settings)
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
            raise _refused(REJECTED)
        return await self._oidc.verify(token)

    @property
    def client_claim(self) -> str | None:
        """The JWT claim that names a client (`sub` or `azp`), or None without OIDC."""
        return self._oidc.settings.client_claim if self._oidc is not None else None

    async def verify_jwt(self, token: str) -> Principal:
        """The OIDC principal of `token`; `Unauthorized` when OIDC is off or the token is refused."""
        if self._oidc is None:
            raise _refused(REJECTED)
        return await self._oidc.verify(token)

    def matches_static(self, token: str) -> bool:
        """Whether `token` is one of the static (operator) tokens; constant time over all of them."""
        given = token.encode("utf-8", "replace")
        matched = False
        for known in self._tokens:
            matched |= hmac.compare_digest(given, known)
        return matched
