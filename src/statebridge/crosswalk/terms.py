"""The words of the crosswalk: DFC dimensions and definitions, and the terms conditions are made of.

A `Term` is one field (or DFC dimension) and the values it may take; the crosswalk's rows, its
Markdown, HTML and SVG renderings and its SSSOM export all show conditions as conjunctions of terms.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import typing as t

from ..mapping.table import ForwardRule, MappingTable, ReverseRule
from ..states import DIMENSION_STATES, DFCStates, Dimension

__all__ = [
    "DEFINITIONS",
    "DIMENSION_ORDER",
    "Term",
    "Value",
    "contexts",
    "dimension_values",
    "reverse_terms",
    "rule_terms",
    "says_lossy",
    "show_condition",
    "source_name",
]

Value = str | None

#: The seed table lists Order, then Fulfilment, then Payment states.
DIMENSION_ORDER: tuple[Dimension, ...] = (Dimension.ORDER, Dimension.FULFILMENT, Dimension.PAYMENT)

#: The DFC definition of every state, as the standard's table words it (seed 002).
DEFINITIONS: dict[tuple[Dimension, str], str] = {
    (Dimension.ORDER, "Draft"): (
        "Order is in a draft state - generally before it is ready for completion - customer can still "
        "amend the order. Stock is not reserved."
    ),
    (Dimension.ORDER, "Held"): (
        "Order is held - no activity should be carried out, but order cannot be amended by the customer. "
        "Could be due to a variety of conditions (e.g. payment rejected, out of stock errors)"
    ),
    (Dimension.ORDER, "Complete"): (
        "Order is finalized and will be ready for fulfilment (although that may not be yet, see "
        "Fulfilment States)"
    ),
    (Dimension.ORDER, "Cancelled"): (
        "Order has been cancelled - no further activity should be carried out on the order"
    ),
    (Dimension.FULFILMENT, "Held"): (
        "Order is Complete, but cannot be fulfilled at this time (e.g. order is a scheduled future order)"
    ),
    (Dimension.FULFILMENT, "Unfulfilled"): "Order is ready for fulfilment/shipment",
    (Dimension.FULFILMENT, "Fulfilled"): "Order has been fulfilled/shipped",
    (Dimension.FULFILMENT, "Cancelled"): (
        "Order is cancelled, no further fulfilment activity should be carried out"
    ),
    (Dimension.PAYMENT, "Unpaid"): "Full or partial payment is still required on the order",
    (Dimension.PAYMENT, "Paid"): "Full payment has been successfully received on the order",
    (Dimension.PAYMENT, "Cancelled"): (
        "Payment has been cancelled, Order State should be Held or Cancelled & no further activity "
        "should be carried out until Payment issues are resolved."
    ),
}

_LOSSY = re.compile(r"\blossy\b", re.IGNORECASE)


def says_lossy(text: str | None) -> bool:
    """Whether a rule's `why` declares the step lossy (the tables write '(lossy)' where they do)."""
    return bool(text and _LOSSY.search(text))


@dataclasses.dataclass(frozen=True)
class Term:
    """`name` (a platform field or a DFC dimension) takes one of `values`.

    `whole` is set when `values` is the whole domain: the rule names the field but does not restrict
    it (Shopify's cancel_reason, any of which is a cancellation).
    """

    name: str
    values: tuple[Value, ...]
    whole: bool = False
    none_word: str = "null"

    def show(self, value: Value) -> str:
        return self.none_word if value is None else value

    def __str__(self) -> str:
        if self.whole:
            return f"{self.name} any"
        shown = [self.show(v) for v in self.values]
        return f"{self.name} = {shown[0]}" if len(shown) == 1 else f"{self.name} ∈ {{{', '.join(shown)}}}"


def show_condition(terms: t.Iterable[Term]) -> str:
    """A conjunction of terms as text: `state = canceled and status = draft`."""
    return " and ".join(str(term) for term in terms)


def contexts(dimension: Dimension, state: Value) -> list[DFCStates]:
    """Every DFC triple whose `dimension` is `state`: the other two dimensions take every state or unset."""
    others = [dim for dim in DIMENSION_ORDER if dim is not dimension]
    triples = []
    for context in itertools.product(*(dimension_values(dim) for dim in others)):
        triple: dict[str, Value] = dict(zip((dim.value for dim in others), context, strict=True))
        triple[dimension.value] = state
        triples.append(DFCStates.model_validate(triple))
    return triples


def dimension_values(dimension: Dimension) -> list[Value]:
    """The states of a dimension in the DFC order, then None (unset)."""
    return [*(state.value for state in DIMENSION_STATES[dimension]), None]


def rule_terms(table: MappingTable, rule: ForwardRule) -> tuple[Term, ...]:
    """A forward rule's `when` as written in the table, values in their domain's order."""
    return tuple(
        Term(field, tuple(v for v in table.fields[field].domain if v in allowed))
        for field, allowed in rule.when.items()
    )


def reverse_terms(rule: ReverseRule) -> tuple[Term, ...]:
    """A reverse rule's `when` as written in the table, states in the DFC order."""
    return tuple(
        Term(dim.value, tuple(v for v in dimension_values(dim) if v in allowed), none_word="unset")
        for dim, allowed in rule.when.items()
    )


def source_name(table: MappingTable) -> str:
    """Where a reader finds the table: `mappings/spree.yaml` for a shipped one (its repository path)."""
    prefix = "statebridge.mappings/"
    return (
        "mappings/" + table.source.removeprefix(prefix) if table.source.startswith(prefix) else table.source
    )
