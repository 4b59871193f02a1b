"""Verifying a JWT from the configured OIDC issuer: accepted algorithm, a key that fits it, the
signature, `iss`, `aud`, `exp`/`nbf`/`iat` (with `LEEWAY`), and the claim naming the client."""

from __future__ import annotations

import typing as t

import httpx
import jwt

from .bearer import (
    BAD_ALGORITHM,
    BAD_SIGNATURE,
    EXPIRED,
    NO_SUBJECT,
    NOT_YET_VALID,
    REJECTED,
    UNKNOWN_KEY,
    WEAK_KEY,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    Principal,
    refused,
)
from .config import OidcSettings
from .keys import ALGORITHMS, Keys

__all__ = ["LEEWAY", "Issuer"]

LEEWAY = 30.0  # seconds of clock skew allowed on exp, nbf and iat


class Issuer:
    """Verifies JWTs from one OIDC issuer, keeping its JWKS cached (`Keys`)."""

    def __init__(
        self,
        settings: OidcSettings,
        *,
        http: httpx.AsyncClient | None,
        clock: t.Callable[[], float],
    ) -> None:
        self.settings = settings
        self._keys = Keys(settings, http=http, clock=clock)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise refused(REJECTED) from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise refused(BAD_ALGORITHM)
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise refused(REJECTED)
        keyset = await self._keys.current()
        key = keyset.find(kid, alg)
        if key is None:
            keyset = await self._keys.rotated(keyset)
            key = keyset.find(kid, alg)
        if key is None:
            raise refused(UNKNOWN_KEY)
        claims = self._decode(token, key, alg)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise refused(NO_SUBJECT)
        claim = self.settings.client_claim
        named = claims.get(claim)
        if not isinstance(named, str) or not named:
            missing = f"token lacks the {claim} claim"
            raise refused(missing)
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
        raise refused(reason) from None
