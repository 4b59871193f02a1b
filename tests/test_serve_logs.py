"""`statebridge serve` as a real process: no secret reaches its output, whatever the client sends.

A token in the query string is refused (400, RFC 6750 §2.3 allows it but it leaks to logs), each
request is logged once as statebridge's JSON access line with its query redacted, and uvicorn's
own access lines are gone.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import typing as t

import httpx
import pytest

from statebridge.web.server_logging import RedactingFormatter

VALID = "valid-static-token-4f1c9e"
WRONG = "wrong-static-token-77ab02"
QUERY_SECRET = "query-secret-93d1e6"
HEADER_IN_BAD_REQUEST = "header-secret-in-a-malformed-request-5a0b"


def _jwt_shaped(payload: dict[str, t.Any]) -> str:
    def part(value: dict[str, t.Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signature = base64.urlsafe_b64encode(os.urandom(256)).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'k1'})}.{part(payload)}.{signature}"


LONG_JWT = _jwt_shaped({"sub": "someone", "aud": "statebridge", "pad": "x" * 600})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _serving(tmp_path: pathlib.Path) -> t.Iterator[tuple[str, list[str]]]:
    """`statebridge serve` on a loopback port; yields its URL and, after exit, its output lines."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"STATEBRIDGE_API_TOKENS": VALID, "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "statebridge", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--store", f"sqlite:///{tmp_path / 'serve.db'}"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    output: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"statebridge serve did not start: {process.communicate()[0].decode()}")
            try:
                httpx.get(f"{url}/health", headers={"X-Request-Id": "probe"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, output
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        output.extend(out.decode("utf-8", "replace").splitlines())


def _access_lines(output: list[str]) -> list[dict[str, t.Any]]:
    found = []
    for line in output:
        start = line.find('{"event":"access"')
        if start >= 0:
            found.append(json.loads(line[start:]))
    return found


def test_serve_logs_no_secret_and_refuses_tokens_in_the_query(tmp_path: pathlib.Path) -> None:
    bearer = {"Authorization": f"Bearer {VALID}"}
    with _serving(tmp_path) as (url, output), httpx.Client(base_url=url, timeout=10) as http:
        sent: dict[str, httpx.Response] = {}

        def get(request_id: str, target: str, headers: dict[str, str] | None = None) -> httpx.Response:
            response = http.get(target, headers={"X-Request-Id": request_id, **(headers or {})})
            sent[request_id] = response
            return response

        in_query = get("q-access-token", f"/api/dfc/Orders?limit=2&access_token={QUERY_SECRET}", bearer)
        upper = get("q-token-upper", f"/api/dfc/Orders?TOKEN={QUERY_SECRET}")
        jwt_param = get("q-jwt", f"/health?jwt={LONG_JWT}")
        for response in (in_query, upper, jwt_param):
            assert response.status_code == 400
            assert response.headers["content-type"] == "application/problem+json"
            assert "Authorization header" in response.json()["detail"]
            assert QUERY_SECRET not in response.text
            assert LONG_JWT not in response.text
        for number, name in enumerate(("api_key", "Id_Token", "access%5Ftoken", "API-KEY")):
            assert get(f"q-{number}", f"/api/dfc/Orders?{name}={QUERY_SECRET}").status_code == 400

        assert get("h-valid", "/api/dfc/Orders?limit=3&after=abc123", bearer).status_code == 200
        assert get("h-wrong", "/api/dfc/Orders", {"Authorization": f"Bearer {WRONG}"}).status_code == 401
        assert get("h-jwt", "/api/dfc/Orders", {"Authorization": f"Bearer {LONG_JWT}"}).status_code == 401
        odd = get("h-odd-query", f"/api/dfc/Orders?limit=5&session={QUERY_SECRET}&{LONG_JWT}", bearer)
        assert odd.status_code == 200

        # A request uvicorn itself refuses (a header line without a colon), carrying a token.
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5) as raw:
            raw.sendall(
                b"GET /api/dfc/Orders HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Bearer {HEADER_IN_BAD_REQUEST}\r\nnot a header\r\n\r\n".encode()
            )
            assert raw.recv(4096).startswith(b"HTTP/1.1 400")

    text = "\n".join(output)
    for secret in (VALID, WRONG, QUERY_SECRET, LONG_JWT, HEADER_IN_BAD_REQUEST, LONG_JWT.split(".")[2][:40]):
        assert secret not in text, f"a secret reached the server's output:\n{text}"
    assert not [line for line in output if re.search(r'"(GET|POST|PUT|HEAD) \S* HTTP/1\.[01]" \d{3}', line)]

    lines = _access_lines(output)
    by_id: dict[str, list[dict[str, t.Any]]] = {}
    for line in lines:
        if line["request_id"] != "probe":  # the start-up wait
            by_id.setdefault(line["request_id"], []).append(line)
    assert sorted(by_id) == sorted(sent), "one access line per request, none for anything else"
    for request_id, response in sent.items():
        [line] = by_id[request_id]
        assert line["status"] == response.status_code
    assert by_id["q-access-token"][0]["query"] == "limit=2&access_token=***"
    assert by_id["h-valid"][0]["query"] == "limit=3&after=abc123"
    assert by_id["h-odd-query"][0]["query"] == "limit=5&***&***"
    assert by_id["h-wrong"][0]["query"] == ""


def test_a_credential_in_a_traceback_is_masked_by_the_server_formatter() -> None:
    """The last guard: should a message or an exception ever carry a credential, the line masks it."""
    formatter = RedactingFormatter()
    try:
        raise ValueError(f"header was Bearer {VALID} and {LONG_JWT}; url /x?limit=2&API-KEY={QUERY_SECRET}")
    except ValueError:
        record = logging.getLogger("uvicorn.error").makeRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", (), sys.exc_info()
        )
    line = formatter.format(record)
    assert line.startswith("statebridge: Exception in ASGI application\nTraceback")
    assert "Bearer ***" in line
    assert "API-KEY=***" in line
    assert "limit=2" in line
    for secret in (VALID, QUERY_SECRET, LONG_JWT[:20]):
        assert secret not in line
    access = logging.getLogger("statebridge.access").makeRecord(
        "statebridge.access", logging.INFO, __file__, 1, '{"event":"access"}', (), None
    )
    assert formatter.format(access) == '{"event":"access"}'
