"""The layers of dialstats: which part may import which, lowest first.

    base        errors, _vocabulary, _suggest, _checks; _json and _flat (the flattening
                rule, which the wire format and the frame builder share)
    fetching    frame (records and Arrow -> typed pandas frames) beside api's HTTP, pages,
                filters and wire format; neither imports the other
    client      api._client and api._endpoints (they return frames: above both); then the
                readers layer: _demo (the public Client: api's, plus the demo transport over
                the sandbox), store (api, frame and _demo only), the readers (_readers)
    analyses    analysis, then plot, then accessor
    top         report and cli
    sandbox     beside everything: only _demo and the CLI import it

A package's own modules import each other freely; from outside, the faced packages
(`FACED`) are imported by their ``__init__`` only (``dialstats.store``, never
``dialstats.store._sync``). `LAYERS` is the table tests/test_layers.py holds every module to:
the first pattern that matches a module's name gives the packages it may import.

>>> allowed("dialstats.api._wire")[:2]
('dialstats.errors', 'dialstats._vocabulary')
"""

from __future__ import annotations

import fnmatch

BASE = (
    "dialstats.errors",
    "dialstats._vocabulary",
    "dialstats._suggest",
    "dialstats._checks",
    "dialstats._json",
    "dialstats._flat",
)
_FETCHING = (*BASE, "dialstats.frame", "dialstats.api")
_ANALYSES = (*_FETCHING, "dialstats._readers", "dialstats.store", "dialstats.analysis")

# (module name pattern, the packages and modules it may import), first match wins.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dialstats._vocabulary", ()),
    ("dialstats._suggest", ()),
    ("dialstats._json", ()),
    ("dialstats.errors", ("dialstats._suggest", "dialstats._vocabulary")),
    ("dialstats._checks", ("dialstats.errors",)),
    ("dialstats._flat", ("dialstats._json",)),
    ("dialstats._layers", ()),
    ("dialstats._registry", ()),  # the table of public names: their homes by name, no imports
    ("dialstats.frame*", (*BASE, "dialstats.frame")),
    # The client and the endpoints' frames sit above both fetching halves; the face
    # (dialstats.api) exports the client.
    ("dialstats.api", _FETCHING),
    ("dialstats.api._client", _FETCHING),
    ("dialstats.api._endpoints", _FETCHING),
    ("dialstats.api.*", (*BASE, "dialstats.api")),
    # The demo transport is built here, over the sandbox, and handed to api's client.
    ("dialstats._demo", (*_FETCHING, "dialstats.sandbox")),
    # The one exception to "the store knows only api and frame": CallLogStore.sync(demo=True)
    # is public, and a store that makes its own client makes the public one, which can be a
    # demo client. _demo imports no store, so this is no cycle; the sandbox stays out of the
    # store (and out of `import dialstats.store`) until a demo client is made.
    ("dialstats.store*", (*_FETCHING, "dialstats._demo", "dialstats.store")),
    ("dialstats._readers", (*_FETCHING, "dialstats._demo", "dialstats.store")),
    ("dialstats.analysis*", _ANALYSES),
    ("dialstats.plot*", (*_ANALYSES, "dialstats.plot")),
    ("dialstats.accessor", (*_ANALYSES, "dialstats._registry", "dialstats.plot")),
    ("dialstats.report*", (*_ANALYSES, "dialstats.plot", "dialstats.accessor", "dialstats.report")),
    # The command line shows the package's version (the root module) and serves the sandbox.
    ("dialstats.cli*", ("dialstats", "dialstats.*")),
    ("dialstats.sandbox*", ("dialstats.errors", "dialstats.sandbox")),
    ("dialstats", ("dialstats.*",)),
)

# Packages imported by their face only from outside them.
FACED = (
    "dialstats.api",
    "dialstats.frame",
    "dialstats.store",
    "dialstats.report",
    "dialstats.cli",
    "dialstats.sandbox",
)


def allowed(module: str) -> tuple[str, ...]:
    """What `module` may import: the packages and modules of its first matching `LAYERS` row."""
    for pattern, imports in LAYERS:
        if fnmatch.fnmatchcase(module, pattern):
            return imports
    raise KeyError(f"{module} is in no layer of dialstats._layers.LAYERS")


def permits(module: str, target: str) -> bool:
    """Whether `module` may import `target` (a dialstats module): its layer allows the target's
    package, and a faced package is reached through its face from outside it."""
    if target == module or target.startswith(module + "."):
        return True
    for face in FACED:
        inside = module == face or module.startswith(face + ".")
        if target.startswith(face + ".") and not inside:
            return False
    return any(
        target == name or target.startswith(name + ".") or fnmatch.fnmatchcase(target, name)
        for name in allowed(module)
    )
