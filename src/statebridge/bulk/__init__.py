"""The bulk path of a translation to DFC: an order's nodes built from the fields its adapter read,
without the canonical `Order`, when the fields are in the subset that path checks; the reference
path (`Adapter.read`, `order_nodes`) for every other order, with the same bytes and messages."""

from __future__ import annotations

import typing as t

from ..dfc.iris import IriMinter
from ..dfc.jsonld import Node
from ..errors import OrderError
from ..pipeline import read_raw
from ..platforms import Adapter
from ..reading import Document
from .read import NodeReader

__all__ = ["NodeReader", "read_nodes"]


def read_nodes(
    adapter: Adapter,
    documents: t.Iterable[Document | OrderError],
    minter: IriMinter,
    reader: NodeReader | None = None,
) -> t.Iterator[list[Node] | OrderError]:
    """Each order of `documents` as its DFC nodes under `minter`, or the error that stopped it, in
    input order (`pipeline.outcomes`, read by `reader`: a `NodeReader` of its own by default).

    A document holding one bare order goes first to the adapter's `document_reader`, when it has one.
    """
    read = (reader or NodeReader(adapter, minter)).read
    whole = adapter.document_reader(minter)
    for result, _raw in read_raw(adapter, documents, read, whole):
        yield result
