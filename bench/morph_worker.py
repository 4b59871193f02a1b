"""Runs Morph-KGC inside its own venv (it pins rdflib<7.3); started by `bench/morph.py`.

This file imports nothing from statebridge or the rest of `bench`, because the venv it runs in has
neither. It times `morph_kgc.materialize_set(config)` plus joining the triples as N-Triples text
(Morph-KGC's set holds N-Triples statements), per run, and prints one JSON line on stdout:

    {"runs_s": [...], "triples": N, "morph_kgc": "2.10.0", "rdflib": "7.2.1"}

    /tmp/bench-morph/bin/python bench/morph_worker.py CONFIG.ini RUNS [OUT.nt]
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import sys
import time


def main(config_path: str, runs: int, out: str | None) -> None:
    import morph_kgc  # type: ignore[import-not-found]  # only in the Morph-KGC venv

    logging.getLogger("morph_kgc").setLevel(logging.WARNING)
    with open(config_path, encoding="utf-8") as stream:
        config = stream.read()
    timings = []
    count = 0
    text = ""
    for _ in range(runs):
        started = time.perf_counter()
        triples = morph_kgc.materialize_set(config)
        text = " .\n".join(triples) + " .\n"
        timings.append(time.perf_counter() - started)
        count = len(triples)
    if out:
        with open(out, "w", encoding="utf-8") as stream:
            stream.write(text)
    versions = {name: importlib.metadata.version(name) for name in ("morph_kgc", "rdflib", "pandas")}
    print(json.dumps({"runs_s": timings, "triples": count, **versions}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
