"""Which platform an enterprise's orders belong to: `STATEBRIDGE_ENTERPRISES`.

DFC servers scope orders by enterprise (`/api/dfc/Enterprises/{enterprise}/Orders`). statebridge maps
each enterprise to the platform and base URL its orders live on, so that an order POSTed or PUT there
is stored beside the orders pulled from that shop, with its DFC states translated to that platform's
status fields. The variable holds JSON, or the path of a JSON file:

    {"hodmedod": {"platform": "shopify", "base_url": "https://hodmedod.myshopify.com"}}

Orders sent to `/api/dfc/Orders` (no enterprise) are kept as DFC orders, under platform `dfc`.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

from ..errors import ConfigurationError, StatebridgeError
from ..platforms import get_adapter

__all__ = ["ENTERPRISES_ENV", "Enterprise", "load_enterprises"]

ENTERPRISES_ENV = "STATEBRIDGE_ENTERPRISES"


@dataclasses.dataclass(frozen=True)
class Enterprise:
    slug: str
    platform: str
    base_url: str


def load_enterprises(text: str | None) -> dict[str, Enterprise]:
    """The enterprises `text` (the value of `STATEBRIDGE_ENTERPRISES`: JSON, or a file's path) names."""
    text = (text or "").strip()
    if not text:
        return {}
    if not text.startswith("{"):
        try:
            text = pathlib.Path(text).read_text("utf-8")
        except OSError as exc:
            msg = f"{ENTERPRISES_ENV} names a file that cannot be read: {exc.strerror}"
            raise ConfigurationError(msg) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{ENTERPRISES_ENV} is not valid JSON ({exc.msg} at line {exc.lineno})"
        raise ConfigurationError(msg) from None
    if not isinstance(document, dict):
        msg = f"{ENTERPRISES_ENV} must be a JSON object of enterprise: {{platform, base_url}}"
        raise ConfigurationError(msg)
    found = {}
    for slug, entry in document.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("platform"), str):
            msg = f"{ENTERPRISES_ENV}: enterprise {slug!r} needs a platform and a base_url"
            raise ConfigurationError(msg)
        try:
            platform = get_adapter(entry["platform"]).name
        except StatebridgeError as exc:
            msg = f"{ENTERPRISES_ENV}: enterprise {slug!r}: {exc}"
            raise ConfigurationError(msg) from None
        base_url = entry.get("base_url")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            msg = f"{ENTERPRISES_ENV}: enterprise {slug!r} needs an http(s) base_url"
            raise ConfigurationError(msg)
        found[slug] = Enterprise(slug, platform, base_url.rstrip("/"))
    return found
