"""What Open Food Network reads from `statebridge serve`, over real HTTP, on SQLite and PostgreSQL.

Issue 12, items 2, 3, 4, 5 and 7. The bodies are OFN's own (the recorded POST of
fixtures/dfc/public_ofn_cassette_completes_an_order_5_post_request.json, and what its connector
exports when it sends an order back, in the shape of the recorded PUT of …_8_put_request.json);
each answer is read the way OFN reads it (`tests/ofn_reads.py`: the Ruby connector's import, then
the reads of its backorder code). docs/references/ofn-order-reads.md gives every cited line.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import time
import typing as t
from decimal import Decimal

import httpx
import pytest
from rdflib import RDF, Graph, URIRef

from statebridge.dfc import parse_jsonld
from statebridge.dfc.terms import DFC_CLASSES
from statebridge.dfc.vocab import DFC_B, DFC_V
from statebridge.store import ClientRegistry, Store
from statebridge.translate import read_orders
from statebridge.web.enterprises import Enterprise

from .conftest import FIXTURES
from .ofn_reads import HELD, ImportFailed, Subject, ofn_import, ofn_order, ofn_reads
from .serving import dfc_client

POST_HELD = json.loads(
    (FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json").read_text()
)
OPERATOR = "operator-token-not-a-secret"
SHOP = Enterprise("test-hodmedod", "shopify", "https://hodmedod.example.org")
SPREE = Enterprise("green-hub", "spree", "https://hub.example.org")
HODMEDOD = "https://env-0105831.jcloud-ver-jpe.ik-server.com/api/dfc/Enterprises/test-hodmedod"
BEANS = f"{HODMEDOD}/SuppliedProducts/44519466500403"
CHIA = f"{HODMEDOD}/SuppliedProducts/44519468400947"
LENTILS = f"{HODMEDOD}/SuppliedProducts/44519468433715"  # in the catalogue of the recorded GET (3)
SALE_SESSION = f"{HODMEDOD}/SalesSession/#"
AUTH = {"Authorization": f"Bearer {OPERATOR}"}
LD = {
    **AUTH,
    "Content-Type": "application/json",
}  # OFN sends application/json (docs/references/ofn.md#requests-ofn-sends)


@contextlib.contextmanager
def served(store: Store) -> t.Iterator[httpx.Client]:
    environ = {"STATEBRIDGE_API_TOKENS": OPERATOR}
    with dfc_client(store, [SHOP, SPREE], environ, name="uvicorn-ofn") as http:
        yield http


def _post(http: httpx.Client, enterprise: Enterprise, headers: dict[str, str] = LD) -> httpx.Response:
    created = http.post(
        f"/api/dfc/Enterprises/{enterprise.slug}/Orders", content=json.dumps(POST_HELD), headers=headers
    )
    assert created.status_code == 201, created.text
    return created


def ofn_export(
    order: Subject, *, quantities: dict[str, int], status: str, new: dict[str, str] | None = None
) -> bytes:
    """The body OFN sends back for an order it read (`FdcBackorderer#send_order`,
    app/services/fdc_backorderer.rb:91-96): the order, its lines, their offers and offered items, the
    sale session, as connector-ruby writes them (references as plain strings, `dfc-b:offeredItem`
    included, empty number and date), in the shape of the recorded PUT (cassette interaction 8).

    `quantities` gives each offered item's new quantity; a line whose quantity is 0 is dropped
    (app/services/backorder_updater.rb:52). `new` adds a line per offered item, named as
    `build_order_line` names it (fdc_backorderer.rb:63-66): `{order}/OrderLines/{count + 1}`.
    """
    reads = ofn_reads(order)
    lines = [
        {
            "id": line["id"],
            "offer": line["offer"].semantic_id,
            "item": line["offered_item"],
            "quantity": line["quantity"],
        }
        for line in reads["lines"]
    ]
    for item, offer in (new or {}).items():  # built before the zero lines are dropped
        lines.append({"id": f"{order.semantic_id}/OrderLines/{len(lines) + 1}", "offer": offer, "item": item})
    for line in lines:
        line["quantity"] = quantities.get(line["item"], line.get("quantity", 0))
    lines = [line for line in lines if line["quantity"]]
    nodes: list[dict[str, t.Any]] = []
    head: dict[str, t.Any] = {
        "@id": order.semantic_id,
        "@type": "dfc-b:Order",
        "dfc-b:orderNumber": "",
        "dfc-b:date": "",
        "dfc-b:hasPart": [line["id"] for line in lines],
        "dfc-b:hasOrderStatus": status,
    }
    if reads["sale_session"]:
        head["dfc-b:belongsTo"] = reads["sale_session"]
    nodes.append(head)
    for line in lines:
        nodes.append(
            {
                "@id": line["id"],
                "@type": "dfc-b:OrderLine",
                "dfc-b:description": "",
                "dfc-b:quantity": line["quantity"],
                "dfc-b:concerns": line["offer"],
            }
        )
    for offer, item in sorted({(line["offer"], line["item"]) for line in lines}):
        nodes.append(
            {"@id": offer, "@type": "dfc-b:Offer", "dfc-b:stockLimitation": 0.0, "dfc-b:offeredItem": item}
        )
        nodes.append(
            {"@id": item, "@type": "dfc-b:SuppliedProduct", "dfc-b:name": "", "dfc-b:description": ""}
        )
    if reads["sale_session"]:
        nodes.append({"@id": reads["sale_session"], "@type": "dfc-b:SaleSession", "dfc-b:quantity": 0.0})
    return json.dumps({"@context": "https://www.datafoodconsortium.org", "@graph": nodes}).encode()


def _quantities(reads: dict[str, t.Any]) -> dict[str, int]:
    """Each offered item's quantity (the import keeps no order among the lines: compare as a map)."""
    return {line["offered_item"]: line["quantity"] for line in reads["lines"]}


def _lines_by_item(order: Subject) -> dict[str, str]:
    return {line["offered_item"]: line["id"] for line in ofn_reads(order)["lines"]}


# -- item 2: nothing outside the DFC ontology ------------------------------------------------------


def test_the_order_list_is_the_orders_and_their_nodes_only(store: Store) -> None:
    """FDC's order list is a flat graph of orders, lines, offers and products, paged by header
    (web/fdc-modules/orders/controllers/get-all-orders.js); the Ruby connector's import fails on any
    type it does not know (connector-ruby importer.rb:55-65), an `ldp:BasicContainer` included."""
    with served(store) as http:
        first = _post(http, SHOP).headers["Location"]
        second = _post(http, SHOP).headers["Location"]
        collection = f"/api/dfc/Enterprises/{SHOP.slug}/Orders"
        seen: list[str | None] = []
        url: str | None = f"{collection}?limit=1"
        while url:
            page = http.get(url, headers=AUTH)
            assert page.status_code == 200
            [order] = [s for s in ofn_import(page.content) if s.type == "Order"]
            seen.append(order.semantic_id)
            url = page.links.get("next", {}).get("url")
        assert sorted(s for s in seen if s) == sorted([first, second])
        for accept, syntax in (("text/turtle", "turtle"), ("application/n-triples", "nt")):
            listed = http.get(collection, headers={**AUTH, "Accept": accept})
            _only_dfc_terms(Graph().parse(data=listed.text, format=syntax))
        _only_dfc_terms(parse_jsonld(http.get(collection, headers=AUTH).content))
        empty = http.get("/api/dfc/Enterprises/green-hub/Orders", headers=AUTH)
        assert empty.json() == {
            "@context": "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
            "@graph": [],
        }


def _only_dfc_terms(graph: Graph) -> None:
    assert len(graph) > 0
    for _, predicate, value in graph:
        if predicate == RDF.type:
            assert isinstance(value, URIRef)
            assert str(value).removeprefix(DFC_B) in DFC_CLASSES, value
        else:
            assert str(predicate).startswith(DFC_B), predicate


# -- item 3: what the client sent is served back ---------------------------------------------------


def test_what_ofn_sent_is_what_its_backorder_code_reads_back(store: Store) -> None:
    """OFN POSTs Offers that point at its SuppliedProducts, the products, a SaleSession and offer
    prices. Its code then reads, from each answer: `order.lines[i].offer.offeredItem.semanticId`
    (fdc_backorderer.rb:73 find_order_line, complete_backorder_job.rb:25, backorder_updater.rb:78
    cancel_stale_lines), `line.quantity.to_i` (backorder_job.rb:96, backorder_updater.rb:77) and,
    through the import, the sale session it exports again (fdc_backorderer.rb:95)."""
    with served(store) as http:
        created = _post(http, SHOP)
        location = created.headers["Location"]
        for answer in (created, http.get(location, headers=AUTH)):
            order = ofn_order(answer.content)
            reads = ofn_reads(order)
            assert reads["id"] == location
            assert _quantities(reads) == {BEANS: 3, CHIA: 5}
            assert reads["sale_session"] == SALE_SESSION
            [beans] = [line["offer"] for line in reads["lines"] if line["offered_item"] == BEANS]
            assert beans.semantic_id == f"{BEANS}/Offer"
            price = beans.one("hasPrice")
            assert isinstance(price, Subject)
            assert (price.type, price.semantic_id, Decimal(str(price.one("value")))) == (
                "Price",
                None,
                Decimal("18.85"),
            )
            product = beans.one("offeredItem")
            assert product.one("name") == "Baked British Beans - Case, 12 x 400g (can)"
            assert "ofn:image" not in answer.text  # not a DFC term: not kept
        # CompleteBackorderJob derives the catalogue and orders URLs from the first line's offered
        # item (complete_backorder_job.rb:25, fdc_url_builder.rb:11-15): any line will do here.
        for line in ofn_reads(ofn_order(created.content))["lines"]:
            catalogue = line["offered_item"].rpartition("/")[0]
            assert catalogue.replace("/SuppliedProducts", "/Orders") == f"{HODMEDOD}/Orders"

        completed = http.put(
            location,
            content=ofn_export(
                ofn_order(created.content), quantities={BEANS: 2, CHIA: 7}, status="dfc-v:Complete"
            ),
            headers=LD,
        )
        assert completed.status_code == 200, completed.text
        reads = ofn_reads(ofn_order(http.get(location, headers=AUTH).content))
        assert _quantities(reads) == {BEANS: 2, CHIA: 7}
        assert reads["held"] is False
        assert reads["sale_session"] == SALE_SESSION


# -- item 4: Held stays Held until the platform changes the order ----------------------------------


def test_a_held_order_reads_back_held_where_the_platform_has_no_held_state(store: Store) -> None:
    """Spree has no held order state. OFN finds its open backorder only by `orderStatus == HELD`
    (fdc_backorderer.rb:39): served as Complete, OFN would place a new backorder every time."""
    with served(store) as http:
        created = _post(http, SPREE)
        assert "order Held reads back as Complete" in created.headers["Statebridge-Lossy"]
        listed = http.get(f"/api/dfc/Enterprises/{SPREE.slug}/Orders", headers=AUTH)
        for answer in (created, http.get(created.headers["Location"], headers=AUTH), listed):
            assert ofn_order(answer.content).one("hasOrderStatus") == HELD
    [stored] = list(store.orders())
    assert stored.order.platform_status["state"] == "complete"  # what Spree holds, beside it


def test_a_later_pull_of_the_order_wins_over_the_states_the_client_wrote(store: Store) -> None:
    """The DFC states a client wrote are served until the platform itself changes the order: a
    pull (or a webhook) that stores a newer version of it replaces them."""
    with served(store) as http:
        location = _post(http, SPREE).headers["Location"]
        assert ofn_order(http.get(location, headers=AUTH).content).one("hasOrderStatus") == HELD
        [stored] = list(store.orders())
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
        spree_order = {
            "id": stored.order.id,
            "number": "R100200300",
            "state": "canceled",
            "payment_state": "void",
            "shipment_state": None,
            "created_at": later,
            "updated_at": later,
            "line_items": [],
        }
        [pulled] = list(read_orders(io.BytesIO(json.dumps(spree_order).encode()), "spree"))
        assert store.save_page(SPREE.platform, SPREE.base_url, [(pulled, spree_order)]) == 1
        # The app sees a write by another writer within its freshness (0.1 s): poll, bounded.
        deadline = time.monotonic() + 5
        while (state := ofn_order(http.get(location, headers=AUTH).content).one("hasOrderStatus")) == HELD:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert state == URIRef(DFC_V + "Cancelled")


# -- item 5: line IRIs do not change --------------------------------------------------------------


def test_a_line_keeps_its_iri_across_puts_and_ofn_can_add_lines(store: Store) -> None:
    """Every PUT used to renumber the lines by position, so a line IRI came to name another product.
    OFN PUTs back the line IRIs it read, drops the lines it no longer needs
    (backorder_updater.rb:52) and names a new line `{order}/OrderLines/{count + 1}`
    (fdc_backorderer.rb:63-66): a number a kept small line number can already hold."""
    with served(store) as http:
        created = _post(http, SHOP)
        location = created.headers["Location"]
        lines = _lines_by_item(ofn_order(created.content))
        assert set(lines) == {BEANS, CHIA}
        assert all(iri.startswith(f"{location}/OrderLines/") for iri in lines.values())
        assert len(set(lines.values())) == 2

        # OFN sends back what it read, with new quantities: every line keeps its IRI.
        order = ofn_order(created.content)
        order.values["hasPart"].reverse()  # in another order, too
        put = http.put(
            location, content=ofn_export(order, quantities={BEANS: 4}, status="dfc-v:Held"), headers=LD
        )
        assert put.status_code == 200, put.text
        assert _lines_by_item(ofn_order(put.content)) == lines

        # OFN drops the beans and adds lentils as its line count + 1: the chia line keeps its IRI,
        # the lentils get one that never named another product.
        amended = http.put(
            location,
            content=ofn_export(
                ofn_order(put.content),
                quantities={BEANS: 0, LENTILS: 2},
                status="dfc-v:Held",
                new={LENTILS: f"{LENTILS}/Offer"},
            ),
            headers=LD,
        )
        assert amended.status_code == 200, amended.text
        after = _lines_by_item(ofn_order(amended.content))
        assert set(after) == {CHIA, LENTILS}
        assert after[CHIA] == lines[CHIA]
        assert after[LENTILS] not in lines.values()

        # Once more: a new line numbered count + 1 again must not land on a line that exists.
        again = http.put(
            location,
            content=ofn_export(
                ofn_order(amended.content),
                quantities={BEANS: 1},
                status="dfc-v:Held",
                new={BEANS: f"{BEANS}/Offer"},
            ),
            headers=LD,
        )
        assert again.status_code == 200, again.text
        final = _lines_by_item(ofn_order(again.content))
        assert {item: final[item] for item in (CHIA, LENTILS)} == after
        assert final[BEANS] not in after.values()
        assert _lines_by_item(ofn_order(http.get(location, headers=AUTH).content)) == final


# -- item 7: order lines as resources, as FDC serves them -------------------------------------------


def test_order_lines_are_resources_of_their_order(store: Store) -> None:
    """FDC serves `…/Orders/{id}/orderLines` and `…/orderLines/{lineId}` (index.js:17-20; Express
    matches either case), only to the order's owner, and 404 for an unknown line
    (get-order-line.js:33-35). A client here sees lines only where it sees the order."""
    registry = ClientRegistry(store)
    _, ofn = registry.add("ofn", buyer="http://test.host/api/dfc/enterprises/3886")
    _, other = registry.add("other-hub")
    assert ofn is not None
    assert other is not None
    with served(store) as http:
        mine = {"Authorization": f"Bearer {ofn}"}
        created = _post(http, SHOP, headers={**mine, "Content-Type": "application/json"})
        location = created.headers["Location"]
        order_lines = _lines_by_item(ofn_order(created.content))

        listed = http.get(f"{location}/OrderLines", headers=mine)
        assert listed.status_code == 200, listed.text
        imported = ofn_import(listed.content)
        assert not [s for s in imported if s.type == "Order"]
        served_lines = {s.semantic_id: s for s in imported if s.type == "OrderLine"}
        assert set(served_lines) == set(order_lines.values())
        for item, iri in order_lines.items():
            assert served_lines[iri].one("concerns").one("offeredItem").semantic_id == item
        etag = listed.headers["ETag"]
        assert http.get(f"{location}/OrderLines", headers={**mine, "If-None-Match": etag}).status_code == 304
        assert http.get(f"{location}/orderLines", headers=mine).content == listed.content

        for item, iri in order_lines.items():
            one = http.get(iri, headers=mine)
            assert one.status_code == 200, one.text
            [line] = [s for s in ofn_import(one.content) if s.type == "OrderLine"]
            assert (line.semantic_id, line.one("concerns").one("offeredItem").semantic_id) == (iri, item)
            turtle = http.get(iri, headers={**mine, "Accept": "text/turtle"})
            assert (URIRef(iri), RDF.type, URIRef(DFC_B + "OrderLine")) in Graph().parse(
                data=turtle.text, format="turtle"
            )
        assert http.get(f"{location}/OrderLines/no-such-line", headers=mine).status_code == 404

        theirs = {"Authorization": f"Bearer {other}"}
        for url in (f"{location}/OrderLines", next(iter(order_lines.values()))):
            refused = http.get(url, headers=theirs)
            assert refused.status_code == 404
            assert refused.json()["title"] == "Order not found"

        # DELETE cancels, as OFN's open pull request #14423 does: the order and its lines stay.
        cancelled = http.delete(location, headers=mine)
        assert cancelled.status_code == 200
        after = ofn_order(cancelled.content)
        assert str(after.one("hasOrderStatus")).endswith("#Cancelled")
        assert _lines_by_item(after) == order_lines
        assert http.get(f"{location}/OrderLines", headers=mine).status_code == 200


def test_the_import_fails_on_a_node_of_an_unknown_type() -> None:
    """The emulation itself: it fails where the Ruby connector fails (importer.rb:55-65, 73-80)."""
    document = copy.deepcopy(POST_HELD)
    document["@graph"].append(
        {"@id": "https://x.example/c", "@type": "http://www.w3.org/ns/ldp#BasicContainer"}
    )
    with pytest.raises(ImportFailed, match="undefined method 'new' for nil"):
        ofn_import(document)
    untyped = copy.deepcopy(POST_HELD)
    untyped["@graph"].append({"@id": "https://x.example/p", "dfc-b:name": "no type"})
    with pytest.raises(ImportFailed, match="hasSemanticProperty"):
        ofn_import(untyped)
    named_price = copy.deepcopy(POST_HELD)
    named_price["@graph"].append({"@id": "https://x.example/price", "@type": "dfc-b:Price"})
    with pytest.raises(ImportFailed, match="takes no id"):
        ofn_import(named_price, blank_values=True)


def test_a_pulled_orders_lines_are_served_under_their_platform_ids(store: Store) -> None:
    with (FIXTURES / "spree/chord_single_order.json").open("rb") as stream:
        [order] = list(read_orders(stream, "spree"))
    store.save_page(SPREE.platform, SPREE.base_url, [(order, {})])
    with served(store) as http:
        listed = http.get(f"/api/dfc/Enterprises/{SPREE.slug}/Orders", headers=AUTH)
        [node] = [n for n in listed.json()["@graph"] if n.get("@type") == "dfc-b:Order"]
        lines = http.get(f"{node['@id']}/OrderLines", headers=AUTH)
        assert lines.status_code == 200
        served_lines = {n["@id"] for n in lines.json()["@graph"] if n.get("@type") == "dfc-b:OrderLine"}
        assert served_lines == set(node["dfc-b:hasPart"])
        assert {iri.rsplit("/", 1)[1] for iri in served_lines} == {line.id for line in order.lines}
        first = sorted(served_lines)[0]
        one = http.get(first, headers=AUTH)
        assert [n["@id"] for n in one.json()["@graph"] if n.get("@type") == "dfc-b:OrderLine"] == [first]
