"""`save` and `load`: a model as a JSON file (its architecture and every parameter).

JSON, never pickle: loading a file runs no code from it. Floats are written
with `repr`, so a load gives back exactly the numbers that were saved.

    {"format": "chainrule.nn", "version": 1,
     "model": "MLP", "config": {"nin": 2, "nouts": [2, 1], "activation": [...]},
     "state": {"L1.N1.w1": 0.13, ...}}
"""

from __future__ import annotations

import json
import math
import os
import reprlib
from typing import Any

from engine.files import write_atomically
from nn.module import Module

FORMAT, VERSION = "chainrule.nn", 1


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write `model` to `path` as JSON, atomically.

    As `engine.files.write_atomically` writes: a crash or a full disk mid-write
    leaves any earlier file at `path` intact, a replaced file keeps its mode,
    a symlink is written through, and anything that is not a regular file
    (a directory, a device such as /dev/null, a pipe) is refused.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save takes a Neuron, Layer or MLP, got {type(model).__name__}")
    state = model.state_dict()
    for name, number in state.items():
        if not math.isfinite(number):
            raise ValueError(f"cannot save: parameter {name} is {number!r}; JSON holds only finite numbers")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": Module.kind_of(type(model)),
        "config": model.config(),
        "state": state,
    }
    text = json.dumps(document, indent=1, ensure_ascii=False)

    write_atomically(path, (text + "\n").encode("utf-8"))


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild the model saved at `path`.

    Raises:
        ValueError: the file is not valid JSON (e.g. truncated), not a
            chainrule model, from a newer version, or its parameters do not
            match its architecture; the message says which.
        OSError: the file cannot be read.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        document = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # invalid UTF-8 or JSON, a 5,000-digit int, deep nesting
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise ValueError(
            f"{path}: not valid JSON ({reason}); the file may be truncated or not a model"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(
            f"{path}: not a chainrule model file (expected a JSON object with format {FORMAT!r})"
        )
    if document.get("version") != VERSION:
        raise ValueError(
            f"{path}: format version {document.get('version')!r}; this chainrule reads version {VERSION}"
        )
    for key in ("model", "config", "state"):
        if key not in document:
            raise ValueError(f"{path}: the {key!r} entry is missing")

    kind, config = document["model"], document["config"]
    cls = Module.kinds.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"{path}: unknown model {kind!r}; expected one of {', '.join(Module.kinds)}")
    if not isinstance(config, dict):
        raise ValueError(f"{path}: config must be a JSON object, got {reprlib.repr(config)}")
    state = document["state"]
    if not isinstance(state, dict):
        raise ValueError(
            f"{path}: state must be a mapping of names to numbers (a JSON object), got {reprlib.repr(state)}"
        )
    # Count before building: a file declaring MLP(10**9, [10**9]) must cost what the file costs.
    # A model not much bigger than the file is built, so the error names the keys that differ.
    declared = cls.parameter_count(config)
    if declared is not None and declared != len(state) and declared > 2 * len(state) + 10_000:
        raise ValueError(
            f"{path}: {kind} with config {reprlib.repr(config)} has {declared:,} parameters, "
            f"but the file holds {len(state):,} numbers"
        )
    model = _build(cls, config, path)
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return model


def _build(cls: type[Module], config: dict[str, Any], path: str) -> Module:
    try:
        model = cls(**config, seed=0)  # type: ignore[call-arg]  # seeded: loading leaves `random` alone
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{path}: cannot build {cls.__name__} from config {reprlib.repr(config)}: {e}"
        ) from None
    if model.config() != config:
        raise ValueError(
            f"{path}: config {config!r} is not one chainrule writes (expected {model.config()!r})"
        )
    return model


__all__ = ["load", "save"]
