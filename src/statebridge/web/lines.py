"""Order lines at the DFC endpoint: the keys their IRIs end in, and lines served as resources.

**Keys.** A stored line is served as `{order}/OrderLines/{key}`, and its key never changes while
the line exists. A line sent back under the IRI it was served with (a PUT of what the client read)
keeps its key. Any other line gets a key derived from the IRI the client gave it: the first 16 hex
digits of its SHA-256, so the same client IRI always gives the same key. Keys are not the client's
own small numbers on purpose: Open Food Network names a new line `{order}/OrderLines/{count + 1}`
(`app/services/fdc_backorderer.rb:63-66`) after dropping the lines it no longer needs
(`app/services/backorder_updater.rb:52`), so a kept `…/OrderLines/2` would, sooner or later, be
the name it gives to a new line for another product (docs/references/ofn-order-reads.md). A line
without an IRI (a blank node) is keyed by a digest of its position.

**Resources.** As FDC's server does (`web/fdc-modules/orders/index.js:17-20`), an order's lines are
served at `…/Orders/{id}/OrderLines` (every line with the nodes it points at: offer, offered item,
price, quantity; not the order itself) and `…/Orders/{id}/OrderLines/{key}` (one line).
"""

from __future__ import annotations

import hashlib
import typing as t
from urllib.parse import unquote, urlsplit

from ..model import OrderLine

__all__ = ["addressed", "line_keys", "line_nodes", "order_line_iris", "served_key"]

Node = dict[str, t.Any]

_DIGITS = 16


def served_key(iri: str | None, order_id: str, served: t.Collection[str]) -> str | None:
    """The key of a line the endpoint served under `iri` (`…/Orders/{order_id}/OrderLines/{key}`,
    either case of `OrderLines` as FDC's routes accept), if `served` still holds that key."""
    if not iri:
        return None
    segments = urlsplit(iri).path.split("/")
    if len(segments) < 4 or segments[-2].lower() != "orderlines" or segments[-3] != order_id:
        return None
    key = unquote(segments[-1])
    return key if key in served else None


def line_keys(lines: t.Sequence[OrderLine], order_id: str | None, served: t.Collection[str]) -> list[str]:
    """The key of each line of an order written through the endpoint (see the module's text)."""
    keys: list[str] = []
    for index, line in enumerate(lines, start=1):
        kept = served_key(line.id, order_id, served) if order_id is not None else None
        if kept is None:
            source = line.id if line.id else f"position {index}"
            kept = hashlib.sha256(source.encode()).hexdigest()[:_DIGITS]
        keys.append(kept)
    return keys


def _reachable(start: t.Iterable[str], refs: t.Callable[[str], t.Iterable[str]], stop: set[str]) -> set[str]:
    found: set[str] = set()
    queue = [name for name in start if name not in stop]
    while queue:
        name = queue.pop()
        if name in found:
            continue
        found.add(name)
        queue.extend(ref for ref in refs(name) if ref not in stop and ref not in found)
    return found


def line_nodes(nodes: list[Node], lines: t.Collection[str]) -> list[Node]:
    """The node objects that make up `lines` (IRIs of line nodes in `nodes`, one order's nodes):
    each line and every node it reaches, never the order nor another of its lines."""
    by_id = {node["@id"]: node for node in nodes if "@id" in node}
    order = nodes[0]["@id"]
    others = {iri for iri in order_line_iris(nodes[0]) if iri not in lines}

    def refs(name: str) -> t.Iterator[str]:
        yield from _ids(by_id.get(name, {}), by_id)

    wanted = _reachable(lines, refs, stop={order, *others})
    return [node for node in nodes[1:] if node.get("@id") in wanted]


def order_line_iris(order_node: Node) -> list[str]:
    parts = order_node.get("dfc-b:hasPart", [])
    return [parts] if isinstance(parts, str) else list(parts)


def _ids(value: t.Any, by_id: t.Mapping[str, Node]) -> t.Iterator[str]:
    """The @ids of the nodes `value` (a node object or a property's value) refers to."""
    if isinstance(value, str):
        if value in by_id:
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item, by_id)
    elif isinstance(value, dict):
        if "@value" in value:
            return
        for key, item in value.items():
            if key == "@id":
                if item in by_id:
                    yield item
            elif key not in ("@type", "@context"):
                yield from _ids(item, by_id)


def addressed(iris: t.Sequence[str], line_id: str | None) -> list[str]:
    """The line IRIs a request addresses: every one (`…/OrderLines`), or the one whose key is
    `line_id` (`…/OrderLines/{key}`; none when the order has no such line)."""
    if line_id is None:
        return list(iris)
    return [iri for iri in iris if unquote(iri.rsplit("/", 1)[1]) == line_id]
