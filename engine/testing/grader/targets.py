"""What the command line names, as the engines to check: `my_engine.py:Value`,
`my_engine.py` (with --class), `package.module:Value`, or a folder of
submissions (each .py file in it that defines the class, and each subfolder:
the file in it that does)."""

from __future__ import annotations

import re
from pathlib import Path

from engine.testing.grader.sandbox import Submission

SKIP = {"__init__.py", "conftest.py", "setup.py", "__main__.py"}


def expand(specs: list[str], cls: str) -> tuple[list[Submission], list[str]]:
    """The submissions, and the files a folder held that define no `cls` (left out, said so).

    `X.py:Name` is a file, `X/:Name` or a folder without a colon a folder of submissions,
    `X.py` a file with `cls`, any other `X:Name` or `X` a module imported from here."""
    found: list[Submission] = []
    skipped: list[str] = []
    for spec in specs:
        where, colon, name = spec.rpartition(":")
        if not colon or _drive(spec):
            where, name = spec, cls
        if where.endswith(".py"):
            file = Path(where)
            if file.is_file():
                found.append(_file(file, name))
            else:
                found.append(
                    Submission(spec, spec, str(Path.cwd()), problem=f"no such file: {file}", usage=True)
                )
        elif (not colon or where.endswith(("/", "\\"))) and Path(where).is_dir():
            subs, left = _folder(Path(where), name)
            found += subs
            skipped += left
        else:  # package.module:Class, imported from the current folder
            found.append(Submission(spec, f"{where}:{name}", str(Path.cwd())))
    return found, skipped


def _file(file: Path, cls: str) -> Submission:
    resolved = file.resolve()
    return Submission(f"{file}:{cls}", f"{resolved}:{cls}", str(resolved.parent))


def _folder(folder: Path, cls: str) -> tuple[list[Submission], list[str]]:
    subs, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in SKIP:
            continue
        if entry.is_file() and entry.suffix == ".py" and not entry.name.startswith("test_"):
            if _defines(entry, cls):
                subs.append(_file(entry, cls))
            else:
                skipped.append(str(entry))
        elif entry.is_dir():
            files = sorted(
                (p for p in entry.rglob("*.py") if p.name not in SKIP and not p.name.startswith("test_")),
                key=lambda p: (len(p.parts), str(p)),
            )
            file = next((p for p in files if _defines(p, cls)), None)
            if file is None:
                problem = f"has no file that defines class {cls}"
                subs.append(Submission(f"{entry}/", "", str(entry.resolve()), problem=problem))
            else:
                subs.append(_file(file, cls))
    return subs, skipped


def _defines(file: Path, cls: str) -> bool:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(rf"^\s*class\s+{re.escape(cls)}\b", text, re.MULTILINE) is not None


def _drive(spec: str) -> bool:
    return len(spec) > 2 and spec[1] == ":" and spec[0].isalpha()  # C:\\... on Windows


__all__ = ["expand"]
