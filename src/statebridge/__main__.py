"""`python -m statebridge` runs the command line."""

from __future__ import annotations

from .console import main

main()
