"""statebridge: translate e-commerce orders and their statuses to and from DFC.

Example usage:

```python
import io
import statebridge

with open("fixtures/spree/chord_single_order.json", "rb") as stream:
    for order in statebridge.read_orders(stream, "chord"):
        print(order.number, order.states)
```
"""

from __future__ import annotations

import importlib
import typing as t

from . import compiled

compiled.install()  # before any module that may be compiled is imported

if t.TYPE_CHECKING:
    from .dfc import IriMinter, order_document, to_graph
    from .errors import (
        InvalidOrderError,
        MalformedInputError,
        MappingTableError,
        OrderError,
        RejectedStatusError,
        StatebridgeError,
        StatusError,
        UnknownStatusError,
        UnrecognisedShapeError,
        UsageError,
    )
    from .mapping import load_table
    from .model import Buyer, Order, OrderLine, Payment, Shipment
    from .states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus
    from .translate import OnUnknown, read_orders, translate


__version__ = "0.1.0"

__all__ = [
    "Buyer",
    "DFCStates",
    "FulfilmentStatus",
    "InvalidOrderError",
    "IriMinter",
    "MalformedInputError",
    "MappingTableError",
    "OnUnknown",
    "Order",
    "OrderError",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "RejectedStatusError",
    "Shipment",
    "StatebridgeError",
    "StatusError",
    "UnknownStatusError",
    "UnrecognisedShapeError",
    "UsageError",
    "__version__",
    "load_table",
    "order_document",
    "read_orders",
    "to_graph",
    "translate",
]

#: Where each public name lives: imported on first use, so that the `statebridge` command starts
#: (and answers Ctrl-C) before pydantic, rdflib and the adapters are loaded.
_LAZY = {
    **dict.fromkeys(["IriMinter", "order_document", "to_graph"], "dfc"),
    **dict.fromkeys(
        [
            "InvalidOrderError",
            "MalformedInputError",
            "MappingTableError",
            "OrderError",
            "RejectedStatusError",
            "StatebridgeError",
            "StatusError",
            "UnknownStatusError",
            "UnrecognisedShapeError",
            "UsageError",
        ],
        "errors",
    ),
    "load_table": "mapping",
    **dict.fromkeys(["Buyer", "Order", "OrderLine", "Payment", "Shipment"], "model"),
    **dict.fromkeys(["DFCStates", "FulfilmentStatus", "OrderStatus", "PaymentStatus"], "states"),
    **dict.fromkeys(["OnUnknown", "read_orders", "translate"], "translate"),
}


def __getattr__(name: str) -> t.Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'statebridge' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
