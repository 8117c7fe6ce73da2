"""`python -m engine.testing PATH.py:Class` (or `package.module:Class`): check an autograd engine.

Exit status 0 when no defect is found, 1 when there is one, 2 when the target
cannot be loaded: usable in a course's grader and in CI.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from engine.testing.checker import check_engine


def load(spec: str) -> Any:
    """The object `spec` names: ``path/to/file.py:Name`` or ``package.module:Name``."""
    where, _, name = spec.rpartition(":")
    if not where or not name:
        raise ValueError(f"expected PATH.py:Class or package.module:Class, got {spec!r}")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        sys.path.insert(0, str(path.resolve().parent))  # its own imports, as `python file.py` would
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    target = module
    for part in name.split("."):
        target = getattr(target, part)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.testing", description=__doc__.splitlines()[0])
    parser.add_argument(
        "target", help="PATH.py:Class or package.module:Class, what makes a leaf from a float"
    )
    parser.add_argument("--data", default="data", help="the attribute holding a node's number (default data)")
    parser.add_argument(
        "--grad", default="grad", help="the attribute holding a node's gradient (default grad)"
    )
    parser.add_argument(
        "--max-examples", type=int, default=200, help="random expressions to try (default 200)"
    )
    parser.add_argument("--seed", type=int, default=None, help="the same expressions on every run")
    args = parser.parse_args(argv)
    try:
        target = load(args.target)
    except Exception as error:
        print(f"cannot load {args.target}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    report = check_engine(
        target, data=args.data, grad=args.grad, max_examples=args.max_examples, seed=args.seed
    )
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
