"""Minting IRIs for the nodes of an order.

Under an http(s) base (the platform's own root, `--base-url`) the paths follow the DFC servers'
convention: `{base}/api/dfc/Orders/{id}`, `…/Orders/{id}/OrderLines/{line}`,
`{base}/api/dfc/Persons/{id}` (`…/Enterprises/{id}` for a buyer that is an enterprise),
`{base}/api/dfc/Offers/{item}`. Without one, IRIs are URNs, `urn:statebridge:{platform}:Orders:{id}`,
so that every order still has a stable, globally unique name.

Orders read from DFC already have IRIs (their ids, lines, buyers and offers are IRIs): a minter for
the `dfc` platform keeps every absolute IRI as it is, so DFC in gives the same IRIs out.

Both writers (`graph.py`, `jsonld.py`) name every node through this class, so their outputs agree.
A line's price and quantity have no IRI: they are blank nodes inside their line, as DFC consumers
read them.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from urllib.parse import quote

from ..errors import UsageError
from ..memo import remember

if t.TYPE_CHECKING:
    from ..model import Order

__all__ = ["IriMinter", "MinterSource", "minter_for"]

_ABSOLUTE = re.compile(r"^(?:https?://[^\s]+|urn:[a-z0-9][a-z0-9-]*:\S+)$", re.IGNORECASE)


_SAFE = re.compile(r"[A-Za-z0-9._~-]+")


def _segment(value: str) -> str:
    """A path segment, percent-encoded (most ids and SKUs need nothing encoded: a fast path)."""
    if (value.isalnum() and value.isascii()) or _SAFE.fullmatch(value):
        return value
    return quote(value, safe="-._~")


#: The keys of lines without ids, by position (`numbered_line_iris`): most orders have few lines.
_POSITIONS = tuple(str(index) for index in range(1, 65))

#: How many offer IRIs a minter remembers (SKUs repeat across orders; the bound keeps memory flat).
_OFFER_CACHE = 4096


@dataclasses.dataclass(frozen=True)
class IriMinter:
    """Builds the IRIs of orders, lines, buyers and offers under one base."""

    base: str
    separator: str
    keep_iris: bool = False
    _offers: dict[str, str] = dataclasses.field(default_factory=dict, init=False, compare=False, repr=False)
    #: `{base}{separator}Orders{separator}`, and the same for Persons: every order names both.
    _orders: str = dataclasses.field(default="", init=False, compare=False, repr=False)
    _persons: str = dataclasses.field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_orders", self._join("Orders", ""))
        object.__setattr__(self, "_persons", self._join("Persons", ""))

    @classmethod
    def for_platform(cls, platform: str, base_url: str | None = None) -> IriMinter:
        keep = platform == "dfc"
        if base_url is None:
            return cls(f"urn:statebridge:{platform}", ":", keep)
        if not base_url.startswith(("http://", "https://")) or base_url.endswith("://"):
            msg = f"--base-url must be an http(s) URL such as https://shop.example.org, not {base_url!r}"
            raise UsageError(msg)
        return cls(base_url.rstrip("/") + "/api/dfc", "/", keep)

    def _kept(self, value: str) -> bool:
        return self.keep_iris and _ABSOLUTE.match(value) is not None

    def _join(self, *parts: str) -> str:
        return self.separator.join((self.base, *parts))

    def order(self, order_id: str) -> str:
        return order_id if self.keep_iris and self._kept(order_id) else self._orders + _segment(order_id)

    def line(self, order_iri: str, key: str) -> str:
        return key if self._kept(key) else self._lines_prefix(order_iri) + _segment(key)

    def _lines_prefix(self, order_iri: str) -> str:
        separator = "/" if "://" in order_iri and "#" not in order_iri else self.separator
        return f"{order_iri}{separator}OrderLines{separator}"

    def person(self, person_id: str) -> str:
        return person_id if self.keep_iris and self._kept(person_id) else self._persons + _segment(person_id)

    def enterprise(self, enterprise_id: str) -> str:
        kept = self._kept(enterprise_id)
        return enterprise_id if kept else self._join("Enterprises", _segment(enterprise_id))

    def offer(self, item: str) -> str:
        iri = self._offers.get(item)
        if iri is None:
            iri = item if self._kept(item) else self._join("Offers", _segment(item))
            remember(self._offers, item, iri, _OFFER_CACHE)
        return iri

    @staticmethod
    def parts_prefix(node_iri: str) -> str:
        """What the names of a node's satellites start with: `{node}#` (`{node}-` if it has a `#`)."""
        return f"{node_iri}-" if "#" in node_iri else f"{node_iri}#"

    def buyer(self, order: Order, order_iri: str) -> str | None:
        """The buyer's IRI, or None when the order names no buyer (no id and no email)."""
        buyer = order.buyer
        if buyer is None:
            return None
        return self.agent(order_iri, buyer.id, buyer.email, buyer.kind)

    def agent(self, order_iri: str, agent_id: str | None, email: str | None, kind: str) -> str | None:
        """The IRI of an order's buyer with this id, email and kind (`Buyer`'s fields); None for
        a buyer with neither id nor email."""
        if not (agent_id or email):
            return None
        if not agent_id:
            return self.parts_prefix(order_iri) + "buyer"
        return self.enterprise(agent_id) if kind == "Enterprise" else self.person(agent_id)

    def lines(self, order: Order, order_iri: str) -> list[str]:
        """One distinct IRI per line: its id, else its position; a repeated key gets `-N` appended."""
        return self.line_iris(order_iri, [line.id for line in order.lines])

    def numbered_line_iris(self, order_iri: str, count: int) -> list[str]:
        """`line_iris` for `count` lines without ids: their positions, which never repeat and are
        never absolute IRIs, under the order's lines prefix (the bulk path of export shapes)."""
        prefix = self._lines_prefix(order_iri)
        if count <= len(_POSITIONS):
            return [prefix + position for position in _POSITIONS[:count]]
        return [prefix + str(index) for index in range(1, count + 1)]

    def line_iris(self, order_iri: str, ids: t.Sequence[str | None]) -> list[str]:
        """`lines` for the line ids `ids` (None: a line without one)."""
        prefix = self._lines_prefix(order_iri)
        keep = self.keep_iris
        seen: set[str] = set()
        iris = []
        for index, line_id in enumerate(ids, start=1):
            key = line_id or str(index)
            iri = key if keep and self._kept(key) else prefix + _segment(key)  # self.line, prefix once
            if iri in seen:
                iri = self.line(order_iri, f"{key}-{index}")
            seen.add(iri)
            iris.append(iri)
        return iris


#: What the streaming writers accept: one minter for every order, or one chosen per order (an export
#: of orders pulled from several sources names each under its own base URL).
MinterSource: t.TypeAlias = "IriMinter | t.Callable[[Order], IriMinter]"


def minter_for(source: MinterSource, order: Order) -> IriMinter:
    return source if isinstance(source, IriMinter) else source(order)
