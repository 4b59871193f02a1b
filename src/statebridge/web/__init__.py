"""The HTTP side of statebridge: webhooks in (and, later, the DFC export endpoint)."""
