"""engine.viz: computation graphs and derivations as Graphviz pictures."""

import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nn
from demos.networks import seed_network
from engine import Value, explain, topological_order
from engine.testing import expressions

graphviz = pytest.importorskip("graphviz")
from engine.viz import PATH, GraphvizNotInstalled, draw_derivation, draw_dot  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def parameters(net):
    return [net.w1, net.w2, net.w3, net.w4, net.w5, net.w6, net.b1, net.b2, net.b3]


def svg_of(drawing):
    return ET.fromstring(drawing.pipe(format="svg"))


def svg_nodes(root):
    """{node id: [its text lines]} of a rendered SVG."""
    nodes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            nodes[g.find(f"{SVG}title").text] = [t.text or "" for t in g.iter(f"{SVG}text")]
    return nodes


def svg_edges(root):
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def mlp_loss(values=False):
    model = nn.MLP(784, [16, 16, 10], seed=0)
    rng = random.Random(1)
    x = [rng.random() for _ in range(784)]
    L = nn.mse_loss([0.0] * 3 + [1.0] + [0.0] * 6, model([Value(v) for v in x] if values else x))
    L.label = "L"
    L.backward()
    return model, L


# -- draw_dot -----------------------------------------------------------------


def test_draw_dot_gives_a_digraph_with_a_box_per_value_and_a_node_per_op(alice):
    g = draw_dot(alice.L, parameters=parameters(alice))
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    n_values = src.count("[label=<<TABLE")
    n_ops = src.count("shape=ellipse")
    assert n_values == 29 and n_ops == 18  # 11 leaves + 18 computed values
    assert "<B>y_pred</B></TD><TD>data 0.5237</TD><TD>grad −0.9526</TD>" in src
    assert 'label="σ"' not in src and "label=<σ>" in src
    assert src.count('BGCOLOR="#d6e6ff"') == 9 + 1  # the parameters, and their swatch in the legend
    assert src.count('BGCOLOR="#d4f4d4"') == 1 + 1  # the output


def test_the_same_graph_always_gives_the_same_dot_bytes(alice):
    again = seed_network()
    again.L.backward()
    assert draw_dot(alice.L).source == draw_dot(again.L).source
    assert draw_derivation(alice.L, alice.w1).source == draw_derivation(again.L, again.w1).source


def test_x_times_x_has_two_edges():
    x = Value(3.0, label="x")
    src = draw_dot(x * x).source
    assert src.count("v0 -> v1op") == 2


def test_draw_dot_checks_its_arguments(alice):
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_dot(1.0)
    with pytest.raises(ValueError, match="rankdir must be 'LR', 'TB', 'RL' or 'BT', got 'XY'"):
        draw_dot(alice.L, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None, got 0"):
        draw_dot(alice.L, max_nodes=0)


@needs_dot
def test_rendered_graph_holds_every_value_and_op(alice, tmp_path):
    g = draw_dot(alice.L, parameters=parameters(alice))
    root = svg_of(g)
    nodes = svg_nodes(root)
    assert len(nodes) == 29 + 18
    assert len(svg_edges(root)) == 18 + 30  # op → value, and one per input (12 two-input ops, 6 one-input)
    texts = [t for lines in nodes.values() for t in lines]
    for label in ("w1", "x1", "h1", "y_pred", "L", "σ", "×", "+", "^ 2"):
        assert label in texts, label
    for fmt in ("svg", "png", "pdf"):
        out = g.render(tmp_path / "graph", format=fmt)
        assert Path(out).stat().st_size > 1000


def test_a_big_network_is_drawn_as_one_box_per_neuron():
    model, L = mlp_loss()
    g = draw_dot(L, parameters=model.parameters())
    src = g.source
    boxes = src.count("<TABLE")
    assert boxes == 16 + 16 + 10 + 1  # the neurons, and the loss
    assert "<B>L1.N3</B>" in src and "788 nodes, 785 parameters" in src
    assert "13,140 Values, more than max_nodes=400" in src
    assert "draw_dot(v) for a Value v inside it, or all with max_nodes=None" in src


def test_unlabelled_inputs_used_alike_are_one_box():
    _, L = mlp_loss(values=True)
    src = draw_dot(L).source
    assert "<B>784 inputs</B>" in src and 'label="×784"' in src


def test_fewer_boxes_allowed_groups_by_layer():
    _, L = mlp_loss()
    src = draw_dot(L, max_nodes=10).source
    assert src.count("[label=<<TABLE") == 4
    assert "<B>L1</B></TD></TR><TR><TD>12,608 nodes, 12,560 leaves" in src
    assert 'b2 -> b1 [label="×256"]' in src  # 16 × 16 edges from layer 1 to layer 2


def test_a_graph_too_big_even_grouped_keeps_the_boxes_nearest_the_output():
    _, L = mlp_loss()
    src = draw_dot(L, max_nodes=2).source
    assert src.count("[label=<<TABLE") == 2
    assert "<B>L</B>" in src and "<B>L3</B>" in src
    assert "the 2 boxes furthest from the output are left out" in src


def test_max_nodes_none_draws_every_node():
    x = Value(1.0, label="x")
    v = x
    for _ in range(50):
        v = v * 0.5
    assert draw_dot(v, max_nodes=10).source.count("shape=ellipse") == 0  # summarised
    assert draw_dot(v, max_nodes=None).source.count("shape=ellipse") == 50


# -- draw_derivation ------------------------------------------------------------


def test_the_alice_derivation_matches_its_golden_dot(alice):
    src = draw_derivation(alice.L, alice.w1).source
    golden = GOLDEN / "alice_dL_dw1.dot"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(src, encoding="utf-8")
    assert src == golden.read_text(encoding="utf-8"), "run with UPDATE_GOLDEN=1 after a deliberate change"


@needs_dot
def test_the_rendered_derivation_highlights_the_path_with_each_factor(alice):
    root = svg_of(draw_derivation(alice.L, alice.w1))
    red = [e for e in svg_edges(root) if e.find(f"{SVG}path").get("stroke") == PATH]
    assert len(red) == 3
    labels = {" ".join(t.text for t in e.iter(f"{SVG}text")) for e in red}
    assert labels == {
        "∂L/∂y_pred = −2·(1 − y_pred) = −0.9526",
        "∂y_pred/∂h1 = w5·y_pred·(1 − y_pred) = 0.2494",
        "∂h1/∂w1 = x1·h1·(1 − h1) = −0.09035",
    }
    nodes = svg_nodes(root)
    assert len(nodes) == 15  # every labelled node: 11 leaves, h1, h2, y_pred, L
    assert ["h1", "= σ(w1·x1 + w2·x2 + b1)", "data 0.0474", "∂L/∂h1 = −0.2376"] in nodes.values()
    caption = [t.text for t in root.find(f"{SVG}g").findall(f"{SVG}text")]
    assert "∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1" in caption
    assert "σ: f'(x) = f(x)(1 − f(x))" in caption
    assert f"engine.gradients(L, [w1]) = {alice.w1.grad!r}: equal to 1e-12 ✓" in caption


def test_a_derivation_with_two_paths_highlights_both(alice):
    src = draw_derivation(alice.L, alice.x1).source
    assert src.count(f'color="{PATH}"') == 5  # x1→h1, x1→h2, h1→y_pred, h2→y_pred, y_pred→L
    assert "= sum over 2 paths = −0.02147" in src


def test_a_big_network_derivation_draws_only_the_paths_and_their_neighbours():
    model, L = mlp_loss()
    w = model.layers[2].neurons[3].w[4]
    src = draw_derivation(L, w).source
    names = re.findall(r"<B>([^<]*)</B>", src)
    assert {"L", "L3.N4", "L3.N4.w5"} <= set(names) and len(names) <= 3 + 3 * 4  # 4 neighbours each
    # noted: L3.N4's 33 labelled inputs less w5 and the 4 drawn; L's 10 less L3.N4 and 4
    assert re.findall(r"… ([0-9,]+) more", src) == ["28", "5"]
    many = draw_derivation(L, model.layers[0].neurons[2].w[11]).source
    assert many.count(f'color="{PATH}"') == 10 + 160 + 16 + 1
    assert "factors: their formulas are in print(engine.explain(L, L1.N3.w12))" in many


# -- labels, rendering, installation ---------------------------------------------

HOSTILE = [
    'say "hi"',
    "<b>bold</b>",
    "{a|b}",
    "back\\slash",
    "a]; evil [shape=box",
    "\\n not a newline",
    "神经网络",
    "tab\tand & amp",
]


@needs_dot
def test_hostile_labels_render_as_text_and_cannot_inject_dot():
    leaves = [Value(float(i), label=text) for i, text in enumerate(HOSTILE)]
    out = leaves[0]
    for v in leaves[1:]:
        out = out + v
    out.label = "two\nlines"
    g = draw_dot(out)
    root = svg_of(g)
    nodes = svg_nodes(root)
    assert len(nodes) == 2 * len(HOSTILE) - 1 + len(HOSTILE) - 1  # values and ops, nothing injected
    texts = [t for lines in nodes.values() for t in lines]
    for text in HOSTILE:
        assert text.replace("\t", " ") in texts, text
    assert "two" in texts and "lines" in texts
    d = draw_derivation(out, leaves[6])
    assert "神经网络" in [t for lines in svg_nodes(svg_of(d)).values() for t in lines]


def test_control_characters_are_shown_escaped():
    x = Value(1.0, label="bell\x07")
    assert "bell\\\\x07" in draw_dot(x * 2).source  # the backslash doubled for dot, which shows one


def test_without_dot_building_works_and_rendering_says_what_to_install(alice, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    g = draw_derivation(alice.L, alice.w1)
    assert "digraph" in g.source
    with pytest.raises(GraphvizNotInstalled, match=r"apt-get install graphviz") as info:
        g.render(tmp_path / "d", format="svg")
    assert isinstance(info.value, graphviz.ExecutableNotFound)
    with pytest.raises(GraphvizNotInstalled, match="Graphviz's dot program"):
        g.pipe(format="png")


def test_without_the_graphviz_package_engine_works_and_viz_names_it():
    code = (
        "import sys; sys.modules['graphviz'] = None\n"
        "import engine\n"
        "print(engine.explain(engine.Value(2.0).exp(), engine.Value(1.0)).value)\n"
        "try:\n    import engine.viz\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("0.0\n")
    assert (
        "pip install graphviz" in out
        and "pip install -e '.[viz]'" in out
        and "apt-get install graphviz" in out
    )


@needs_dot
@settings(max_examples=40)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cn", "Co")), min_size=1, max_size=30))
@example("\\\x1f")  # dot once showed a backslash before an escaped control character as nothing
@example("A\\NB")  # \N is the node's name to dot, even in HTML-like labels
@example("]")  # right after <B>, a syntax error to dot's HTML-label parser
@example("\\\\")
def test_any_label_renders_as_its_own_text(label):
    x = Value(2.0, label=label)
    root = svg_of(draw_dot(x * x))
    nodes = svg_nodes(root)
    assert len(nodes) == 3  # x, the op, x·x: the label added nothing to the graph
    shown = "".join("".join(lines) for lines in nodes.values())
    escaped = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", label)
    assert "".join(escaped.split()) in "".join(shown.split())


@given(expressions(), st.data())
def test_every_factor_of_a_random_derivation_is_one_red_edge(expr, data):
    output, leaves = expr
    for i, node in enumerate(topological_order(output)):
        if node.op is not None and data.draw(st.booleans()):
            node.label = f"u{i}"
    wrt = data.draw(st.sampled_from(leaves))
    d = explain(output, wrt)
    src = draw_derivation(output, wrt, derivation=d).source
    assert src.count(f'color="{PATH}"') == len(d.factors)
    assert src == draw_derivation(output, wrt).source


@needs_dot
def test_jupyter_shows_a_drawing_inline_and_a_derivation_as_latex(alice):
    bundle = draw_derivation(alice.L, alice.w1)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert explain(alice.L, alice.w1)._repr_latex_().startswith(r"$$\begin{aligned}")


def test_a_derivation_passed_in_must_be_of_the_same_output_and_wrt(alice):
    d = explain(alice.L, alice.w1)
    reused = draw_derivation(alice.L, alice.w1, derivation=d)
    assert reused.source == draw_derivation(alice.L, alice.w1).source
    with pytest.raises(ValueError, match=r"derivation given is ∂L/∂w1, not of this output"):
        draw_derivation(alice.L, alice.w5, derivation=d)


def test_a_summary_sorts_labels_with_superscript_digits():
    x = Value(1.0, label="x1²")
    y = x
    for i in range(50):
        y = y * x
        y.label = f"L{i % 3}².N{i}"
    source = draw_dot(y, max_nodes=5).source
    assert "more than max_nodes=5" in source


@needs_dot
def test_a_label_too_long_for_dot_is_drawn_shortened():
    x = Value(2.0, label="q" * 20_000)  # dot fails on a label of about 16k characters
    text = "".join(svg_of(draw_dot(x * x)).itertext())
    assert "q" * 1_000 in text and "…" in text and "q" * 2_000 not in text


def test_a_label_with_thousands_of_dots_is_grouped_in_a_few_passes(monkeypatch):
    import engine.viz.summary as summary

    passes = 0
    original = summary._boxes

    def counting(*args):
        nonlocal passes
        passes += 1
        return original(*args)

    monkeypatch.setattr(summary, "_boxes", counting)
    x = Value(1.0, label=".".join(["a"] * 5_000))
    y = x
    for _ in range(2_000):
        y = y * 1.0001
    assert "more than max_nodes=50" in draw_dot(y, max_nodes=50).source
    assert passes <= 15  # one grouping per depth tried: log₂ 5,000 + 2, not 5,000
