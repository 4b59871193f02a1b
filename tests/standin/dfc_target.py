"""A stand-in DFC Orders collection on loopback that stores a POSTed order, then fails.

`POST {collection}` stores the order (a new resource, `Location: {collection}/{n}`), and the first
time it sees each order (by the `@id` of its `dfc-b:Order` node) it answers 500 *after* storing,
as a server whose response is lost behind a proxy or a crash: the client cannot tell that the
order was stored.

With `honour_keys` it implements the `Idempotency-Key` request header as
draft-ietf-httpapi-idempotency-key-header describes: a key seen before with the same payload
(fingerprint: SHA-256 of the body) is answered with the result of the first request's operation
(201, the same `Location`) and stores nothing; a key seen before with another payload is a 422;
a key whose first request is still being handled is a 409. Without `honour_keys` the header is
ignored, as most servers do, and every POST stores one more order.

It records every POST (`posts`: the key sent, the order's `@id`) and every order it stored
(`stored`). As a real DFC server, it lists its orders on `GET {collection}` (each named by the IRI
it gave it, with its `dfc-b:orderNumber`) and replaces one on `PUT {collection}/{n}` (`puts`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import json
import threading
import typing as t

from .server import StandinHandler, StandinServer

COLLECTION = "/api/dfc/Enterprises/hub/Orders"


@dataclasses.dataclass(frozen=True)
class Post:
    key: str | None
    iri: str | None


class StandinDfcTarget(StandinServer):
    """A DFC Orders collection that stores each POST and fails the first answer for each order."""

    def __init__(self, *, honour_keys: bool, fail_first: bool = True) -> None:
        self.honour_keys = honour_keys
        self.fail_first = fail_first
        self.posts: list[Post] = []
        self.stored: list[dict[str, t.Any]] = []
        self.puts: list[str] = []
        self._keys: dict[str, tuple[str, str | None]] = {}  # key -> (fingerprint, Location or None)
        self._failed: set[str | None] = set()
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return self.base_url + COLLECTION

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        target = self

        class Handler(StandinHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = self.headers.get("Idempotency-Key")
                status, headers, answer = target.receive(key, body)
                self.send_json(status, answer, content_type="application/ld+json", headers=headers)

            def do_GET(self) -> None:
                if self.path != COLLECTION:
                    self.send_json(404, {"title": "not found"})
                    return
                self.send_json(200, target.listing(), content_type="application/ld+json")

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                number = self.path.removeprefix(COLLECTION + "/")
                with target._lock:
                    if not number.isdigit() or not 0 < int(number) <= len(target.stored):
                        self.send_json(404, {"title": "no such order"})
                        return
                    target.stored[int(number) - 1] = json.loads(body)
                    target.puts.append(self.path)
                self.send_json(200, {"status": "replaced"}, content_type="application/ld+json")

        return Handler

    def listing(self) -> dict[str, t.Any]:
        """The collection as a DFC server lists it: each order under the IRI this server gave it."""
        with self._lock:
            graph = []
            for n, document in enumerate(self.stored, start=1):
                [order] = [node for node in document["@graph"] if node.get("@type") == "dfc-b:Order"]
                node = {"@id": f"{self.url}/{n}", "@type": "dfc-b:Order"}
                if "dfc-b:orderNumber" in order:
                    node["dfc-b:orderNumber"] = order["dfc-b:orderNumber"]
                graph.append(node)
        return {"@context": "https://w3id.org/dfc/ontology/context/context_1.16.0.json", "@graph": graph}

    def receive(self, key: str | None, body: bytes) -> tuple[int, dict[str, str], t.Any]:
        document = json.loads(body)
        [order] = [n for n in document["@graph"] if n.get("@type") == "dfc-b:Order"]
        iri = order.get("@id")
        fingerprint = hashlib.sha256(body).hexdigest()
        with self._lock:
            self.posts.append(Post(key, iri))
            if self.honour_keys and key is not None:
                seen = self._keys.get(key)
                if seen is not None:
                    first_fingerprint, location = seen
                    if first_fingerprint != fingerprint:
                        return 422, {}, {"title": "Idempotency-Key reused with another payload"}
                    if location is None:
                        return 409, {}, {"title": "A request with this Idempotency-Key is in progress"}
                    return 201, {"Location": location}, {"status": "created"}
                self._keys[key] = (fingerprint, None)
            self.stored.append(document)
            location = f"{self.url}/{len(self.stored)}"
            if self.honour_keys and key is not None:
                self._keys[key] = (fingerprint, location)
            if self.fail_first and iri not in self._failed:
                self._failed.add(iri)
                return 500, {}, {"title": "the answer was lost after the order was stored"}
            return 201, {"Location": location}, {"status": "created"}

    def stored_iris(self) -> list[str | None]:
        """The `@id` of every order stored, one entry per stored copy."""
        return [
            next(n.get("@id") for n in document["@graph"] if n.get("@type") == "dfc-b:Order")
            for document in self.stored
        ]
