"""animate: the forward and backward passes step by step, as data, text, a page and a GIF;
the page tested in a real browser (headless Chromium) against the engine."""

import io
import math
import shutil

import pytest

import engine
import nn
from demos.networks import seed_network
from engine import Value
from engine.backward import sweep_order
from engine.explaining import walkthrough
from tests.conftest import count_calls

viz = pytest.importorskip("engine.viz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
HOSTILE = '</script><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'


def number(x):
    return viz.style.num(x)


# -- the steps as data ----------------------------------------------------------------


def test_alice_forward_steps_compute_each_named_node_from_its_inputs():
    net = seed_network()
    forward = [s for s in walkthrough(net.L) if s.phase == "forward"]
    assert [s.name for s in forward] == ["h1", "h2", "y_pred", "L"]
    assert forward[0].text == "h1 = σ(w1·x1 + w2·x2 + b1) = σ(−3) = 0.04743"
    assert forward[-1].text == "L = (1 − y_pred)² = 0.4763² = 0.2269"
    assert [s.value for s in forward] == [net.h1.data, net.h2.data, net.y_pred.data, net.L.data]


def test_alice_backward_steps_follow_the_sweep_and_end_on_dL_dw1():
    net = seed_network()
    backward = [s for s in walkthrough(net.L) if s.phase == "backward"]
    named = [n for n in sweep_order(net.L) if n.label]
    assert [s.node for s in backward] == named  # the order the engine's sweep reaches them
    assert backward[0].text == "∂L/∂L = 1"
    h1 = next(s for s in backward if s.name == "h1")
    assert h1.text == "∂L/∂h1 = ∂L/∂y_pred · ∂y_pred/∂h1 = (−0.9526)·0.2494 = −0.2376"
    assert [f.formula for _, f in h1.factors] == ["w5·y_pred·(1 − y_pred)"]
    assert backward[-1].name == "w1" and backward[-1].numbers.endswith("= 0.02147")
    net.L.backward()
    for step in backward:
        assert step.value == step.node.grad  # each gradient is backward()'s
        total = math.fsum(g * f.value for g, f in step.factors) if step.factors else 1.0
        assert total == pytest.approx(step.value, rel=1e-12)  # and is the sum the step writes


def test_every_node_is_filled_once_in_each_pass_and_edges_are_graph_edges():
    net = seed_network()
    steps = walkthrough(net.L)
    nodes = engine.topological_order(net.L)
    computed = [n for n in nodes if n.op is not None]
    forward = [n for s in steps if s.phase == "forward" for n in s.filled]
    backward = [n for s in steps if s.phase == "backward" for n in s.filled]
    assert sorted(map(id, forward)) == sorted(map(id, computed))
    assert sorted(map(id, backward)) == sorted(map(id, nodes))
    for step in steps:
        for parent, user in step.edges:
            assert parent in user.parents


def test_printed_steps_are_numbered_with_their_factors():
    net = seed_network()
    steps = viz.animate(net.L)
    text = str(steps)
    assert text.splitlines()[0] == "  1. forward   h1 = σ(w1·x1 + w2·x2 + b1) = σ(−3) = 0.04743"
    assert " 19. backward  ∂L/∂w1 = ∂L/∂h1 · ∂h1/∂w1 = (−0.2376)·(−0.09035) = 0.02147" in text
    assert "       ∂h1/∂w1 = x1·h1·(1 − h1)" in text
    assert len(steps) == len(steps.steps) == 19
    assert repr(steps).endswith("4 forward steps, 15 backward)")


def test_a_graph_too_big_to_step_through_is_refused_with_what_to_do():
    model = nn.MLP(784, [16, 16, 10], seed=0)
    loss = nn.mse_loss([0.0] * 10, model([0.5] * 784))
    with pytest.raises(ValueError, match=r"more than max_nodes=200 .* animate\(v\) for an inner Value"):
        viz.animate(loss)
    small = nn.mse_loss([0.0], [nn.Neuron(30, "sigmoid", seed=0)([0.5] * 30)])
    with pytest.raises(ValueError, match="more than max_nodes=5"):
        viz.animate(small, max_nodes=5)
    assert len(viz.animate(small)) > 2


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: viz.animate(3.0), TypeError, "animate: expected a Value, got float"),
        (lambda: viz.animate(Value(1.0), rankdir="up"), ValueError, "rankdir must be"),
        (lambda: viz.animate(Value(1.0)).save("steps.pdf"), ValueError, r"ending in \.html or \.gif"),
        (
            lambda: viz.animate(Value(1.0), max_nodes="all"),
            ValueError,
            "max_nodes must be a positive int or None",
        ),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


@needs_dot
def test_the_page_is_one_file_with_no_markup_from_labels(tmp_path):
    x = Value(2.0, label=HOSTILE)
    y = (x * x).tanh()
    y.label = "y & <b>"
    page = viz.animate(y).save(tmp_path / "page.html").read_text(encoding="utf-8")
    assert "<script>window.pwned" not in page and "<img" not in page
    assert page.count("<script>") == 1 and page.count("</script>") == 1
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "default-src 'none'" in page  # nothing may be loaded, even if something tried


@needs_dot
def test_the_gif_has_a_frame_for_the_start_and_each_step(tmp_path):
    image = pytest.importorskip("PIL.Image")
    x, w = Value(-1.5, label="x"), Value(2.0, label="w")
    y = (x * w + 1).sigmoid()
    y.label = "y"
    steps = viz.animate(y, rankdir="TB")
    frames = steps.frames()
    assert len(frames) == len(steps) + 1
    sizes = {image.open(io.BytesIO(f)).size for f in frames}
    assert len(sizes) == 1  # one size: the graph does not move between frames
    gif = image.open(steps.save(tmp_path / "steps.gif"))
    assert gif.format == "GIF" and gif.n_frames == len(steps) + 1


# -- in a real browser ---------------------------------------------------------------------


# (the `browser` fixture, headless Chromium, is in conftest.py: the playground's tests use it too)


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    page.goto(path.as_uri())
    return page, requests, errors


def shown(page, steps, node, what):
    return page.text_content(f"#{steps.node_id(node)}-{what}")


@needs_dot
def test_stepping_through_alice_with_the_keyboard_shows_what_the_engine_computes(browser, tmp_path):
    net = seed_network()
    steps = viz.animate(net.L, parameters=[net.w1])
    page, requests, errors = open_page(browser, steps.save(tmp_path / "alice.html"))
    nodes = engine.topological_order(net.L)
    grads = dict(zip(nodes, engine.gradients(net.L, nodes), strict=True))
    # before any step: the leaves hold their numbers, nothing else does
    assert page.text_content("#step").startswith("0. Before")
    for node in nodes:
        assert shown(page, steps, node, "data") == (number(node.data) if node.is_leaf else "")
        assert shown(page, steps, node, "grad") == ""
    for k, step in enumerate(steps.steps, 1):
        page.keyboard.press("ArrowRight")
        assert page.text_content("#step") == f"{k}. {step.phase.capitalize()}: {step.text}"
        assert page.text_content("#counter") == f"step {k} of {len(steps)}"
        for node in step.filled:  # what this step completes now shows, as the engine has it
            if step.phase == "forward":
                assert shown(page, steps, node, "data") == number(node.data)
            else:
                assert shown(page, steps, node, "grad") == number(grads[node])
        box = page.get_attribute(f"#{steps.node_id(step.node)}", "class")
        assert "current" in box.split()
        hot = page.eval_on_selector_all("g.edge.hot", "edges => edges.map(e => e.id)")
        expected = set()  # the SVG ids draw_dot gives the edges the step goes through
        for parent, user in step.edges:
            box = steps.node_id(user)
            expected.add(viz.style.out_edge_id(box))
            expected.update(
                viz.style.in_edge_id(steps.node_id(parent), box, k)
                for k, p in enumerate(user.parents)
                if p is parent
            )
        assert set(hot) == expected
    assert (
        page.text_content("#step")
        == "19. Backward: ∂L/∂w1 = ∂L/∂h1 · ∂h1/∂w1 = (−0.2376)·(−0.09035) = 0.02147"
    )
    assert page.text_content("#detail") == "∂h1/∂w1 = x1·h1·(1 − h1) = −0.09035"  # one factor, one rounding
    net.L.backward()  # the last step leaves every box as backward() leaves .grad
    for node in nodes:
        assert shown(page, steps, node, "grad") == number(node.grad)
        assert shown(page, steps, node, "data") == number(node.data)
    page.keyboard.press("Home")
    assert page.text_content("#step").startswith("0. Before")
    page.keyboard.press("End")
    assert page.text_content("#step").startswith("19. ")
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#step").startswith("18. ")
    assert shown(page, steps, net.w1, "grad") == ""  # stepping back hides what is not reached yet
    page.click("#first")
    page.click("#next")
    assert page.text_content("#step").startswith("1. Forward: h1 = ")
    assert int(page.input_value("#slider")) == 1
    assert requests == [(tmp_path / "alice.html").as_uri()]  # nothing leaves the page
    assert errors == []


@needs_dot
def test_play_runs_the_steps_by_itself_and_space_pauses(browser, tmp_path):
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = (x * w).tanh()
    y.label = "y"
    steps = viz.animate(y)
    page, _, errors = open_page(browser, steps.save(tmp_path / "play.html"))
    expect = pytest.importorskip("playwright.sync_api").expect  # polls from outside: the page allows no eval
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_text("⏸ pause")
    expect(page.locator("#counter")).to_have_text(f"step 1 of {len(steps)}", timeout=5_000)
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_text("▶ play")
    page.wait_for_timeout(1_500)  # longer than a step: paused, it stays
    assert page.text_content("#counter") == f"step 1 of {len(steps)}"
    assert errors == []


@needs_dot
def test_a_hostile_label_is_text_in_the_page_never_markup_or_script(browser, tmp_path):
    x = Value(2.0, label=HOSTILE)
    y = (x * 3.0).sigmoid()
    y.label = "<b>y</b>"
    steps = viz.animate(y)
    path = steps.save(tmp_path / "hostile.html")
    page, requests, errors = open_page(browser, path)
    page.keyboard.press("End")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert requests == [path.as_uri()]  # the <img src="x"> never became an image to fetch
    assert errors == []
    assert HOSTILE in page.text_content("#graph")  # shown as the text it is
    assert "∂<b>y</b>/∂" in page.text_content("#step")


def test_max_nodes_none_animates_any_size():
    small = nn.mse_loss([0.0], [nn.Neuron(30, "sigmoid", seed=0)([0.5] * 30)])
    assert len(viz.animate(small, max_nodes=None)) == len(viz.animate(small))


@needs_dot
def test_a_label_with_a_lone_surrogate_draws_and_pages(tmp_path):
    x = Value(2.0, label="half an emoji \ud83d")
    y = x * x
    y.label = "y\udc80"
    assert b"<svg" in viz.draw_dot(y).pipe(format="svg")
    page = viz.animate(y).save(tmp_path / "page.html").read_text(encoding="utf-8")
    assert "half an emoji" in page and "\\ud83d" in page


@needs_dot
def test_save_writes_whole_files_and_refuses_what_is_not_a_regular_file(tmp_path):
    import os

    x = Value(2.0, label="x")
    steps = viz.animate(x * x)
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)  # opening it to write would block until a reader came
    with pytest.raises(ValueError, match="not a regular file"):
        steps.save(fifo)
    path = steps.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


@needs_dot
def test_the_notebook_frame_is_sandboxed():
    x = Value(2.0, label="x")
    assert '<iframe sandbox="allow-scripts" srcdoc=' in viz.animate(x * x)._repr_html_()


def test_the_walkthrough_grows_linearly_with_the_graph():
    """A 103,021-node MLP took 73 s when each factor's region was found by scanning the node order."""
    costs = []
    for hidden in (4, 16):
        model = nn.MLP(64, [hidden, 4], seed=0)
        loss = nn.mse_loss([0.0] * 4, model([0.5] * 64))
        costs.append(count_calls(lambda loss=loss: walkthrough(loss)))
    assert costs[1] < 5 * costs[0]  # 4× the network: about 4× the work (it was 10×)


@needs_dot
def test_a_gif_lays_the_graph_out_once_and_draws_every_frame_from_that_layout(monkeypatch):
    """A 178-node MLP's GIF took 362 s and 10 GB: Graphviz laid out and rendered every frame."""
    image = pytest.importorskip("PIL.Image")
    net = seed_network()
    steps = viz.animate(net.L, parameters=[net.w1])
    calls = []
    real = viz.Drawing.pipe

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("format", args[0] if args else None))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(viz.Drawing, "pipe", counting)
    gif = image.open(io.BytesIO(steps.gif()))
    assert calls == ["json"] and gif.n_frames == len(steps) + 1  # one layout, every frame drawn from it
    frames = [image.open(io.BytesIO(png)).convert("RGB") for png in steps.frames()[:8]]
    red = tuple(int(viz.PATH[i : i + 2], 16) for i in (1, 3, 5))
    assert red not in {c for _, c in frames[0].getcolors(1 << 20)}  # before any step: no path drawn
    assert red in {c for _, c in frames[7].getcolors(1 << 20)}  # a backward step: its edges in red
