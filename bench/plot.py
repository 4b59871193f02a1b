"""docs/benchmarks.png: throughput per platform and path on a log scale, and the endpoint.

matplotlib is a dev dependency only; this module is imported when a run writes the plot.
"""

from __future__ import annotations

import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .results import Results
from .throughput import PARALLEL

__all__ = ["plot"]

COLOURS = {
    "orjson floor": "#9e9e9e",
    "statebridge": "#2e7d32",
    PARALLEL: "#81c784",
    "rdflib": "#c62828",
    "Morph-KGC": "#6a1b9a",
}


def plot(results: Results, path: pathlib.Path) -> None:
    panels = 2 if results.endpoint else 1
    figure, axes = plt.subplots(
        1, panels, figsize=(13 if panels == 2 else 9, 5.2), gridspec_kw={"width_ratios": [2, 1][:panels]}
    )
    axes = list(axes) if panels == 2 else [axes]
    _throughput(results, axes[0])
    if results.endpoint:
        _endpoint(results, axes[1])
    quick = " (--quick)" if results.settings.get("quick") else ""
    figure.suptitle(
        f"statebridge benchmarks, {results.started:%Y-%m-%d}{quick}: "
        f"median of {results.settings['runs']} runs"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _throughput(results: Results, ax: Axes) -> None:
    platforms = results.platforms()
    paths = ["orjson floor", "statebridge", PARALLEL, "rdflib", "Morph-KGC"]
    width = 0.16
    morph = results.best_morph()
    for k, name in enumerate(paths):
        xs, ys = [], []
        for i, platform in enumerate(platforms):
            if name == "Morph-KGC":
                rate = morph.per_second if morph and platform == "spree" else None
            else:
                m = results.find(name, platform)
                rate = m.per_second if m else None
            if rate:
                xs.append(i + (k - 2) * width)
                ys.append(rate)
        if not xs:
            continue
        bars = ax.bar(xs, ys, width, label=name, color=COLOURS[name])
        for bar, value in zip(bars, ys, strict=True):
            ax.annotate(
                f"{value:,.0f}",
                (bar.get_x() + bar.get_width() / 2, value),
                ha="center",
                va="bottom",
                fontsize=7,
                rotation=90,
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_yscale("log")
    ax.set_xticks(range(len(platforms)), platforms)
    ax.set_ylabel("orders/s (log scale)")
    ax.set_title("bytes in -> DFC JSON-LD out, one core")
    top = max((m.per_second for m in results.throughput), default=1)
    ax.set_ylim(top=top * 8)
    ax.legend(loc="upper right", fontsize=8, ncols=2)
    ax.grid(axis="y", which="major", alpha=0.3)


def _endpoint(results: Results, ax: Axes) -> None:
    rows = results.endpoint
    xs = range(len(rows))
    width = 0.38
    live = [row["live"]["rps"] for row in rows]
    canned = [row["prerendered"]["rps"] for row in rows]
    ax.bar([x - width / 2 for x in xs], live, width, label="live page", color=COLOURS["statebridge"])
    ax.bar(
        [x + width / 2 for x in xs], canned, width, label="pre-rendered bytes", color=COLOURS["orjson floor"]
    )
    for x, row in zip(xs, rows, strict=True):
        ax.annotate(
            f"{row['ratio']:.2f}x",
            (x - width / 2, row["live"]["rps"]),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xticks(list(xs), [f"c={row['concurrency']}" for row in rows])
    ax.set_ylabel("requests/s (page of 100 orders)")
    ax.set_title("endpoint vs pre-rendered")
    ax.set_ylim(top=max([*live, *canned]) * 1.2)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
