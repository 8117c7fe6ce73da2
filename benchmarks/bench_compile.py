"""Compiled chainrule against PyTorch (and micrograd, eager chainrule): whole training
runs as users run them, the steady-state step, and what compiling costs, side by side.

Three parts, each engine with the same BLAS/OpenMP/torch thread count:

1. Whole runs, timed as a user meets them: a call that trains for N steps
   of batch 256 (mean squared error, SGD, σ on every layer), including
   everything it pays once (tracing, planning, the one-graph check,
   converting the data):
     chainrule fit         nn.fit(model, X, Y, batch_size=256, compile=True, dtype=...)
     chainrule own loop    f = engine.compile(...), then
                           with f.training(optimizer) as train: train(X[rows], Y[rows])
     torch                 tensors made of the arrays, then the usual loop
                           (randperm each epoch, zero_grad, mse_loss, backward, step)
     jax jit               the whole step (the batch gathered inside it from the
                           rows, value and gradient, SGD) under jax.jit, its loop
     numpy by hand         the same step written by hand in numpy, as tight as it goes:
                           not an engine, the floor numpy itself sets on this machine
   for the documents' MLP(784, [16, 16, 10]) and MLP(784, [128, 64, 10]), 400
   steps each (50 epochs of 8 batches), float64 and float32. The models are
   built before the clock starts (for every engine); each is timed on its first
   call (compiling and jit included) and on later calls (medians).
2. The steady-state step of the documents' network, examples per second at
   batch 1, 32 and 256 (also micrograd and eager chainrule at batch 1), and
   the step's floating-point work against this machine's peak (a 1024³ matrix
   product in the same process): the physical limit.
3. engine.compile's time against graph size (10³ … 10⁶ nodes), in parts:
   the trace, the second trace that checks it, the plan.

(Over 500 lines: three benchmarks and four engines in one run, so that every
ratio it prints compares numbers measured side by side.)

Without --threads the script runs itself with 1 thread, then with 2 (this
machine's cores). Engines alternate in blocks so a noisy neighbour slows all
alike; medians reported.

    python benchmarks/bench_compile.py [--threads N] [--repeats 5] [--seconds 0.3] [--quick]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BATCH = 256
NETWORKS = {
    "documents' MLP(784, [16, 16, 10])": ([16, 16, 10], 400),
    "MLP(784, [128, 64, 10])": ([128, 64, 10], 400),
}
POOL = 2048  # 8 batches of 256: 400 steps are 50 epochs
# Whole-run targets, later calls (one thread): (network, engine, dtype) -> multiple of torch at
# the same dtype, or (..., dtype + " vs jax") -> multiple of jax's jit
TARGETS = {
    ("documents' MLP(784, [16, 16, 10])", "chainrule fit", "float64 vs jax"): 1.0,
    ("documents' MLP(784, [16, 16, 10])", "chainrule fit", "float32 vs jax"): 1.0,
    ("MLP(784, [128, 64, 10])", "chainrule fit", "float64"): 1.2,
}
COMPILE_TARGET_S = 0.25  # MLP(784, [128, 64, 10])
MICROGRAD_TARGET = 50_000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP/torch threads (default: run with 1, then 2)")
    parser.add_argument("--repeats", type=int, default=5, help="alternating blocks per engine (medians)")
    parser.add_argument("--seconds", type=float, default=0.3, help="about how long a steady-state block runs")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, one repeat")
    args = parser.parse_args(argv)
    if args.threads is None:
        for threads in (1, 2):
            command = [sys.executable, __file__, "--threads", str(threads), "--repeats", str(args.repeats)]
            subprocess.run([*command, "--seconds", str(args.seconds)] + ["--quick"] * args.quick, check=True)
        return
    os.environ.update(thread_settings(args.threads))  # before numpy, torch and jax load
    run(args)


def thread_settings(threads: int) -> dict[str, str]:
    """The environment that gives BLAS, OpenMP and XLA's CPU backend (jax) `threads` threads:
    set before they are imported (torch's own is `torch.set_num_threads`)."""
    settings = {name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    eigen = "true" if threads > 1 else "false"
    settings["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={threads}"
    return settings


def run(args: argparse.Namespace) -> None:
    sys.path.insert(0, ROOT)
    try:
        import numpy as np
        import torch
    except ImportError as error:  # pragma: no cover - make bench installs both
        sys.exit(f"{error.name} is not installed: pip install -e '.[bench]' torch (make bench does)")
    torch.set_num_threads(args.threads)
    print(
        f"\n== {args.threads} thread(s) (BLAS, OpenMP and torch), numpy {np.__version__}, "
        f"torch {torch.__version__}, batch {BATCH}"
    )
    ratios = whole_runs(args, np, torch)
    steady = steady_state(args, np, torch)
    sizes = compile_times(args, np)
    print(f"\ntargets ({args.threads} thread(s); the issue's are for 1):")
    for (network, engine_name, dtype), target in TARGETS.items():
        ratio = ratios.get((network, engine_name, dtype))
        if ratio is None:
            continue
        rival = "jax" if dtype.endswith("vs jax") else "torch"
        print(
            f"  {engine_name} {dtype.split()[0]}, {network}, later whole runs ≥ {target}× {rival}: "
            f"{ratio:.2f}× ({'met' if ratio >= target else 'MISSED'})"
        )
    big = sizes.get(109_386)
    if big is not None:
        print(
            f"  engine.compile of MLP(784, [128, 64, 10]) < {COMPILE_TARGET_S} s: {big:.3f} s "
            f"({'met' if big < COMPILE_TARGET_S else 'MISSED'})"
        )
    if steady is not None:
        met = "met" if steady >= MICROGRAD_TARGET else "MISSED"
        print(f"  ≥ {MICROGRAD_TARGET:,}× micrograd per example: {steady:,.0f}× ({met})")


# -- 1. whole runs --------------------------------------------------------------------------


def torch_model(torch: Any, sizes: list[int], dtype: Any) -> Any:
    layers, n = [], 784
    for size in sizes:
        layers += [torch.nn.Linear(n, size), torch.nn.Sigmoid()]
        n = size
    return torch.nn.Sequential(*layers).to(dtype)


def fit_run(sizes: list[int], x: Any, y: Any, epochs: int, dtype: str) -> Any:
    """chainrule's nn.fit(compile=True): the model is built now, the returned call is timed."""
    import nn

    model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    return lambda: nn.fit(
        model, x, y, "mse", optimizer, epochs=epochs, batch_size=BATCH, seed=0, progress=False,
        compile=True, dtype=dtype,
    )  # fmt: skip


def own_loop_run(sizes: list[int], x: Any, y: Any, epochs: int, dtype: str) -> Any:
    """A loop of the user's own on engine.compile and its training block."""
    import numpy as np

    import engine
    import nn

    model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    order = np.random.default_rng(0)

    def go() -> None:
        xs, ys = x.astype(dtype), y.astype(dtype)
        f = engine.compile(lambda a, b: nn.mse_loss(b, model(a)), xs[0], ys[0], dtype=dtype)
        with f.training(optimizer) as train:
            for _ in range(epochs):
                rows = order.permutation(len(xs))
                for start in range(0, len(xs), BATCH):
                    batch = rows[start : start + BATCH]
                    train(xs[batch], ys[batch])

    return go


def jax_step(sizes: list[int], dtype: str) -> Any:
    """JAX's whole training step under jax.jit, on fresh parameters (PyTorch's uniform ±1/√n):
    step(params, xs, ys, rows) gathers the batch inside, takes the loss's value and gradient,
    and returns the SGD-stepped parameters and the loss. Returns (step, params)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)  # float64 where asked (float32 arrays stay float32)
    rng, n, params = np.random.default_rng(0), 784, []
    for size in sizes:
        bound = 1 / np.sqrt(n)
        params.append((rng.uniform(-bound, bound, (n, size)), rng.uniform(-bound, bound, size)))
        n = size
    params = jax.tree.map(lambda a: jnp.asarray(a, dtype=dtype), params)

    def loss(params: Any, xb: Any, yb: Any) -> Any:
        h = xb
        for w, b in params:
            h = jax.nn.sigmoid(h @ w + b)
        return jnp.mean((h - yb) ** 2)

    @jax.jit
    def step(params: Any, xs: Any, ys: Any, rows: Any) -> Any:
        value, grads = jax.value_and_grad(loss)(params, xs[rows], ys[rows])
        return jax.tree.map(lambda p, g: p - 0.1 * g, params, grads), value

    return step, params


def jax_run(sizes: list[int], x: Any, y: Any, epochs: int, dtype: str) -> Any:
    """JAX's loop over its jitted step; the arrays made inside the clock, as torch's."""
    import jax.numpy as jnp
    import numpy as np

    step, params = jax_step(sizes, dtype)
    state = {"params": params}
    order = np.random.default_rng(0)

    def go() -> None:
        xs, ys = jnp.asarray(x, dtype=dtype), jnp.asarray(y, dtype=dtype)
        p = state["params"]
        for _ in range(epochs):
            rows = order.permutation(len(x))
            for start in range(0, len(x), BATCH):
                p, value = step(p, xs, ys, rows[start : start + BATCH])
        value.block_until_ready()
        state["params"] = p

    return go


def numpy_run(sizes: list[int], x: Any, y: Any, epochs: int, dtype: str) -> Any:
    """The same training written by hand in numpy, as tight as numpy allows: what numpy alone
    can reach here (in-place σ and updates, each layer's products once, no checks, numpy's
    permutation). Not chainrule: the floor any numpy program of this step stands on."""
    import numpy as np

    rng, n, layers = np.random.default_rng(0), 784, []
    for size in sizes:
        bound = 1 / np.sqrt(n)
        layers.append((rng.uniform(-bound, bound, (size, n)), rng.uniform(-bound, bound, size)))
        n = size
    order = np.random.default_rng(0)
    trained: dict[str, Any] = {}  # the last call's parameters (a test checks one step against torch)

    def go() -> None:
        xs, ys = x.astype(dtype), y.astype(dtype)
        params = trained["params"] = [(w.astype(dtype), b.astype(dtype)) for w, b in layers]
        grads = [(np.empty_like(w), np.empty_like(b)) for w, b in params]
        for _ in range(epochs):
            rows = order.permutation(len(xs))
            for start in range(0, len(xs), BATCH):
                batch = rows[start : start + BATCH]
                h, hs = np.take(xs, batch, axis=0), []
                hs.append(h)
                for w, b in params:
                    z = h @ w.T
                    z += b
                    np.negative(z, out=z)
                    np.exp(z, out=z)
                    z += 1.0
                    h = np.divide(1.0, z, out=z)
                    hs.append(h)
                g = h - np.take(ys, batch, axis=0)
                g *= 2.0 / g.size  # ∂mean((h − y)²)/∂h
                for i in range(len(params) - 1, -1, -1):
                    a = hs[i + 1]
                    g *= a
                    g *= 1.0 - a  # σ' = σ(1 − σ)
                    gw, gb = grads[i]
                    np.matmul(g.T, hs[i], out=gw)
                    g.sum(axis=0, out=gb)
                    if i:
                        g = g @ params[i][0]
                for (w, b), (gw, gb) in zip(params, grads, strict=True):
                    gw *= 0.1
                    w -= gw
                    gb *= 0.1
                    b -= gb

    go.trained = trained  # type: ignore[attr-defined]
    return go


def torch_run(torch: Any, sizes: list[int], x: Any, y: Any, epochs: int, dtype: str) -> Any:
    """PyTorch's usual loop; the tensors are made inside the clock, as the user's run makes them."""
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    torch.manual_seed(0)
    model = torch_model(torch, sizes, torch_dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def go() -> None:
        xs, ys = torch.tensor(x, dtype=torch_dtype), torch.tensor(y, dtype=torch_dtype)
        for _ in range(epochs):
            rows = torch.randperm(len(xs))
            for start in range(0, len(xs), BATCH):
                batch = rows[start : start + BATCH]
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(xs[batch]), ys[batch]).backward()
                optimizer.step()

    return go


def whole_runs(args: argparse.Namespace, np: Any, torch: Any) -> dict[tuple[str, str, str], float]:
    """Each engine's first call (compiling, tracing, jit included) and its later calls on the
    same model (chainrule's fit reuses its compiled step, jax its jitted one): medians, and
    ratios to torch and to jax at the same dtype. Returns {(network, engine, dtype): × torch}
    of later calls, and (network, engine, dtype + " vs jax") for jax."""
    rng = np.random.default_rng(0)
    pool_x, pool_y = rng.random((POOL, 784)), rng.random((POOL, 10))
    ratios: dict[tuple[str, str, str], float] = {}
    repeats = 1 if args.quick else args.repeats
    try:
        import jax  # noqa: F401
    except ImportError:  # pragma: no cover - the bench extra installs it
        jax_here = False
        print('(jax is not installed: pip install "jax[cpu]"; its column is left out)')
    else:
        jax_here = True
    print(
        f"\n-- whole runs: seconds for the whole call, the first (compiling included) and later ones "
        f"(median of {repeats}), and later calls as a multiple of torch and of jax"
    )
    for network, (sizes, steps) in NETWORKS.items():
        if args.quick:
            steps = min(steps, 20)
        epochs = steps * BATCH // POOL or 1
        n = min(POOL, steps * BATCH)
        x, y = pool_x[:n], pool_y[:n]
        for dtype in ("float64", "float32"):
            run_of = (sizes, x, y, epochs, dtype)
            makers = {
                "chainrule fit": functools.partial(fit_run, *run_of),
                "chainrule own loop": functools.partial(own_loop_run, *run_of),
                "torch": functools.partial(torch_run, torch, *run_of),
            }
            if jax_here:
                makers["jax jit"] = functools.partial(jax_run, *run_of)
            makers["numpy by hand"] = functools.partial(numpy_run, *run_of)  # numpy's own floor
            runs = {name: make() for name, make in makers.items()}  # the models, outside the clock
            first = {name: timed(go) for name, go in runs.items()}
            later: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(repeats):
                for name, go in runs.items():
                    later[name].append(timed(go))
            medians = {name: statistics.median(t) for name, t in later.items()}
            print(f"{network}, {steps} steps, {dtype}:")
            for name, seconds in medians.items():
                ratio = medians["torch"] / seconds
                ratios[network, name, dtype] = ratio
                extra = "" if name == "torch" else f"  {ratio:.2f}× torch"
                if jax_here and name != "jax jit":
                    ratios[network, name, dtype + " vs jax"] = medians["jax jit"] / seconds
                    extra += f"  {medians['jax jit'] / seconds:.2f}× jax"
                print(
                    f"  {name:<20} first {first[name]:>7.3f} s   later {seconds:>7.3f} s "
                    f"({seconds / steps * 1e3:.2f} ms a step){extra}"
                )
    return ratios


# -- 2. the steady-state step, and the physical limit ------------------------------------------


def steady_state(args: argparse.Namespace, np: Any, torch: Any) -> float | None:
    import engine
    import nn

    rng = np.random.default_rng(0)
    pool_x, pool_y = rng.random((4096, 784)), rng.random((4096, 10))
    sizes = [16, 16, 10]

    def chainrule_fit(dtype: str) -> Any:
        def make() -> Any:
            model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
            step = nn.training.steps(
                model, pool_x, pool_y, "mse", nn.SGD(model.parameters(), lr=0.1), compile=True, dtype=dtype
            )
            return lambda rows: step(rows)

        return make

    def chainrule_values() -> Any:
        model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
        f = engine.compile(lambda x, y: nn.mse_loss(y, model(x)), pool_x[0], pool_y[0])
        optimizer = nn.SGD(model.parameters(), lr=0.1)

        def step(rows: list[int]) -> None:
            optimizer.zero_grad()
            f.backward(pool_x[rows], pool_y[rows])
            optimizer.step()

        return step

    def torch_step(dtype: Any) -> Any:
        def make() -> Any:
            model = torch_model(torch, sizes, dtype)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            x, y = torch.tensor(pool_x, dtype=dtype), torch.tensor(pool_y, dtype=dtype)

            def step(rows: list[int]) -> None:
                index = torch.as_tensor(rows)
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(x[index]), y[index]).backward()
                optimizer.step()

            return step

        return make

    def micrograd() -> Any:
        from micrograd.engine import Value as MicroValue
        from micrograd.nn import MLP as MicroMLP

        model = MicroMLP(784, sizes)  # its own: relu hidden layers, linear output
        images, truths = pool_x.tolist(), pool_y.tolist()

        def step(rows: list[int]) -> None:
            for i in rows:  # one example at a time, as micrograd trains
                out = model(images[i])
                loss = sum(((o - t) ** 2 for o, t in zip(out, truths[i], strict=True)), MicroValue(0.0)) * 0.1
                model.zero_grad()
                loss.backward()
                for p in model.parameters():
                    p.data -= 1e-5 * p.grad  # small: its relu net diverges at 0.1, and only time counts

        return step

    def eager() -> Any:
        model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        images, truths = pool_x.tolist(), pool_y.tolist()

        def step(rows: list[int]) -> None:
            losses = [nn.mse_loss(truths[i], model(images[i])) for i in rows]
            mean = losses[0] if len(losses) == 1 else engine.sum(losses) * (1.0 / len(losses))
            optimizer.zero_grad()
            mean.backward()
            optimizer.step()

        return step

    def jax_steps(dtype: str) -> Any:
        def make() -> Any:
            import jax.numpy as jnp

            step, params = jax_step(sizes, dtype)
            xs, ys, state = jnp.asarray(pool_x, dtype=dtype), jnp.asarray(pool_y, dtype=dtype), [params]

            def one(rows: list[int]) -> None:
                state[0], value = step(state[0], xs, ys, np.asarray(rows))
                value.block_until_ready()

            return one

        return make

    engines = {
        "chainrule fit f64": chainrule_fit("float64"),
        "chainrule fit f32": chainrule_fit("float32"),
        "chainrule Values": chainrule_values,
        "torch f64": torch_step(torch.float64),
        "torch f32": torch_step(torch.float32),
        "micrograd": micrograd,
        "chainrule eager": eager,
        "jax jit f64": jax_steps("float64"),
        "jax jit f32": jax_steps("float32"),
    }
    try:
        import jax  # noqa: F401
    except ImportError:  # pragma: no cover - the bench extra installs it
        del engines["jax jit f64"], engines["jax jit f32"]
    try:
        import micrograd as _
    except ImportError:  # pragma: no cover - the bench extra installs it
        del engines["micrograd"]
        print("(micrograd is not installed: pip install micrograd; its row is left out)")
    sys.setrecursionlimit(100_000)  # micrograd's recursive walk over its 784-long sums
    slow = {"micrograd", "chainrule eager"}  # milliseconds an example: batch 1 only
    batches = (1, 32, 256) if not args.quick else (1, 256)
    blocks = 1 if args.quick else 5
    seconds = args.seconds / (3 if args.quick else 1)
    rates: dict[tuple[str, int], float] = {}
    for batch in batches:
        steps = {name: make() for name, make in engines.items() if batch == 1 or name not in slow}
        samples: dict[str, list[float]] = {name: [] for name in steps}
        order = np.random.default_rng(batch)
        for step in steps.values():  # warm up
            step(order.integers(0, len(pool_x), batch).tolist())
        for _ in range(blocks):
            for name, step in steps.items():
                rows = [order.integers(0, len(pool_x), batch).tolist() for _ in range(512)]
                done, start = 0, time.perf_counter()
                while True:
                    step(rows[done % len(rows)])
                    done += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= seconds / (4 if name in slow else 1) or done >= 4096:
                        break
                samples[name].append(done * batch / elapsed)
        for name, rate in samples.items():
            rates[name, batch] = statistics.median(rate)

    width = max(map(len, engines)) + 2
    print(f"\n-- the documents' network, steady state: examples per second, one step, median of {blocks}")
    print(f"{'':{width}}" + "".join(f"{f'batch {b}':>14}" for b in batches))
    for name in engines:
        print(
            f"{name:{width}}"
            + "".join(f"{rates[name, b]:>14,.0f}" if (name, b) in rates else f"{'—':>14}" for b in batches)
        )
    big = batches[-1]
    for dtype in ("f64", "f32"):
        for rival in (f"torch {dtype}", f"jax jit {dtype}"):
            if (rival, big) in rates:
                ratio = rates[f"chainrule fit {dtype}", big] / rates[rival, big]
                print(f"  chainrule fit {dtype} ÷ {rival} at batch {big}: {ratio:.2f}×")

    # The physical limit: the step's floating-point work against a big matrix product's rate.
    flops = 0
    n = 784
    for k, size in enumerate(sizes):
        flops += 2 * BATCH * n * size * (2 if k == 0 else 3)  # forward, ∂W (and ∂X past the first layer)
        n = size
    print(f"\n-- the physical limit: a step of batch {BATCH} is {flops / 1e6:.1f} MFLOP of matrix products")
    for dtype, names in (
        ("float64", ("chainrule fit f64", "torch f64", "jax jit f64")),
        ("float32", ("chainrule fit f32", "torch f32", "jax jit f32")),
    ):
        a = np.random.default_rng(0).random((1024, 1024)).astype(dtype)
        product = functools.partial(np.matmul, a, a)
        product()
        peak = 2 * 1024**3 / min(timed(product) for _ in range(5))
        floor_us = flops / peak * 1e6
        step_us = {name: BATCH / rates[name, big] * 1e6 for name in names if (name, big) in rates}
        parts = ", ".join(f"{name} {us:.0f} µs ({floor_us / us:.0%} of peak)" for name, us in step_us.items())
        print(
            f"  {dtype}: peak {peak / 1e9:.0f} GFLOP/s (a 1024³ product): at least {floor_us:.0f} µs a step"
        )
        print(f"    {parts}")
    if "micrograd" in engines:
        return rates["chainrule fit f64", big] / rates["micrograd", 1]
    return None


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- 3. compile time against graph size ---------------------------------------------------------


def compile_times(args: argparse.Namespace, np: Any) -> dict[int, float]:
    import engine
    import nn

    networks = [[1], [16, 16, 10], [128, 64, 10], [1024, 64, 10]]
    if args.quick:
        networks = networks[:2]
    print("\n-- engine.compile against graph size (MLP(784, sizes) and its MSE loss; median of 3)")
    print(f"  {'sizes':<16}{'nodes':>10}{'compile':>11}{'trace':>9}{'check':>9}{'plan':>9}   per node")
    seconds: dict[int, float] = {}
    for sizes in networks:
        model = nn.MLP(784, sizes, activation="sigmoid", seed=0)
        x, y = np.random.default_rng(0).random(784), np.random.default_rng(1).random(sizes[-1])
        if sizes[-1] == 1:  # one output: its truth is one number
            y = y[0]
        runs = []
        for _ in range(1 if args.quick else 3):
            start = time.perf_counter()
            f = engine.compile(lambda a, b, model=model: nn.mse_loss(b, model(a)), x, y)
            runs.append({"compile": time.perf_counter() - start, **f.seconds})
        m = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
        seconds[model.num_parameters()] = m["compile"]
        print(
            f"  {sizes!s:<16}{f.nodes:>10,}{m['compile'] * 1e3:>9.1f} ms{m['trace'] * 1e3:>6.1f} ms"
            f"{m['check'] * 1e3:>6.1f} ms{m['plan'] * 1e3:>6.1f} ms   {m['compile'] / f.nodes * 1e9:.0f} ns"
        )
    return seconds


if __name__ == "__main__":
    main()
