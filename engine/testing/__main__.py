"""`python -m engine.testing PATH.py:Class` (or `package.module:Class`): check an autograd engine.

Exit status 0 when no defect is found, 1 when there is one, 2 when the command
itself cannot run (a target that cannot be loaded, a wrong attribute name, a
bad option) or the checker crashed: usable in a course's grader and in CI.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from typing import Any

from engine.testing.checker import UsageError, check_engine


def load(spec: str) -> Any:
    """The object `spec` names: ``path/to/file.py:Name`` or ``package.module:Name``."""
    where, _, name = spec.rpartition(":")
    if not where or not name:
        raise ValueError(f"expected PATH.py:Name or package.module:Name, got {spec!r}")
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
        try:
            module_spec.loader.exec_module(module)
        except ImportError as error:
            if "relative import" in str(error):
                dotted = ".".join(path.with_suffix("").parts[-2:])
                raise ImportError(
                    f"{error}: the file is part of a package; name it as package.module:{name} "
                    f"(for example {dotted}:{name}) from the folder above the package"
                ) from None
            raise
    else:
        sys.path.insert(0, str(Path.cwd()))
        module = importlib.import_module(where)
    target = module
    for part in name.split("."):
        if not hasattr(target, part):
            raise AttributeError(f"{where} has no {part!r}")
        target = getattr(target, part)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.testing", description=__doc__.splitlines()[0])
    parser.add_argument(
        "target", help="PATH.py:Class or package.module:Class, what makes a leaf from a float"
    )
    parser.add_argument(
        "--data", default=None, help="the attribute holding a node's number (default: data or value)"
    )
    parser.add_argument(
        "--grad", default=None, help="the attribute holding a node's gradient (default: grad or gradient)"
    )
    parser.add_argument(
        "--backward",
        default=None,
        metavar="SPEC",
        help="backward(root) as PATH.py:function or module:function",
    )
    parser.add_argument(
        "--leaf",
        default=None,
        metavar="SPEC",
        help="what makes a leaf from a float, if not the class (e.g. one with requires_grad=True)",
    )
    parser.add_argument(
        "--parents",
        default=None,
        help="for an engine without backward(): the attribute listing a node's inputs",
    )
    parser.add_argument(
        "--node-backward", default="_backward", help="... and the one holding its step (default _backward)"
    )
    parser.add_argument(
        "--max-examples", type=int, default=200, help="random expressions to try (default 200; 0: none)"
    )
    parser.add_argument("--seed", type=int, default=None, help="the same run every time (each seed its own)")
    args = parser.parse_args(argv)
    if args.max_examples < 0:
        print(f"--max-examples must be 0 or more, got {args.max_examples}", file=sys.stderr)
        return 2
    try:
        target = load(args.leaf or args.target)
        backward = load(args.backward) if args.backward else None
    except BaseException as error:  # whatever the learner's module does at import
        print(f"cannot load {args.leaf or args.target}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    try:
        report = check_engine(
            target,
            data=args.data,
            grad=args.grad,
            backward=backward,
            max_examples=args.max_examples,
            seed=args.seed,
            parents=args.parents,
            node_backward=args.node_backward,
        )
    except UsageError as error:
        print(f"cannot check {args.target}: {error}", file=sys.stderr)
        return 2
    except Exception:
        print("the checker itself failed (a bug in chainrule, not in your engine):", file=sys.stderr)
        traceback.print_exc()
        return 2
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
