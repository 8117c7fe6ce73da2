"""chainrule vs micrograd, side by side in one run, garbage collector on.

Workloads:
  numbers  a 100,000-node chain mixing `*`, `+` and relu (micrograd has no
           tanh), its operands numbers: (y*0.999 + 0.001).relu(). chainrule
           keeps a number as its op's parameter, so it records 3 nodes a
           step where micrograd records 5.
  values   the same chain with Value operands w and b: 3 nodes a step in
           both engines, so this row compares the engines node for node.
           Each: forward and backward ns per micrograd node, and bytes per
           micrograd node (tracemalloc).
  mlp      one training step (forward, mean squared error, zero_grad,
           backward, SGD update) of MLP(784, [16, 16, 10]) on one example,
           each engine's own MLP: examples per second. Twice: the pixels as
           floats, and as Values made each step (`[Value(p) for p in x]`, a
           micrograd user's habit).

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
import random
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine
import nn

try:
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("micrograd is not installed: pip install 'micrograd==0.1.0' (the `bench` extra)")


def chain(Value, nodes):
    """x → (y·0.999 + 0.001).relu(), repeated: the issue's workload.

    micrograd makes 5 Values a step (each number becomes a leaf); chainrule
    makes 3, keeping each number as its op's parameter.
    """
    x = Value(0.5)
    y = x
    for _ in range(nodes // 5):
        y = (y * 0.999 + 0.001).relu()
    return y


def chain_of_values(Value, nodes):
    """x → (y·w + b).relu() with w, b leaf Values: 3 nodes a step in both engines."""
    x, w, b = Value(0.5), Value(0.999), Value(0.001)
    y = x
    for _ in range(nodes // 3):
        y = (y * w + b).relu()
    return y


WORKLOADS = {  # (build, description, target for forward + backward)
    "numbers": (chain, "(y*0.999 + 0.001).relu()", 9),
    "values": (chain_of_values, "(y*w + b).relu(), w and b Values", 6),
}


def one_round(build, Value, nodes):
    """ns/node to build the graph and to backpropagate it; then it is dropped."""
    t0 = time.perf_counter()
    y = build(Value, nodes)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return (t1 - t0) / nodes * 1e9, (t2 - t1) / nodes * 1e9


def bytes_per_node(build, Value, nodes):
    gc.collect()
    tracemalloc.start()
    graph = build(Value, nodes)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del graph
    return size / nodes


def compare(build, engines, args):
    """Rounds of `build` in each engine: {name: [(forward, backward), ...]}."""
    rounds = {name: [] for name in engines}
    for _ in range(args.blocks):
        for name, Value in engines.items():
            gc.collect()
            one_round(build, Value, args.nodes)  # warm-up: leaves the garbage a real loop has
            rounds[name] += [one_round(build, Value, args.nodes) for _ in range(args.rounds)]
    return rounds


def mlp_step(model, optimizer_step, loss_fn, x, y):
    """One training step on one example: forward, loss, zero_grad, backward, SGD update."""
    out = model(x)
    loss = loss_fn(out, y)
    model.zero_grad()
    loss.backward()
    optimizer_step()


def micrograd_mse(out, y):
    return sum(((o - t) ** 2 for o, t in zip(out, y, strict=True)), MicroValue(0.0)) * (1.0 / len(y))


def mlp_row(args, as_values):
    """Examples per second of one MLP(784, [16, 16, 10]) training step, each engine."""
    rng = random.Random(0)
    x = [rng.random() for _ in range(784)]  # one 28×28 image's pixels in 0..1
    y = [0.0] * 10
    y[3] = 1.0
    lr = 0.01

    ours = nn.MLP(784, [16, 16, 10], seed=0)
    optimizer = nn.SGD(ours.parameters(), lr=lr)
    theirs = MicroMLP(784, [16, 16, 10])

    def micrograd_update():
        for p in theirs.parameters():
            p.data -= lr * p.grad

    def pixels(Value):
        return [Value(p) for p in x] if as_values else x

    steps = {
        "micrograd": lambda: mlp_step(theirs, micrograd_update, micrograd_mse, pixels(MicroValue), y),
        "chainrule": lambda: mlp_step(
            ours, optimizer.step, lambda out, t: nn.mse_loss(t, out), pixels(engine.Value), y
        ),
    }
    seconds = {name: [] for name in steps}
    for _ in range(args.blocks):
        for name, step in steps.items():
            gc.collect()
            step()  # warm-up: leaves the garbage a real loop has
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                step()
                seconds[name].append(time.perf_counter() - t0)
    rate = {name: 1 / statistics.median(times) for name, times in seconds.items()}
    size = f"{ours.num_parameters():,} parameters"
    kind = "Values made each step" if as_values else "floats"
    print(f"\nmlp: one training step of MLP(784, [16, 16, 10]) ({size}) on one example, pixels as {kind}")
    print(f"{'':12}{'ms/step':>10}{'examples/s':>12}")
    for name in steps:
        print(f"{name:12}{1000 / rate[name]:10.1f}{rate[name]:12.1f}")
    ratio = rate["chainrule"] / rate["micrograd"]
    target = 45 if as_values else 100
    print(f"chainrule: {ratio:.1f}x micrograd's examples per second (target >= {target}x)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="micrograd nodes per chain")
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per block")
    args = parser.parse_args(argv)
    # micrograd sorts its graph recursively: a long chain needs a deep stack
    # (Python 3.11 keeps Python-to-Python calls off the C stack).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * args.nodes))
    engines = {"micrograd": MicroValue, "chainrule": engine.Value}

    print(
        f"{args.nodes:,}-node chains; ns and bytes per micrograd node; medians of "
        f"{args.blocks * args.rounds} rounds per engine; garbage collector on"
    )
    for workload, (build, text, target) in WORKLOADS.items():
        rounds = compare(build, engines, args)
        memory = {name: bytes_per_node(build, Value, args.nodes) for name, Value in engines.items()}
        ours = len(engine.topological_order(build(engine.Value, args.nodes)))
        print(f"\n{workload}: {text}  (chainrule records {ours:,} nodes)")
        print(f"{'':12}{'forward':>10}{'backward':>10}{'total':>10}{'bytes':>10}")
        for name in engines:
            fwd = statistics.median(r[0] for r in rounds[name])
            bwd = statistics.median(r[1] for r in rounds[name])
            print(f"{name:12}{fwd:10.0f}{bwd:10.0f}{fwd + bwd:10.0f}{memory[name]:10.0f}")
        total = {name: statistics.median(f + b for f, b in rounds[name]) for name in engines}
        backward = {name: statistics.median(b for _, b in rounds[name]) for name in engines}
        print(
            f"chainrule: {total['micrograd'] / total['chainrule']:.1f}x faster forward + backward "
            f"(target >= {target}x), backward alone {backward['micrograd'] / backward['chainrule']:.1f}x "
            f"(target >= 2x), {memory['micrograd'] / memory['chainrule']:.1f}x fewer bytes (target >= 3x)"
        )

    mlp_row(args, as_values=False)
    mlp_row(args, as_values=True)


if __name__ == "__main__":
    main()
