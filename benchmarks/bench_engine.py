"""chainrule vs micrograd, side by side in one run, garbage collector on.

Workloads:
  chain  a 100,000-node chain mixing `*`, `+` and relu (micrograd has no
         tanh): forward ns/node, backward ns/node, bytes/node (tracemalloc).
  mlp    one training step (forward, loss, backward, SGD update) of
         MLP(784, [16, 16, 10]) on one example: examples per second.
         Skipped until the `nn` package exists.

Each round runs as a user runs it: build the graph, backpropagate, drop it,
with the collector on. Freeing is timed too: chainrule's nodes go as soon as
the last reference does; micrograd's sit in reference cycles (each node's
closure refers back to it) and wait for the cyclic collector, which each
round calls, so neither engine leaves garbage for the other to pay for.

    python benchmarks/bench_engine.py [--nodes 100000] [--repeat 5]
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


def time_chain(Value, nodes):
    """One round as a user runs it: ns/node to build, backpropagate and free."""
    t0 = time.perf_counter()
    x, y = chain(Value, nodes)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    del x, y
    gc.collect()  # a graph with reference cycles is only freed here
    t3 = time.perf_counter()
    return [(t - s) / nodes * 1e9 for s, t in ((t0, t1), (t1, t2), (t2, t3), (t0, t3))]


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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    # micrograd sorts its graph recursively: a long chain needs a deep stack
    # (Python 3.11 keeps Python-to-Python calls off the C stack).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * args.nodes))

    engines = {"micrograd": MicroValue, "chainrule": engine.Value}
    # Rounds alternate between the engines, so a noisy neighbour on a shared
    # machine slows both alike; each round's ratio is taken, then the median.
    rounds = {name: [] for name in engines}
    for _ in range(args.repeat):
        for name, Value in engines.items():
            rounds[name].append(time_chain(Value, args.nodes))
    memory = {name: bytes_per_node(Value, args.nodes) for name, Value in engines.items()}

    def median(name, column):
        return statistics.median(r[column] for r in rounds[name])

    print(f"chain of {args.nodes:,} nodes (*, +, relu), median of {args.repeat} rounds, gc on")
    print(f"{'':12}{'forward':>10}{'backward':>10}{'freeing':>10}{'total':>10}   ns/node{'bytes/node':>14}")
    for name in engines:
        cols = "".join(f"{median(name, c):10.0f}" for c in range(4))
        print(f"{name:12}{cols}{memory[name]:24.0f}")
    pairs = list(zip(rounds["micrograd"], rounds["chainrule"], strict=True))
    fwd_bwd = statistics.median((m[0] + m[1]) / (c[0] + c[1]) for m, c in pairs)
    whole = [m[3] / c[3] for m, c in pairs]
    print(f"speed-up, forward + backward:           {fwd_bwd:5.1f}x")
    print(
        f"speed-up, whole round (with freeing):    {statistics.median(whole):5.1f}x"
        f"   (rounds {min(whole):.1f}x to {max(whole):.1f}x; target >= 5x)"
    )
    fewer = memory["micrograd"] / memory["chainrule"]
    print(f"memory, fewer bytes per node:           {fewer:5.1f}x   (target >= 3x)")

    try:
        import nn
    except ImportError:
        nn = None
    if nn is None or not hasattr(nn, "MLP"):
        print("\nmlp training step: skipped (the nn package does not exist yet)")


if __name__ == "__main__":
    main()
