"""Validate SSSOM/TSV files with sssom-py; run by the Python of the venv sssom-py lives in.

Not a test module: `tests/test_crosswalk_sssom.py` runs it as
`<sssom venv>/bin/python tests/sssom_validate.py FILE...` because sssom-py (linkml, pandas,
rdflib-jsonld) is kept out of statebridge's own venv. It prints one JSON object: per file, the
validation error (None when valid), the warnings sssom-py logged (it drops a malformed row with only
a log line), the number of mappings it read and the mapping set metadata it kept.
"""

from __future__ import annotations

import json
import logging
import sys

from sssom.constants import SchemaValidationType
from sssom.io import validate_file
from sssom.parsers import parse_sssom_table

CHECKS = [
    SchemaValidationType.JsonSchema,
    SchemaValidationType.PrefixMapCompleteness,
    SchemaValidationType.StrictCurieFormat,
]


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(paths: list[str]) -> None:
    keep = _Keep()
    logging.getLogger().addHandler(keep)
    results = {}
    for path in paths:
        keep.messages.clear()
        error = None
        try:
            validate_file(input_path=path, validation_types=CHECKS)
        except Exception as exc:  # sssom-py raises jsonschema's ValidationError, among others
            error = f"{type(exc).__name__}: {exc}"
        parsed = parse_sssom_table(path)
        results[path] = {
            "error": error,
            "warnings": list(keep.messages),
            "rows": len(parsed.df),
            "metadata": {key: str(value) for key, value in parsed.metadata.items()},
            "predicates": sorted(set(parsed.df["predicate_id"])),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
