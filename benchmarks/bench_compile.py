"""Training the documents' MLP(784, [16, 16, 10]) a batch at a time: compiled chainrule
against PyTorch, micrograd and eager chainrule, side by side in one run.

The workload is one training step — forward, mean squared error, backward,
SGD update — of the documents' network with σ on every layer (13,002
parameters), on a batch of B random 28×28 "images" drawn from a fixed pool
(each step picks its rows, as a data loader does), in examples per second:

  chainrule fit     the step nn.fit(compile=True) runs: the traced graph on
                    the batch's rows (engine.compile), the parameters held
                    in one array, SGD's step_arrays
  chainrule Values  the same compiled graph with the parameters read from
                    and written to their Values every step: zero_grad,
                    f.backward(x, y), optimizer.step()
  torch f64, f32    nn.Sequential of Linear and Sigmoid, torch.optim.SGD
  micrograd         its own MLP, one example at a time (a batch is B of them)
  chainrule eager   nn.MLP's graph built per example, backward of the mean

and the time `engine.compile` takes to trace and plan that network.

Every engine runs with the same number of BLAS/OpenMP threads, set before
numpy and torch are imported; without --threads the script runs itself
once with 1 thread and once with 2 (this machine's cores). Engines run in
alternating blocks so a noisy neighbour slows all alike; medians reported.

    python benchmarks/bench_compile.py [--threads N] [--blocks 5] [--seconds 0.3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BATCHES = (1, 32, 256)
TARGETS = {"torch f64": 1.0, "torch f32": 0.8}  # compiled fit step at batch 256, as a multiple of each
MICROGRAD_TARGET = 50_000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP/torch threads (default: run with 1, then 2)")
    parser.add_argument("--blocks", type=int, default=5, help="alternating blocks per engine")
    parser.add_argument("--seconds", type=float, default=0.3, help="about how long one block runs")
    args = parser.parse_args(argv)
    if args.threads is None:
        for threads in (1, 2):
            command = [sys.executable, __file__, "--threads", str(threads), "--blocks", str(args.blocks)]
            subprocess.run([*command, "--seconds", str(args.seconds)], check=True)
        return
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    run(args)


def run(args: argparse.Namespace) -> None:
    sys.path.insert(0, ROOT)
    try:
        import numpy as np
        import torch
    except ImportError as error:  # pragma: no cover - make bench installs both
        sys.exit(f"{error.name} is not installed: pip install -e '.[bench]' torch (make bench does)")

    import engine
    import nn

    try:
        from micrograd.engine import Value as MicroValue
        from micrograd.nn import MLP as MicroMLP
    except ImportError:  # pragma: no cover - the bench extra installs it
        sys.exit("micrograd is not installed: pip install micrograd (the `bench` extra)")

    torch.set_num_threads(args.threads)
    sys.setrecursionlimit(100_000)  # micrograd's recursive walk over its 784-long sums
    rng = np.random.default_rng(0)
    pool_x, pool_y = rng.random((4096, 784)), rng.random((4096, 10))
    print(
        f"\n== {args.threads} thread(s) (BLAS, OpenMP and torch), "
        f"numpy {np.__version__}, torch {torch.__version__}"
    )

    def loss_of(net):
        return lambda x, y: nn.mse_loss(y, net(x))

    # -- compile time --------------------------------------------------------------
    net = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=0)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        engine.compile(loss_of(net), pool_x[0], pool_y[0])
        times.append(time.perf_counter() - start)
    compile_ms = statistics.median(times) * 1e3
    print(
        f"engine.compile of MLP(784, [16, 16, 10]) ({net.num_parameters():,} parameters): "
        f"{compile_ms:.1f} ms (target < 100 ms)"
    )

    # -- each engine's step ------------------------------------------------------------
    def chainrule_fit(batch):
        model = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=0)
        step = nn.training.steps(
            model, pool_x, pool_y, "mse", nn.SGD(model.parameters(), lr=0.1), compile=True
        )
        return lambda rows: step(rows)

    def chainrule_values(batch):
        model = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=0)
        f = engine.compile(loss_of(model), pool_x[0], pool_y[0])
        optimizer = nn.SGD(model.parameters(), lr=0.1)

        def step(rows):
            optimizer.zero_grad()
            f.backward(pool_x[rows], pool_y[rows])
            optimizer.step()

        return step

    def torch_step(dtype):
        def make(batch):
            layers = [
                torch.nn.Linear(784, 16),
                torch.nn.Sigmoid(),
                torch.nn.Linear(16, 16),
                torch.nn.Sigmoid(),
            ]
            model = torch.nn.Sequential(*layers, torch.nn.Linear(16, 10), torch.nn.Sigmoid()).to(dtype)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            x, y = torch.tensor(pool_x, dtype=dtype), torch.tensor(pool_y, dtype=dtype)

            def step(rows):
                index = torch.as_tensor(rows)
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(x[index]), y[index]).backward()
                optimizer.step()

            return step

        return make

    def micrograd(batch):
        model = MicroMLP(784, [16, 16, 10])  # its own: relu hidden layers, linear output
        images, truths = pool_x.tolist(), pool_y.tolist()

        def step(rows):
            for i in rows:  # one example at a time, as micrograd trains
                out = model(images[i])
                loss = sum(((o - t) ** 2 for o, t in zip(out, truths[i], strict=True)), MicroValue(0.0)) * (
                    1 / 10
                )
                model.zero_grad()
                loss.backward()
                for p in model.parameters():
                    p.data -= 1e-5 * p.grad  # small: its relu net diverges at 0.1, and only time counts

        return step

    def eager(batch):
        model = nn.MLP(784, [16, 16, 10], activation="sigmoid", seed=0)
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        images, truths = pool_x.tolist(), pool_y.tolist()

        def step(rows):
            losses = [nn.mse_loss(truths[i], model(images[i])) for i in rows]
            mean = losses[0] if len(losses) == 1 else engine.sum(losses) * (1.0 / len(losses))
            optimizer.zero_grad()
            mean.backward()
            optimizer.step()

        return step

    engines = {
        "chainrule fit": chainrule_fit,
        "chainrule Values": chainrule_values,
        "torch f64": torch_step(torch.float64),
        "torch f32": torch_step(torch.float32),
        "micrograd": micrograd,
        "chainrule eager": eager,
    }
    slow = {"micrograd", "chainrule eager"}  # one example takes milliseconds: measured at batch 1 only
    rates: dict[tuple[str, int], float] = {}
    for batch in BATCHES:
        steps = {name: make(batch) for name, make in engines.items() if batch == 1 or name not in slow}
        samples: dict[str, list[float]] = {name: [] for name in steps}
        order = np.random.default_rng(batch)
        for step in steps.values():  # warm up (and, for compiled chainrule, the first-batch check)
            step(order.integers(0, len(pool_x), batch).tolist())
        for _ in range(args.blocks):
            for name, step in steps.items():
                rows = [order.integers(0, len(pool_x), batch).tolist() for _ in range(4096)]
                done, start = 0, time.perf_counter()
                while True:
                    step(rows[done % len(rows)])
                    done += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= args.seconds / (4 if name in slow else 1) or done >= 4096:
                        break
                samples[name].append(done * batch / elapsed)
        for name, rate in samples.items():
            rates[name, batch] = statistics.median(rate)

    width = max(map(len, engines)) + 2
    print(
        "\nexamples per second, one training step (forward, MSE, backward, SGD), "
        f"median of {args.blocks} blocks"
    )
    print(f"{'':{width}}" + "".join(f"{f'batch {b}':>14}" for b in BATCHES))
    for name in engines:
        print(
            f"{name:{width}}"
            + "".join(f"{rates[name, b]:>14,.0f}" if (name, b) in rates else f"{'—':>14}" for b in BATCHES)
        )
    print(
        "\nchainrule fit step as a multiple of each at each batch size "
        "(micrograd and eager: of their batch-1 rate)"
    )
    for name in ("torch f64", "torch f32", "chainrule Values"):
        print(
            f"  vs {name:<18}"
            + "".join(f"{rates['chainrule fit', b] / rates[name, b]:>10.2f}×" for b in BATCHES)
        )
    for name in ("micrograd", "chainrule eager"):
        print(
            f"  vs {name:<18}"
            + "".join(f"{rates['chainrule fit', b] / rates[name, 1]:>10,.0f}×" for b in BATCHES)
        )
    big = BATCHES[-1]
    print("\ntargets at batch 256:")
    for name, target in TARGETS.items():
        ratio = rates["chainrule fit", big] / rates[name, big]
        print(f"  ≥ {target}× {name}: {ratio:.2f}× ({'met' if ratio >= target else 'MISSED'})")
    ratio = rates["chainrule fit", big] / rates["micrograd", 1]
    print(
        f"  ≥ {MICROGRAD_TARGET:,}× micrograd: {ratio:,.0f}× "
        f"({'met' if ratio >= MICROGRAD_TARGET else 'MISSED'})"
    )
    print(f"  compile < 100 ms: {compile_ms:.1f} ms ({'met' if compile_ms < 100 else 'MISSED'})")


if __name__ == "__main__":
    main()
