"""The playground: chainrule running in a browser page (playground/).

Its Python side (playground/site/playground.py, and the rendering seam it
uses) is tested here in CPython; the page itself in headless Chromium, over
the built site (`make playground-build`, which `make test` runs when npm is
here): they skip, saying why, without Chromium, playwright or the build.
"""

import functools
import http.server
import pathlib
import re
import shutil
import sys
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).parents[1]
SITE = ROOT / "playground" / "site"
DIST = ROOT / "playground" / "dist"

graphviz = pytest.importorskip("graphviz")

import engine  # noqa: E402
from engine.viz import draw_dot, set_renderer  # noqa: E402
from engine.viz.style import num  # noqa: E402

sys.path.insert(0, str(SITE))
import playground  # noqa: E402

sys.path.remove(str(SITE))


@pytest.fixture
def fake_renderer():
    """A renderer that records what it was asked and answers with a tiny SVG."""
    asked = []

    def render(source, fmt):
        asked.append((source, fmt))
        return f'<svg id="fake-{fmt}"><text>{len(source)}</text></svg>'

    previous = set_renderer(render)
    yield asked
    set_renderer(previous)


# -- the rendering seam -----------------------------------------------------------------


def test_every_picture_is_made_by_the_renderer_set(fake_renderer, tmp_path):
    x = engine.Value(2.0, label="x")
    y = (x * x).tanh()
    y.label = "y"
    y.backward()
    drawing = draw_dot(y)
    assert drawing.pipe(format="svg", encoding="utf-8").startswith('<svg id="fake-svg">')
    assert drawing.pipe(format="svg").startswith(b"<svg ")  # bytes, as graphviz gives them
    path = drawing.render(str(tmp_path / "y"))
    assert path.endswith("y.svg") and pathlib.Path(path).read_bytes().startswith(b'<svg id="fake-svg">')
    page = engine.viz.animate(y).page()  # the step-by-step page draws through it too
    assert '<svg id="fake-svg">' in page
    assert all(source == drawing.source for source, _ in fake_renderer[:2])


def test_the_renderer_is_put_back_and_checked():
    with pytest.raises(TypeError, match="expected a function render"):
        set_renderer("viz.js")
    first = set_renderer(lambda s, f: b"")
    assert set_renderer(first) is not None and engine.viz.renderer() is first


# -- the page's Python: cells, what they show, your turn ------------------------------------


@pytest.mark.parametrize("example", sorted(p.name for p in (SITE / "examples").glob("*.py")))
def test_every_example_runs_and_shows_its_last_expression(example, fake_renderer, capsys):
    playground.fresh()
    result = playground.run_cell((SITE / "examples" / example).read_text())
    assert result["ok"], result.get("error")
    kinds = {
        "alice.py": "svg",
        "neuron.py": "svg",
        "mlp.py": "svg",
        "derivation.py": "derivation",
        "lecture.py": "page",
        "your_turn.py": "exercise",
    }
    assert result["shown"]["kind"] == kinds[example]


def test_a_failing_cell_shows_its_traceback_from_the_cell_down():
    playground.fresh()
    result = playground.run_cell("x = 1\ny = x / 0")
    assert not result["ok"]
    assert 'File "<cell>", line 2' in result["error"] and "ZeroDivisionError" in result["error"]
    assert "playground.py" not in result["error"]
    assert playground.run_cell("x + 1") == {"ok": True, "shown": {"kind": "text", "text": "2"}}  # it goes on
    assert "SyntaxError" in playground.run_cell("def f(:")["error"]
    assert playground.run_cell("y = 3")["shown"] is None  # an assignment shows nothing


def test_your_turn_asks_each_gradient_in_the_order_backward_reaches_it(fake_renderer):
    playground.fresh()
    result = playground.run_cell((SITE / "examples" / "your_turn.py").read_text())
    questions = result["shown"]["questions"]
    assert [q["question"] for q in questions] == ["∂L/∂y_pred = ?", "∂L/∂h1 = ?", "∂L/∂w1 = ?"]
    w1, loss = playground.namespace["w1"], playground.namespace["L"]
    assert w1.grad == 0.0  # the learner's work: no backward() was run for them
    assert questions[-1]["answer"] == pytest.approx(engine.gradients(loss, [w1])[0], rel=1e-12)
    assert questions[1]["explanation"].startswith("∂L/∂h1 = ∂L/∂y_pred · ∂y_pred/∂h1 = (−0.9526)·")
    assert len(result["shown"]["svgs"]) == len(questions) + 1  # before, and after each answer
    assert questions[2]["tolerance"] == pytest.approx(5e-6)  # 0.02147: right to its 4 digits
    everything = playground.run_cell("your_turn(L)")["shown"]["questions"]  # every named node
    assert [q["name"] for q in everything][:2] == ["y_pred", "h1"] and len(everything) > 3
    with pytest.raises(ValueError, match="not in L's graph"):
        playground.your_turn(playground.namespace["L"], engine.Value(1.0))


def test_your_turn_hides_the_gradients_not_yet_worked_out():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    playground.fresh()
    playground.run_cell((SITE / "examples" / "your_turn.py").read_text())
    exercise = playground.your_turn(playground.namespace["L"], playground.namespace["w1"])
    grad = num(engine.gradients(playground.namespace["L"], [playground.namespace["w1"]])[0])
    hidden = exercise.drawing(0).source
    shown = exercise.drawing(3).source
    assert "grad <FONT COLOR=" in hidden  # the numbers are there, in the box's own colour
    assert f"grad {grad}" in shown and f"grad {grad}" not in hidden
    assert hidden.count("#fff3b0") >= 1  # the asked box, marked


# -- the page, in Chromium ------------------------------------------------------------------


@pytest.fixture(scope="module")
def site():
    """The built site served on 127.0.0.1 (as `make playground` serves it)."""
    if not (DIST / "index.html").exists():
        pytest.skip("the playground is not built: make playground-build (needs npm)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def page(site, browser):
    """A fresh page, Python loaded; every URL it requested is in page.requests."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    start = time.perf_counter()
    page.goto(f"{site}/index.html")
    expect(page.locator("#status")).to_have_text("ready", timeout=30_000)
    page.load_seconds = time.perf_counter() - start
    yield page
    page.close()


def run(page, code):
    from playwright.sync_api import expect

    page.fill("#code", code)
    page.click("#run")
    expect(page.locator("#status")).to_have_text("ready", timeout=30_000)


def test_the_page_loads_python_and_requests_nothing_outside_its_folder(page, site):
    assert page.load_seconds < 10
    run(page, page.input_value("#code"))  # the Alice network it opens on
    page.select_option("#examples", "lecture.py")
    assert page.requests and all(url.startswith(site + "/") for url in page.requests), page.requests
    assert any(url.endswith(".wasm") for url in page.requests)  # Python itself came from here
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


def test_a_cell_shows_its_graph_with_the_engines_numbers(page):
    run(page, page.input_value("#code"))
    assert "L = 0.2269, ∂L/∂w1 = 0.0215" in page.inner_text("#output")
    playground.fresh()  # the same cell here, in CPython: the picture's numbers are the engine's
    playground.run_cell(page.input_value("#code"))
    w1, loss = playground.namespace["w1"], playground.namespace["L"]
    texts = page.locator("#graph svg text").all_text_contents()
    assert f"grad {num(w1.grad)}" in texts and f"data {num(loss.data)}" in texts
    assert page.locator("#your-turn").is_enabled()  # a Value's graph: the learner may take over


def test_an_error_shows_the_traceback_and_the_next_cell_runs(page):
    run(page, "x = 1\ny = x / 0")
    output = page.inner_text("#output")
    assert "ZeroDivisionError" in output and 'File "<cell>", line 2' in output
    run(page, "print('still here', x)")
    assert page.inner_text("#output").strip() == "still here 1"


def test_stop_ends_a_runaway_cell_and_python_starts_afresh(page):
    from playwright.sync_api import expect

    page.fill("#code", "while True:\n    pass")
    page.click("#run")
    expect(page.locator("#status")).to_have_text("running")
    page.wait_for_timeout(500)
    page.click("#stop")
    expect(page.locator("#status")).to_have_text("ready", timeout=30_000)
    assert "Stopped" in page.inner_text("#output")
    run(page, "print(6 * 7)")
    assert page.inner_text("#output").strip() == "42"


def test_animate_steps_through_the_backward_pass(page):
    from playwright.sync_api import expect

    page.select_option("#examples", "lecture.py")
    expect(page.locator("#code")).to_have_value(re.compile(r"animate\(o\)"))
    run(page, page.input_value("#code"))
    frame = page.frame_locator("#graph iframe")
    expect(frame.locator("body")).to_contain_text("step 0 of")
    frame.get_by_text("next ▶").click()
    frame.get_by_text("next ▶").click()
    expect(frame.locator("body")).to_contain_text("step 2 of")
    assert frame.locator("svg text").count() > 10


def test_your_turn_accepts_the_right_answer_and_explains_a_wrong_one(page):
    from playwright.sync_api import expect

    page.select_option("#examples", "your_turn.py")
    expect(page.locator("#code")).to_have_value(re.compile(r"your_turn\(L, w1\)"))
    run(page, page.input_value("#code"))
    expect(page.locator("#question")).to_have_text("Your turn: ∂L/∂y_pred = ?")
    page.fill("#answer", "0.5")
    page.click("#check")
    feedback = page.inner_text("#feedback")
    assert "Not quite" in feedback and "∂L/∂y_pred = ∂L/∂L · ∂L/∂y_pred = 1·(−0.9526)" in feedback
    expect(page.locator("#question")).to_have_text("Your turn: ∂L/∂y_pred = ?")  # asked again
    for answer, next_question in (("-0.9526", "∂L/∂h1"), ("−0.2376", "∂L/∂w1"), ("0.02147", None)):
        page.fill("#answer", answer)
        page.click("#check")
        assert page.inner_text("#feedback").startswith("Right")
        if next_question:
            expect(page.locator("#question")).to_have_text(f"Your turn: {next_question} = ?")
    expect(page.locator("#question")).to_contain_text("All done")
    assert "grad 0.0215" in page.locator("#graph svg text").all_text_contents()  # w1's box, filled in


def test_your_turn_takes_over_the_graph_a_cell_drew(page):
    from playwright.sync_api import expect

    run(page, page.input_value("#code"))  # the Alice network
    page.click("#your-turn")
    expect(page.locator("#question")).to_have_text("Your turn: ∂L/∂y_pred = ?")
    page.press("#code", "Control+Enter")  # Ctrl+Enter runs the cell again
    expect(page.locator("#exercise")).to_be_hidden()
