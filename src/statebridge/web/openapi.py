"""The OpenAPI 3.1 document of `statebridge serve`, served at `GET /openapi.json`.

Written by hand to say what the endpoints really do, every status they answer included; the tests
run schemathesis against the running app to keep it true. The webhook paths come from the platform
registry: one `POST /webhooks/<name>` per registered platform with a webhook, as `webhooks.py`
serves them. Its handler may say how to name it (`label`, e.g. "Commerce Layer") and which headers
sign a delivery (`signature_headers`); without them the platform's name and a generic description
are used.
"""

from __future__ import annotations

import re
import typing as t

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import __version__
from ..platforms import platforms
from .negotiation import OFFERED
from .orders import DEFAULT_LIMIT, MAX_LIMIT
from .problems import PROBLEM_JSON

__all__ = ["document", "openapi_route"]

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_JSONLD = {"$ref": "#/components/schemas/JsonLdDocument"}


def _problem(description: str) -> dict[str, t.Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM}}}


def _dfc_content() -> dict[str, t.Any]:
    return {
        media: ({"schema": _JSONLD} if media.endswith("json") else {"schema": {"type": "string"}})
        for media in OFFERED
    }


_AUTH = {
    "401": _problem("No valid bearer token (when the endpoint requires one); WWW-Authenticate says why."),
    "403": _problem("A valid OIDC token for which no statebridge client is registered."),
    "503": _problem(
        "Tokens cannot be verified now (the OIDC issuer is unreachable), or the store cannot be "
        "reached or written now; try again after Retry-After."
    ),
}
_ETAG = {"ETag": {"description": "Strong validator of this representation.", "schema": {"type": "string"}}}
_READ = {
    "304": {"description": "Not modified: the If-None-Match validator matches.", "headers": _ETAG},
    "406": _problem("None of the representations offered is acceptable."),
}
#: Every request with a body (`limits.py`); the limits are settings of the server.
_BODY_LIMITS = {
    "408": _problem("The body did not arrive within the server's time limit (30 s by default)."),
    "413": _problem("The body is larger than the server's limit (1 MiB by default); `limit` gives it."),
}
_WRITE = {
    "400": _problem("The body is not JSON, or a parameter is malformed."),
    **_BODY_LIMITS,
    "406": _problem("None of the representations offered is acceptable."),
    "415": _problem("The body is not application/ld+json or application/json."),
    "422": _problem("The body is not exactly one DFC order statebridge can read."),
}
_ORDER_ID = {
    "name": "order_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    "description": "The id statebridge serves the order under.",
}
_LINE_ID = {
    "name": "line_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    "description": "The key a line's IRI ends in; it does not change while the line exists.",
}
_ENTERPRISE = {
    "name": "enterprise",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
    "description": "An enterprise configured in STATEBRIDGE_ENTERPRISES.",
}
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{1,64}$"},
        "description": "The cursor a `next` Link carries.",
    },
]
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "Write only while the order still has this ETag (else 412).",
}
_CONDITIONAL = {"412": _problem("If-Match does not name the order's current ETag: GET it again.")}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": '^("[!#-\\[\\]-~ ]{1,255}"|[!#-\\[\\]-~]{1,255})$'},
    "description": "Send the order at most once (draft-ietf-httpapi-idempotency-key-header): the same key "
    "from the same client within 24 hours answers with the order it created; with another body, 422.",
}
_DFC_BODY = {
    "required": True,
    "content": {"application/ld+json": {"schema": _JSONLD}, "application/json": {"schema": _JSONLD}},
}


def _operations(scoped: bool) -> dict[str, dict[str, t.Any]]:
    where = " of one enterprise" if scoped else ""
    scope_parameters = [_ENTERPRISE] if scoped else []
    unknown = {"404": _problem("No such enterprise.")} if scoped else {}
    collection = {
        "get": {
            "summary": f"A page of orders{where}: every order's DFC nodes in one flat graph, no container",
            "operationId": "listEnterpriseOrders" if scoped else "listOrders",
            "parameters": [*scope_parameters, *_PAGING],
            "responses": {
                "200": {
                    "description": "The orders and their nodes, nothing outside the DFC ontology; "
                    "Link: rel=next names the next page.",
                    "headers": {**_ETAG, "Link": {"schema": {"type": "string"}}},
                    "content": _dfc_content(),
                },
                "400": _problem("limit or after is malformed."),
                **_READ,
                **unknown,
                **_AUTH,
            },
        },
        "post": {
            "summary": f"Send a new DFC order{where}",
            "operationId": "createEnterpriseOrder" if scoped else "createOrder",
            "parameters": [*scope_parameters, _IDEMPOTENCY_KEY],
            "requestBody": _DFC_BODY,
            "responses": {
                "201": {
                    "description": "Stored; the body is the stored order as DFC. For an Idempotency-Key "
                    "sent before: the order its first request created, and Idempotent-Replayed: true.",
                    "headers": {
                        **_ETAG,
                        "Location": {"schema": {"type": "string"}},
                        "Idempotent-Replayed": {"schema": {"const": "true"}},
                    },
                    "content": _dfc_content(),
                },
                **_WRITE,
                "422": _problem(
                    "The body is not exactly one DFC order statebridge can read, or the Idempotency-Key "
                    "was sent before with another body."
                ),
                **unknown,
                **_AUTH,
            },
        },
    }
    item = {
        "get": {
            "summary": f"One order{where}",
            "operationId": "getEnterpriseOrder" if scoped else "getOrder",
            "parameters": [*scope_parameters, _ORDER_ID],
            "responses": {
                "200": {"description": "The order as DFC.", "headers": _ETAG, "content": _dfc_content()},
                **_READ,
                "404": _problem("No such order (or enterprise)."),
                **_AUTH,
            },
        },
        "put": {
            "summary": f"A new version of an order{where}",
            "operationId": "updateEnterpriseOrder" if scoped else "updateOrder",
            "parameters": [*scope_parameters, _ORDER_ID, _IF_MATCH],
            "requestBody": _DFC_BODY,
            "responses": {
                "200": {
                    "description": "Stored; the body is the stored order.",
                    "headers": _ETAG,
                    "content": _dfc_content(),
                },
                **_WRITE,
                **_CONDITIONAL,
                "404": _problem("No such order (or enterprise)."),
                **_AUTH,
            },
        },
        "delete": {
            "summary": f"Cancel an order{where} (it stays readable, Cancelled)",
            "operationId": "cancelEnterpriseOrder" if scoped else "cancelOrder",
            "parameters": [*scope_parameters, _ORDER_ID, _IF_MATCH],
            "responses": {
                "200": {
                    "description": "Cancelled; the body is the stored order.",
                    "headers": _ETAG,
                    "content": _dfc_content(),
                },
                "406": _problem("None of the representations offered is acceptable."),
                **_CONDITIONAL,
                "404": _problem("No such order (or enterprise)."),
                **_AUTH,
            },
        },
    }
    lines_item = {
        "get": {
            "summary": f"One line of an order{where}, with its offer, offered item and price",
            "operationId": "getEnterpriseOrderLine" if scoped else "getOrderLine",
            "parameters": [*scope_parameters, _ORDER_ID, _LINE_ID],
            "responses": {
                "200": {"description": "The line as DFC.", "headers": _ETAG, "content": _dfc_content()},
                **_READ,
                "404": _problem("No such order (or enterprise), or the order has no such line."),
                **_AUTH,
            },
        }
    }
    lines = {
        "get": {
            "summary": f"The lines of an order{where}, with their offers, offered items and prices",
            "operationId": "listEnterpriseOrderLines" if scoped else "listOrderLines",
            "parameters": [*scope_parameters, _ORDER_ID],
            "responses": {
                "200": {
                    "description": "The lines as DFC (not the order's own node).",
                    "headers": _ETAG,
                    "content": _dfc_content(),
                },
                **_READ,
                "404": _problem("No such order (or enterprise)."),
                **_AUTH,
            },
        }
    }
    return {"collection": collection, "item": item, "lines": lines, "line": lines_item}


def _webhooks(responses: dict[str, t.Any]) -> dict[str, t.Any]:
    """The `POST /webhooks/<name>` path of every registered platform with a webhook."""
    paths: dict[str, t.Any] = {}
    for described in platforms():
        handler = described.webhook_handler()
        if handler is None:
            continue
        label = getattr(handler, "label", None)
        if not isinstance(label, str) or not label.strip():
            label = described.name
        headers = getattr(handler, "signature_headers", None)
        if isinstance(headers, tuple) and headers and all(isinstance(h, str) for h in headers):
            signed_by = ", ".join(headers)
        else:
            signed_by = "signed with its shared secret"
        paths[f"/webhooks/{described.name}"] = {
            "post": {
                "summary": f"{label} webhook ({signed_by})",
                "operationId": _operation_id(label, described.name),
                "security": [{}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}},
                "responses": responses,
            }
        }
    return paths


def _operation_id(label: str, name: str) -> str:
    """`commerceLayerWebhook` for "Commerce Layer": the label's words in camel case (the name's
    when the label has none)."""
    words: list[str] = re.findall(r"[A-Za-z]+", label) or re.findall(r"[A-Za-z0-9]+", name) or ["platform"]
    first, *rest = words
    return first[0].lower() + first[1:] + "".join(w[0].upper() + w[1:] for w in rest) + "Webhook"


def document() -> dict[str, t.Any]:
    """The OpenAPI document."""
    plain = _operations(scoped=False)
    scoped = _operations(scoped=True)
    signed = {
        "200": {
            "description": "Stored, ignored, rejected (kept) or a duplicate; the JSON says which.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "400": _problem("The delivery lacks a header the platform always sends."),
        "401": _problem("The signature is missing or wrong: nothing is stored."),
        **_BODY_LIMITS,
        "503": _problem(
            "The webhook secret is not configured, or the store cannot be reached or written now "
            "(Retry-After)."
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "statebridge",
            "version": __version__,
            "description": "Orders as Data Food Consortium (DFC 1.16.0) JSON-LD, Turtle or N-Triples; "
            "DFC orders in; platform webhooks in.",
        },
        "security": [{}, {"bearerAuth": []}],
        "paths": {
            "/api/dfc/Orders": plain["collection"],
            "/api/dfc/Orders/{order_id}": plain["item"],
            "/api/dfc/Enterprises/{enterprise}/Orders": scoped["collection"],
            "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}": scoped["item"],
            "/api/dfc/Orders/{order_id}/OrderLines": plain["lines"],
            "/api/dfc/Orders/{order_id}/OrderLines/{line_id}": plain["line"],
            "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}/OrderLines": scoped["lines"],
            "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}/OrderLines/{line_id}": scoped["line"],
            "/health": {
                "get": {
                    "summary": "Liveness, and whether the store answers",
                    "operationId": "health",
                    "security": [{}],
                    "responses": {
                        "200": {
                            "description": "Up, and the store answers a trivial query.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status", "store"],
                                        "properties": {"status": {"const": "ok"}, "store": {"const": "ok"}},
                                    }
                                }
                            },
                        },
                        "503": {
                            "description": "The store cannot be reached now; try again after Retry-After.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status", "store"],
                                        "properties": {
                                            "status": {"const": "unavailable"},
                                            "store": {"const": "unavailable"},
                                            "request_id": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        },
                    },
                }
            },
            **_webhooks(signed),
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "request_id": {
                            "type": "string",
                            "description": "On a 5xx: the X-Request-Id the server logged it under.",
                        },
                    },
                },
                "JsonLdDocument": {
                    "type": "object",
                    "description": "DFC JSON-LD, context https://w3id.org/dfc/ontology/context/context_1.16.0.json",
                    "properties": {"@context": {}, "@graph": {"type": "array", "items": {"type": "object"}}},
                },
            },
        },
    }


async def _serve(_request: Request) -> JSONResponse:
    return JSONResponse(document())


def openapi_route() -> Route:
    return Route("/openapi.json", _serve, methods=["GET"], include_in_schema=False)
