"""The README's and the docs pages' Python examples run as written, and their links lead somewhere."""

import pathlib
import re
import shutil

import pytest

ROOT = pathlib.Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXT = {page: page.read_text(encoding="utf-8") for page in PAGES}
README = TEXT[ROOT / "README.md"]
EXAMPLES = [
    pytest.param(str(page.relative_to(ROOT)), code, id=f"{page.relative_to(ROOT)}-block{i}")
    for page in PAGES
    for i, code in enumerate(re.findall(r"```python\n(.*?)```", TEXT[page], flags=re.DOTALL))
]
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_examples_and_every_docs_page_is_linked_from_it():
    assert len(BLOCKS) >= 3
    assert len(PAGES) > 5
    for page in PAGES[1:]:
        assert f"](docs/{page.name})" in README, page.name


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_and_picture_exists(page):
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", TEXT[page]):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which is missing"


@pytest.mark.parametrize("page, code", EXAMPLES)
def test_example_runs(page, code, tmp_path, monkeypatch):
    if ".render(" in code and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.chdir(tmp_path)  # where the examples' pictures go
    namespace = {}
    exec(compile(code, page, "exec"), namespace)
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
    assert (ROOT / "docs" / "alice_dL_dw1.png").is_file()
