"""The README's and the docs pages' Python examples run as written, and their links lead somewhere."""

import ast
import math
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


NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?(?:\.\.\.)?"


def agrees(quoted: str, actual: float) -> bool:
    """A number as a page quotes it: all its digits (rounded), or its first digits and '...'."""
    cut = quoted.endswith("...")
    digits = quoted.rstrip(".")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    if cut:  # truncated, or rounded: either reading of the digits shown
        scale = 10**decimals
        return math.trunc(actual * scale) / scale == float(digits) or round(actual, decimals) == float(digits)
    return round(actual, decimals) == float(digits)


def quoted_in(comment: str) -> str:
    """What a comment quotes: the part after 'a description:' where there is one."""
    head, _, rest = comment.partition(": ")
    return rest if rest and not re.search(r"\d", head) else comment


def run_checking_quotes(code: str, page: str, namespace: dict, capsys) -> int:
    """Run `code` a statement at a time; where a statement's line ends in a comment that quotes
    numbers or output, check them: an expression's value (`x.grad  # 0.0199...`), or what a
    print printed (`print(f(xs))  # [0.2689 0.5 ...]`, '...' marking what is left out).
    Returns how many quotes were checked."""
    lines = code.splitlines()
    checked = 0
    for statement in ast.parse(code).body:
        capsys.readouterr()
        exec(compile(ast.Module([statement], type_ignores=[]), page, "exec"), namespace)
        line = lines[statement.end_lineno - 1]
        if statement.lineno != statement.end_lineno or "#" not in line or not isinstance(statement, ast.Expr):
            continue
        comment = quoted_in(line.split("#", 1)[1].strip())
        call = statement.value
        if not re.match(r"(\.\.\.|[\[(]?-?\d)", comment):  # a description, not a quote
            continue
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print":
            printed = " ".join(capsys.readouterr().out.split())
            if not re.sub(NUMBER + r"|[\s\[\](),]", "", comment):  # numbers only: to the digits shown
                shown = [float(x) for x in re.findall(NUMBER, printed)]
                numbers = re.findall(NUMBER, comment)
                assert len(shown) == len(numbers), f"{page}: {line.strip()!r} printed {printed!r}"
                assert all(map(agrees, numbers, shown)), f"{page}: {line.strip()!r} printed {printed!r}"
                checked += len(numbers)
                continue
            for part in (p.strip() for p in comment.split("...")):
                if part:
                    assert part in printed, f"{page}: {line.strip()!r} printed {printed!r}"
                    checked += 1
            continue
        numbers = re.findall(NUMBER, comment)
        if not numbers:
            continue
        value = eval(compile(ast.Expression(call), page, "eval"), namespace)
        values = list(value) if isinstance(value, (tuple, list)) else [value]
        assert len(numbers) >= len(values), f"{page}: {line.strip()!r} quotes fewer numbers than it gives"
        for quoted, actual in zip(numbers, values, strict=False):
            assert agrees(quoted, float(actual)), f"{page}: {line.strip()!r} is {value!r}"
            checked += 1
    return checked


@pytest.mark.parametrize("page, code", EXAMPLES)
def test_example_runs_and_gives_what_its_comments_quote(page, code, tmp_path, monkeypatch, capsys):
    if ".render(" in code and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.chdir(tmp_path)  # where the examples' pictures go
    namespace = {}
    run_checking_quotes(code, page, namespace, capsys)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value()  # the property-based test the README offers for copying


def test_the_quotes_checked_include_the_readmes_gradients(capsys):
    (code,) = [block for block in BLOCKS if "x1.grad, w1.grad" in block]
    assert run_checking_quotes(code, "README.md", {}, capsys) == 2
    wrong = code.replace("0.01329...", "0.01339...")
    with pytest.raises(AssertionError, match=r"x1\.grad, w1\.grad"):
        run_checking_quotes(wrong, "README.md", {}, capsys)


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
