"""`chainrule-check` (or `python -m engine.testing`): check autograd engines against chainrule.

    chainrule-check my_engine.py:Value                  one engine, the whole report
    chainrule-check submissions/ --jobs 2 --json r.json a class's: a table, JSON, JUnit XML

Each engine runs in a child process of its own, with a wall-clock limit, a
CPU-time limit and a memory cap; whatever it does there is reported as a
finding, and this process alone decides the exit status: 0 when every engine
passes, 1 when any has a defect or failed (crashed, hung, could not be
imported), 2 when the command itself is wrong (a bad option, no engine found,
a wrong --grad name) or the checker crashed (a bug in chainrule, never yours).
"""

from __future__ import annotations

import argparse
import sys
import time

from engine.testing.grader import (
    Limits,
    as_json,
    as_junit,
    check_many,
    expand,
    table,
    write_json,
    write_junit,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chainrule-check", description=__doc__.splitlines()[0])
    p.add_argument(
        "targets",
        nargs="+",
        help="PATH.py:Class, PATH.py (with --class), package.module:Class, or a folder of submissions",
    )
    p.add_argument("--class", dest="cls", default="Value", help="the class to check in files and folders")
    p.add_argument("--jobs", type=int, default=1, help="engines checked at once (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds an engine (default 60)")
    p.add_argument("--memory", type=int, default=1024, help="MiB of memory an engine (default 1024)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON (docs/testing.md's schema)")
    p.add_argument("--junit", metavar="FILE", help="write the results as JUnit XML")
    p.add_argument("--quiet", action="store_true", help="only the table, not each engine's report")
    p.add_argument(
        "--data", default=None, help="the attribute holding a node's number (default: data or value)"
    )
    p.add_argument(
        "--grad", default=None, help="the attribute holding a node's gradient (default: grad or gradient)"
    )
    p.add_argument("--backward", default=None, metavar="SPEC", help="backward(root) as PATH.py:function")
    p.add_argument(
        "--leaf", default=None, metavar="SPEC", help="what makes a leaf, if not the class (PATH.py:function)"
    )
    p.add_argument("--parents", default=None, help="for an engine without backward(): its inputs' attribute")
    p.add_argument("--node-backward", default="_backward", help="... and its step's (default _backward)")
    p.add_argument("--max-examples", type=int, default=200, help="random expressions (default 200; 0: none)")
    p.add_argument("--seed", type=int, default=None, help="the same run every time (each seed its own)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for name, value, least in (("--max-examples", args.max_examples, 0), ("--jobs", args.jobs, 1)):
        if value < least:
            print(f"{name} must be {least} or more, got {value}", file=sys.stderr)
            return 2
    if args.timeout <= 0 or args.memory <= 0:
        print("--timeout and --memory must be more than 0", file=sys.stderr)
        return 2
    targets = [args.leaf] if args.leaf else args.targets
    submissions, skipped = expand(targets, args.cls)
    if not submissions:
        print(
            f"no engine found in {' '.join(args.targets)} (no file defines class {args.cls})", file=sys.stderr
        )
        return 2
    options = {
        "data": args.data,
        "grad": args.grad,
        "max_examples": args.max_examples,
        "seed": args.seed,
        "parents": args.parents,
        "node_backward": args.node_backward,
    }
    start = time.perf_counter()
    outcomes = check_many(
        submissions, options, Limits(args.timeout, args.memory), jobs=args.jobs, backward=args.backward
    )
    seconds = time.perf_counter() - start
    for outcome in outcomes:
        if outcome.usage:
            print(f"cannot check {outcome.submission.name}: {outcome.usage}", file=sys.stderr)
        elif outcome.checker_failed:
            print(
                f"the checker itself failed on {outcome.submission.name} (a bug in chainrule, not in "
                f"your engine; please report it):\n{outcome.checker_failed}",
                file=sys.stderr,
            )
        elif not args.quiet:
            print(outcome.report)
            print()
    if len(outcomes) > 1 or skipped:
        print(table(outcomes))
        if skipped:
            print(f"\nleft out (no class {args.cls} in them): {', '.join(skipped)}")
        verdicts = [o.verdict for o in outcomes]
        print(f"\n{verdicts.count('pass')} of {len(outcomes)} engines passed ({seconds:.1f} s)")
    if args.json:
        write_json(args.json, as_json(outcomes, skipped, seconds))
    if args.junit:
        write_junit(args.junit, as_junit(outcomes, seconds))
    if any(o.checker_failed or o.usage for o in outcomes):
        return 2
    return 0 if all(o.verdict == "pass" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
