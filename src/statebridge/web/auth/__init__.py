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

The parts: reading the settings (`config`), the bearer header and the reasons of a refusal
(`bearer`), the issuer's keys (`keys`), verifying a JWT (`issuer`), and the `Authenticator`
that puts them together (`authenticator`).
"""

from __future__ import annotations

# Names not in __all__ are aliased so that they stay importable from here, as before the split.
from .authenticator import Authenticator
from .bearer import (
    BAD_ALGORITHM as BAD_ALGORITHM,
    BAD_SIGNATURE as BAD_SIGNATURE,
    EXPIRED as EXPIRED,
    MAX_TOKEN_LENGTH as MAX_TOKEN_LENGTH,
    MISSING as MISSING,
    NO_SUBJECT as NO_SUBJECT,
    NOT_BEARER as NOT_BEARER,
    NOT_YET_VALID as NOT_YET_VALID,
    REJECTED as REJECTED,
    TOO_LONG as TOO_LONG,
    UNKNOWN_KEY as UNKNOWN_KEY,
    WEAK_KEY as WEAK_KEY,
    WRONG_AUDIENCE as WRONG_AUDIENCE,
    WRONG_ISSUER as WRONG_ISSUER,
    Principal,
    bearer_token,
)
from .config import (
    AUDIENCE_VARIABLE,
    CLIENT_CLAIM_VARIABLE,
    CLIENT_CLAIMS,
    ISSUER_VARIABLE,
    JWKS_URL_VARIABLE,
    TOKENS_VARIABLE,
    OidcSettings,
)
from .issuer import LEEWAY as LEEWAY
from .keys import (
    ALGORITHMS,
    FETCH_TIMEOUT as FETCH_TIMEOUT,
    JWKS_TTL as JWKS_TTL,
    MIN_REFETCH as MIN_REFETCH,
    STALE_GRACE as STALE_GRACE,
)

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
