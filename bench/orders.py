"""Synthetic orders for the benchmarks: N distinct orders per platform, as NDJSON.

Each platform's orders are copies of one real-shaped record from `fixtures/<platform>/` (so the
adapter does the work it does on real payloads: envelopes, nested lines, payments, shipments,
JSON:API `included`), with distinct ids, numbers, line ids and `updated_at`, and with the status
fields cycled through a small set of combinations that together use every value of every field's
domain in the platform's mapping table (null included where the table allows it). Combinations
the table rejects are never generated, so every order translates: a benchmark must measure the
translation, not the error path.

Generation must keep up with 1M orders: each status combination is rendered once to JSON bytes with
placeholders, and each order is a few `bytes.replace` calls on that template.

    python -m bench.orders --platform spree --orders 1000 > orders.ndjson
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import io
import itertools
import pathlib
import sys
import typing as t

import orjson

from statebridge.errors import StatebridgeError
from statebridge.mapping import load_table

__all__ = ["PLATFORMS", "Generator", "generator"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: The platforms benchmarked, each with its own adapter and mapping table.
PLATFORMS = ("spree", "shopify", "commercelayer", "relatude")

Status = dict[str, str | None]

#: Timestamps of generated orders start here and move one second per order.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _line(path: str, number: int) -> dict[str, t.Any]:
    """Line `number` (1-based) of an NDJSON fixture."""
    text = (FIXTURES / path).read_text(encoding="utf-8").splitlines()[number - 1]
    value = orjson.loads(text)
    assert isinstance(value, dict)
    return value


# -- per platform: a template record with placeholders, and where the status fields go -----------
#
# Placeholders are plain tokens inside JSON strings (`__ID__`) or whole JSON strings standing for a
# number (`"__NID__"`, quotes included, so that the number is written unquoted).


def _spree(status: Status) -> dict[str, t.Any]:
    record = _line("spree/orders.ndjson", 1)  # Solidus/Chord REST order: 2 lines, payment, shipment
    record.update(id="__NID__", number="R__NUM__", updated_at="__UPDATED__")
    for key in ("state", "status", "payment_state", "shipment_state"):
        record.pop(key, None)
    if status["state"] is not None:  # no `state` key at all: the Spree 5.4+ shape, status decides
        record["state"] = status["state"]
    if status["status"] is not None:
        record["status"] = status["status"]
    record["payment_state"] = status["payment_state"]
    record["shipment_state"] = status["shipment_state"]
    for k, item in enumerate(record["line_items"]):
        item["id"] = f"__NLINE{k}__"
    for k, payment in enumerate(record.get("payments", [])):
        payment["id"] = f"__NLINE{k}__"
    for k, shipment in enumerate(record.get("shipments", [])):
        shipment["id"] = f"__NLINE{k}__"
        shipment["number"] = f"H__NUM__{k}"
    return record


def _shopify(status: Status) -> dict[str, t.Any]:
    record = _line("shopify/webhooks.ndjson", 1)  # REST order as an orders/updated webhook sends it
    record.update(
        id="__NID__",
        admin_graphql_api_id="gid://shopify/Order/__ID__",
        name="#__NUM__",
        order_number="__NNUM__",
        updated_at="__UPDATED__",
        financial_status=status["financial_status"],
        fulfillment_status=status["fulfillment_status"],
        cancel_reason=status["cancel_reason"],
        cancelled_at="__UPDATED__" if status["cancelled"] == "yes" else None,
        closed_at="__UPDATED__" if status["closed"] == "yes" else None,
    )
    for k, item in enumerate(record["line_items"]):
        item["id"] = f"__NLINE{k}__"
        item["admin_graphql_api_id"] = f"gid://shopify/LineItem/__RLINE{k}__"
    return record


def _commercelayer(status: Status) -> dict[str, t.Any]:
    document = _line("commercelayer/orders.ndjson", 6)  # JSON:API document with included line items
    text = orjson.dumps(document).decode()
    text = text.replace("NdJsOnOr06", "__ID__")
    for k, line_id in enumerate(("liNdj0006a", "liNdj0006s")):
        text = text.replace(line_id, f"__LINE{k}__")
    document = orjson.loads(text)
    attributes = document["data"]["attributes"]
    attributes.update(
        number="__NUM__",
        updated_at="__UPDATED__",
        status=status["status"],
        payment_status=status["payment_status"],
        fulfillment_status=status["fulfillment_status"],
    )
    return t.cast(dict[str, t.Any], document)


def _relatude(status: Status) -> dict[str, t.Any]:
    record = _line("relatude/orders.ndjson", 2)  # a Relatude export order with two items
    record.update(OrderGuid="__ID__", OrderNumber="__NUM__", DateOrdered="__UPDATED__")
    record["OrderStatus"] = status["OrderStatus"]
    return record


TEMPLATES: dict[str, t.Callable[[Status], dict[str, t.Any]]] = {
    "spree": _spree,
    "shopify": _shopify,
    "commercelayer": _commercelayer,
    "relatude": _relatude,
}


def _ids(platform: str, i: int) -> dict[bytes, bytes]:
    """Placeholder -> JSON bytes for order `i`: distinct ids, numbers, line ids and timestamps."""
    stamp = (EPOCH + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z").encode()
    if platform == "commercelayer":
        order_id = b"bench%07d" % i
    elif platform == "relatude":
        order_id = b"00000000-0000-4000-8000-%012d" % i
    else:
        order_id = b"%d" % (5_600_000_000 + i if platform == "shopify" else 1_000_000 + i)
    return {
        b'"__NID__"': order_id,
        b"__ID__": order_id,
        b'"__NNUM__"': b"%d" % (100_000_000 + i),
        b"__NUM__": b"%d" % (100_000_000 + i),
        b"__UPDATED__": stamp,
        b'"__NLINE0__"': b"%d" % (10 * i + 10_000_000),
        b'"__NLINE1__"': b"%d" % (10 * i + 10_000_001),
        b"__RLINE0__": b"%d" % (10 * i + 10_000_000),
        b"__RLINE1__": b"%d" % (10 * i + 10_000_001),
        b"__LINE0__": b"L%da" % i,
        b"__LINE1__": b"L%db" % i,
    }


def status_variants(platform: str, keep: t.Callable[[str, str | None], bool] | None = None) -> list[Status]:
    """Accepted status combinations that together use every value of every field's domain.

    For each (field, value) in table order, the first combination of the table's field domains that
    has that value and that the table accepts; duplicates dropped. A value no accepted combination
    can carry (none today) is simply absent; `uncovered` reports it. `keep(field, value)`, when
    given, narrows the domains first (one API's spelling of a platform whose table lists two).
    """
    table = load_table(platform)
    probe = dataclasses.replace(table, _cache={})  # keep the real table's translation cache clean
    names = list(table.fields)
    domains = [tuple(v for v in table.fields[name].domain if keep is None or keep(name, v)) for name in names]
    accepted: list[Status] = []
    for status in (dict(zip(names, combo, strict=True)) for combo in itertools.product(*domains)):
        try:
            probe.translate(status)
        except StatebridgeError:
            continue
        accepted.append(status)
    chosen: list[Status] = []
    for name, domain in zip(names, domains, strict=True):
        for value in domain:
            match = next((s for s in accepted if s[name] == value), None)
            if match is not None and match not in chosen:
                chosen.append(match)
    return chosen


def uncovered(platform: str, variants: list[Status]) -> list[str]:
    """`field=value` pairs of the table's domains that no variant carries."""
    table = load_table(platform)
    return [
        f"{name}={value}"
        for name, spec in table.fields.items()
        for value in spec.domain
        if all(v[name] != value for v in variants)
    ]


@dataclasses.dataclass
class Generator:
    """Renders order `i` of `platform` as one NDJSON line (with its newline)."""

    platform: str
    variants: list[Status]
    templates: list[bytes]

    def line(self, i: int) -> bytes:
        data = self.templates[i % len(self.templates)]
        for token, value in _ids(self.platform, i).items():
            data = data.replace(token, value)
        return data

    def lines(self, count: int, start: int = 0) -> t.Iterator[bytes]:
        for i in range(start, start + count):
            yield self.line(i)

    def ndjson(self, count: int) -> bytes:
        return b"".join(self.lines(count))

    def write(self, path: pathlib.Path, count: int) -> int:
        """Write `count` orders to `path` in chunks; returns the bytes written."""
        size = 0
        with path.open("wb") as out:
            for start in range(0, count, 10_000):
                chunk = b"".join(self.lines(min(10_000, count - start), start))
                out.write(chunk)
                size += len(chunk)
        return size


def generator(platform: str) -> Generator:
    """A generator for `platform`, whose every variant has been checked through the real adapter."""
    from statebridge.translate import read_orders  # the adapters, only to check what is generated

    variants = status_variants(platform)
    make = TEMPLATES[platform]
    templates = [orjson.dumps(make(copy.deepcopy(v))) + b"\n" for v in variants]
    gen = Generator(platform, variants, templates)
    sample = gen.ndjson(len(variants))
    for outcome in read_orders(io.BytesIO(sample), platform):
        if isinstance(outcome, StatebridgeError):
            msg = f"generated {platform} order does not translate: {outcome}"
            raise RuntimeError(msg)
    return gen


def main() -> None:
    parser = argparse.ArgumentParser(description="Write N synthetic orders of a platform as NDJSON.")
    parser.add_argument("--platform", choices=PLATFORMS, default="spree")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--variants", action="store_true", help="list the status combinations instead")
    args = parser.parse_args()
    gen = generator(args.platform)
    if args.variants:
        for variant in gen.variants:
            print(variant)
        print(f"{len(gen.variants)} combinations; uncovered: {uncovered(args.platform, gen.variants)}")
        return
    for line in gen.lines(args.orders):
        sys.stdout.buffer.write(line)


if __name__ == "__main__":
    main()
