"""What a fresh install relies on."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parents[1]


def test_import_engine_loads_only_the_standard_library():
    code = (
        "import sys, engine, engine.testing, engine.explaining.steps\n"
        "third_party = {'graphviz', 'hypothesis', 'numpy', 'torch', 'micrograd'}\n"
        "print(sorted(third_party & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_readme_opens_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1].splitlines()[1:]
    commands = [line.split("#")[0].strip() for line in first_block if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test"


def test_the_front_page_stays_short():
    """The README is the front page: reference goes to docs/ (at most 220 lines)."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 220


def test_main_job_runs_the_flagship_demo():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:")[1].split("\n\n")[0]
    assert "-m demos seed_network" in recipe  # whose run tests/test_demos.py checks


def test_every_install_advice_names_something_pip_can_install():
    """chainrule is not on the package index: advice to `pip install chainrule[...]` would fail."""
    files = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("*/*.py"), ROOT / "Makefile"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.name != "test_packaging.py":
            assert "chainrule[" not in text, path
