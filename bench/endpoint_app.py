"""The app `bench/endpoint.py` measures: statebridge's DFC endpoint over a store, plus the same
page of orders pre-rendered once at start-up and served as bytes from the same server.

    python -m bench.endpoint_app STORE_URL PORT
"""

from __future__ import annotations

import asyncio
import sys

import httpx
import uvicorn
from starlette.responses import Response
from starlette.routing import Route

from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator

PAGE = "/api/dfc/Orders?limit=100"


def main(store_url: str, port: int) -> None:
    store = Store(store_url)
    app = create_app(
        store, authenticator=Authenticator.from_env({}), enterprises={}, public_url=f"http://127.0.0.1:{port}"
    )

    async def render() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://127.0.0.1:{port}") as client:
            return await client.get(PAGE)

    rendered = asyncio.run(render())
    body, media = rendered.content, rendered.headers["content-type"]

    async def prerendered(_request: object) -> Response:
        return Response(body, media_type=media)

    app.router.routes.append(Route("/prerendered", prerendered, methods=["GET"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
