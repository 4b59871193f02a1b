"""The bulk path on Shopify REST orders beyond the fixtures' webhooks: B2B orders, transactions,
refunds, older orders without gids (`platforms/shopify/direct.py` against the reference path)."""

from __future__ import annotations

import json

import orjson
from bench.orders import generator

from statebridge.dfc import IriMinter
from statebridge.formats import FORMATS

from .platforms import FIXTURES, adapter
from .shopify_orders import SHOPIFY_B2B_ORDER, shopify_bare_orders
from .test_bulk_path import BASES, EDGES, _single_mutations, _status_words, bulk, reference


def test_shopify_bare_rest_orders_give_the_reference_bytes() -> None:
    """Every REST order of the fixtures as a webhook, and the B2B order with its company or customer
    in other forms: the reference bytes in every format and base, and the reader takes them."""
    orders = shopify_bare_orders()
    b2b = SHOPIFY_B2B_ORDER
    variants = [
        {**b2b, "company": {"id": 8124301}},
        {**b2b, "company": {"id": "C-8124301"}, "customer": None},
        {**b2b, "company": {"admin_graphql_api_id": "gid://shopify/Company/8124302"}, "contact_email": None},
        {**b2b, "company": {"location_id": 5}},
        {**b2b, "company": {"id": ""}},
        {
            **b2b,
            "company": None,
            "customer": {"id": 7700009001, "admin_graphql_api_id": "gid://shopify/Customer/7700009001"},
        },
        {**b2b, "company": None, "customer": {"id": "cust-1", "last_name": "Martin"}, "contact_email": ""},
        {**b2b, "company": None, "customer": None, "contact_email": None, "billing_address": None},
        {**b2b, "id": 820982911946154500, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508"},
        {**b2b, "id": "5600009001"},
        {**b2b, "admin_graphql_api_id": None},  # older REST versions: no gid
        {**b2b, "admin_graphql_api_id": None, "id": "R-9001"},
        {**b2b, "admin_graphql_api_id": None, "id": None},  # the id is the name
    ]
    declined = [
        {**b2b, "admin_graphql_api_id": None, "id": "gid://shopify/Order/5600009001"},  # GraphQL
        {**b2b, "admin_graphql_api_id": None, "order_id": 1, "kind": "sale", "gateway": "manual"},
        {**b2b, "admin_graphql_api_id": None, "id": None, "name": None},
        {**b2b, "id": "05600009001"},
        {**b2b, "admin_graphql_api_id": "gid://shopify/Order/5600009001?x=1"},
        {**b2b, "id": -5, "admin_graphql_api_id": "gid://shopify/Order/-5"},
        {**b2b, "id": 12, "admin_graphql_api_id": "gid://shopify/Order/\u0661\u0662"},  # Arabic-Indic 12
    ]
    documents = [*orders, *variants, *declined]
    data = b"\n".join(orjson.dumps(order) for order in documents) + b"\n"
    for fmt in FORMATS:
        for base_url in BASES:
            assert bulk(data, "shopify", fmt, base_url) == reference(data, "shopify", fmt, base_url)
    whole = adapter("shopify").document_reader(IriMinter.for_platform("shopify"))
    assert whole is not None
    taken = [whole(orjson.loads(orjson.dumps(order))) is not None for order in documents]
    assert taken[len(orders) :] == [True] * len(variants) + [False] * len(declined)
    assert all(taken[: len(orders)]), taken


def test_every_value_of_the_shopify_b2b_order_replaced_by_every_edge() -> None:
    """`test_every_value_of_every_seed_replaced_by_every_edge` on the B2B order."""
    edges = EDGES + _status_words("shopify")[:4]
    lines = [json.dumps(doc).encode() for doc in _single_mutations(SHOPIFY_B2B_ORDER, edges)]
    data = b"\n".join(lines) + b"\n"
    written, problems = bulk(data, "shopify", "jsonld", BASES[1])
    expected_written, expected_problems = reference(data, "shopify", "jsonld", BASES[1])
    assert problems == expected_problems
    assert written == expected_written
    assert len(problems) > 100


def test_shopify_webhooks_between_bulk_operation_rows_give_the_reference_bytes() -> None:
    """Shopify holds Bulk Operation orders until the end of input and joins child rows to them
    wherever they are (`BulkJoin`); the document reader takes REST webhook lines without `split` or
    `start_document`. Webhooks between the rows, before an order's rows, between a row and its
    later order: the same bytes and problems (at the same lines) as the reference, which splits
    every line, and the reader takes the webhooks it can and nothing else."""
    shopify = FIXTURES / "shopify"
    rows = (shopify / "bulk_operation.ndjson").read_bytes().splitlines()
    webhooks = [
        *(shopify / "webhooks.ndjson").read_bytes().splitlines(),
        *(shopify / "test_notification_pending_fulfillment.ndjson").read_bytes().splitlines(),
        *generator("shopify").ndjson(4).splitlines(),
    ]
    refused = orjson.loads(webhooks[0])
    refused["line_items"][0]["quantity"] = "many"  # declined by the reader, refused by the reference
    orphan = {"id": "gid://shopify/LineItem/1", "quantity": 1, "__parentId": "gid://shopify/Order/9"}
    lines: list[bytes] = []
    for i, row in enumerate(rows):  # a webhook before every Bulk row
        lines += [webhooks[i % len(webhooks)], row]
    lines[5:5] = [orjson.dumps(refused), orjson.dumps(orphan)]
    lines += webhooks
    data = b"\n".join(lines) + b"\n"
    for fmt in FORMATS:
        for base_url in BASES:
            written, problems = bulk(data, "shopify", fmt, base_url)
            assert (written, problems) == reference(data, "shopify", fmt, base_url)
    assert [problem.split(":")[0] for problem in problems] == ["line 6", "line 7"]
    # every webhook and the three Bulk orders are written, the webhooks in place, the Bulk orders last
    numbers = [
        orjson.loads(line)["@graph"][0].get("dfc-b:orderNumber")
        for line in bulk(data, "shopify", "ndjson", None)[0].splitlines()
    ]
    expected = [orjson.loads(line)["name"] for line in lines if line in webhooks]
    assert numbers == [*expected, "#3001", "#3002", "#3003"]
    whole = adapter("shopify").document_reader(IriMinter.for_platform("shopify"))
    assert whole is not None
    taken = [whole(orjson.loads(line)) is not None for line in lines]
    assert taken == [line in webhooks for line in lines]
