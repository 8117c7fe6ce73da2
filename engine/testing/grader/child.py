"""The child process a learner's engine is checked in.

Limits first (memory, CPU time, the size of what it writes), then chainrule and
everything check_engine will use, then the learner's code, loaded apart from
chainrule's modules (their own `engine.py`, `engine/`, `nn.py` or `micrograd/`
resolve to theirs), then check_engine. The report goes to a file the parent
named; the phase the child is in (import, building a graph, backward) is kept
in a small mapped file, so the parent can say where a child that died was.
The parent alone decides what is reported and the exit code.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import mmap
import sys
import traceback
from pathlib import Path
from typing import Any

from engine.testing.checker.target import learners_frame  # before the learner's modules replace ours

PHASE_BYTES = 32
OUTPUT_BYTES = 16 * 2**20  # what the learner's code may write to stdout/stderr files


class Phase:
    """The phase, written to a mapped file the parent reads after the child ends."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "r+b")  # noqa: SIM115 - open for the child's whole life
        self.map = mmap.mmap(self.file.fileno(), PHASE_BYTES)

    def __call__(self, name: str) -> None:
        data = name.encode()[:PHASE_BYTES].ljust(PHASE_BYTES, b" ")
        self.map[:PHASE_BYTES] = data


def read_phase(path: str) -> str:
    try:
        return Path(path).read_bytes()[:PHASE_BYTES].decode(errors="replace").strip() or "starting"
    except OSError:
        return "starting"


def limit(memory: int, cpu: float) -> None:
    """Memory (address space), CPU seconds, output file size, no core files; where the platform has them."""
    try:
        import resource
    except ImportError:  # not on this platform: the parent's wall-clock limit still holds
        return
    for name, value in (
        ("RLIMIT_AS", memory),
        ("RLIMIT_CPU", int(cpu) + 1),
        ("RLIMIT_FSIZE", OUTPUT_BYTES),
        ("RLIMIT_CORE", 0),
    ):
        which = getattr(resource, name, None)
        if which is not None and value > 0:
            with contextlib.suppress(ValueError, OSError):  # a hard limit already lower
                resource.setrlimit(which, (value, value))


def load_apart(spec: str, folder: str) -> Any:
    """The object `spec` names (PATH.py:Name or package.module:Name), with the learner's modules
    apart from chainrule's: chainrule's are taken out of sys.modules (the code already loaded
    keeps them) and its folder out of sys.path, so `import engine` in the learner's code is theirs."""
    where, _, name = spec.rpartition(":")
    ours = [key for key in sys.modules if key.split(".")[0] in ("engine", "nn", "demos")]
    for key in ours:
        del sys.modules[key]
    root = str(Path(__file__).resolve().parents[3])
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(root).resolve()]
    sys.path.insert(0, folder)
    if where.endswith(".py"):
        path = Path(where)
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        try:
            module_spec.loader.exec_module(module)
        except ImportError as error:
            if "relative import" in str(error):
                dotted = ".".join(path.with_suffix("").parts[-2:])
                raise ImportError(
                    f"{error}: the file is part of a package; name it as package.module:{name} "
                    f"(for example {dotted}:{name}) from the folder above the package"
                ) from None
            raise
    else:
        module = importlib.import_module(where)
    target: Any = module
    for part in name.split("."):
        if not hasattr(target, part):
            raise AttributeError(f"{where} has no {part!r}")
        target = getattr(target, part)
    return target


def _where_text(error: BaseException) -> str | None:
    """The learner's line the error came from, as the parent shows it (None: chainrule's own)."""
    where = learners_frame(error)
    return str(where) if where is not None else None


def main(argv: list[str]) -> None:
    job = json.loads(argv[1])
    limit(job["memory"], job["cpu"])
    phase = Phase(job["phase"])
    # chainrule, and what check_engine imports when first used, before the learner's code
    import hypothesis.strategies  # noqa: F401
    from hypothesis import find  # noqa: F401

    from engine.testing.checker import NotAnEngine, UsageError, check_engine
    from engine.testing.checker.target import Engine

    result: dict[str, Any] = {"status": "", "phase": "import"}

    def write() -> None:
        Path(job["result"]).write_text(json.dumps(result), encoding="utf-8")

    phase("import")
    try:
        target = load_apart(job["spec"], job["folder"])
        backward = load_apart(job["backward"], job["folder"]) if job.get("backward") else None
    except BaseException as error:  # whatever their module does at import, SystemExit too
        result.update(status="import", error=f"{type(error).__name__}: {error}", where=_where_text(error))
        write()
        return
    phase("building a graph")
    Engine.on_phase = phase
    options = job["options"]
    try:
        report = check_engine(target, backward=backward, **options)
    except NotAnEngine as error:
        result.update(status="not an engine", error=str(error))
    except UsageError as error:
        result.update(status="usage", error=str(error))
    except BaseException as error:  # SystemExit, a crash of the checker's own, or theirs escaping
        where = _where_text(error)
        result.update(
            status="raised",
            error=f"{type(error).__name__}: {error}",
            where=where,
            phase=read_phase(job["phase"]),
            traceback=traceback.format_exc()[-4000:],
        )
    else:
        result.update(status="checked", report=report.to_dict())
    phase("done")
    write()


if __name__ == "__main__":
    main(sys.argv)
