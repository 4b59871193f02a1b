"""What every platform adapter does, and the pieces they share.

An adapter turns one parsed document into orders in three steps:

1. `split(document)` recognises the envelope (list, single object, JSON:API, …) and yields one
   `RawOrder` per order it holds, or an error for an element that is not an order. `document` is
   parsed JSON, or an `xml.etree.ElementTree.Element` when the input was XML;
2. `fields(raw)` gives the canonical `Order` fields of one `RawOrder`, still unvalidated;
3. `states(status, shape)` gives the DFC triple of those fields' `platform_status`: by default the
   mapping table named by `table` translates it.

`read(raw)` drives 2 and 3 and validates the result once into an `Order` that carries its states.

For `--to PLATFORM`, `to_record(order, status)` writes one order in the platform's own shape, with
the status field values that the table's reverse rules chose, and `to_document(records)` wraps the
records in the platform's envelope.
"""

from __future__ import annotations

import abc
import datetime as dt
import types
import typing as t
from decimal import Decimal

from ..errors import InvalidOrderError, OrderError, UsageError
from ..mapping import SHIPPED, MappingTable, Tables
from ..model import Order, order_from_fields
from ..position import Where
from ..states import DFCStates

if t.TYPE_CHECKING:
    from ..dfc.iris import IriMinter
    from ..dfc.jsonld import Node

__all__ = ["Adapter", "RawOrder", "decimal_text", "iso_or_none", "text_or_none", "text_values"]


_NOTHING_INCLUDED: t.Mapping[tuple[str, str], t.Mapping[str, t.Any]] = types.MappingProxyType({})


class RawOrder(t.NamedTuple):
    """One order as the platform sent it, with what is needed to read it.

    A named tuple, not a dataclass: one is made per order on the hot path, and a tuple is made
    several times faster than a frozen dataclass.
    """

    position: Where
    shape: str
    record: t.Mapping[str, t.Any]
    included: t.Mapping[tuple[str, str], t.Mapping[str, t.Any]] = _NOTHING_INCLUDED


class Adapter(abc.ABC):
    """Base class of the platform adapters (readers and writers); a `Platform` descriptor names one."""

    #: The platform name used on the command line (`--from spree`); its `Platform` descriptor
    #: holds the rest (aliases, clients, webhook, hints).
    name: t.ClassVar[str]
    #: The shapes `split` recognises, for messages.
    shapes: t.ClassVar[tuple[str, ...]]
    #: Per shape, canonical field names as the platform calls them, so that messages speak the
    #: platform's language (`line_items[0].quantity` rather than `lines[0].quantity`).
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {}
    #: Whether each NDJSON line can be read without the others (`translate --jobs` splits the
    #: input between processes only then); False when `finish` joins rows across lines.
    independent_lines: t.ClassVar[bool] = True
    #: Whether `read(raw)` is `fields(raw)` and `states(...)` validated into an `Order` and nothing
    #: more (errors apart), so that the bulk path (`statebridge.bulk`) may build an order's DFC
    #: nodes from its fields without the `Order`; False for an adapter whose reading does more.
    reads_fields: t.ClassVar[bool] = True
    #: The mapping table that translates its statuses (`mappings/<table>.yaml`), or None for a
    #: platform whose documents carry their DFC states.
    table: t.ClassVar[str | None] = None
    #: The mapping tables this adapter translates with (`get_adapter(..., tables=)`).
    tables: Tables = SHIPPED

    @abc.abstractmethod
    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        """The orders held by one JSON document, in order."""

    def start_document(self, position: Where) -> None:
        """Called before `split` with where the document was found (`line 7`, None for a whole file).

        Adapters that hold orders back use it to name them later; by default nothing is done.
        """
        return None

    def finish(self) -> t.Iterator[RawOrder | OrderError]:
        """Orders held back until the end of the input, with absolute positions; none by default."""
        return iter(())

    @abc.abstractmethod
    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        """The canonical `Order` fields of one raw order (validated by `read`)."""

    def label(self, raw: RawOrder) -> str | None:
        """How to name this order in a message before it is read (its number, else its id)."""
        record = raw.record
        for key in ("number", "id"):
            value = record.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
        return None

    def read(self, raw: RawOrder) -> Order:
        """The canonical order with its DFC states.

        `InvalidOrderError` names the bad field; a field that does not validate is reported before
        a status that does not translate. The states are translated from the unvalidated status
        fields (only text or null goes to the table), so that the order is validated once.
        """
        try:
            fields = self.fields(raw)
        except InvalidOrderError as exc:
            raise exc.locate(position=raw.position, order=self.label(raw)) from None
        names = self.field_names.get(raw.shape)
        status = fields.get("platform_status")
        if not text_values(status):
            order = order_from_fields(fields, position=raw.position, field_names=names)
            return order.model_copy(update={"states": self.states(order.platform_status, raw.shape)})
        try:
            fields["states"] = self.states(status, raw.shape)
        except OrderError:
            order_from_fields(fields, position=raw.position, field_names=names)
            raise
        return order_from_fields(fields, position=raw.position, field_names=names)

    def document_reader(self, minter: IriMinter) -> t.Callable[[t.Any], list[Node] | None] | None:
        """The bulk path's reader of a document holding one bare order, straight to its DFC nodes
        under `minter` (None: a document it does not take), or None when the platform has none.

        It must give exactly what `split`, `read` and `order_nodes` give for the documents it
        takes; the tests hold it to that (`tests/test_bulk_path.py`).
        """
        return None

    def states(self, status: t.Mapping[str, str | None], shape: str) -> DFCStates:
        """The DFC triple of an order's status fields (`shape` is the envelope it came in).

        Raises `StatusError` when the statuses cannot be translated.
        """
        return self.mapping_table().translate(status)

    def mapping_table(self) -> MappingTable:
        """The mapping table that translates its statuses; `UsageError` for a platform without one."""
        table = self.__dict__.get("_table")
        if table is None:  # looked up once per adapter: an adapter lives for one run
            name = self.table
            if name is None:
                msg = f"{self.name} has no mapping table: its documents carry their DFC states"
                raise UsageError(msg)
            table = self.__dict__["_table"] = self.tables.load(name)
        return t.cast(MappingTable, table)

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """One order in this platform's shape; `status` holds the reverse-translated status fields."""
        msg = f"writing {self.name} orders is not supported"
        raise UsageError(msg)

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The platform's envelope around records made by `to_record`."""
        msg = f"writing {self.name} orders is not supported"
        raise UsageError(msg)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def text_values(status: object) -> t.TypeGuard[dict[str, str | None]]:
    """Whether `status` is a dict whose values are all text or null (what a table can translate)."""
    if type(status) is not dict:
        return False
    for value in status.values():  # noqa: SIM110 (a plain loop: all() over a generator costs more per order)
        if value is not None and type(value) is not str:
            return False
    return True


def text_or_none(value: t.Any, *, field: str) -> str | None:
    """An id-like value as text: strings kept, integers converted, anything else rejected."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    msg = "expected a string or an integer"
    raise InvalidOrderError(msg, field=field, value=value, has_value=True)


def decimal_text(value: Decimal | None) -> str | None:
    """Money or a quantity as the decimal string platforms send (`Decimal("12.50")` -> `"12.50"`)."""
    return None if value is None else format(value, "f")


def iso_or_none(value: dt.datetime | None) -> str | None:
    """A timestamp in ISO 8601 with its offset, or None."""
    return None if value is None else value.isoformat()
