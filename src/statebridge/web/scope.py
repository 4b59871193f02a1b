"""Where a DFC request addresses orders (all of them, or one enterprise's), and who asks."""

from __future__ import annotations

import dataclasses

from ..dfc import IriMinter
from ..store import StoredOrder
from .access import Access
from .enterprises import Enterprise

__all__ = ["Scope"]


@dataclasses.dataclass(frozen=True)
class Scope:
    """Where a request addresses orders (all of them, or one enterprise's), and who asks."""

    enterprise: Enterprise | None
    base: str  # the IRI base orders are named under, e.g. https://host/api/dfc/Enterprises/acme
    access: Access
    allowed: tuple[Enterprise, ...] | None = None  # at the root, a client's enterprises (None: any)

    @property
    def collection(self) -> str:
        return f"{self.base}/Orders"

    @property
    def minter(self) -> IriMinter:
        return IriMinter(self.base, "/", keep_iris=True)

    @property
    def sources(self) -> list[tuple[str, str]] | None:
        """The (platform, base URL) pairs whose orders this scope lists; None for all."""
        if self.enterprise is not None:
            return [(self.enterprise.platform, self.enterprise.base_url)]
        if self.allowed is not None:
            return [("dfc", self.base), *((e.platform, e.base_url) for e in self.allowed)]
        return None

    def holds(self, stored: StoredOrder) -> bool:
        seen = self.access.seen
        if seen is not None and not seen.holds(stored):
            return False
        sources = self.sources
        return sources is None or (stored.platform, stored.base_url) in sources
