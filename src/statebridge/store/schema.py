"""The store's tables (SQLAlchemy Core), as of the newest migration.

Timestamps are kept as UTC ISO 8601 text of fixed width (`2026-03-02T10:15:00.000000+00:00`), so
that they compare the same on SQLite and PostgreSQL and "newer" is a string comparison.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "clients",
    "cursors",
    "deliveries",
    "generation",
    "idempotency_keys",
    "inbox",
    "metadata",
    "orders",
    "platform_tokens",
    "pulls",
    "rejects",
    "schema_version",
    "webhook_events",
]

metadata = sa.MetaData()

schema_version = sa.Table(
    "statebridge_schema",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("platform", sa.String(40), primary_key=True),
    sa.Column("base_url", sa.String(500), primary_key=True),
    sa.Column("order_id", sa.String(500), primary_key=True),
    sa.Column("number", sa.String(200)),
    sa.Column("updated_at", sa.String(40), comment="UTC ISO 8601, fixed width"),
    sa.Column("order_status", sa.String(20)),
    sa.Column("payment_status", sa.String(20)),
    sa.Column("fulfilment_status", sa.String(20)),
    sa.Column("canonical", sa.Text, nullable=False, comment="the canonical Order as JSON"),
    sa.Column("raw", sa.Text, nullable=False, comment="the platform's JSON for this order, verbatim"),
    sa.Column("stored_at", sa.String(40), nullable=False),
    sa.Column("public_id", sa.String(40), comment="the id statebridge serves the order under"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1", comment="bumped by every write"),
    sa.Column("owner", sa.String(100), comment="the client that created the order through the endpoint"),
    sa.Column("buyer", sa.String(500), comment="the IRI of the agent the order is dfc-b:orderedBy"),
    sa.Index("orders_public_id", "public_id", unique=True),
    sa.Index("orders_owner", "owner"),
    sa.Index("orders_buyer", "buyer"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("platform", sa.String(40), primary_key=True),
    sa.Column("base_url", sa.String(500), primary_key=True),
    sa.Column("cursor", sa.String(40), nullable=False, comment="newest updated_at pulled, UTC ISO 8601"),
    sa.Column("stored_at", sa.String(40), nullable=False),
)

rejects = sa.Table(
    "rejects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("base_url", sa.String(500), nullable=False),
    sa.Column("position", sa.String(200)),
    sa.Column("problem", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("stored_at", sa.String(40), nullable=False),
)

generation = sa.Table(
    "store_generation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False, comment="bumped by every write of orders"),
)

webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("received_at", sa.String(40), nullable=False),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("token_hash", sa.String(64), comment="SHA-256 (hex) of the bearer token, never the token"),
    sa.Column("oidc_subject", sa.String(255), comment="the OIDC claim value (sub or azp) mapped to it"),
    sa.Column("buyer", sa.String(500), comment="the IRI of the buyer (a hub) the client orders as"),
    sa.Column("enterprises", sa.Text, nullable=False, comment="JSON list of enterprise slugs; [] = any"),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
    sa.Index("clients_token_hash", "token_hash", unique=True),
    sa.Index("clients_oidc_subject", "oidc_subject", unique=True),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column(
        "scope", sa.String(200), primary_key=True, comment="who sent the key (web.idempotency.scope_of)"
    ),
    sa.Column("key", sa.String(255), primary_key=True, comment="the Idempotency-Key header's value"),
    sa.Column("fingerprint", sa.String(64), nullable=False, comment="SHA-256 of the first request"),
    sa.Column("public_id", sa.String(40), nullable=False, comment="the order the first request created"),
    sa.Column("created_at", sa.String(40), nullable=False, comment="UTC ISO 8601; the key expires 24 h on"),
    sa.Index("idempotency_keys_created_at", "created_at"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("target", sa.String(500), primary_key=True, comment="the target's name, or its URL"),
    sa.Column("public_id", sa.String(40), primary_key=True, comment="the order's public id"),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("base_url", sa.String(500), nullable=False),
    sa.Column("order_id", sa.String(500), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, comment="pending, parked, done or dropped"),
    sa.Column("wanted_version", sa.Integer, nullable=False, comment="the order version to deliver"),
    sa.Column("delivered_version", sa.Integer, comment="the last version the target acknowledged"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0", comment="failures in a row"),
    sa.Column("next_attempt_at", sa.String(40), nullable=False, comment="UTC ISO 8601, fixed width"),
    sa.Column("attempted_at", sa.String(40), comment="when a send began whose outcome is not recorded"),
    sa.Column("reason", sa.Text, comment="why the last attempt failed, or why it is parked"),
    sa.Column("remote_id", sa.String(500), comment="the target's own id of the order (Link.remote_id)"),
    sa.Column("remote_detail", sa.Text, comment="JSON object of Link.detail"),
    sa.Column(
        "remote_order_id", sa.String(500), comment="the id the target's own reader gives the order there"
    ),
    sa.Column("delivered_states", sa.String(100), comment="JSON of the DFC states the target last took"),
    sa.Column("echo_version", sa.Integer, comment="the target's order changed (to this version): reconcile"),
    sa.Column("echo_order", sa.String(40), comment="the public id of the target's order that changed"),
    sa.Column("sequence", sa.BigInteger, nullable=False, comment="enqueue order: oldest change first"),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Index("deliveries_due", "target", "state", "next_attempt_at"),
    sa.Index("deliveries_remote", "target", "remote_id"),
    sa.Index("deliveries_remote_order", "target", "remote_order_id"),
    sa.Index("deliveries_echo", "echo_version"),
)

platform_tokens = sa.Table(
    "platform_tokens",
    metadata,
    sa.Column("platform", sa.String(40), primary_key=True),
    sa.Column("base_url", sa.String(500), primary_key=True),
    sa.Column("client_id", sa.String(255), primary_key=True, comment="the app's client id"),
    sa.Column("access_token", sa.Text, nullable=False, comment="'' until the first grant is stored"),
    sa.Column("expires_at", sa.Float, nullable=False, comment="Unix time the access token expires"),
    sa.Column("refresh_token", sa.Text, comment="the current (rotated) refresh token, if the grant has one"),
    sa.Column("refresh_expires_at", sa.Float, comment="Unix time the refresh token expires"),
    sa.Column("origin", sa.String(64), comment="SHA-256 of the configured refresh token it descends from"),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(40), nullable=False),
    sa.Column("base_url", sa.String(500), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False, comment="the platform's id of the delivery"),
    sa.Column("body", sa.LargeBinary, nullable=False, comment="the delivery's body, verbatim"),
    sa.Column("document", sa.Text, comment="JSON of the document the handler read; NULL: malformed"),
    sa.Column("problem", sa.Text, comment="why the body could not be read (document NULL)"),
    sa.Column("state", sa.String(10), nullable=False, comment="pending or applied"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0", comment="failed applications"),
    sa.Column("reason", sa.Text, comment="why the last application failed"),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("enqueued_at", sa.String(40), comment="when a message to apply it was last sent"),
    sa.Column("applied_at", sa.String(40)),
    sa.UniqueConstraint("platform", "event_id", name="inbox_event"),
    sa.Index("inbox_pending", "state", "enqueued_at"),
)

pulls = sa.Table(
    "pulls",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True, comment="the connections file's source name"),
    sa.Column("due_at", sa.String(40), nullable=False, comment="when the next pull is due"),
    sa.Column("ticket", sa.BigInteger, nullable=False, server_default="0", comment="bumped per enqueue"),
    sa.Column("queued_at", sa.String(40), comment="when the pending ticket's message was sent; NULL: none"),
    sa.Column("started_at", sa.String(40), comment="when the running pull of the ticket began"),
    sa.Column("last_success_at", sa.String(40)),
    sa.Column("last_failure_at", sa.String(40)),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0", comment="failed pulls in a row"),
    sa.Column("reason", sa.Text, comment="why the last pull failed"),
    sa.Column("cursor_lag_seconds", sa.Float, comment="now minus the newest updated_at, at the last success"),
    sa.Column("orders_stored", sa.BigInteger, nullable=False, server_default="0", comment="new or newer"),
    sa.Column("rejected", sa.BigInteger, nullable=False, server_default="0", comment="kept as rejects"),
)
