"""The README's Python examples run as written."""

import pathlib
import re
import shutil

import pytest

README = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code, tmp_path, monkeypatch):
    if ".render(" in code and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.chdir(tmp_path)  # where the examples' pictures go
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value()  # the property-based test the README offers for copying


def test_readme_training_example_prints_the_losses_it_quotes(capsys):
    (code,) = [block for block in BLOCKS if "nn.MLP(2, [2, 1]" in block]
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    losses = [line.split()[-1] for line in capsys.readouterr().out.splitlines()]
    assert len(losses) == 7
    predictions = [f"{namespace['net'](x).data:.2f}" for x in namespace["X"]]
    prose = " ".join(README.split())
    assert f"prints the loss going {', '.join(losses)};" in prose
    assert f"the network then gives {', '.join(predictions)} for Alice" in prose


def test_readme_quotes_the_derivation_explain_prints(tmp_path, monkeypatch):
    (code,) = [block for block in BLOCKS if "print(explain(L, w1))" in block]
    code = code.split("print(explain(L, w1))")[0]  # build the network only
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    printed = str(namespace["explain"](namespace["L"], namespace["w1"]))
    assert f"prints\n\n```text\n{printed}\n```" in README
    assert (pathlib.Path(__file__).parents[1] / "docs" / "alice_dL_dw1.png").is_file()
