"""Every network in the documents, runnable: `python -m demos` lists them,
`python -m demos NAME [--out DIR] [--quick]` runs one.

Each demo is a module of this package with a `main(report)`; its docstring's
first line is what the listing shows.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from demos.report import Report

# In the order a learner meets them; seed_network is the README's main job.
DEMOS = ("seed_network", "neuron", "activations", "moons", "digits", "mnist", "check")


def describe(name: str) -> str:
    """The demo's one-line summary (the first line of its module docstring)."""
    doc = importlib.import_module(f"demos.{_known(name)}").__doc__ or ""
    return doc.strip().splitlines()[0]


def run(name: str, out: str | Path = "out", quick: bool = False) -> Report:
    """Run one demo, writing under `out`; returns what it wrote and found.

    `out` is made (or checked) first, so a path that cannot be written is
    said before any training, not after it.
    """
    module = importlib.import_module(f"demos.{_known(name)}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file where the folder should be, no permission, ...
        raise ValueError(f"--out {out}: cannot make a folder there ({error.strerror or error})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: the folder is not writable")
    report = Report(out, quick=quick)
    module.main(report)
    return report


def _known(name: str) -> str:
    if name not in DEMOS:
        raise ValueError(f"no demo named {name!r}; expected one of {', '.join(DEMOS)}")
    return name


__all__ = ["DEMOS", "Report", "describe", "run"]
