"""The house's shape, checked: each folder of engine/ is one layer, modules meet
through what they publish (no import of another module's `_private` names),
and no import cycle, counting the imports inside functions."""

import ast
import configparser
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parents[1]
PACKAGES = ("engine", "nn")
# engine/'s own modules (value, ops, backward, graph, ...): the core, standard library only
CORE = {f"engine.{p.stem}" for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__"}
# The layers each layer may import, besides itself. engine/__init__ is the facade
# that gathers them all, and no module of the engine imports it.
LAYERS = {
    "core": {"core"},
    "engine.explaining": {"core"},
    "engine.compiler": {"core"},
    "engine.viz": {"core", "engine.explaining"},
    # gradcheck, strategies, and check_engine's derivations and its picture
    "engine.testing": {"core", "engine.explaining", "engine.viz"},
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def project_files(*folders):
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def imports(path: pathlib.Path):
    """(imported module, names taken from it) for every import in the file, functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [alias.name for alias in node.names]
            submodules = [n for n in names if is_module(f"{node.module}.{n}")]
            found += [(f"{node.module}.{n}", []) for n in submodules]
            rest = [n for n in names if n not in submodules]
            if rest:
                found.append((node.module, rest))
    return found


def project_graph():
    graph = {}
    for path in project_files(*PACKAGES):
        targets = {m for m, _ in imports(path) if m.split(".")[0] in PACKAGES}
        graph[module_name(path)] = targets - {module_name(path)}
    return graph


def layer_of(name: str) -> str:
    for layer in ("engine.explaining", "engine.compiler", "engine.viz", "engine.testing"):
        if name == layer or name.startswith(layer + "."):
            return layer
    return "core"


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in project_files("engine", "nn", "demos", "benchmarks", "docs"):
        for module, names in imports(path):
            private = [
                n for n in [module.rsplit(".", 1)[-1], *names] if n.startswith("_") and n != "__future__"
            ]
            if private and module.split(".")[0] in (*PACKAGES, "demos"):
                offenders.append(f"{path.relative_to(ROOT)}: {module} {private}")
    assert offenders == []


def test_there_is_no_import_cycle_not_even_inside_functions():
    graph = project_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def cycle_from(start):
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = cycle_from(module)
            assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_folder_of_the_engine_is_one_layer(layer):
    graph = project_graph()
    allowed = LAYERS[layer] | {layer}
    for module, targets in graph.items():
        if not module.startswith("engine.") or layer_of(module) != layer:
            continue
        engine_targets = {t for t in targets if t.split(".")[0] == "engine"}
        outside = {t for t in engine_targets if t == "engine" or layer_of(t) not in allowed}
        assert not outside, f"{module} ({layer}) reaches {sorted(outside)}"


def test_the_core_reads_no_layer_above_it():
    graph = project_graph()
    for module in CORE:
        assert {layer_of(t) for t in graph[module]} <= {"core"}, module


def test_every_package_is_installed_and_demos_is_not():
    from setuptools import find_packages

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    include = config["options.packages.find"]["include"].split()
    installed = set(find_packages(str(ROOT), include=include))
    on_disk = {module_name(p.parent) for folder in PACKAGES for p in (ROOT / folder).rglob("__init__.py")}
    assert installed == on_disk and "demos" not in installed
    assert "install_requires" in config["options"]  # where setuptools reads it


# -- docs/layout.md against the tree ------------------------------------------------

LAYOUT = ROOT / "docs" / "layout.md"
# Words in the tree's descriptions shaped like code that are not code of ours
NOT_CODE = {"JUnit", "JSON", "XML", "HTML", "CSS", "GIF", "SVG", "Jupyter", "Pillow", "Graphviz"}
# Names in its prose that are not defined here: packages, and the playground's build output
NOT_OURS = {"demos", "torch", "nn", "dist/"}


def defined_in(name: str, paths) -> bool:
    """Whether `name` is defined (def, class, an assignment, a parameter of a dataclass or
    NamedTuple: a name at the start of a line) in one of these files."""
    pattern = re.compile(
        rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*[:=]", re.M
    )
    return any(pattern.search(p.read_text()) for p in paths)


def layout_tree():
    """(path, description) of each line of layout.md's tree: a folder at the left margin,
    its files and subfolders indented by two, a subfolder's files by four."""
    block = LAYOUT.read_text().split("```", 2)[1]
    top = sub = ROOT
    entries: list[tuple[pathlib.Path, str]] = []
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)(?: +(.*))?$", line)
        if not match:
            continue
        indent, name, description = len(match[1]), match[2], match[3] or ""
        if indent == 0:  # a folder: engine/, engine/viz/
            top = sub = ROOT / name.strip("/")
        elif (indent <= 4 and re.fullmatch(r"[\w.]+", name) and "." in name) or name.endswith("/"):
            path = (top if indent == 2 else sub) / name.strip("/")
            if name.endswith("/"):
                sub = path
            entries.append((path, description))
        elif entries:  # a description's second line
            path, text = entries[-1]
            entries[-1] = (path, text + " " + line.strip())
    return entries


def code_names(description: str) -> list[str]:
    """The names in a description that can only be code: snake_case (with an underscore)
    or CamelCase with two capitals or more."""
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", description)
    code = [w for w in words if "_" in w or re.fullmatch(r"[A-Z][a-z0-9]+[A-Z]\w*", w)]
    return [w for w in code if w not in NOT_CODE]


def test_every_module_layout_md_names_exists_and_every_name_it_gives_one_is_defined():
    """A renamed module or function that docs/layout.md still names fails here."""
    entries = layout_tree()
    assert len(entries) > 30, "layout.md's tree was not read"
    ours = sorted(ROOT.glob("engine/**/*.py")) + sorted(ROOT.glob("nn/*.py"))
    missing = []
    for path, description in entries:
        if not path.exists():
            missing.append(f"{path.relative_to(ROOT)} does not exist")
            continue
        for name in code_names(description):
            if not defined_in(name, ours):
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, "docs/layout.md names what is not there: " + "; ".join(missing)


def test_every_module_of_the_engine_is_in_layout_md():
    described = {path for path, _ in layout_tree()}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if path.name == "__init__.py" and path.parent != ROOT / "engine":
            continue
        listed = path in described or (path.parent in described and path.parent != ROOT / "engine")
        assert listed, f"docs/layout.md does not list {path.relative_to(ROOT)}"


def test_every_name_in_backticks_below_layout_mds_tree_is_there():
    """The prose under the tree: `FAST_STEPS`, `Module`, `seed_network.py`, `site/`..."""
    prose = LAYOUT.read_text().split("```", 2)[2]
    ours = [
        p
        for folder in ("engine", "nn", "demos", "playground", "benchmarks", "docs", "tests")
        for p in (ROOT / folder).rglob("*.py")
    ]
    ours = [p for p in ours if "node_modules" not in p.parts and "dist" not in p.parts]
    skip = {".git", ".venv", "node_modules", "dist", "build", "__pycache__"}
    found = set()  # every file and folder of ours, by its path's last one or two parts
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
        base = pathlib.Path(folder)
        for entry in dirs + files:
            found.update({entry, f"{base.name}/{entry}"})
    missing = []
    for quoted in re.findall(r"`([^`]+)`", prose):
        name = quoted.strip()
        if re.fullmatch(r"[\w.-]+\.(py|js|json|md)|[\w-]+/(?:[\w.-]+)?", name):  # a file or folder
            if name.rstrip("/") not in found and name not in NOT_OURS:
                missing.append(name)
        elif re.fullmatch(r"[A-Za-z_]\w*", name) and name not in NOT_OURS and not defined_in(name, ours):
            missing.append(name)
    assert not missing, "docs/layout.md's prose names what is not there: " + ", ".join(missing)


def test_a_module_over_500_lines_says_why_at_its_top():
    for path in project_files("engine", "nn", "demos", "benchmarks", "docs", "playground"):
        if "node_modules" in path.parts or "dist" in path.parts:
            continue
        text = path.read_text()
        if len(text.splitlines()) > 500:
            assert "Over 500 lines" in text[:4000], (
                f"{path.relative_to(ROOT)}: long, and its top says not why"
            )
