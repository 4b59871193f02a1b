"""Delivery: orders and their state changes sent to targets (DFC endpoints, platforms) exactly once.

- `writer`: the interface every target implements (`Writer.deliver`), and what a delivery records
  of the order at the target (`Link`);
- `outbox` (store part): one row per (target, order), collapsed to the order's latest version;
- `drain`: sends what the outbox holds, with retries, backoff and parking.
"""
