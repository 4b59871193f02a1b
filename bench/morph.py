"""Morph-KGC, the declarative peer: a YARRRML mapping of the same Spree orders to the same DFC triples.

Morph-KGC pins rdflib<7.3 and pyoxigraph<0.4, so it lives in its own venv (`--morph-venv`, default
/tmp/bench-morph; `python -m bench.morph --setup` creates it with pip). The mapping mirrors
`statebridge.dfc.graph.to_graph` for the Solidus-shaped orders of `bench.orders`: same IRIs, same
44 triples per order, with the three DFC statuses translated through CSV tables joined on one field
each (`state`, `payment_state`, `shipment_state`), as the research prototype did
(docs/references/perf-research.md#mapping-engines). The CSV tables are written from statebridge's
own mapping table. One difference of form: statebridge writes a line's
price and quantity as blank nodes, and Morph-KGC's YARRRML reader cannot mint one blank node per
row (a subject without a template is one constant blank node), so the mapping names them
`<line>#price` and `<line>#quantity`; the correctness check gives statebridge's blank nodes those
names before comparing (`_skolemised`), so the triples compared are the same.

What RML cannot say, and so Morph-KGC does not produce: the rules that look at two fields (an order
with no `state` whose Spree 5.5+ `status` decides, a cancelled order whose fulfilment is Cancelled
whatever its shipment says, a null payment state that means Unpaid or Cancelled). RML emits nothing
for a null. The correctness check below counts those differences instead of hiding them.

Input preparation is not timed and favours Morph-KGC: the NDJSON becomes one JSON array, and every
line item gets its order's id (`order_id`), because a JSONPath iterator cannot reach a parent field.

    python -m bench.morph [--orders 1000] [--runs 3] [--setup]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import typing as t

import orjson
from rdflib import BNode, Graph, Literal, URIRef

from statebridge.dfc.graph import to_graph
from statebridge.dfc.iris import IriMinter
from statebridge.dfc.vocab import DFC_B, DFC_M, DFC_V
from statebridge.errors import StatebridgeError
from statebridge.mapping import load_table
from statebridge.states import Dimension
from statebridge.translate import read_orders

from .orders import generator

__all__ = ["MorphResult", "run"]

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_VENV = pathlib.Path("/tmp/bench-morph")
PIN = "morph-kgc==2.10.0"

BASE = "urn:statebridge:spree"
MAPPING = f"""\
prefixes:
  dfc-b: "{DFC_B}"
  dfc-m: "{DFC_M}"
  xsd: "http://www.w3.org/2001/XMLSchema#"

mappings:
  order:
    sources: [['orders.json~jsonpath', '$[*]']]
    s: {BASE}:Orders:$(id)
    po:
      - [a, dfc-b:Order]
      - [dfc-b:orderNumber, $(number)]
      - [dfc-b:date, $(completed_at), xsd:dateTime]
      - [dfc-b:orderedBy, {BASE}:Persons:$(user_id)~iri]
      - p: dfc-b:hasOrderStatus
        o: {{mapping: orderState, condition: {{function: equal,
            parameters: [[str1, $(state), s], [str2, $(source_status), o]]}}}}
      - p: dfc-b:hasPaymentStatus
        o: {{mapping: paymentState, condition: {{function: equal,
            parameters: [[str1, $(payment_state), s], [str2, $(source_status), o]]}}}}
      - p: dfc-b:hasFulfilmentStatus
        o: {{mapping: fulfilmentState, condition: {{function: equal,
            parameters: [[str1, $(shipment_state), s], [str2, $(source_status), o]]}}}}
  person:
    sources: [['orders.json~jsonpath', '$[*]']]
    s: {BASE}:Persons:$(user_id)
    po:
      - [a, dfc-b:Person]
      - [dfc-b:orders, {BASE}:Orders:$(id)~iri]
      - [dfc-b:email, $(email)]
  orderState:
    sources: [['order.csv~csv']]
    s: {DFC_V}$(dfc_state)
  paymentState:
    sources: [['payment.csv~csv']]
    s: {DFC_V}$(dfc_state)
  fulfilmentState:
    sources: [['fulfilment.csv~csv']]
    s: {DFC_V}$(dfc_state)
  line:
    sources: [['orders.json~jsonpath', '$[*].line_items[*]']]
    s: {BASE}:Orders:$(order_id):OrderLines:$(id)
    po:
      - [a, dfc-b:OrderLine]
      - [dfc-b:partOf, {BASE}:Orders:$(order_id)~iri]
      - [dfc-b:description, $(variant.name)]
      - [dfc-b:quantity, $(quantity), xsd:float]
      - [dfc-b:hasQuantity, {BASE}:Orders:$(order_id):OrderLines:$(id)#quantity~iri]
      - [dfc-b:hasPrice, {BASE}:Orders:$(order_id):OrderLines:$(id)#price~iri]
      - [dfc-b:concerns, {BASE}:Offers:$(variant.sku)~iri]
  part:
    sources: [['orders.json~jsonpath', '$[*].line_items[*]']]
    s: {BASE}:Orders:$(order_id)
    po:
      - [dfc-b:hasPart, {BASE}:Orders:$(order_id):OrderLines:$(id)~iri]
  quantity:
    sources: [['orders.json~jsonpath', '$[*].line_items[*]']]
    s: {BASE}:Orders:$(order_id):OrderLines:$(id)#quantity
    po:
      - [a, dfc-b:QuantitativeValue]
      - [dfc-b:hasUnit, dfc-m:Piece~iri]
      - [dfc-b:value, $(quantity), xsd:float]
  price:
    sources: [['orders.json~jsonpath', '$[*].line_items[*]']]
    s: {BASE}:Orders:$(order_id):OrderLines:$(id)#price
    po:
      - [a, dfc-b:Price]
      - [dfc-b:isPriceOf, {BASE}:Orders:$(order_id):OrderLines:$(id)~iri]
      - [dfc-b:value, $(price), xsd:float]
      - [dfc-b:hasUnit, dfc-m:Euro~iri]
  offer:
    sources: [['orders.json~jsonpath', '$[*].line_items[*]']]
    s: {BASE}:Offers:$(variant.sku)
    po:
      - [a, dfc-b:Offer]
      - [dfc-b:concernedBy, {BASE}:Orders:$(order_id):OrderLines:$(id)~iri]
"""

#: The one field each CSV table is keyed on, and the other fields' values when asking the table.
JOINS: dict[str, tuple[Dimension, str, dict[str, str | None]]] = {
    "order": (Dimension.ORDER, "state", {"status": None, "payment_state": None, "shipment_state": None}),
    "payment": (
        Dimension.PAYMENT,
        "payment_state",
        {"state": "complete", "status": None, "shipment_state": None},
    ),
    "fulfilment": (
        Dimension.FULFILMENT,
        "shipment_state",
        {"state": "complete", "status": None, "payment_state": "paid"},
    ),
}


@dataclasses.dataclass
class MorphResult:
    """Morph-KGC timings on `orders` orders, or why there are none."""

    orders: int
    processes: int
    runs_s: list[float] = dataclasses.field(default_factory=list)
    triples: int = 0
    versions: dict[str, str] = dataclasses.field(default_factory=dict)
    check: dict[str, int] = dataclasses.field(default_factory=dict)
    error: str | None = None

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def per_second(self) -> float:
        return self.orders / self.median_s


def status_tables(folder: pathlib.Path) -> None:
    """One CSV per DFC dimension, `source_status,dfc_state`, from statebridge's spree table."""
    table = load_table("spree")
    for name, (dimension, field, others) in JOINS.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["source_status", "dfc_state"])
            for value in table.fields[field].values:
                try:
                    state = table.translate({**others, field: value}).get(dimension)
                except StatebridgeError:
                    continue
                if state is not None:
                    writer.writerow([value, state.value])


def write_inputs(folder: pathlib.Path, ndjson: bytes, processes: int) -> pathlib.Path:
    """orders.json (a JSON array, lines carrying `order_id`), the CSVs, the mapping and the config."""
    records = []
    for line in ndjson.splitlines():
        record = orjson.loads(line)
        for item in record.get("line_items", []):
            item["order_id"] = record["id"]
        records.append(record)
    (folder / "orders.json").write_bytes(orjson.dumps(records))
    status_tables(folder)
    (folder / "mapping.yml").write_text(MAPPING, encoding="utf-8")
    config = folder / "config.ini"
    config.write_text(
        "[CONFIGURATION]\n"
        f"number_of_processes={processes}\n"
        "logging_level=WARNING\n"
        "[Orders]\n"
        f"mappings={folder / 'mapping.yml'}\n",
        encoding="utf-8",
    )
    return config


def setup(venv: pathlib.Path) -> str | None:
    """Create the venv and install Morph-KGC; the error text when that fails."""
    steps = [[sys.executable, "-m", "venv", str(venv)], [str(venv / "bin/pip"), "install", "-q", PIN]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode:
            return f"{' '.join(step)} failed: {(done.stderr or done.stdout).strip()[-2000:]}"
    return None


#: The names the mapping gives the blank nodes statebridge writes, by the property that holds them.
_PARTS = {URIRef(DFC_B + "hasPrice"): "price", URIRef(DFC_B + "hasQuantity"): "quantity"}


def _skolemised(graph: Graph) -> Graph:
    """`graph` with each line's price and quantity blank node named `<line>#price`/`#quantity`,
    as the YARRRML mapping names them; any other blank node is left as it is."""
    names: dict[BNode, URIRef] = {}
    for prop, part in _PARTS.items():
        for line, node in graph.subject_objects(prop):
            if isinstance(node, BNode):
                names[node] = URIRef(f"{line}#{part}")
    named = Graph()
    for s, p, o in graph:
        named.add((names.get(s, s), p, names.get(o, o)))
    return named


def _normal(graph: Graph) -> set[tuple[t.Any, ...]]:
    """Triples with typed literals as values, so `"2"^^xsd:float` equals `"2.0"^^xsd:float`, and
    statebridge's blank nodes named as the mapping names them."""
    return {
        (s, p, o.toPython() if isinstance(o, Literal) and o.datatype is not None else o)
        for s, p, o in _skolemised(graph)
    }


def check(venv: pathlib.Path, ndjson: bytes) -> dict[str, int]:
    """Morph-KGC's triples vs statebridge's `to_graph` on the same orders: common and one-sided counts."""
    with tempfile.TemporaryDirectory() as name:
        folder = pathlib.Path(name)
        config = write_inputs(folder, ndjson, 1)
        out = folder / "out.nt"
        _worker(venv, config, 1, folder, out)
        morph = _normal(Graph().parse(out, format="nt"))
    reference = Graph()
    minter = IriMinter.for_platform("spree")
    for order in read_orders(io.BytesIO(ndjson), "spree"):
        assert not isinstance(order, StatebridgeError), order
        to_graph(order, minter, reference)
    ours = _normal(reference)
    return {
        "statebridge": len(ours),
        "morph": len(morph),
        "common": len(ours & morph),
        "only_statebridge": len(ours - morph),
        "only_morph": len(morph - ours),
    }


def _worker(
    venv: pathlib.Path, config: pathlib.Path, runs: int, folder: pathlib.Path, out: pathlib.Path | None
) -> dict[str, t.Any]:
    command = [str(venv / "bin/python"), str(HERE / "morph_worker.py"), str(config), str(runs)]
    if out is not None:
        command.append(str(out))
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, check=False)
    if done.returncode:
        msg = f"Morph-KGC failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        raise RuntimeError(msg)
    return t.cast(dict[str, t.Any], json.loads(done.stdout.strip().splitlines()[-1]))


def run(orders: int, runs: int, venv: pathlib.Path = DEFAULT_VENV, processes: int = 1) -> MorphResult:
    """Time Morph-KGC on `orders` generated Spree orders; a result with `error` when it cannot run."""
    result = MorphResult(orders, processes)
    if not (venv / "bin/python").exists():
        result.error = f"no Morph-KGC venv at {venv} (create it with `python -m bench.morph --setup`)"
        return result
    ndjson = generator("spree").ndjson(orders)
    try:
        result.check = check(venv, generator("spree").ndjson(min(orders, 200)))
        with tempfile.TemporaryDirectory() as name:
            folder = pathlib.Path(name)
            config = write_inputs(folder, ndjson, processes)
            answer = _worker(venv, config, runs, folder, None)
    except RuntimeError as exc:
        result.error = str(exc)
        return result
    result.runs_s = answer["runs_s"]
    result.triples = answer["triples"]
    result.versions = {k: v for k, v in answer.items() if k not in ("runs_s", "triples")}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Morph-KGC on the same Spree orders (own venv).")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--venv", type=pathlib.Path, default=DEFAULT_VENV)
    parser.add_argument("--setup", action="store_true", help=f"create the venv and pip install {PIN}")
    args = parser.parse_args()
    if args.setup:
        error = setup(args.venv)
        print(error or f"installed {PIN} in {args.venv}")
        if error:
            sys.exit(1)
        return
    print(json.dumps(dataclasses.asdict(run(args.orders, args.runs, args.venv, args.processes)), indent=1))


if __name__ == "__main__":
    main()
