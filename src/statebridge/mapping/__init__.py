"""Status mapping tables: loading, validation, forward and reverse translation, coverage."""

from __future__ import annotations

from .loader import SHIPPED, Tables, available_tables, load_table, load_table_text, resolve_platform
from .table import FieldSpec, ForwardRule, Loss, MappingTable, ReverseResult, ReverseRule

__all__ = [
    "SHIPPED",
    "FieldSpec",
    "ForwardRule",
    "Loss",
    "MappingTable",
    "ReverseResult",
    "ReverseRule",
    "Tables",
    "available_tables",
    "load_table",
    "load_table_text",
    "resolve_platform",
]
