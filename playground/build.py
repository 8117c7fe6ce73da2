"""Build the playground: a static site in playground/dist/ that runs chainrule in the browser.

    python playground/build.py        (make playground-build)

1. `npm ci` in playground/ (the exact versions of package-lock.json): Pyodide,
   CPython compiled to WebAssembly with its standard library; viz.js,
   Graphviz compiled to WebAssembly; the Arimo font (Arial's widths, the
   ones viz.js lays text out with, so that every box fits its text);
   CodeMirror 6, the editor; and esbuild, which bundles the page's script
   with the editor into one file.
2. chainrule's wheel, built from this checkout, and the pure-Python wheels
   the page runs with (WHEELS: graphviz, which draw_dot builds its DOT with;
   hypothesis and sortedcontainers, for the engine checker), into dist/wheels/.
3. The page (site/): index.html, app.js bundled with the editor, the worker,
   playground.py and the examples, with Pyodide's and viz.js's files beside them.
4. Pyodide's compiled packages (numpy, for engine.compile), only when given:
   `python playground/build.py --pyodide-packages DIR` (default: the
   project's shared/pyodide-packages/, when it is there) copies from DIR the
   wheel files pyodide-lock.json names for PYODIDE_PACKAGES, and the page loads
   one when a cell first imports it. Pyodide's npm package does not carry them
   and PyPI has no build of numpy for Pyodide, so without DIR the page says
   plainly that numpy is not in this build.

Nothing in dist/ is fetched from anywhere else: serve the folder as it is
(`make playground`: python -m http.server on 127.0.0.1:8000).
"""

from __future__ import annotations

import argparse
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
# Pure-Python wheels for the checker in the page: hypothesis's last release without a compiled
# part (later ones carry a native module, built for CPython on Linux, not for Pyodide).
WHEELS = ("hypothesis==6.155.7", "sortedcontainers==2.4.0")
PYODIDE_PACKAGES = ("numpy",)
PYODIDE_PYTHON = "3.14"  # the Python of the pinned Pyodide (pyodide-lock.json's info.python)
MODULES = ("app.js", "viewer.js", "exercise.js", "store.js")  # bundled into dist/app.js
SHARED_PACKAGES = ROOT.parent / "shared" / "pyodide-packages"
FONT_FILES = [f"arimo-{part}-{weight}-normal.woff2" for part in ("latin", "greek") for weight in (400, 700)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the playground into playground/dist/.")
    parser.add_argument(
        "--pyodide-packages",
        type=Path,
        help="a folder with Pyodide's numpy wheel (the file pyodide-lock.json names), shipped with the site",
    )
    args = parser.parse_args(argv)
    if args.pyodide_packages is None and SHARED_PACKAGES.is_dir():
        args.pyodide_packages = SHARED_PACKAGES
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("the playground needs npm (Node.js): apt-get install nodejs npm")
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE)
    with tempfile.TemporaryDirectory(dir=HERE) as staging:
        site = Path(staging) / "dist"
        shutil.copytree(HERE / "site", site, ignore=shutil.ignore_patterns(*MODULES))
        modules = HERE / "node_modules"
        (site / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copy2(modules / "pyodide" / name, site / "pyodide" / name)
        (site / "viz").mkdir()
        shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz.js", site / "viz" / "viz.js")
        (site / "fonts").mkdir()  # Arimo: Arial's widths, which viz.js lays the boxes out with
        for name in FONT_FILES:
            shutil.copy2(modules / "@fontsource" / "arimo" / "files" / name, site / "fonts" / name)
        bundle(site / "app.js")
        wheels = site / "wheels"
        wheels.mkdir()
        build_wheels(wheels)
        packages = pyodide_packages(args.pyodide_packages, site / "pyodide")
        examples = sorted(p.name for p in (site / "examples").glob("*.py"))
        (site / "manifest.json").write_text(
            json.dumps(
                {
                    "wheels": sorted(p.name for p in wheels.glob("*.whl")),
                    "examples": examples,
                    "packages": packages,
                },
                indent=1,
            )
        )
        if DIST.exists():
            shutil.rmtree(DIST)
        os.replace(site, DIST)  # the new site whole, or the old one as it was
    size = sum(p.stat().st_size for p in DIST.rglob("*") if p.is_file())
    print(f"playground built in {DIST.relative_to(ROOT)}: {size / 1e6:.1f} MB")


def bundle(into: Path) -> None:
    """site/app.js and what it imports (CodeMirror from node_modules) as one file, by esbuild."""
    esbuild = HERE / "node_modules" / ".bin" / "esbuild"
    run(
        [
            str(esbuild),
            str(HERE / "site" / "app.js"),
            "--bundle",
            "--format=esm",
            "--minify",
            "--log-level=warning",
            f"--outfile={into}",
        ]
    )


def pyodide_packages(folder: Path | None, into: Path) -> list[str]:
    """Copy PYODIDE_PACKAGES' wheels (the files pyodide-lock.json names) from `folder`
    beside Pyodide; returns the names shipped."""
    if folder is None:
        return []
    lock = json.loads((into / "pyodide-lock.json").read_text())["packages"]
    shipped = []
    for name in PYODIDE_PACKAGES:
        wanted = [name, *lock[name]["depends"]]
        files = [folder / lock[n]["file_name"] for n in wanted]
        missing = [f.name for f in files if not f.exists()]
        if missing:
            sys.exit(f"--pyodide-packages {folder}: {name} needs {', '.join(missing)}, not there")
        for f in files:
            shutil.copy2(f, into / f.name)
        shipped.append(name)
    return shipped


def build_wheels(into: Path) -> None:
    """chainrule's wheel from this checkout, graphviz's (the version installed here) and WHEELS."""
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
            "--platform=any",  # pure Python only, as Pyodide's Python runs them
            "--implementation=py",
            f"--python-version={PYODIDE_PYTHON}",
            "-d",
            str(into),
            f"graphviz=={version}",
            *WHEELS,
        ]
    )


def run(command: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


if __name__ == "__main__":
    main()
