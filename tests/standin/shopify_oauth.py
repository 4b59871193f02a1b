"""A stand-in for a shop's OAuth token endpoint, `POST /admin/oauth/access_token`, with Shopify's rules.

Plugged into the Shopify stand-ins (`StandinShopify(..., oauth=issuer)`, `StandinShopifyGraphQL`),
which then serve the endpoint on the shop's own URL and accept the access tokens it issued while
they have not expired (on `clock`, which a test may move forward): an expired or replaced token
is answered 401, as Shopify does.

- `grant_type=client_credentials` with the app's `client_id` and `client_secret` answers
  `access_token`, `scope`, `expires_in` (`client_credentials_lifetime`, a day by default).
- `grant_type=refresh_token` with the id, the secret and a live `refresh_token` answers a new
  access token (`expires_in`: an hour), a new `refresh_token` and `refresh_token_expires_in`. The
  refresh token used is retired and refused from then on (`invalid_grant`), and the access tokens
  issued before are revoked: one expiring offline token per app and shop.
- Wrong credentials: 401 `invalid_client`; a bad form: 400 `invalid_request`; the answers are
  `{"error": …, "error_description": …}`, OAuth's shape as Shopify sends it.

It counts grants by type (`grants`) and keeps every request's form (`requests`), so a test can
check that twenty threads needing a token got one grant, and that no secret was ever sent twice
when once would do. (Shopify, since 2026-08-28, accepts a spent refresh token again until its
replacement is used; this stand-in keeps the stricter rule that statebridge must not rely on that.)
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
import time
import typing as t
from urllib.parse import parse_qs

CLIENT_ID = "standin-client-id-0123456789"
CLIENT_SECRET = "shpss_standin_client_secret_never_shown"
REFRESH_TOKEN = "shprt_standin_initial_refresh_token"


class OAuthIssuer:
    """The token endpoint's state: the app's credentials, live tokens, and what was asked."""

    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str | None = REFRESH_TOKEN,
        client_credentials_lifetime: float = 86399,
        offline_lifetime: float = 3600,
        refresh_lifetime: float = 90 * 86400,
        clock: t.Callable[[], float] = time.time,
        delay: float = 0.0,
    ) -> None:
        self.client_id = client_id
        #: Seconds each grant takes (a slow endpoint widens the window two renewals could race in).
        self.delay = delay
        self.client_secret = client_secret
        self.client_credentials_lifetime = client_credentials_lifetime
        self.offline_lifetime = offline_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.clock = clock
        self.lock = threading.Lock()
        self._serial = itertools.count(1)
        #: access token -> expiry; refresh token -> expiry (live ones only).
        self.access: dict[str, float] = {}
        self.refresh: dict[str, float] = {}
        self.retired: set[str] = set()
        self.grants: collections.Counter[str] = collections.Counter()
        self.refused: collections.Counter[str] = collections.Counter()
        self.requests: list[dict[str, str]] = []
        if refresh_token is not None:
            self.refresh[refresh_token] = clock() + refresh_lifetime

    def accepts(self, token: str | None) -> bool:
        """Whether an Admin API request carrying `token` is let in."""
        with self.lock:
            return token is not None and self.access.get(token, 0.0) > self.clock()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working now (revoked, or expired early)."""
        with self.lock:
            self.access.clear()

    def answer(self, body: bytes, content_type: str) -> tuple[int, dict[str, t.Any]]:
        """The endpoint's answer to one POST."""
        if content_type.startswith("application/json"):
            parsed = json.loads(body or b"{}")
            form = {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.requests.append(form)
            grant = form.get("grant_type", "")
            if not form.get("client_id") or not form.get("client_secret") or not grant:
                return self._refuse(
                    400, "invalid_request", "client_id, client_secret and grant_type are required"
                )
            if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
                return self._refuse(401, "invalid_client", "Client authentication failed")
            if grant == "client_credentials":
                return 200, self._issue(grant, self.client_credentials_lifetime, rotate=False)
            if grant == "refresh_token":
                used = form.get("refresh_token", "")
                if used in self.retired or self.refresh.get(used, 0.0) <= self.clock():
                    return self._refuse(
                        400, "invalid_grant", "The refresh token is invalid, expired or revoked"
                    )
                del self.refresh[used]
                self.retired.add(used)
                self.access.clear()  # one expiring offline token per app and shop
                return 200, self._issue(grant, self.offline_lifetime, rotate=True)
            return self._refuse(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _refuse(self, status: int, error: str, description: str) -> tuple[int, dict[str, t.Any]]:
        self.refused[error] += 1
        return status, {"error": error, "error_description": description}

    def _issue(self, grant: str, lifetime: float, *, rotate: bool) -> dict[str, t.Any]:
        number = next(self._serial)
        now = self.clock()
        token = f"shpat_standin_issued_{number:04d}"
        self.access[token] = now + lifetime
        self.grants[grant] += 1
        answer: dict[str, t.Any] = {"access_token": token, "scope": "read_orders,write_orders"}
        answer["expires_in"] = int(lifetime)
        if rotate:
            refresh = f"shprt_standin_rotated_{number:04d}"
            self.refresh[refresh] = now + self.refresh_lifetime
            answer.update(refresh_token=refresh, refresh_token_expires_in=int(self.refresh_lifetime))
        return answer


class FakeClock:
    """A clock a test moves forward (shared by the stand-in and the client under test)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
