"""The real DFC TypeScript connector reads statebridge's output, and statebridge reads the connector's.

`@datafoodconsortium/connector` (npm, the version pinned in tests/interop/ts/package.json) runs in
Node.js through `tests/interop/ts/connector.mjs`, offline (see `ts_connector.py`). These tests skip,
saying why, where Node.js, npm or the installed package is missing.

- Every fixture of every platform (the adapter registry, without aliases) is translated to DFC
  JSON-LD as `statebridge translate` writes it, and the connector imports it and reads, through
  its own getters and without workarounds, each order's number, its order, payment and fulfilment
  states (fetched by IRI from the taxonomies 1.3.0 vocabulary), and each line's quantity and
  `getPrice()` value and unit (the unit concept fetched by IRI from the measures taxonomy). That is
  compared with statebridge's canonical orders, numbers as decimals: the shortest decimal that
  prints the connector's JavaScript number must equal the decimal statebridge holds. The
  connector reads JSON-LD only (its importer is a JSON-LD stream parser), so Turtle and
  N-Triples are not offered to it.
- Orders the connector builds with its own factory and exports (every DFC state, an Enterprise or
  a Person buyer, lines with prices, offers and supplied products) go through
  `statebridge translate --from dfc` and are read back by the connector: numbers, states, buyer,
  lines, prices and offered items must come out as they went in (issue 12, items 1, 3 and 6).

One Node process reads a whole batch of documents, so Node starts three times in this module.
"""

from __future__ import annotations

import io
import pathlib
import subprocess
import sys
import typing as t
from decimal import Decimal

import pytest

from statebridge.dfc.iris import IriMinter
from statebridge.dfc.vocab import CURRENCY_UNITS, DFC_B, DFC_M, DFC_V
from statebridge.model import Order
from statebridge.platforms import get_adapter, names
from statebridge.translate import read_orders, translate

from .conftest import fixture_inputs
from .ts_connector import pinned_version, run_connector, unavailable

PLATFORMS = names(aliases=False)
FIXTURE_CASES = [(platform, path) for platform in PLATFORMS for path in fixture_inputs(platform)]

Line = tuple[Decimal | None, Decimal | None, str | None]


def _name(platform: str, path: pathlib.Path) -> str:
    return f"{platform}/{path.name}"


@pytest.fixture(scope="module")
def connector() -> None:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def fixture_reads(connector: None) -> dict[str, t.Any]:
    """What the connector read from statebridge's DFC output of every fixture, by fixture name."""
    batch = []
    for platform, path in FIXTURE_CASES:
        out = io.BytesIO()
        with path.open("rb") as stream:
            report = translate(stream, out, platform=platform)
        assert report.problems == [], f"{path}: {report.problems}"
        batch.append((_name(platform, path), out.getvalue()))
    answer = run_connector("read", batch)
    answer["by_name"] = {document["name"]: document for document in answer["documents"]}
    return answer


def _expand(curie: str | None) -> str | None:
    if curie is not None and curie.startswith("dfc-b:"):
        return DFC_B + curie.removeprefix("dfc-b:")
    return curie


def _decimal(value: t.Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _connector_line(line: dict[str, t.Any], where: str, problems: list[str]) -> Line:
    """(quantity, unit price, price unit IRI) as the connector read them; errors go to `problems`."""
    price = line["price"]
    if isinstance(price, dict) and "error" in price:
        problems.append(f"{where}: getPrice() failed: {price['error']}")
        price = None
    value = None if price is None else _decimal(price["value"])
    unit = None if price is None else price["unit"]
    return _decimal(line["quantity"]), value, unit


def _canonical_line(order: Order, index: int) -> Line:
    line = order.lines[index]
    unit = None
    if line.unit_price is not None and order.currency in CURRENCY_UNITS:
        unit = DFC_M + CURRENCY_UNITS[order.currency]
    return line.quantity, line.unit_price, unit


def _sort_key(line: Line) -> tuple[Decimal, Decimal, str]:
    quantity, value, unit = line
    return (
        quantity if quantity is not None else Decimal(-1),
        value if value is not None else Decimal(-1),
        unit or "",
    )


def _state(state: t.Any, where: str, problems: list[str]) -> str | None:
    if isinstance(state, dict):
        problems.append(f"{where}: {state['error']}")
        return None
    return t.cast(str | None, state)


def _compare_fixture(platform: str, path: pathlib.Path, read: dict[str, t.Any]) -> list[str]:
    """Every difference between the connector's reading and statebridge's canonical orders."""
    if "error" in read:
        return [f"the connector could not import the document: {read['error']}"]
    minter = IriMinter.for_platform(get_adapter(platform).name)
    with path.open("rb") as stream:
        canonical = {minter.order(o.id): o for o in read_orders(stream, platform) if isinstance(o, Order)}
    seen = {order["id"]: order for order in read["orders"]}
    problems = []
    if set(seen) != set(canonical):
        problems.append(f"orders read {sorted(seen)} != orders written {sorted(canonical)}")
    for iri in sorted(set(seen) & set(canonical)):
        got, order = seen[iri], canonical[iri]
        if got["number"] != order.number:
            problems.append(f"{iri}: number {got['number']!r} != {order.number!r}")
        for dimension in ("order", "payment", "fulfilment"):
            state = getattr(order.states, dimension)
            want = None if state is None else DFC_V + state.value
            have = _state(got["states"][dimension], f"{iri}: {dimension} state", problems)
            if have != want:
                problems.append(f"{iri}: {dimension} state {have} != {want}")
        if isinstance(got["lines"], dict):
            problems.append(f"{iri}: getLines() failed: {got['lines']['error']}")
            continue
        have_lines = sorted(
            (_connector_line(line, f"{iri} line {line['id']}", problems) for line in got["lines"]),
            key=_sort_key,
        )
        want_lines = sorted((_canonical_line(order, i) for i in range(len(order.lines))), key=_sort_key)
        if have_lines != want_lines:
            problems.append(f"{iri}: lines (quantity, unit price, unit) {have_lines} != {want_lines}")
    return problems


def test_every_platform_has_fixtures_the_connector_reads() -> None:
    """A platform added to the registry without fixtures would escape the connector's reading."""
    assert PLATFORMS
    assert [p for p in PLATFORMS if not fixture_inputs(p)] == []


def test_the_connector_is_the_pinned_release_and_reads_offline(fixture_reads: dict[str, t.Any]) -> None:
    """The installed connector is the version package.json pins, and the context statebridge
    resolves the DFC context URLs to is, key for key, the one the connector bundles."""
    assert fixture_reads["connector"] == pinned_version()
    assert fixture_reads["bundledContextMatches"] is True


@pytest.mark.parametrize(
    ("platform", "path"), FIXTURE_CASES, ids=[_name(platform, path) for platform, path in FIXTURE_CASES]
)
def test_the_connector_reads_statebridge_output(
    fixture_reads: dict[str, t.Any], platform: str, path: pathlib.Path
) -> None:
    """Issue 12, items 1 and 8: order number, three states, each line's quantity and getPrice()
    value and unit, as statebridge holds them. `OrderLine.getPrice()` (connector src/OrderLine.ts)
    reads `dfc-b:hasPrice` as an embedded blank node only, so a named price node fails here."""
    problems = _compare_fixture(platform, path, fixture_reads["by_name"][_name(platform, path)])
    assert not problems, "\n".join(problems)


def _compare_built(built: dict[str, t.Any], read: dict[str, t.Any]) -> list[str]:
    """Every difference between an order as the connector built it and as it reads it back."""
    problems: list[str] = []
    where = built["id"]
    for key in ("id", "number"):
        if read[key] != built[key]:
            problems.append(f"{where}: {key} {read[key]!r} != {built[key]!r}")
    for dimension, want in built["states"].items():
        have = _state(read["states"][dimension], f"{where}: {dimension} state", problems)
        if have != want:
            problems.append(f"{where}: {dimension} state {have} != {want}")
    client = read["client"]
    if client is None or "error" in client:
        problems.append(f"{where}: getClient() gave {client}")
    elif (client["id"], _expand(client["type"])) != (built["client"]["id"], _expand(built["client"]["type"])):
        problems.append(f"{where}: buyer {client} != {built['client']} (issue 12, item 6)")
    if isinstance(read["lines"], dict):
        return [*problems, f"{where}: getLines() failed: {read['lines']['error']}"]
    lines = {line["id"]: line for line in read["lines"]}
    if set(lines) != {line["id"] for line in built["lines"]}:
        problems.append(f"{where}: line IRIs {sorted(lines)} != {[line['id'] for line in built['lines']]}")
    for want in built["lines"]:
        have = lines.get(want["id"])
        if have is None:
            continue
        at = f"{where} line {want['id']}"
        if _decimal(have["quantity"]) != _decimal(want["quantity"]):
            problems.append(f"{at}: quantity {have['quantity']} != {want['quantity']}")
        price = have["price"]
        if price is None or "error" in price:
            problems.append(f"{at}: getPrice() gave {price} (issue 12, item 1)")
        elif (_decimal(price["value"]), price["unit"]) != (
            _decimal(want["price"]["value"]),
            want["price"]["unit"],
        ):
            problems.append(f"{at}: price {price} != {want['price']}")
        if have["offer"] != want["offer"]:
            problems.append(f"{at}: offer {have['offer']} != {want['offer']} (issue 12, item 3)")
    return problems


def test_orders_the_connector_builds_translate_through_statebridge_intact(connector: None) -> None:
    """Orders built and exported by the connector, translated by `statebridge translate --from dfc`
    (a real process), read back by the connector: nothing it reads may change."""
    built = run_connector("build")["documents"]
    assert len(built) == 5
    exported = b"".join(document["text"].encode() + b"\n" for document in built)
    translated = subprocess.run(
        [sys.executable, "-m", "statebridge", "translate", "--from", "dfc", "-"],
        input=exported,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert translated.returncode == 0, translated.stderr.decode()
    assert translated.stderr == b""
    batch = [(f"export {d['name']}", d["text"].encode()) for d in built]
    read = run_connector("read", [*batch, ("statebridge", translated.stdout)])["documents"]
    by_name = {document["name"]: document for document in read}
    for document in built:
        # The connector reads its own export as built: the comparison itself is sound.
        [own] = by_name[f"export {document['name']}"]["orders"]
        assert _compare_built(document["built"], own) == []
    through = by_name["statebridge"]
    assert "error" not in through, through
    orders = {order["id"]: order for order in through["orders"]}
    assert sorted(orders) == sorted(d["built"]["id"] for d in built)
    problems = [p for d in built for p in _compare_built(d["built"], orders[d["built"]["id"]])]
    assert not problems, "\n".join(problems)
