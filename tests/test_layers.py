"""The house rules of the code base: each floor imports only the floors below it, no
module-level import loops, and the light commands stay light (``sohoa ocr`` loads no
pyHanko; the scorecard loads no pyHanko). README "Layout" draws the floors."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

# What each part may import (besides itself); anything of ours not listed is an upward or
# sideways import. Order: ground floor first.
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "ocr_models": {"common"},
    "storage": {"common"},
    "reuse_index": {"common"},
    "pipeline.papers": {"common", "ocr_models"},
    "pipeline.pdfa": {"common", "ocr_models"},
    "pipeline.signing": {"common"},
    "pipeline.page": {"common", "ocr_models", "pipeline.papers", "pipeline.pdfa"},
    "pipeline.scan": {"common", "ocr_models", "storage", "reuse_index", "pipeline.page",
                      "pipeline.papers", "pipeline.pdfa", "pipeline.signing"},
    "pipeline.run": {"common", "ocr_models", "storage", "reuse_index", "pipeline.page",
                     "pipeline.papers", "pipeline.pdfa", "pipeline.signing", "pipeline.scan"},
    "warehouse": {"common", "ocr_models", "storage", "reuse_index", "pipeline.page",
                  "pipeline.papers", "pipeline.pdfa", "pipeline.signing", "pipeline.scan",
                  "pipeline.run"},
    "web": {"common", "ocr_models", "storage", "reuse_index", "pipeline.page",
            "pipeline.papers", "pipeline.pdfa", "pipeline.signing", "pipeline.scan",
            "pipeline.run", "warehouse"},
    "cli": {"common", "ocr_models", "storage", "reuse_index", "pipeline.page",
            "pipeline.papers", "pipeline.pdfa", "pipeline.signing", "pipeline.scan",
            "pipeline.run", "warehouse", "web"},
}
OURS = ("common", "ocr_models", "storage", "reuse_index", "pipeline", "warehouse", "web", "cli")


def part_of(module: str) -> str | None:
    """The part (a key of ALLOWED) a dotted module name belongs to."""
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return "pipeline" if module == "pipeline" else None


def modules() -> dict[str, Path]:
    found = {"cli": REPO / "cli.py"}
    for package in OURS[:-1]:
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            found[name] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for each import of ours in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in tree.body:  # imports under "if TYPE_CHECKING:" are not run
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            top.update(id(n) for n in ast.walk(node))
    type_only = {id(n) for node in tree.body if isinstance(node, ast.If)
                 and "TYPE_CHECKING" in ast.dump(node.test) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in ALL else base
                       for a in node.names]
        for target in targets:
            if target.split(".")[0] in OURS:
                out.append((target, id(node) in top))
    return out


ALL = modules()


def test_no_floor_imports_a_floor_above_it() -> None:
    wrong = []
    for name, path in sorted(ALL.items()):
        mine = part_of(name)
        assert mine is not None, f"{name}: not in any part of ALLOWED"
        for target, _ in imports(name, path):
            theirs = part_of(target)
            if theirs is not None and theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{name} imports {target} ({mine} → {theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_module_level_import_loops() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in ALL.items():
        for target, at_top in imports(name, path):
            while target not in ALL and "." in target:
                target = target.rpartition(".")[0]
            if at_top and target in ALL and target != name:
                graph[name].add(target)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for node in sorted(ALL):
        if node not in index:
            visit(node)
    assert not loops, f"import loops: {loops}"


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print('\\n'.join(sorted(sys.modules)))"],
                         cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    return set(out.stdout.split())


def test_ocr_command_loads_no_pyhanko_and_no_warehouse() -> None:
    loaded = _loaded_after("import cli\nfrom pipeline.page import pool, process\n"
                           "from pipeline.papers import fields\nfrom pipeline import pdfa")
    assert not {m for m in loaded if m.startswith(("pyhanko", "warehouse", "web"))}


def test_scorecard_and_review_load_no_pyhanko() -> None:
    loaded = _loaded_after("from warehouse import scorecard, review, scorecard_html")
    assert not {m for m in loaded if m.startswith("pyhanko")}


def test_verification_speedups_only_where_verification_runs() -> None:
    code = ("from pipeline.signing import keys, sign\n"
            "from pyhanko.pdf_utils import generic\n"
            "print('PATCHED' if generic.read_until_delimiter.__module__.startswith('pipeline')"
            " else 'PYHANKO')")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "PYHANKO"
