"""The benchmark harness stays runnable: `python -m bench --help` imports every stage."""

from __future__ import annotations

import io
import pathlib
import subprocess
import sys

from bench.morph import _normal
from bench.orders import generator
from rdflib import XSD, BNode, Graph, Literal, URIRef

from statebridge.dfc.graph import DFCB, to_graph
from statebridge.dfc.iris import IriMinter
from statebridge.model import Order
from statebridge.translate import read_orders

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_bench_help_lists_the_stages_and_quick_mode() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout
    for stage in ("throughput", "morph", "memory", "rdftext", "endpoint"):
        assert stage in done.stdout


def test_the_morph_check_compares_blank_nodes_as_the_mapping_names_them() -> None:
    """Morph-KGC's mapping names a line's price and quantity `<line>#price`/`#quantity`;
    statebridge writes blank nodes: the check renames them, so the same triples compare equal."""
    [order] = [
        o for o in read_orders(io.BytesIO(generator("spree").ndjson(1)), "spree") if isinstance(o, Order)
    ]
    graph = to_graph(order, IriMinter.for_platform("spree"))
    normal = _normal(graph)
    assert not any(isinstance(term, BNode) for triple in normal for term in triple)
    names = {
        graph.value(line, DFCB.hasPrice): URIRef(f"{line}#price") for line in graph.subjects(DFCB.hasPrice)
    }
    names.update(
        {
            graph.value(line, DFCB.hasQuantity): URIRef(f"{line}#quantity")
            for line in graph.subjects(DFCB.hasQuantity)
        }
    )
    assert len(names) >= 2
    morph = Graph()  # what the mapping writes: named parts, and numbers with a trailing ".0"
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.float and "." not in o:
            o = Literal(f"{o}.0", datatype=XSD.float)
        morph.add((names.get(s, s), p, names.get(o, o)))
    assert _normal(morph) == normal


def test_the_mixed_load_sends_every_kind_of_request_and_each_is_answered_as_it_should_be(
    postgres_server: str,
) -> None:
    """`bench.endpoint_mixed` on a short run: lists, reads, PUTs with `If-Match` and POSTs with an
    `Idempotency-Key`, none answered otherwise than a client expects (a 412 or 4xx is an error)."""
    from bench import endpoint_mixed

    result = endpoint_mixed.run(orders=60, seconds=2, concurrency=4, runs=1, server=postgres_server)
    kinds = result["median"]["kinds"]
    assert set(kinds) == {"list", "get", "put", "post"}
    assert all(row["count"] > 0 and row["errors"] == 0 for row in kinds.values()), kinds
    assert result["median"]["server_cpu_ms_per_request"] > 0
