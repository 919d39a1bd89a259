"""What a piece of code depends on, as one hash: the package modules it imports, transitively,
each reduced to its syntax tree without comments, docstrings or formatting.

The workflow passes this hash as a param, so editing a function body reruns exactly the rules whose
scripts reach that module, and a comment or docstring edit reruns nothing. Training uses the same
hash to decide whether a checkpoint was made by the same code.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

PACKAGE = __name__.partition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(name: str) -> Path | None:
    """The file of package module ``name`` (a package's ``__init__.py``), or None if not ours."""
    head, _, rest = name.partition(".")
    if head != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*rest.split(".")) if rest else PACKAGE_DIR
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    rel = path.resolve().relative_to(PACKAGE_DIR).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs every enclosing package."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def _parse(path: Path) -> ast.Module:
    """The module's syntax tree without docstrings (comments and layout are not in the tree):
    parsed once per file, for its imports and for its normal form."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def imported_names(tree: ast.Module, name: str | None, is_package: bool) -> set[str]:
    """Every module name an import in ``tree`` may load, in every form: ``import a.b``,
    ``from a import b`` (``b`` may be a module), relative imports of any level, imports inside
    functions. Names that are attributes rather than modules simply resolve to no file."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if name is None:
                    continue  # a relative import outside the package cannot reach it
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {parent for n in found for parent in _parents(n)}


@cache
def _imports(path: Path) -> tuple[Path, ...]:
    """Package files that ``path`` imports directly. Cached per file: the workflow hashes a
    closure for every rule at start-up, and the closures share most of their modules."""
    name = module_name(path) if path.is_relative_to(PACKAGE_DIR) else None
    files = (module_file(n) for n in imported_names(_parse(path), name, path.name == "__init__.py"))
    return tuple(sorted({f for f in files if f is not None}))


def closure(paths: Iterable[str | Path]) -> list[Path]:
    """Package files that the given files (scripts or package modules) import, transitively,
    sorted; package modules among ``paths`` are included themselves."""
    seen: set[Path] = set()
    todo = [Path(p).resolve() for p in paths]
    starts = set(todo)
    while todo:
        path = todo.pop()
        if path.is_relative_to(PACKAGE_DIR):
            if path in seen:
                continue
            seen.add(path)
        elif path not in starts:
            continue
        todo.extend(f for f in _imports(path) if f not in seen)
    return sorted(seen)


@cache
def normalized(path: Path) -> str:
    """The module's syntax tree without docstrings, comments or layout, as text."""
    return ast.dump(_parse(path), annotate_fields=False, include_attributes=False)


def code_hash(paths: Iterable[str | Path]) -> str:
    """Hash of the normalised closure of ``paths`` (the files outside the package not included:
    Snakemake tracks a rule's own script)."""
    h = hashlib.sha256()
    for path in closure(paths):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        h.update(normalized(path).encode() + b"\0")
    return h.hexdigest()[:16]


def module_hash(name: str) -> str:
    """``code_hash`` of one package module by its dotted name."""
    path = module_file(name)
    if path is None:
        raise ValueError(f"{name} is not a module of {PACKAGE}")
    return code_hash([path])
