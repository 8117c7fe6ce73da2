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
        "check_engine.py": "report",
    }
    assert result["shown"]["kind"] == kinds[example]


def test_the_mlp_example_draws_a_graph_it_back_propagated_and_its_loss_curve(fake_renderer, capsys):
    playground.fresh()
    playground.displayed.clear()
    result = playground.run_cell((SITE / "examples" / "mlp.py").read_text())
    loss, model = playground.namespace["loss"], playground.namespace["model"]
    assert result["shown"]["text"].startswith("Value(") and "label='loss'" in result["shown"]["text"]
    params = model.parameters()
    assert [p.grad for p in params] == pytest.approx(engine.gradients(loss, params), rel=1e-12, abs=1e-15)
    assert any(p.grad != 0 for p in params)
    [curve] = playground.displayed  # show(plot(history)): one picture, sent as the cell ran
    history = playground.namespace["history"]
    assert curve["kind"] == "svg" and curve["svg"].count("<polyline") == 1
    assert f"{history[0]:.4g}" in curve["svg"] and f"{max(history):.4g}" in curve["svg"]


def test_plot_refuses_what_is_not_a_list_of_finite_numbers():
    with pytest.raises(TypeError, match="expected a list of numbers"):
        playground.plot("loss")
    with pytest.raises(ValueError, match="at least one number"):
        playground.plot([])
    with pytest.raises(ValueError, match="finite"):
        playground.plot([1.0, float("nan")])
    assert playground.plot([engine.Value(2.0), 1]).values == [2.0, 1.0]


def test_a_failing_cell_shows_its_traceback_from_the_cell_down():
    playground.fresh()
    result = playground.run_cell("x = 1\ny = x / 0")
    assert not result["ok"]
    assert re.search(r'File "<cell \d+>", line 2', result["error"]) and "ZeroDivisionError" in result["error"]
    assert "y = x / 0" in result["error"]  # the cell's own line, as Python shows a file's
    assert "playground.py" not in result["error"]
    assert playground.run_cell("x + 1") == {"ok": True, "shown": {"kind": "text", "text": "2"}}  # it goes on
    assert "SyntaxError" in playground.run_cell("def f(:")["error"]
    assert playground.run_cell("y = 3")["shown"] is None  # an assignment shows nothing


def test_input_says_plainly_that_the_page_has_no_keyboard(capsys):
    playground.fresh()
    result = playground.run_cell("n = input('how many? ')")
    assert not result["ok"] and "this page has no keyboard input" in result["error"]
    assert capsys.readouterr().out == "how many? "  # the prompt, as input() writes it


def test_a_class_defined_in_a_cell_has_its_source_for_the_checker(fake_renderer):
    playground.fresh()
    result = playground.run_cell((SITE / "examples" / "check_engine.py").read_text())
    report = result["shown"]
    assert report["kind"] == "report" and report["ok"] is False
    assert "GRADIENT in your a - b" in report["text"] and "in Value.__sub__" in report["text"]
    assert "other.grad += out.grad  # the slip" in report["text"]  # the learner's own lines, listed
    assert report["svg"]  # the smallest wrong expression, drawn
    fixed = (
        (SITE / "examples" / "check_engine.py")
        .read_text()
        .replace("other.grad += out.grad  # the slip", "other.grad -= out.grad  # fixed")
    )
    again = playground.run_cell(fixed)["shown"]
    assert "GRADIENT" not in again["text"]


def test_a_lone_ops_wrong_gradient_is_drawn_with_both_engines_numbers():
    from engine.testing import check_engine

    playground.fresh()
    playground.run_cell((SITE / "examples" / "check_engine.py").read_text().rsplit("check_engine(", 1)[0])
    report = check_engine(playground.namespace["Value"], max_examples=0, seed=1)
    finding = next(f for f in report.findings if f.kind == "gradient")
    nodes = {node.label: (node, got) for node, got in finding.graph}
    assert set(nodes) == {"a", "b", "out"}
    assert nodes["b"][0].grad == -1.0 and nodes["b"][1] == 1.0  # chainrule's, the engine's


# -- your turn ------------------------------------------------------------------------


def your_turn_exercise(wrt=True):
    playground.fresh()
    playground.run_cell((SITE / "examples" / "alice.py").read_text())
    ns = playground.namespace
    return playground.your_turn(ns["L"], ns["w1"] if wrt else None)


def test_your_turn_asks_each_gradient_in_the_order_backward_reaches_it(fake_renderer):
    playground.fresh()
    result = playground.run_cell((SITE / "examples" / "your_turn.py").read_text())
    questions = result["shown"]["questions"]
    assert [q["question"] for q in questions] == ["∂L/∂y_pred = ?", "∂L/∂h1 = ?", "∂L/∂w1 = ?"]
    w1, loss = playground.namespace["w1"], playground.namespace["L"]
    assert w1.grad == 0.0  # the learner's work: no backward() was run for them
    assert questions[-1]["answer"] == pytest.approx(engine.gradients(loss, [w1])[0], rel=1e-12)
    assert questions[-1]["shown"] == "0.0215" == num(w1.grad if w1.grad else questions[-1]["answer"])
    assert (questions[-1]["half"], questions[-1]["unit"]) == pytest.approx((5e-5, 1e-4))
    assert questions[1]["known"] == ["∂L/∂y_pred = −0.9526"]  # the upstream gradient, known by then
    everything = playground.run_cell("your_turn(L)")["shown"]["questions"]  # every named node
    assert [q["name"] for q in everything][:2] == ["y_pred", "h1"] and len(everything) == 14
    with pytest.raises(ValueError, match="not in L's graph"):
        playground.your_turn(playground.namespace["L"], engine.Value(1.0))


def test_the_hints_teach_the_rule_then_the_numbers_then_give_the_answer():
    exercise = your_turn_exercise()
    first, second, third = (exercise.question(s)["hints"] for s in exercise.steps)
    # for L = (y_true − y_pred)² with y_true = 1: the local rule, in the learner's names
    assert first[0] == "The chain rule: ∂L/∂y_pred = −2·(1 − y_pred)."
    assert first[1] == "With the numbers: ∂L/∂y_pred = −2·(1 − 0.5237)."
    assert second[0] == (
        "The chain rule: ∂L/∂h1 = ∂L/∂y_pred · ∂y_pred/∂h1, where ∂y_pred/∂h1 = w5·y_pred·(1 − y_pred)."
    )
    assert second[1] == "With the numbers: ∂L/∂h1 = (−0.9526) · 1·0.5237·(1 − 0.5237)."
    assert third[2].endswith("= 0.02147; its box shows 0.0215.")
    assert "∂L/∂L ·" not in first[0]  # no tautology: the first factor of the output's edge is left out


def test_no_hint_before_the_third_holds_the_answer_on_any_question():
    for wrt in (True, False):
        exercise = your_turn_exercise(wrt)
        for step in exercise.steps:
            q = exercise.question(step)
            for hint in q["hints"][:2]:
                assert q["shown"] not in hint and engine.explaining.number_text(q["answer"]) not in hint, hint
            assert q["shown"] in q["hints"][2]


def test_a_hint_that_would_be_the_answer_itself_asks_for_the_boxes_numbers():
    playground.fresh()
    playground.run_cell(
        "from engine import Value\na, b = Value(0.3, label='a'), Value(0.7, label='b')\n"
        "out = a * b; out.label = 'out'"
    )
    exercise = playground.your_turn(playground.namespace["out"])
    hints = exercise.question(exercise.steps[0])["hints"]
    assert hints[0] == "The chain rule: ∂out/∂a = b."
    assert "0.7" not in hints[1] and "put in the numbers from the boxes" in hints[1]


def test_your_turn_is_one_picture_with_the_gradients_to_work_out_hidden():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    exercise = your_turn_exercise(wrt=False)
    layouts = []

    def counting(source, fmt):  # dot itself, counted
        layouts.append(fmt)
        return graphviz.pipe("dot", fmt, source.encode())

    previous = set_renderer(counting)
    try:
        shown = exercise.shown()
    finally:
        set_renderer(previous)
    assert layouts == ["svg"]  # one layout for the whole exercise
    assert "svgs" not in shown and shown["key"] == your_turn_exercise(wrt=False).key()
    root = exercise.ids[exercise.output]
    assert root not in shown["grads"] and len(shown["grads"]) == len(exercise.order) - 1
    for q in shown["questions"]:
        assert q["id"] in q["reveal"] and all(i in shown["grads"] for i in q["reveal"])


def test_your_turn_hides_every_gradient_but_the_outputs_from_the_pages_text():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    exercise = your_turn_exercise()
    shown = exercise.shown()
    inked = re.findall(rf'fill="{shown["ink"]}"[^>]*>([^<]*)<', shown["svg"])
    assert inked.count("?") == len(exercise.order) - 1 and "1.0000" in inked  # L's own: 1
    for node in exercise.order:
        if node is not exercise.output:
            grad = num(exercise.grads[node])
            assert f">{grad}<" not in shown["svg"] or grad in {num(n.data) for n in exercise.order}
    assert shown["grads"][exercise.ids[playground.namespace["w1"]]] == "0.0215"


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


DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}


def open_page(browser, site, viewport=DESKTOP, context=None, fragment=""):
    """A fresh page (in a fresh browser context unless one is given), Python loaded;
    every URL it requested is in page.requests."""
    from playwright.sync_api import expect

    context = context or browser.new_context(viewport=viewport)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(f"{site}/index.html{fragment}")
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
    return page


@pytest.fixture
def page(site, browser):
    page = open_page(browser, site)
    yield page
    page.context.close()


@pytest.fixture
def phone(site, browser):
    page = open_page(browser, site, PHONE)
    yield page
    page.context.close()


def code(page):
    """The editor's text (CodeMirror's, not the DOM's lines), without the blank line
    `fill` may leave after what it typed."""
    return page.evaluate("playground.editor.get()").rstrip("\n")


def run(page, source=None):
    from playwright.sync_api import expect

    if source is not None:
        page.fill("#code", source)
    page.click("#run")
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)


def example(page, name):
    from playwright.sync_api import expect

    page.select_option("#examples", name)
    expect(page.locator("#code")).to_contain_text((SITE / "examples" / name).read_text().splitlines()[0])
    run(page)


def test_the_page_loads_python_and_requests_nothing_outside_its_folder(page, site):
    run(page)  # the Alice network it opens on
    example(page, "lecture.py")
    example(page, "check_engine.py")  # hypothesis, in the page
    page.click("#share")
    page.wait_for_function("location.hash.startsWith('#code=')")
    assert page.requests and all(url.startswith(site + "/") for url in page.requests), page.requests
    assert any(url.endswith(".wasm") for url in page.requests)  # Python itself came from here
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


def test_a_cell_shows_its_graph_with_the_engines_numbers(page):
    run(page)
    assert "L = 0.2269, ∂L/∂w1 = 0.0215" in page.inner_text("#output")
    playground.fresh()  # the same cell here, in CPython: the picture's numbers are the engine's
    playground.run_cell(code(page))
    w1, loss = playground.namespace["w1"], playground.namespace["L"]
    texts = page.locator("#graph svg text").all_text_contents()
    assert f"grad {num(w1.grad)}" in texts and f"data {num(loss.data)}" in texts
    assert page.locator("#your-turn").is_enabled()  # a Value's graph: the learner may take over


MLP_CELL = """import nn
from engine import Value
net = nn.MLP(4, [8, 8, 1], seed=0)
out = net([Value(1.0), Value(2.0), Value(-1.0), Value(0.5)]); out.label = "out"
out.backward()
out"""
INSIDE = """(id) => {
  const pane = document.getElementById("graph").getBoundingClientRect();
  const box = [...document.querySelectorAll("#graph g.node")].find((g) => g.textContent.includes(id));
  const r = box.getBoundingClientRect();
  return [r.left >= pane.left - 0.5 && r.right <= pane.right + 0.5 && r.top >= pane.top - 0.5 &&
          r.bottom <= pane.bottom + 0.5, r.width, r.height];
}"""
NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_any_graph_fits_its_pane_and_the_page_fits_the_screen(site, browser, size):
    page = open_page(browser, site, DESKTOP if size == "desktop" else PHONE)
    run(page, MLP_CELL)
    inside, width, height = page.evaluate(INSIDE, "out")  # the output's box, in view
    assert inside and width > 0 and height > 0
    assert page.evaluate(NOT_WIDER)
    page.click("#zoom-in")
    page.click("#zoom-in")
    page.click("#fit")  # fitted again: in view again
    assert page.evaluate(INSIDE, "out")[0]
    run(page, "from engine import Value\nx = Value(2.0, label='x')\ny = (x * x + x).tanh(); y.label = 'y'\ny")
    assert page.evaluate(INSIDE, "y")[0]  # a new graph opens fitted, whatever the last one's view
    page.context.close()


def test_the_picture_zooms_and_pans_by_keyboard_wheel_and_buttons(page):
    run(page)
    box = "() => document.querySelector('#graph svg').getAttribute('viewBox').split(' ').map(Number)"
    fitted = page.evaluate(box)
    page.click("#zoom-in")
    zoomed = page.evaluate(box)
    assert zoomed[2] == pytest.approx(fitted[2] / 1.25)
    page.focus("#graph")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(box)[0] > zoomed[0]  # the picture moved left: further right in view
    page.keyboard.press("0")
    assert page.evaluate(box) == pytest.approx(fitted)
    page.mouse.move(900, 500)
    page.mouse.wheel(0, -300)
    assert page.evaluate(box)[2] < fitted[2]


def test_code_survives_a_reload_and_a_share_link_opens_it_in_a_fresh_browser(page, site, browser):
    from playwright.sync_api import expect

    mine = "# mine, not the example's\nprint(sum(range(10)))"
    page.fill("#code", mine)
    page.wait_for_timeout(400)  # (kept as typed, a moment after)
    page.reload()
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
    assert code(page) == mine
    page.select_option("#examples", "neuron.py")  # another example: its own code
    expect(page.locator("#code")).to_contain_text("The documents' neuron")
    page.select_option("#examples", "alice.py")  # and back: the learner's edits are there
    expect(page.locator("#code")).to_contain_text("mine, not the example's")
    page.click("#share")
    page.wait_for_function("location.hash.startsWith('#code=')")
    expect(page.locator("#said")).to_contain_text("link")  # said, for a screen reader too
    link = page.url
    assert "#code=" in link and "sum(range" not in link  # compressed, in the fragment
    fresh = open_page(browser, site, fragment=link[link.index("#") :])
    assert code(fresh) == mine and fresh.input_value("#examples") == "shared"
    run(fresh)
    assert fresh.inner_text("#output").strip() == "45"
    fresh.context.close()
    damaged = open_page(browser, site, fragment="#code=AAAA%%")
    assert "could not be read" in damaged.inner_text("#output")
    damaged.context.close()


def test_reset_puts_an_example_back_after_asking(page):
    from playwright.sync_api import expect

    page.fill("#code", "print('edited')")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#reset")
    assert code(page) == "print('edited')"  # said no: nothing lost
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#reset")
    expect(page.locator("#code")).to_contain_text("The documents' network on Alice")


def test_an_error_shows_the_traceback_clears_the_pane_and_the_next_cell_runs(page):
    from playwright.sync_api import expect

    run(page)  # a graph, and Your turn enabled
    page.click("#your-turn")
    expect(page.locator("#exercise")).to_be_visible()
    run(page, "x = 1\nprint('before', end='')\ny = x / 0")
    output = page.inner_text("#output")
    assert output.startswith("before\nTraceback") and "ZeroDivisionError" in output
    assert re.search(r'File "<cell \d+>", line 3', output)
    assert page.locator("#graph svg").count() == 0 and page.locator("#exercise").is_hidden()
    assert page.locator("#your-turn").is_disabled()
    run(page, "print('still here', x)")
    assert page.inner_text("#output").strip() == "still here 1"


def test_output_without_a_newline_is_shown_and_input_says_why_not(page):
    run(page, "for i in range(3):\n    print(i, end=' ')")
    assert page.inner_text("#output") == "0 1 2 "
    run(page, "print('next cell')")
    assert page.inner_text("#output").strip() == "next cell"  # nothing carried over
    run(page, "n = input('how many? ')")
    output = page.inner_text("#output")
    assert "how many? " in output and "this page has no keyboard input" in output


def test_stop_ends_a_runaway_cell_and_python_starts_afresh(page):
    from playwright.sync_api import expect

    page.fill("#code", "while True:\n    pass")
    page.click("#run")
    expect(page.locator("#status")).to_have_text("running")
    page.wait_for_timeout(500)
    page.click("#stop")
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
    assert "Stopped" in page.inner_text("#output")
    run(page, "print(6 * 7)")
    assert page.inner_text("#output").strip() == "42"


def test_animate_steps_through_the_backward_pass_and_keeps_the_step_in_view(page):
    from playwright.sync_api import expect

    example(page, "lecture.py")
    frame = page.frame_locator("#graph iframe")
    expect(frame.locator("body")).to_contain_text("step 0 of")
    for _ in range(5):
        frame.get_by_text("next ▶").click()
    expect(frame.locator("body")).to_contain_text("step 5 of")
    assert frame.locator("svg text").count() > 10
    inside = frame.locator("body").evaluate(
        """() => {
          const r = document.querySelector("g.current").getBoundingClientRect();
          return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 &&
                 r.bottom <= window.innerHeight;
        }"""
    )
    assert inside


def test_the_training_example_draws_its_loss_curve_in_the_output(page):
    example(page, "mlp.py")
    curve = page.locator("#output .display svg polyline")
    assert curve.count() == 1
    assert "loss by epoch" in page.inner_text("#output")
    assert page.locator("#graph svg").count() == 1  # and the back-propagated graph in the pane


def alice_questions():
    """The Alice exercise's questions as the page gets them, computed here in CPython."""
    return your_turn_exercise(wrt=False).shown()


def check(page, answer):
    page.fill("#answer", answer)
    page.click("#check")
    return page.inner_text("#feedback")


def test_typing_the_number_a_box_shows_is_right_on_every_question_of_alice(page):
    from playwright.sync_api import expect

    shown = alice_questions()
    run(page)  # the Alice network
    page.click("#your-turn")
    expect(page.locator("#question")).to_contain_text(shown["questions"][0]["question"])
    graph_text = page.inner_text("#graph") + page.locator("#graph").text_content()
    inked = page.locator(f'#graph text[fill="{shown["ink"]}"]').all_text_contents()
    assert inked.count("?") == len(shown["grads"])  # every gradient but L's hidden...
    texts = page.locator("#graph svg text").all_text_contents()
    data = {t.split()[-1] for t in texts if t.startswith("data")}
    for number in set(shown["grads"].values()) - data:
        assert number not in graph_text  # ...and not in the page's text
    for i, q in enumerate(shown["questions"]):
        expect(page.locator("#question")).to_contain_text(q["question"])
        assert check(page, q["shown"]).startswith("✓ Right"), (i, q["question"])
        assert q["shown"] in page.locator(f'#graph g[id="{q["id"]}"]').text_content()  # written in
    expect(page.locator("#question")).to_contain_text("All done")


def test_each_hint_stage_says_what_it_should_and_rounding_is_told_apart(page):
    from playwright.sync_api import expect

    example(page, "your_turn.py")
    exercise = your_turn_exercise()
    q = exercise.question(exercise.steps[0])
    expect(page.locator("#question")).to_contain_text("∂L/∂y_pred = ?")
    assert "Known: ∂L/∂L = 1" in page.inner_text("#known")
    first = check(page, "0.5")
    assert first.startswith("✗ Not quite (0.5).") and "−2·(1 − y_pred)" in first and q["shown"] not in first
    second = check(page, "0.4")
    assert "−2·(1 − 0.5237)" in second and q["shown"] not in second
    third = check(page, "0.3")
    assert "The answer" in third and q["shown"] in third
    rounding = check(page, "-0.9525")  # −0.95261 shown as −0.9526: the last digit off by one
    assert rounding.startswith("✗ Close") and "rounding" in rounding
    assert check(page, "-0.95261").startswith("✓ Right")  # more digits than the box: right too
    page.click("#show-me")  # the next question, straight to the answer
    assert "The answer: ∂L/∂h1" in page.inner_text("#feedback")


def test_progress_through_an_exercise_survives_a_reload(page):
    from playwright.sync_api import expect

    example(page, "your_turn.py")
    check(page, "-0.9526")
    check(page, "-0.2376")
    page.reload()
    expect(page.locator("#status")).to_have_text("ready", timeout=60_000)
    run(page)
    expect(page.locator("#question")).to_contain_text("(3 of 3): ∂L/∂w1 = ?")
    assert "Welcome back" in page.inner_text("#feedback")
    page.click("#start-over")
    expect(page.locator("#question")).to_contain_text("(1 of 3)")


def test_your_turn_takes_over_the_graph_a_cell_drew(page):
    from playwright.sync_api import expect

    run(page)  # the Alice network
    page.click("#your-turn")
    expect(page.locator("#question")).to_contain_text("∂L/∂y_pred = ?")
    page.focus("#code")
    page.keyboard.press("Control+Enter")  # Ctrl+Enter runs the cell again
    expect(page.locator("#exercise")).to_be_hidden()


def test_the_checker_example_finds_a_wrong_sub_and_draws_it(page):
    example(page, "check_engine.py")
    report = page.inner_text("#text")
    assert "DEFECTS FOUND" in report and "GRADIENT in your a - b" in report and "Value.__sub__" in report
    assert page.locator("#graph svg").count() == 1 and "yours" in page.locator("#graph svg").text_content()


def test_numpy_is_loaded_when_a_cell_imports_it_or_its_absence_is_said(page, site):
    import json
    import urllib.request

    with urllib.request.urlopen(f"{site}/manifest.json") as reply:
        shipped = json.load(reply)["packages"]
    if "numpy" in shipped:
        run(page, "import numpy as np\nprint(np.arange(3).sum())")
        assert page.inner_text("#output").strip().endswith("3")
        run(
            page,
            "import nn\nm = nn.MLP(2, [4, 1], seed=0)\nh = nn.fit(m, [[0., 1.], [1., 0.]], [1., 0.], 'mse', "
            "nn.SGD(m.parameters(), lr=0.1), epochs=3, batch_size=2, compile=True, progress=False)\n"
            "print(len(h))",
        )
        assert page.inner_text("#output").strip().endswith("3")
    else:
        run(page, "import numpy")
        output = page.inner_text("#output")
        assert "ModuleNotFoundError" in output and "numpy is not in this build of the playground" in output


def test_keyboard_reaches_every_control_and_leaves_the_editor_with_escape_then_tab(page):
    run(page)
    page.focus("#code")
    page.keyboard.press("Tab")  # Tab in the editor indents, as an editor does
    assert code(page).startswith("    ")
    page.keyboard.press("Control+z")
    reached = tab_out_of_the_editor(page, "Tab", 12)
    assert {"output", "zoom-out", "zoom-in", "fit", "graph"} <= set(reached), reached
    back = tab_out_of_the_editor(page, "Shift+Tab", 8)
    assert {"reset", "share", "your-turn", "run", "examples"} <= set(back), back


def tab_out_of_the_editor(page, key, presses):
    """Leave the editor (Escape), press `key` `presses` times: the ids focus passed through."""
    page.focus("#code")
    page.keyboard.press("Escape")
    reached = []
    for _ in range(presses):
        page.keyboard.press(key)
        reached.append(page.evaluate("document.activeElement.id"))
    return reached


def test_every_control_has_a_name_and_what_changes_is_announced(page):
    names = page.evaluate(
        """() => [...document.querySelectorAll("button, select, input, #code, #graph, #output")].map((e) => {
             const label = e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
             const name = e.getAttribute("aria-label") || (label && label.textContent) || e.textContent;
             return [e.id, name.trim()];
           })"""
    )
    assert all(name for _, name in names), names
    for live in ("#status", "#output", "#feedback", "#said"):
        assert page.locator(live).get_attribute("aria-live") == "polite"
