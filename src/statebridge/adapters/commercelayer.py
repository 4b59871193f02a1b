"""Placeholder while the commercelayer adapter is written (issue 3): every document is refused."""

from __future__ import annotations

import typing as t

from ..errors import OrderError, UnrecognisedShapeError
from .base import Adapter, RawOrder

__all__ = ["CommerceLayerAdapter"]


class CommerceLayerAdapter(Adapter):
    name = "commercelayer"
    table = "commercelayer"
    shapes = ()

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        yield UnrecognisedShapeError("the commercelayer adapter is not written yet")

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        raise NotImplementedError
