"""The house's shape, checked: each folder of engine/ is one layer, modules meet
through what they publish (no import of another module's `_private` names),
and no import cycle, counting the imports inside functions."""

import ast
import configparser
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parents[1]
PACKAGES = ("engine", "nn")
CORE = {"engine.value", "engine.ops", "engine.graph", "engine.autodiff", "engine.modes", "engine.files"}
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
