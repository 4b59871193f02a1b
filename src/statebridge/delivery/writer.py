"""The interface of a delivery target: a DFC Orders endpoint or a platform's write API.

A `Writer` brings one order, as it is now, to its target. It is handed the order's latest canonical
version (with its DFC states), the `Link` the last successful delivery of this order to this target
recorded (None when there was none, or when a run was killed before it could record one), and a
key stable for this (order, target): `deliver` returns the new `Link`, which the outbox stores in
the same transaction that marks the version delivered.

**Idempotent by contract.** `deliver` may be called again for a version that already reached the
target (a run killed after the platform answered, before the outbox recorded it). So a writer:

- creates only when `link` is None, and then first *looks up* the order at the target by `key`
  (a tag, a reference, an `Idempotency-Key`): a create that happened before the crash is found and
  linked, never repeated;
- moves the order at the target only by the transitions that reach the wanted state from where it
  stands *there* (read it, don't assume), so a transition already made is not made again;
- raises `UnreachableState` (a `DeliveryError`) when the target cannot reach the DFC state from
  where it stands (uncancelling), and `DeliveryError` for anything else retrying cannot fix; the
  outbox parks the delivery with that reason. An `APIError` from the client is transient (5xx,
  429 beyond its budget, a dropped connection; `FatalAPIError` for 4xx other than 429 is parked).
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import types
import typing as t

if t.TYPE_CHECKING:
    from ..dfc import IriMinter
    from ..model import Order

__all__ = ["Delivery", "Link", "Writer", "delivery_key"]

_NOTHING: t.Mapping[str, str] = types.MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class Link:
    """What statebridge knows of the order at the target after a delivery.

    `remote_id` is the target's own id of the order (a DFC order IRI, `gid://shopify/DraftOrder/1`,
    a Commerce Layer order id, a Spree order number); `detail` holds whatever else the writer needs
    next time (Shopify: the order gid once the draft is completed), as short strings.
    """

    remote_id: str
    detail: t.Mapping[str, str] = dataclasses.field(default_factory=lambda: _NOTHING)


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One order to bring to one target."""

    #: The target's name in the connections file.
    target: str
    #: Stable for this (order, target): `delivery_key(...)`; what a writer looks the order up by.
    key: str
    #: The order as it is now (latest version), with its DFC states.
    order: Order
    #: IRIs of the order as the DFC side names it (the DFC document's `@id`s).
    minter: IriMinter
    #: What the last successful delivery recorded, or None.
    link: Link | None = None
    #: An earlier send of this order to this target began and its outcome was never recorded (the
    #: run was killed, or the answer lost): it may have reached the target. Look before creating.
    attempted: bool = False


def delivery_key(platform: str, base_url: str, order_id: str, target: str) -> str:
    """The same for every delivery of one order to one target, by any run on any machine; different
    for any other (order, target): SHA-256 in hex, of the order's identity and the target's name."""
    identity = f"{platform}\n{base_url}\n{order_id}\n{target}"
    return hashlib.sha256(identity.encode()).hexdigest()


class Writer(abc.ABC):
    """Brings orders to one target. Built from a connections-file target (see `connections`)."""

    #: The platform the writer writes (`dfc` for a DFC endpoint).
    platform: t.ClassVar[str]

    @abc.abstractmethod
    def deliver(self, delivery: Delivery) -> Link:
        """Make the target hold `delivery.order` as it is now; what to record of it there."""

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
