"""Build the playground: a static site in playground/dist/ that runs chainrule in the browser.

    python playground/build.py        (make playground-build)

1. `npm ci` in playground/ (the exact versions of package-lock.json): Pyodide,
   CPython compiled to WebAssembly with its standard library; viz.js,
   Graphviz compiled to WebAssembly; and the Arimo font (Arial's widths, the
   ones viz.js lays text out with, so that every box fits its text).
2. chainrule's wheel, built from this checkout, and the graphviz package's
   wheel (pure Python: draw_dot builds its DOT with it), into dist/wheels/.
3. The page (site/): index.html, the scripts, the worker, playground.py and
   the examples, with Pyodide's and viz.js's files beside them.

Nothing in dist/ is fetched from anywhere else: serve the folder as it is
(`make playground`: python -m http.server on 127.0.0.1:8000).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
FONT_FILES = [f"arimo-{part}-{weight}-normal.woff2" for part in ("latin", "greek") for weight in (400, 700)]


def main() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("the playground needs npm (Node.js): apt-get install nodejs npm")
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE)
    with tempfile.TemporaryDirectory(dir=HERE) as staging:
        site = Path(staging) / "dist"
        shutil.copytree(HERE / "site", site)
        modules = HERE / "node_modules"
        (site / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copy2(modules / "pyodide" / name, site / "pyodide" / name)
        (site / "viz").mkdir()
        shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz.js", site / "viz" / "viz.js")
        (site / "fonts").mkdir()  # Arimo: Arial's widths, which viz.js lays the boxes out with
        for name in FONT_FILES:
            shutil.copy2(modules / "@fontsource" / "arimo" / "files" / name, site / "fonts" / name)
        wheels = site / "wheels"
        wheels.mkdir()
        build_wheels(wheels)
        examples = sorted(p.name for p in (site / "examples").glob("*.py"))
        (site / "manifest.json").write_text(
            json.dumps(
                {"wheels": sorted(p.name for p in wheels.glob("*.whl")), "examples": examples}, indent=1
            )
        )
        if DIST.exists():
            shutil.rmtree(DIST)
        os.replace(site, DIST)  # the new site whole, or the old one as it was
    size = sum(p.stat().st_size for p in DIST.rglob("*") if p.is_file())
    print(f"playground built in {DIST.relative_to(ROOT)}: {size / 1e6:.1f} MB")


def build_wheels(into: Path) -> None:
    """chainrule's wheel from this checkout, and graphviz's (the version installed here)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(into), str(ROOT)])
    try:
        version = importlib.metadata.version("graphviz")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("the playground ships the graphviz package: pip install graphviz (the test extra has it)")
    run(
        [
            *pip,
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(into),
            f"graphviz=={version}",
        ]
    )


def run(command: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


if __name__ == "__main__":
    main()
