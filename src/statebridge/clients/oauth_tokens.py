"""Where a client's access token comes from: a fixed token, or one renewed once for all its users.

Platforms now issue short-lived tokens: Shopify's client-credentials grant gives tokens of about a
day, expiring offline tokens last an hour and come with a refresh token that rotates on every use
(https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
A pull or a burst of deliveries may need a new token in many threads, or several processes, at
the same moment; renewing it once per moment matters twice over: grants are rate limited, and a
rotating refresh token spent twice leaves one of the spenders with a dead token.

So a `RenewingSource`:

- hands out its cached token while it is valid for at least `margin` seconds more;
- renews under a lock shared by every source of the same (platform, shop, client id) in this
  process, reading the cache again once it holds the lock: threads that waited use the token the
  first one got;
- with a store (`GrantStore`, the order store's `renew_token`), renews inside a transaction that
  locks the app's token row, reading the row again under the lock: when another process already
  renewed, its token is used and nothing is spent. The rotated refresh token is kept there, so a
  restart carries on with it;
- after a 401 (`invalidate(token)`), renews on the next `token()`, unless the token was already
  replaced (another caller saw the 401 first, or another process renewed).

Without a store the grant lives in memory only: a restart starts again from the configured
credentials (for a rotating refresh token, one that may already be spent: give it a store).
"""

from __future__ import annotations

import abc
import threading
import time
import typing as t

from ..store.tokens import Renewal, StoredGrant

__all__ = ["GrantStore", "RenewingSource", "StaticToken", "TokenSource", "shared_lock"]

#: A token is renewed when it has less than this many seconds left.
DEFAULT_MARGIN = 60.0


class TokenSource(t.Protocol):
    """What a client asks for its access token."""

    def token(self) -> str:
        """A token valid for at least the source's margin (fetching one if need be)."""
        ...

    def invalidate(self, token: str) -> None:
        """`token` was refused (401): the next `token()` gets another, unless one already replaced it."""
        ...


class StaticToken:
    """A token given by the operator: never renewed (a 401 stays a 401)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        """Nothing to renew: the caller reports the refusal."""

    def __repr__(self) -> str:
        return "StaticToken(***)"


class GrantStore(t.Protocol):
    """The store's part (`store.tokens.PlatformTokens`): renewal under the app's row lock."""

    def renew_token(self, platform: str, base_url: str, client_id: str, renewal: Renewal) -> StoredGrant: ...


_LOCKS: dict[tuple[str, str, str], threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def shared_lock(platform: str, base_url: str, client_id: str) -> threading.Lock:
    """The one lock of this process for renewing the token of (platform, shop, client id)."""
    key = (platform, base_url, client_id)
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


class RenewingSource(abc.ABC):
    """A token source that renews through `_renew`, once at a time per app and shop (module docstring)."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        client_id: str,
        *,
        store: GrantStore | None = None,
        clock: t.Callable[[], float] = time.time,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self.platform = platform
        self.base_url = base_url
        self.client_id = client_id
        self.store = store
        self.margin = margin
        self._clock = clock
        self._lock = shared_lock(platform, base_url, client_id)
        self._grant: StoredGrant | None = None
        self._refused: str | None = None
        #: How many grants this source asked the platform for (tests, logs).
        self.grants = 0

    @abc.abstractmethod
    def _renew(self, current: StoredGrant | None) -> StoredGrant:
        """Ask the platform for a new grant; `current` is the last one (its refresh token), if any."""

    def _usable(self, grant: StoredGrant | None) -> t.TypeGuard[StoredGrant]:
        return (
            grant is not None
            and grant.access_token != self._refused
            and grant.expires_at - self.margin > self._clock()
            and self._belongs(grant)
        )

    def _belongs(self, grant: StoredGrant) -> bool:
        """Whether a stored grant comes from the credentials configured now (a subclass may say no)."""
        return True

    def token(self) -> str:
        grant = self._grant
        if self._usable(grant):
            return grant.access_token
        with self._lock:
            grant = self._grant
            if not self._usable(grant):
                if self.store is None:
                    grant = self._counted(grant)
                else:
                    grant = self.store.renew_token(self.platform, self.base_url, self.client_id, self._decide)
                self._grant = grant
            return grant.access_token

    def renew_ahead(self, seconds: float) -> None:
        """Renew the grant now if it expires within `seconds` (a scheduler's refresh ahead of time):
        once between every thread, and every process sharing the store, as `token()` does."""

        def fresh(grant: StoredGrant | None) -> t.TypeGuard[StoredGrant]:
            return self._usable(grant) and grant.expires_at - seconds > self._clock()

        def decide(stored: StoredGrant | None) -> StoredGrant:
            return stored if fresh(stored) else self._counted(stored)

        with self._lock:
            if fresh(self._grant):
                return
            if self.store is None:
                self._grant = self._counted(self._grant)
            else:
                self._grant = self.store.renew_token(self.platform, self.base_url, self.client_id, decide)

    def _decide(self, stored: StoredGrant | None) -> StoredGrant:
        """Under the row lock: the stored grant when another process renewed it, else a new one."""
        return stored if self._usable(stored) else self._counted(stored)

    def _counted(self, current: StoredGrant | None) -> StoredGrant:
        grant = self._renew(current)
        self.grants += 1
        return grant

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._grant is not None and self._grant.access_token == token:
                self._refused = token

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.platform}, {self.base_url})"
