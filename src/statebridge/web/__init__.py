"""The HTTP side of statebridge: webhooks in (and, later, the DFC export endpoint)."""

from __future__ import annotations

from .app import create_app
from .webhooks import WebhookReceiver, WebhookSecrets

__all__ = ["WebhookReceiver", "WebhookSecrets", "create_app"]
