"""`statebridge sync`: pull, then DFC to a file or to a DFC server's Orders endpoint (real HTTP)."""

from __future__ import annotations

import http.server
import json
import pathlib
import subprocess
import sys
import threading
import typing as t
from urllib.parse import unquote

import pytest

from statebridge.dfc import parse_jsonld
from statebridge.store import Store

from .standin.shopify import TOKEN, Shop, StandinShopify


class DfcServer:
    """A loopback DFC endpoint that keeps what it receives; refuses orders listed in `refuse`."""

    def __init__(self, *, refuse: set[str] | None = None, token: str | None = None) -> None:
        self.received: list[tuple[str, str, dict[str, t.Any], str | None]] = []
        self.refuse = refuse or set()
        self.token = token
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _receive(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.received.append(
                    (self.command, unquote(self.path), body, self.headers.get("Authorization"))
                )
                number = body["@graph"][0].get("dfc-b:orderNumber")
                status = 422 if number in server.refuse else 201
                if server.token and self.headers.get("Authorization") != f"Bearer {server.token}":
                    status = 401
                payload = b'{"status": "refused"}' if status >= 400 else b"{}"
                self.send_response(status)
                if self.command == "POST" and status == 201:  # where the server keeps the new order
                    self.send_header("Location", f"{self.path}/{len(server.received)}")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_PUT = _receive
            do_POST = _receive

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/dfc/Enterprises/hub/Orders"

    def __enter__(self) -> DfcServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _sync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "statebridge", "sync", "shopify", *args],
        env={**os.environ, "STATEBRIDGE_SHOPIFY_TOKEN": TOKEN, **(env or {})},
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_sync_to_a_file_writes_the_pulled_orders_as_dfc(tmp_path: pathlib.Path) -> None:
    output = tmp_path / "out" / "orders.jsonld"
    with StandinShopify(Shop(count=40)) as standin:
        result = _sync(
            "--base-url", standin.base_url, "--store", f"sqlite:///{tmp_path}/s.db", "--output", str(output)
        )
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(output.read_text())
    orders = [n for n in document["@graph"] if n["@type"] == "dfc-b:Order"]
    assert len(orders) == 40
    assert orders[0]["@id"].startswith(standin.base_url + "/api/dfc/Orders/")
    assert len(parse_jsonld(output.read_bytes())) > 0
    assert "pulled 40 orders, 40 written to" in result.stderr.decode()


def test_sync_puts_each_order_to_the_endpoint_and_reports_refusals(tmp_path: pathlib.Path) -> None:
    with StandinShopify(Shop(count=12)) as standin, DfcServer(refuse={"#1004"}, token="hub-token") as hub:
        result = _sync(
            "--base-url",
            standin.base_url,
            "--store",
            f"sqlite:///{tmp_path}/s.db",
            "--target",
            hub.url,
            env={"STATEBRIDGE_DFC_TOKEN": "hub-token"},
        )
    assert result.returncode == 3
    stderr = result.stderr.decode()
    assert "not sent: order #1004:" in stderr
    assert "422" in stderr
    assert "hub-token" not in stderr
    assert "11 written" in stderr
    methods = {method for method, *_ in hub.received}
    assert methods == {"PUT"}
    path, body = hub.received[0][1], hub.received[0][2]
    assert path == "/api/dfc/Enterprises/hub/Orders/" + body["@graph"][0]["@id"].rsplit("/", 1)[1]
    assert body["@context"] == "https://w3id.org/dfc/ontology/context/context_1.16.0.json"
    assert all(auth == "Bearer hub-token" for *_, auth in hub.received)
    with Store(f"sqlite:///{tmp_path}/s.db") as store:
        assert store.count() == 12  # the refused order is stored all the same


def test_sync_needs_exactly_one_destination(tmp_path: pathlib.Path) -> None:
    result = _sync("--base-url", "https://shop.example.org", "--store", f"sqlite:///{tmp_path}/s.db")
    assert result.returncode == 2
    assert b"give exactly one of --output FILE or --target URL" in result.stderr


@pytest.mark.parametrize("method", ["POST"])
def test_sync_can_post_to_the_collection(tmp_path: pathlib.Path, method: str) -> None:
    with StandinShopify(Shop(count=3)) as standin, DfcServer() as hub:
        result = _sync(
            "--base-url",
            standin.base_url,
            "--store",
            f"sqlite:///{tmp_path}/s.db",
            "--target",
            hub.url,
            "--method",
            method,
        )
    assert result.returncode == 0, result.stderr.decode()
    assert [(m, p) for m, p, *_ in hub.received] == [(method, "/api/dfc/Enterprises/hub/Orders")] * 3
