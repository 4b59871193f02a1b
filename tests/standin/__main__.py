"""Run a stand-in platform server by hand, to try `statebridge pull` and `sync` without a shop.

    python -m tests.standin shopify --port 8081 --orders 500
    python -m tests.standin shopify --api graphql
    python -m tests.standin spree --flavour ofn
    python -m tests.standin commercelayer
    python -m tests.standin relatude
    python -m tests.standin spree --write --flavour solidus
    python -m tests.standin shopify-admin    # a delivery target: Shopify's draft order mutations

`--write` serves a Spree-family store to deliver orders to (tests/standin/spree_write.py) instead
of orders to pull.

Run it from the repository root. It prints one line on stdout: the URL it listens on (`--port 0`,
the default, picks a free port) and the `statebridge pull` command to try, with the environment
variables holding the stand-in's demo credentials. Ctrl-C stops it (exit 130), and so does SIGTERM
(exit 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import typing as t

from statebridge.platforms.spree.client import FLAVOURS

from ..platforms import api_choices, pullable
from . import spree_write
from .demo import WRITE_STANDINS, NoStandin, Options, build


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.standin",
        description="Serve generated orders the way a platform's API does, on 127.0.0.1.",
    )
    parser.add_argument(
        "platform", metavar="PLATFORM", help=f"one of: {', '.join(sorted([*pullable(), *WRITE_STANDINS]))}"
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free one)")
    parser.add_argument("--orders", type=int, default=500, help="orders to serve (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated line items (default 1)")
    apis = sorted({api for choices in api_choices().values() for api in choices})
    parser.add_argument("--api", choices=apis, help="Shopify: rest (default) or graphql")
    parser.add_argument("--flavour", choices=FLAVOURS, help="Spree family: spree-v2 (default), solidus, ofn")
    parser.add_argument("--write", action="store_true", help="Spree family: a store to deliver orders to")
    return parser


def _stop(signum: int, frame: t.Any) -> None:
    sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.orders < 0 or not 0 <= args.port <= 65535:
        parser.error("--orders must be 0 or more and --port from 0 to 65535")
    if args.write:
        if args.platform != "spree" or args.flavour == "ofn":
            parser.error("--write serves spree with --flavour spree-v2 or solidus only")
        return spree_write.main(["--flavour", args.flavour or "spree-v2", "--port", str(args.port)])
    try:
        demo = build(args.platform, Options(args.orders, args.seed, args.api, args.flavour))
    except NoStandin as exc:
        parser.error(str(exc))
    try:
        demo.server.listen_on(args.port)
    except OSError as exc:
        print(f"standin: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop)
    with demo.server:
        print(demo.banner(args.orders), flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("standin: stopped", file=sys.stderr)
        sys.exit(130)
