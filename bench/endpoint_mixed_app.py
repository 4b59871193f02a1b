"""The app `bench/endpoint_mixed.py` loads: statebridge's DFC endpoint over a store, behind one
static API token, as `statebridge serve` would run it (one uvicorn process).

    python -m bench.endpoint_mixed_app STORE_URL PORT TOKEN
"""

from __future__ import annotations

import sys

import uvicorn

from statebridge.connections import Connections
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator


def main(store_url: str, port: int, token: str) -> None:
    store = Store(store_url)
    app = create_app(
        store,
        settings=Settings.from_env({}),
        authenticator=Authenticator(tokens=[token]),
        enterprises={},
        public_url=f"http://127.0.0.1:{port}",
        connections=Connections.empty(),
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
