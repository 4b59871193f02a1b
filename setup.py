"""Optional compiled speed-ups: the bulk path's own modules, compiled by Cython from their source.

Nothing here changes what statebridge does. Each module listed is ordinary Python, and it stays the
reference: the compiled module is built from the same file and gives the same bytes
(`tests/test_compiled.py`). Where Cython or a C compiler is missing, or a module does not build, the
install goes on and that module runs as Python. `statebridge/compiled.py` loads a module's source
instead of its compiled form when the source is newer (edited since the build) or when
`STATEBRIDGE_PURE_PYTHON=1` is set. The metadata is in pyproject.toml.
"""

from __future__ import annotations

from setuptools import Extension, setup

#: The modules every order on the bulk path runs through (docs/performance.md, issue 17).
COMPILED = (
    "statebridge.bulk.__init__",
    "statebridge.bulk.lines",
    "statebridge.bulk.nodes",
    "statebridge.bulk.read",
    "statebridge.bulk.values",
    "statebridge.dfc.iris",
    "statebridge.dfc.jsonld",
    "statebridge.dfc.rdfterms",
    "statebridge.dfc.rdftext",
    "statebridge.dfc.rdfwrite",
    "statebridge.pipeline",
    "statebridge.reading",
    "statebridge.platforms.commercelayer.direct",
    "statebridge.platforms.relatude.direct",
    "statebridge.platforms.shopify.direct",
    "statebridge.platforms.spree.direct",
)


def _extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # no Cython: every module runs as Python
        return []
    modules = [
        Extension(
            name,
            ["src/" + name.replace(".", "/") + ".py"],
            optional=True,  # a module that does not compile runs as Python; the install goes on
        )
        for name in COMPILED
    ]
    return list(
        cythonize(
            modules,
            language_level=3,
            compiler_directives={"binding": False},
            quiet=True,
            nthreads=2,
        )
    )


setup(ext_modules=_extensions())
