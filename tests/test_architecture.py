"""The package's import rules, read from the source (AST), not from running it.

- No module of ours imports a private name (``_x``) of another module of ours, or a
  private module of ours.
- Only ``bertopic_saetm/backends/bertopic_internals.py`` touches BERTopic's private names:
  no other module imports ``bertopic._x`` modules or ``_x`` names from BERTopic, accesses an
  ``_x`` attribute of anything but ``self`` / ``cls`` / ``super()``, or spells the name of a
  private BERTopic member the internals module wraps.
- Library code never writes ``os.environ``.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bertopic_saetm", "sae_lens_bridge")
INTERNALS = ROOT / "bertopic_saetm" / "backends" / "bertopic_internals.py"


def modules():
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = list(path.relative_to(ROOT).parts[:-1])
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _tree(path: Path, source: str | None = None) -> ast.Module:
    return ast.parse(path.read_text() if source is None else source, str(path))


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def _imports(path: Path, source: str | None = None):
    """(module, name or None, line) of every import in ``path``, modules made absolute."""
    for node in ast.walk(_tree(path, source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield _absolute(path, node), alias.name, node.lineno


def private_imports(path: Path, roots, source: str | None = None) -> list[str]:
    """Imports in ``path`` of private modules or names under the packages ``roots``."""
    found = []
    for module, name, line in _imports(path, source):
        if module.split(".")[0] not in roots:
            continue
        parts = module.split(".") + ([name] if name else [])
        if any(_private(part) for part in parts):
            found.append(f"{_where(path, line)} imports {'.'.join(parts)}")
    return found


def private_attributes(path: Path, source: str | None = None) -> list[str]:
    """``x._name`` accesses in ``path`` where x is not self, cls or super()."""
    found = []
    for node in ast.walk(_tree(path, source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            found.append(f"{_where(path, node.lineno)} accesses {ast.unparse(node)}")
    return found


def test_the_scan_sees_what_it_looks_for():
    # The rules below must be able to fail: a module breaking each one is reported.
    probe = ROOT / "bertopic_saetm" / "backends" / "probe.py"
    source = ("from ..validation import _hidden\nfrom bertopic._bertopic import TopicMapper\n"
              "import bertopic_saetm._secret\nfrom .. import stages\n\n"
              "def f(model):\n    return model._state, self._own, super()._base\n")
    assert private_imports(probe, PACKAGES, source) == [
        "bertopic_saetm/backends/probe.py:1 imports bertopic_saetm.validation._hidden",
        "bertopic_saetm/backends/probe.py:3 imports bertopic_saetm._secret"]
    assert private_imports(probe, ("bertopic",), source) == [
        "bertopic_saetm/backends/probe.py:2 imports bertopic._bertopic.TopicMapper"]
    assert private_attributes(probe, source) == [
        "bertopic_saetm/backends/probe.py:7 accesses model._state"]


def test_no_module_imports_private_names_of_ours():
    found = [line for path in modules() for line in private_imports(path, PACKAGES)]
    assert found == [], "private names imported across modules:\n" + "\n".join(found)


def test_only_the_internals_module_touches_bertopic_private_names():
    from bertopic_saetm.backends.bertopic_internals import INTERNALS as WRAPPED

    wrapped = {internal.name for internal in WRAPPED if _private(internal.name)}
    wrapped |= {"_idf_diag"}
    found = []
    for path in modules():
        if path == INTERNALS:
            continue
        found += private_imports(path, ("bertopic",))
        found += private_attributes(path)
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Constant) and node.value in wrapped:
                found.append(f"{_where(path, node.lineno)} names {node.value!r}")
    assert found == [], ("BERTopic private names outside bertopic_internals.py (add a named, "
                         "version-checked function there):\n" + "\n".join(found))


def environment_writes(path: Path, source: str | None = None) -> list[str]:
    """Statements in ``path`` that write ``os.environ`` (item assignment, deletion, or a
    mutating method)."""
    found = []
    for node in ast.walk(_tree(path, source)):
        mutating_call = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                         and ast.unparse(node.func.value).endswith("environ")
                         and node.func.attr in ("setdefault", "update", "pop", "popitem",
                                                "clear", "__setitem__"))
        item_write = (isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete))
                      and "environ[" in ast.unparse(node))
        if mutating_call or item_write:
            found.append(f"{_where(path, node.lineno)}: {ast.unparse(node)}")
    return found


def test_library_code_never_writes_the_environment():
    probe = ROOT / "bertopic_saetm" / "probe.py"
    assert len(environment_writes(probe, "import os\nos.environ.setdefault('A', '1')\n"
                                         "os.environ['B'] = '2'\ndel os.environ['B']\n")) == 3
    found = [line for path in modules() for line in environment_writes(path)]
    assert found == [], "library code changes os.environ:\n" + "\n".join(found)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(sources: dict | None = None) -> dict[str, set[str]]:
    """Which modules of ours each module of ours imports, anywhere in it (an import inside
    a function, the lazy import of a heavy module, still makes the two depend on each other)
    but under ``if TYPE_CHECKING:``.

    ``from package import name`` points at the submodule ``package.name`` when it is one,
    else at the package.
    """
    sources = sources or {_module_name(p): (p, p.read_text()) for p in modules()}
    names = set(sources)
    graph: dict[str, set[str]] = {}
    for name, (path, source) in sources.items():
        edges = set()
        tree = _tree(path, source)
        # Imports for type hints only (under ``if TYPE_CHECKING:``) never run.
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in names}
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(path, node)
                for alias in node.names:
                    child = f"{target}.{alias.name}"
                    edges.add(child if child in names else target)
        graph[name] = {e for e in edges if e in names and e != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle of ``graph`` found by a depth-first search (one per back edge)."""
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node], _ = "open", stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        state[node], _ = "done", stack.pop()

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def _is_package_and_child(cycle: list[str]) -> bool:
    # A package importing its own submodule, which imports a sibling through the package
    # (``from . import x`` / ``from .x import y``) is Python's normal package loading, not
    # a cycle between two concepts: only the package's __init__ is involved.
    pairs = zip(cycle, cycle[1:], strict=False)
    return all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in pairs)


def test_the_cycle_scan_finds_a_cycle():
    probe = {
        "bertopic_saetm.a": (ROOT / "bertopic_saetm" / "a.py", "from .b import x\n"),
        "bertopic_saetm.b": (ROOT / "bertopic_saetm" / "b.py",
                             "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                             "    from .c import z\n"),
        "bertopic_saetm.c": (ROOT / "bertopic_saetm" / "c.py", "from .a import w\n"),
    }
    assert import_cycles(import_graph(probe)) == []
    # A lazy import inside a function closes a cycle too.
    probe["bertopic_saetm.b"] = (ROOT / "bertopic_saetm" / "b.py",
                                 "def f():\n    from .c import z\n")
    assert import_cycles(import_graph(probe)) == [
        ["bertopic_saetm.a", "bertopic_saetm.b", "bertopic_saetm.c", "bertopic_saetm.a"]]


def test_no_import_cycle_between_our_modules():
    cycles = [c for c in import_cycles(import_graph()) if not _is_package_and_child(c)]
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
