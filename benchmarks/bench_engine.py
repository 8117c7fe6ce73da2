"""chainrule vs micrograd, side by side in one run, garbage collector on.

Workloads:
  chain  a 100,000-node chain mixing `*`, `+` and relu (micrograd has no
         tanh): forward ns/node, backward ns/node, bytes/node (tracemalloc).
  mlp    one training step (forward, loss, backward, SGD update) of
         MLP(784, [16, 16, 10]) on one example: examples per second.
         Skipped until the `nn` package exists.

Rounds run as a training loop runs: build the graph, backpropagate, drop
it, again, with the collector on and never called by hand. chainrule's
nodes are freed the moment the last reference goes; micrograd's sit in
reference cycles (each node's closure refers back to it), so its dropped
graphs wait for the cyclic collector, which runs, and is paid for, inside
the next rounds' forward and backward passes. Each engine runs in blocks of
rounds; the blocks alternate between the engines so a noisy neighbour on a
shared machine slows both alike, and `gc.collect()` before each block (not
timed) plus one untimed warm-up round make every timed round carry exactly
its own engine's garbage from the round before. Medians are reported.

    python benchmarks/bench_engine.py [--nodes 100000] [--blocks 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("micrograd is not installed: pip install 'micrograd==0.1.0' (the `bench` extra)")


def chain(Value, nodes):
    """x → (y·0.999 + 0.001).relu() repeated: 5 Values a step (2 constants, 3 ops)."""
    x = Value(0.5)
    y = x
    for _ in range(nodes // 5):
        y = (y * 0.999 + 0.001).relu()
    return x, y


def chain_round(Value, nodes):
    """One round: ns/node to build the chain and to backpropagate it; then it is dropped."""
    t0 = time.perf_counter()
    _, y = chain(Value, nodes)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return (t1 - t0) / nodes * 1e9, (t2 - t1) / nodes * 1e9


def bytes_per_node(Value, nodes):
    gc.collect()
    tracemalloc.start()
    graph = chain(Value, nodes)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del graph
    return size / nodes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per block")
    args = parser.parse_args(argv)
    # micrograd sorts its graph recursively: a long chain needs a deep stack
    # (Python 3.11 keeps Python-to-Python calls off the C stack).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * args.nodes))

    engines = {"micrograd": MicroValue, "chainrule": engine.Value}
    rounds = {name: [] for name in engines}
    for _ in range(args.blocks):
        for name, Value in engines.items():
            gc.collect()
            chain_round(Value, args.nodes)  # warm-up: leaves the garbage a real loop has
            rounds[name] += [chain_round(Value, args.nodes) for _ in range(args.rounds)]
    memory = {name: bytes_per_node(Value, args.nodes) for name, Value in engines.items()}

    def median(name, column):
        return statistics.median(r[column] for r in rounds[name])

    n = args.blocks * args.rounds
    print(f"chain of {args.nodes:,} nodes (*, +, relu); medians of {n} rounds per engine; gc on")
    print(f"{'':12}{'forward':>10}{'backward':>10}{'total':>10} ns/node{'bytes/node':>13}")
    for name in engines:
        fwd, bwd = median(name, 0), median(name, 1)
        print(f"{name:12}{fwd:10.0f}{bwd:10.0f}{fwd + bwd:10.0f}{memory[name]:20.0f}")
    totals = {name: statistics.median(f + b for f, b in rounds[name]) for name in engines}
    speedup = totals["micrograd"] / totals["chainrule"]
    fewer = memory["micrograd"] / memory["chainrule"]
    print(f"forward + backward: {speedup:.1f}x faster than micrograd (target >= 5x)")
    print(f"memory:             {fewer:.1f}x fewer bytes per node (target >= 3x)")

    try:
        import nn
    except ImportError:
        nn = None
    if nn is None or not hasattr(nn, "MLP"):
        print("\nmlp training step: skipped (the nn package does not exist yet)")


if __name__ == "__main__":
    main()
