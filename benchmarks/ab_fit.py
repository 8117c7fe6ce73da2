"""Two trees' compiled `fit` (and, if asked, numpy's floor or JAX) alternating in one run:
a before/after that this machine's noise cannot fake.

Runs of bench_compile.py minutes apart move by 15–25% here, more than most changes
are worth. This script starts one process per side, each with its own tree on
sys.path (so two versions of chainrule never share a process), builds its model
once, then asks the sides in turn for one whole run of `bench_compile.fit_run`
(400 steps of 256) until each has run `--rounds` times: a slow spell slows both.
It prints each side's median and fastest µs a step, and the ratio of medians.
One BLAS/OpenMP/XLA thread everywhere.

    python benchmarks/ab_fit.py OLD_TREE [NEW_TREE] [--network docs|wide]
        [--dtype float64|float32] [--rounds 21] [--side jax] [--side numpy]

A tree is a checkout of this repository (`git worktree add /tmp/old REV`);
NEW_TREE is this one by default; `--side` adds that rival, from NEW_TREE.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NETWORKS = {"docs": [16, 16, 10], "wide": [128, 64, 10]}
STEPS = 400


def serve(tree: str, network: str, dtype: str, kind: str) -> None:
    """One side: build the run once, then time one whole run per line read from stdin."""
    import time

    sys.path[:0] = [tree, str(Path(tree) / "benchmarks")]
    import bench_compile as bench
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = rng.random((bench.POOL, 784)), rng.random((bench.POOL, 10))
    make = {"fit": bench.fit_run, "jax": bench.jax_run, "numpy": bench.numpy_run}[kind]
    go = make(NETWORKS[network], x, y, STEPS * bench.BATCH // bench.POOL, dtype)
    go()  # the first call (compiling, jit) is not what is compared
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        go()
        print(f"{(time.perf_counter() - start) / STEPS * 1e6:.1f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:  # (one side's process: --serve TREE NETWORK DTYPE KIND)
        serve(*argv[1:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the tree to compare against (a checkout of this repository)")
    parser.add_argument("new", nargs="?", default=str(HERE.parent), help="default: this tree")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="docs")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--side", choices=["jax", "numpy"], action="append", default=[])
    args = parser.parse_args(argv)
    for tree in (args.old, args.new):
        if not (Path(tree) / "engine" / "__init__.py").is_file():
            sys.exit(f"ab_fit: {tree} is not a checkout of chainrule (it has no engine/__init__.py)")
    from bench_compile import thread_settings  # (here, not at the top: each side imports its own tree's)

    env = dict(os.environ, **thread_settings(1))
    sides = {"old": (args.old, "fit"), "new": (args.new, "fit")} | {k: (args.new, k) for k in args.side}
    processes: dict[str, subprocess.Popen[str]] = {}
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for name, (tree, kind) in sides.items():
            command = [sys.executable, __file__, "--serve", tree, args.network, args.dtype, kind]
            pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
            processes[name] = subprocess.Popen(command, text=True, env=env, **pipes)  # type: ignore[call-overload]
            if _line(processes[name]) != "ready":
                sys.exit(f"ab_fit: the {name} side ({tree}) did not start")
        for _ in range(args.rounds):
            for name, process in processes.items():
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
                times[name].append(float(_line(process)))
    finally:
        for process in processes.values():
            if process.stdin is not None:
                process.stdin.close()
            process.wait()
    old = statistics.median(times["old"])
    print(f"{args.network} network, {args.dtype}, {args.rounds} rounds, µs a step (median, fastest):")
    for name, taken in times.items():
        median = statistics.median(taken)
        print(f"  {name:<6} {median:8.0f} {min(taken):8.0f}   old's median ÷ this one's: {old / median:.3f}×")


def _line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


if __name__ == "__main__":
    main()
