"""Checking a whole class's engines, safely (chainrule-check): each engine in a child
process of its own, whatever it does there reported as a finding, the next engine still
checked; many engines in one command, with a table, JSON (the documented schema) and JUnit
XML; a learner's own `engine.py` or `engine/` beside them; assert_engine in their tests."""

import json
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")

from engine.testing.grader import SCHEMA, Limits, check_many, expand
from tests.engines import CLASS, CORRECT, EXPECTED, HALFWAY, SANDBOX, write

ROOT = Path(__file__).parents[1]


def command():
    """chainrule-check as installed, else the module with -P (no current folder on the path)."""
    script = Path(sys.executable).parent / "chainrule-check"
    return [str(script)] if script.exists() else [sys.executable, "-P", "-m", "engine.testing"]


def check(*args, cwd=None):
    return subprocess.run([*command(), *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def misbehaving(tmp_path_factory):
    """A folder of engines that exit, crash, hang, hoard memory, print megabytes or fail to
    import, beside a correct one, checked in one command: (result, json, junit root)."""
    folder = tmp_path_factory.mktemp("class")
    for name in [*SANDBOX, "prints_megabytes", "not_an_engine", "lecture"]:
        write(name, folder)
    (folder / "notes.py").write_text("# no engine here\n")
    result = check(
        str(folder), "--json", str(folder / "r.json"), "--junit", str(folder / "r.xml"),
        "--jobs", "2", "--timeout", "15", "--seed", "0",
    )  # fmt: skip
    data = json.loads((folder / "r.json").read_text())
    return result, data, ET.parse(folder / "r.xml").getroot()


@pytest.mark.parametrize("name", sorted(SANDBOX))
def test_an_engine_that_misbehaves_is_an_error_finding_that_says_what_happened(misbehaving, name):
    _, data, _ = misbehaving
    entry = next(
        e for e in data["engines"] if e["engine"].startswith(f"{name}.py") or f"/{name}.py" in e["engine"]
    )
    assert entry["verdict"] == "error" and not entry["ok"], entry
    first = entry["findings"][0]
    assert first["kind"] == "error" and SANDBOX[name][1] in first["cause"], first


def test_the_next_engine_is_still_checked_and_the_exit_status_is_1(misbehaving):
    result, data, _ = misbehaving
    verdicts = {Path(e["engine"].split(":")[0]).stem: e["verdict"] for e in data["engines"]}
    assert verdicts["lecture"] == "pass" and verdicts["prints_megabytes"] == "pass"
    assert verdicts["not_an_engine"] == "error"
    assert result.returncode == 1, result.stderr
    assert "notes.py" in result.stdout and any("notes.py" in s for s in data["skipped"])  # said, not lost
    printed = next(e for e in data["engines"] if "prints_megabytes" in e["engine"])
    assert 0 < len(printed["output"]) < 10_000  # megabytes printed, a few kB kept
    assert "Traceback" not in result.stdout


def test_phases_are_named(misbehaving):
    _, data, _ = misbehaving
    causes = {
        Path(e["engine"].split(":")[0]).stem: e["findings"][0]["cause"]
        for e in data["engines"]
        if e["findings"]
    }
    assert "during backward" in causes["exits_0"] and "during backward" in causes["segfault"]
    assert "while its file was imported" in causes["loops_at_import"]


def test_the_json_follows_the_documented_schema_and_the_junit_counts_right(misbehaving):
    jsonschema = pytest.importorskip("jsonschema")
    _, data, junit = misbehaving
    jsonschema.validate(data, SCHEMA)
    documented = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    block = re.search(r"```json schema\n(.*?)```", documented, re.S)
    assert block and json.loads(block.group(1)) == json.loads(json.dumps(SCHEMA))  # the docs show this one
    suite = junit.find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == data["summary"]["engines"]
    assert (
        int(suite.get("errors"))
        == sum(c.find("error") is not None for c in cases)
        == data["summary"]["errors"]
    )
    assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)


def test_a_folder_of_engines_gets_the_verdicts_each_gets_alone(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    names = [*EXPECTED, *CORRECT, HALFWAY]
    for name in names:
        path = write(name, folder)
        if CLASS.get(name, "Value") != "Value":  # a submission whose class has another name
            path.rename(folder / f"{name}_{CLASS[name]}.py")
    names = [n for n in names if CLASS.get(n, "Value") == "Value"]
    result = check(str(folder), "--jobs", "2", "--quiet", "--seed", "0", "--json", str(tmp_path / "r.json"))
    data = json.loads((tmp_path / "r.json").read_text())
    assert len(data["engines"]) == len(names) >= 30
    for entry in data["engines"]:
        name = Path(entry["engine"].split(":")[0]).stem
        ok, kind, op, operand, words = EXPECTED.get(name, (True, None, None, None, ""))
        assert entry["ok"] == ok, entry
        if ok and words:  # told what it was told alone (a note, or a finding that is no defect)
            assert any(words in text for text in [f["cause"] for f in entry["findings"]] + entry["notes"]), (
                entry
            )
        if not ok:
            first = next(f for f in entry["findings"] if f["kind"] in ("forward", "gradient", "error"))
            assert (first["kind"], first["op"], first["operand"]) == (kind, op, operand), (name, first)
            assert words in first["cause"], (name, first)
    assert result.returncode == 1
    print(f"{len(names)} engines, --jobs 2: {data['summary']['seconds']} s")  # the figure for the note


def test_a_learners_own_engine_module_and_package_do_not_shadow_chainrule(tmp_path):
    flat = tmp_path / "flat"  # micrograd's layout: engine.py beside the learner's tests
    flat.mkdir()
    write("lecture", flat).rename(flat / "engine.py")
    (flat / "nn.py").write_text("from engine import Value\n\n\nclass Neuron:\n    pass\n")
    (flat / "test_engine.py").write_text("from engine import Value\n")
    result = check("engine.py:Value", "--seed", "0", cwd=flat)
    assert result.returncode == 0 and "no defect found" in result.stdout, result.stdout + result.stderr
    package = tmp_path / "pkg"  # an engine/ package of their own
    (package / "engine").mkdir(parents=True)
    write("mul_wrong", package / "engine").rename(package / "engine" / "value.py")
    (package / "engine" / "__init__.py").write_text("from .value import Value\n")
    result = check("engine.value:Value", "--seed", "0", cwd=package)
    assert result.returncode == 1 and "your a * b" in result.stdout, result.stdout + result.stderr


def test_assert_engine_in_a_learners_pytest_file(tmp_path):
    pytest.importorskip("micrograd")
    write("tanh_wrong", tmp_path).rename(tmp_path / "mine.py")
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            from micrograd.engine import Value as Micrograd
            from engine.testing import assert_engine
            from mine import Value

            def test_micrograd_passes():
                assert_engine(Micrograd, seed=0)

            def test_mine():
                assert_engine(Value, seed=0)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "your a.tanh()" in result.stdout and "1 − tanh(a)²" in result.stdout


def test_the_graders_own_memory_stays_bounded_while_an_engine_allocates_without_end(tmp_path):
    write("allocates_forever", tmp_path)
    script = textwrap.dedent(
        f"""
        import resource
        from engine.testing.grader import Limits, check_many, expand
        subs, _ = expand([{str(tmp_path / "allocates_forever.py")!r}], "Value")
        (outcome,) = check_many(subs, {{"seed": 0}}, Limits(timeout=60, memory=1024))
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        try:  # this process's own peak (ru_maxrss would carry over the peak of the process it forked from)
            status = open("/proc/self/status").read()
            mine = int(status.split("VmHWM:")[1].split()[0]) // 1024
        except (OSError, IndexError):
            mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(outcome.verdict, mine, child)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    verdict, parent_mib, child_mib = result.stdout.split()
    assert verdict == "error", result.stdout + result.stderr
    assert int(parent_mib) < 200 and int(child_mib) > int(parent_mib)  # the child hoarded, not the grader
    print(f"grader peak RSS {parent_mib} MiB, child {child_mib} MiB")


def test_the_command_says_what_is_its_own_fault_with_exit_2(tmp_path):
    write("lecture", tmp_path)
    assert check(str(tmp_path / "lecture.py:Value"), "--jobs", "0").returncode == 2
    wrong = check(str(tmp_path / "lecture.py:Value"), "--grad", "gradd")
    assert wrong.returncode == 2 and "no attribute 'gradd'" in wrong.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = check(str(empty))
    assert nothing.returncode == 2 and "no engine found" in nothing.stderr


def test_check_many_runs_in_this_process_too(tmp_path):
    write("lecture", tmp_path)
    write("pow_wrong", tmp_path)
    subs, skipped = expand([str(tmp_path)], "Value")
    outcomes = check_many(subs, {"seed": 0}, Limits(timeout=60), jobs=2, progress=False)
    assert [o.verdict for o in outcomes] == ["pass", "defects"] and skipped == []
    assert outcomes[1].report.findings[0].op == "pow"


def test_the_console_script_is_declared():
    if (
        shutil.which("chainrule-check") is None
        and not (Path(sys.executable).parent / "chainrule-check").exists()
    ):
        pytest.skip("chainrule is not installed here (pip install -e . declares chainrule-check)")
    assert check("--help").returncode == 0


def test_a_crash_of_the_checkers_own_is_kept_apart_from_the_learners(tmp_path):
    write("lecture", tmp_path)
    subs, _ = expand([str(tmp_path / "lecture.py")], "Value")
    (outcome,) = check_many(subs, {"no_such_option": 1}, Limits(timeout=60))  # chainrule's own mistake
    assert outcome.verdict == "checker error" and "TypeError" in outcome.checker_failed
    assert "a bug in chainrule, not in yours" in outcome.report.findings[0].cause
