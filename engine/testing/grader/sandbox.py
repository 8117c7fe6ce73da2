"""The parent's side: one learner's engine checked in a child process of its own.

The child is spawned (a fresh interpreter, `-I`: no environment, no current
folder on its path), limited in wall-clock time here and in memory and CPU
time by itself, its output captured to files and read back truncated. Whatever
the child does, exits, crashes, hangs or runs out of memory, this side says
what happened and in which phase, as an `error` finding; a crash of the
checker's own is kept apart (`Outcome.checker_failed`): a bug report, never a
defect of the learner's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.testing.checker import Finding, Report
from engine.testing.grader.child import PHASE_BYTES, read_phase

ROOT = Path(__file__).resolve().parents[3]  # the folder holding chainrule's `engine`
BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from engine.testing.grader.child import main; main(sys.argv)"
)
TAIL = 2_000  # characters of the child's output kept, from each end
PHASES = {
    "import": " while its file was imported",
    "building a graph": " while it built a graph",
    "backward": " during backward",
    "finding the engine": "",
    "starting": "",
    "done": "",
    "": "",
}


@dataclass
class Submission:
    """One engine to check: `spec` (PATH.py:Class or package.module:Class), run from `folder`."""

    name: str
    spec: str
    folder: str
    problem: str = ""  # why it cannot be checked at all (no file defines the class)
    usage: bool = False  # ... and that is the command's fault (a file that is not there)


@dataclass
class Limits:
    timeout: float = 60.0  # wall-clock seconds per engine
    memory: int = 1024  # MiB of address space (numpy and a checked engine need about 300)
    cpu: float = 0.0  # CPU seconds (0: the timeout's)


@dataclass
class Outcome:
    submission: Submission
    report: Report
    seconds: float
    output: str = ""
    checker_failed: str = ""  # a crash of chainrule's own, with its traceback
    usage: str = ""  # the command's own fault (a wrong --grad name)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.checker_failed:
            return "checker error"
        if self.usage:
            return "usage"
        if any(f.kind == "error" for f in self.report.findings):
            return "error"
        return "pass" if self.report.ok else "defects"


def check_in_child(
    submission: Submission, options: dict[str, Any], limits: Limits, backward: str | None = None
) -> Outcome:
    """Check one submission in a child process; never raises for what the child does."""
    start = time.perf_counter()
    if submission.problem:
        outcome = _failed(submission, submission.problem, "finding the engine", start)
        outcome.usage = submission.problem if submission.usage else ""
        return outcome
    with tempfile.TemporaryDirectory(prefix="chainrule-check-") as scratch:
        files = {name: os.path.join(scratch, name) for name in ("result", "phase", "stdout", "stderr")}
        Path(files["phase"]).write_bytes(b" " * PHASE_BYTES)
        job = {
            "spec": submission.spec,
            "folder": submission.folder,
            "backward": backward,
            "options": options,
            "result": files["result"],
            "phase": files["phase"],
            "memory": limits.memory * 2**20,
            "cpu": limits.cpu or limits.timeout,
        }
        command = [sys.executable, "-I", "-c", BOOT, str(ROOT), json.dumps(job)]
        with open(files["stdout"], "wb") as out, open(files["stderr"], "wb") as err:
            child = subprocess.Popen(
                command,
                cwd=submission.folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group: killed whole, children too
            )
            timed_out = False
            try:
                child.wait(limits.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill(child)
        phase = read_phase(files["phase"])
        output = _tail(files["stdout"]) + _tail(files["stderr"])
        result = _read(files["result"])
    seconds = time.perf_counter() - start
    if timed_out:
        return _failed(
            submission, f"did not finish within {limits.timeout:g} s (an endless loop?)", phase, start, output
        )
    if result is None:
        return _failed(submission, _death(child.returncode, limits), phase, start, output)
    status = result["status"]
    if status == "checked":
        outcome = Outcome(submission, Report.from_dict(result["report"]), seconds, output)
        return outcome
    if status == "import":
        where = f" at {result['where']}" if result.get("where") else ""
        return _failed(
            submission, f"could not be imported: {result['error']}{where}", "import", start, output
        )
    if status == "not an engine":
        what = f"does not look like an engine: {result['error']}"
        return _failed(submission, what, "building a graph", start, output)
    if status == "usage":
        outcome = _failed(submission, result["error"], "starting", start, output)
        outcome.usage = result["error"]
        return outcome
    # raised out of check_engine: the learner's (a frame of theirs) or the checker's own
    if result.get("where") or result["error"].startswith(("SystemExit", "KeyboardInterrupt", "MemoryError")):
        what = _raised(result["error"], result.get("where"))
        return _failed(submission, what, result.get("phase", phase), start, output)
    outcome = _failed(submission, "", phase, start, output)
    outcome.report.findings[
        0
    ].cause = "the checker itself failed on this engine: a bug in chainrule, not in yours"
    outcome.checker_failed = result.get("traceback", result["error"])
    return outcome


def _raised(error: str, where: str | None) -> str:
    at = f" at {where}" if where else ""
    if error.startswith("SystemExit"):
        code = error.partition(": ")[2] or "None"
        return f"called sys.exit({code}){at}: an engine must not end the program"
    if error.startswith("MemoryError"):
        return f"ran out of memory (MemoryError){at}"
    return f"raised {error}{at}, where the checker could not catch it"


def _death(code: int | None, limits: Limits) -> str:
    """What a child that wrote no result died of, from its exit status."""
    if code is None:
        return "ended without a result"
    if code >= 0:
        return (
            f"ended the checker's process with exit status {code} before it could report "
            "(os._exit or an exit from a thread?): an engine must not end the program"
        )
    number = -code
    name = signal.Signals(number).name if number in signal.valid_signals() else f"signal {number}"
    if number == getattr(signal, "SIGXCPU", -1):
        return f"used more than {limits.cpu or limits.timeout:g} s of CPU time (an endless loop?)"
    if number == getattr(signal, "SIGXFSZ", -1):
        return "wrote more than 16 MB of output"
    if number == signal.SIGKILL:
        return f"was killed ({name}): out of memory, over the {limits.memory:,} MiB cap?"
    if number in (
        signal.SIGSEGV,
        getattr(signal, "SIGBUS", -1),
        signal.SIGABRT,
        signal.SIGFPE,
        signal.SIGILL,
    ):
        return f"crashed the interpreter ({name}: a ctypes call or a C extension?)"
    return f"was ended by {name}"


def _failed(submission: Submission, what: str, phase: str, start: float, output: str = "") -> Outcome:
    report = Report(submission.name, [], [])
    where = PHASES.get(phase, f" ({phase})")
    report.findings = [Finding("error", None, "", {}, cause=f"your engine {what}{where}")]
    report.seconds = time.perf_counter() - start
    return Outcome(submission, report, report.seconds, output, extra={"phase": phase})


def _kill(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()
    child.wait()


def _tail(path: str) -> str:
    """The start and the end of what the child wrote there."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            if size <= 2 * TAIL:
                return f.read().decode(errors="replace")
            head = f.read(TAIL).decode(errors="replace")
            f.seek(size - TAIL)
            return f"{head}\n… ({size - 2 * TAIL:,} bytes left out) …\n{f.read().decode(errors='replace')}"
    except OSError:
        return ""


def _read(path: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return None


__all__ = ["Limits", "Outcome", "Submission", "check_in_child"]
