"""A stand-in OIDC issuer on loopback: real HTTP discovery and JWKS, keys generated per test run.

It serves, under its issuer URL (`http://127.0.0.1:PORT{path}`, a path like Keycloak's
`/realms/NAME` when one is given):

- `GET {issuer}/.well-known/openid-configuration`: `issuer` and `jwks_uri`, as OIDC Discovery 1.0
  §3 describes (`issuer_override` makes it name another issuer, as a misconfigured proxy would);
- `GET {issuer}/jwks`: `{"keys": [...]}`, the public JWKs of the keys in `published`. Replacing
  `published` rotates the keys; `jwks_status` other than 200 makes the endpoint fail.

Every request path is recorded in `requests`, so tests can count fetches. `SigningKey` makes RSA,
EC or Ed25519 keys and signs tokens with PyJWT; `forge` builds the tokens PyJWT refuses to make
(`alg: none`, HS256 keyed with a public key) to check that statebridge refuses them too.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.server
import json
import threading
import time
import typing as t
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


@dataclasses.dataclass
class SigningKey:
    """A private key the issuer signs with, its `kid` and algorithm."""

    kid: str
    alg: str
    private: PrivateKey
    declare_alg: bool = True  # put `alg` in the published JWK (optional in RFC 7517)

    @classmethod
    def rsa(cls, kid: str, *, alg: str = "RS256", bits: int = 2048) -> SigningKey:
        return cls(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def ec(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def ed25519(cls, kid: str) -> SigningKey:
        return cls(kid, "EdDSA", ed25519.Ed25519PrivateKey.generate())

    def public_jwk(self) -> dict[str, t.Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk = dict(algorithm.to_jwk(self.private.public_key(), as_dict=True))
        jwk["kid"] = self.kid
        jwk["use"] = "sig"
        if self.declare_alg:
            jwk["alg"] = self.alg
        else:
            jwk.pop("alg", None)
        return jwk

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, t.Any], *, headers: dict[str, t.Any] | None = None) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.alg, headers={"kid": self.kid, **(headers or {})}
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, t.Any], claims: dict[str, t.Any], *, hmac_key: bytes | None = None) -> str:
    """A JWT built by hand: unsigned (`alg: none`) or HMAC-SHA256 with `hmac_key`, whatever it is."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if hmac_key is None:
        return signing_input + "."
    signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


class StandinIssuer:
    """Runs the issuer behind a threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, keys: t.Sequence[SigningKey], *, path: str = "") -> None:
        self.published = list(keys)
        self.path = path
        self.jwks_status = 200
        self.issuer_override: str | None = None
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, and tests start many issuers.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def __enter__(self) -> StandinIssuer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, suffix: str) -> int:
        """How many requests asked for a path ending in `suffix` ("/jwks", "openid-configuration")."""
        with self.lock:
            return sum(1 for path in self.requests if path.endswith(suffix))

    def claims(self, audience: str | list[str], **changes: t.Any) -> dict[str, t.Any]:
        """Valid claims for `audience`, five minutes to live; `changes` override (None removes)."""
        now = int(time.time())
        claims: dict[str, t.Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": "buyer-7f3a",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(changes)
        return {key: value for key, value in claims.items() if value is not None}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _send(self, status: int, document: object) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with standin.lock:
                    standin.requests.append(path)
                    keys = [key.public_jwk() for key in standin.published]
                    status = standin.jwks_status
                if path == f"{standin.path}/.well-known/openid-configuration":
                    self._send(
                        200,
                        {
                            "issuer": standin.issuer_override or standin.issuer,
                            "jwks_uri": standin.jwks_url,
                            "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
                        },
                    )
                elif path == f"{standin.path}/jwks":
                    if status != 200:
                        self._send(status, {"error": "temporarily_unavailable"})
                    else:
                        self._send(200, {"keys": keys})
                else:
                    self._send(404, {"error": "not_found"})

        return Handler
