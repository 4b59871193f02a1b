"""The buyer's DFC class survives the DFC endpoint: OFN orders as its enterprise, and reads that back."""

from __future__ import annotations

import json
import typing as t

from statebridge.store import Store

from .test_dfc_endpoint import LD, POST_HELD, SHOP, SPREE, served

ENTERPRISE = "http://test.host/api/dfc/enterprises/3886"  # what OFN sends: its enterprise's IRI, no node


def _agents(document: dict[str, t.Any]) -> dict[str, str]:
    [order] = [n for n in document["@graph"] if n.get("@type") == "dfc-b:Order"]
    named = order["dfc-b:orderedBy"]
    return {n["@id"]: n["@type"] for n in document["@graph"] if n.get("@id") == named}


def test_an_order_posted_by_an_enterprise_is_served_ordered_by_an_enterprise(store: Store) -> None:
    person = json.loads(POST_HELD.read_bytes())
    person["@graph"].append({"@id": "https://hub.example.org/people/7", "@type": "dfc-b:Person"})
    person["@graph"][0]["dfc-b:orderedBy"] = "https://hub.example.org/people/7"
    with served(store) as http:
        for slug in (SHOP.slug, SPREE.slug):
            created = http.post(
                f"/api/dfc/Enterprises/{slug}/Orders", content=POST_HELD.read_bytes(), headers=LD
            )
            assert created.status_code == 201, created.text
            assert list(_agents(created.json()).values()) == ["dfc-b:Enterprise"], slug
            again = http.get(created.headers["Location"], headers=LD)
            assert list(_agents(again.json()).values()) == ["dfc-b:Enterprise"], slug
        created = http.post("/api/dfc/Orders", content=json.dumps(person).encode(), headers=LD)
        assert created.status_code == 201, created.text
        assert _agents(http.get(created.headers["Location"], headers=LD).json()) == {
            "https://hub.example.org/people/7": "dfc-b:Person"
        }
