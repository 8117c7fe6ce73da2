"""The benchmarks' rivals compute what chainrule computes: a faster rival that trains
another step would make every ratio a lie."""

import pathlib
import sys

import pytest

np = pytest.importorskip("numpy")
torch = pytest.importorskip("torch")

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "benchmarks"))
import bench_compile  # noqa: E402


def test_the_numpy_by_hand_floor_takes_the_sgd_step_torch_takes(monkeypatch):
    monkeypatch.setattr(bench_compile, "BATCH", 64)
    rng = np.random.default_rng(1)
    x, y = rng.random((64, 784)), rng.random((64, 10))
    go = bench_compile.numpy_run([16, 16, 10], x, y, 1, "float64")
    go()
    # the same start (numpy_run's draws) and the same rows, in PyTorch
    draw, n, layers = np.random.default_rng(0), 784, []
    for size in (16, 16, 10):
        bound = 1 / np.sqrt(n)
        layers.append(
            [torch.tensor(draw.uniform(-bound, bound, s), requires_grad=True) for s in ((size, n), size)]
        )
        n = size
    rows = np.random.default_rng(0).permutation(64)
    h = torch.tensor(x[rows])
    for w, b in layers:
        h = torch.sigmoid(h @ w.T + b)
    torch.nn.functional.mse_loss(h, torch.tensor(y[rows])).backward()
    for (w, b), (got_w, got_b) in zip(layers, go.trained["params"], strict=True):
        assert np.allclose(got_w, (w - 0.1 * w.grad).detach().numpy(), rtol=0, atol=1e-15)
        assert np.allclose(got_b, (b - 0.1 * b.grad).detach().numpy(), rtol=0, atol=1e-15)


def test_ab_fit_runs_two_trees_side_by_side_and_refuses_what_is_not_a_tree(tmp_path):
    import subprocess

    script = pathlib.Path(__file__).parents[1] / "benchmarks" / "ab_fit.py"
    here = str(script.parents[1])
    done = subprocess.run(
        [sys.executable, str(script), here, "--rounds", "1", "--dtype", "float32"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0] == "docs network, float32, 1 rounds, µs a step (median, fastest):"
    assert [line.split()[0] for line in lines[1:]] == ["old", "new"]
    assert lines[1].endswith("1.000×") and all(float(line.split()[1]) > 0 for line in lines[1:])
    refused = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "is not a checkout of chainrule" in refused.stderr
