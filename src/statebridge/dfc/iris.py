"""Minting IRIs for the nodes of an order.

Under an http(s) base (the platform's own root, `--base-url`) the paths follow the DFC servers'
convention: `{base}/api/dfc/Orders/{id}`, `…/Orders/{id}/OrderLines/{line}`, `{base}/api/dfc/Persons/{id}`,
`{base}/api/dfc/Offers/{item}`. Without one, IRIs are URNs, `urn:statebridge:{platform}:Orders:{id}`,
so that every order still has a stable, globally unique name.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from ..errors import UsageError

__all__ = ["IriMinter"]


def _segment(value: str) -> str:
    return quote(value, safe="-._~")


@dataclasses.dataclass(frozen=True)
class IriMinter:
    """Builds the IRIs of orders, lines, buyers and offers under one base."""

    base: str
    separator: str

    @classmethod
    def for_platform(cls, platform: str, base_url: str | None = None) -> IriMinter:
        if base_url is None:
            return cls(f"urn:statebridge:{platform}", ":")
        if not base_url.startswith(("http://", "https://")) or base_url[-3:] == "://":
            msg = f"--base-url must be an http(s) URL such as https://shop.example.org, not {base_url!r}"
            raise UsageError(msg)
        return cls(base_url.rstrip("/") + "/api/dfc", "/")

    def _join(self, *parts: str) -> str:
        return self.separator.join((self.base, *parts))

    def order(self, order_id: str) -> str:
        return self._join("Orders", _segment(order_id))

    def line(self, order_iri: str, key: str) -> str:
        return f"{order_iri}{self.separator}OrderLines{self.separator}{_segment(key)}"

    def person(self, person_id: str) -> str:
        return self._join("Persons", _segment(person_id))

    def offer(self, item: str) -> str:
        return self._join("Offers", _segment(item))
