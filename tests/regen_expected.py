"""Regenerate the expected DFC output beside every fixture, through the rdflib reference path.

    .venv/bin/python tests/regen_expected.py [fixtures/spree]

Each `NAME.json` / `NAME.ndjson` gets `NAME.expected.jsonld`: the orders built with `to_graph` (the
reference semantics) and serialised by rdflib's JSON-LD serializer against the 1.16.0 context. Run
it only after checking that a change of output is intended; the tests compare every writer with
these files as RDF graphs.
"""

from __future__ import annotations

import json
import pathlib
import sys

from statebridge.dfc import IriMinter, orders_to_graph
from statebridge.dfc.context import term_definitions
from statebridge.dfc.vocab import CONTEXT_URL
from statebridge.translate import read_orders

ROOT = pathlib.Path(__file__).resolve().parent.parent


def expected_document(path: pathlib.Path, platform: str) -> dict[str, object]:
    with path.open("rb") as stream:
        orders = list(read_orders(stream, platform))
    bad = [str(o) for o in orders if isinstance(o, Exception)]
    if bad:
        raise SystemExit(f"{path}: fixture does not translate:\n" + "\n".join(bad))
    graph = orders_to_graph(orders, IriMinter.for_platform(platform))  # type: ignore[arg-type]
    text = graph.serialize(format="json-ld", context=term_definitions(), auto_compact=True)
    document = json.loads(text)
    document["@context"] = CONTEXT_URL
    nodes = document.get("@graph", [document] if "@id" in document else [])
    return {"@context": CONTEXT_URL, "@graph": sorted(nodes, key=lambda n: n["@id"])}


def main(directories: list[str]) -> None:
    for directory in directories or ["fixtures/spree"]:
        folder = ROOT / directory
        platform = folder.name
        for path in sorted([*folder.glob("*.json"), *folder.glob("*.ndjson")]):
            if path.name.endswith(".expected.jsonld") or path.suffix == ".jsonld":
                continue
            target = path.with_name(path.stem + ".expected.jsonld")
            target.write_text(
                json.dumps(expected_document(path, platform), indent=1, ensure_ascii=False) + "\n"
            )
            print(f"{path.relative_to(ROOT)} -> {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
