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
