"""The code hash behind rerun decisions, and the library's architecture it makes visible."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

from aelatent import codehash

LIB = ROOT / "src" / "aelatent"


@pytest.fixture(autouse=True)
def uncached():
    """Each test parses and hashes for itself: results cached at collection or by an earlier test
    would hide a bug in the parsing behind values computed before it."""
    for cached in (codehash._parse, codehash._imports, codehash.normalized):
        cached.cache_clear()


MODULES = sorted(p.relative_to(LIB).as_posix() for p in LIB.rglob("*.py"))


def third_party(paths) -> set[str]:
    """Top-level names of the non-package modules that ``paths`` import anywhere."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names.add(node.module.split(".")[0])
    return names - {"aelatent"}


def closure_of(*modules: str) -> list[Path]:
    return codehash.closure([LIB / m for m in modules])


def test_comments_docstrings_and_layout_do_not_change_the_normal_form(tmp_path):
    a, b, c = tmp_path / "a.py", tmp_path / "b.py", tmp_path / "c.py"
    a.write_text('"""Doc."""\n\n\ndef f(x):\n    """Says why."""\n    return x + 1\n')
    b.write_text(
        '"""Other doc."""\n# a comment\ndef f( x ):  # here too\n    """Says more."""\n\n    return (x + 1)\n'
    )
    c.write_text('"""Doc."""\n\n\ndef f(x):\n    """Says why."""\n    return x + 2\n')
    assert codehash.normalized(a) == codehash.normalized(b)
    assert codehash.normalized(a) != codehash.normalized(c)


def cosmetic(text: str) -> str:
    """``text`` with its module docstring extended, a blank line added and a comment appended."""
    doc = ast.get_docstring(ast.parse(text), clean=False) or ""
    return text.replace(doc, doc + " (edited)", 1).replace("\n\n", "\n\n\n", 1) + "\n# note\n"


@pytest.mark.parametrize("module", MODULES)
def test_a_modules_comment_docstring_and_layout_edits_keep_its_hash(tmp_path, module):
    """Per module; that the workflow then reruns nothing is tested once for all modules at once
    (tests/test_workflow.py)."""
    edited = tmp_path / Path(module).name
    edited.write_text(cosmetic((LIB / module).read_text()))
    assert edited.read_text() != (LIB / module).read_text()
    assert codehash.normalized(edited) == codehash.normalized(LIB / module)


def test_every_import_form_is_followed():
    tree = ast.parse(
        "import aelatent.io.tables\n"
        "from aelatent.stats import moments, shards\n"
        "from . import checksum, atomic as at\n"
        "from ..nn.model import to_input\n"
        "def f():\n    from .stream import bounded_map\n"
    )
    names = codehash.imported_names(tree, "aelatent.io.sample", is_package=False)
    files = {codehash.module_file(n) for n in names} - {None}
    rel = {f.relative_to(LIB).as_posix() for f in files}
    assert rel == {
        "__init__.py",
        "io/__init__.py",
        "io/tables.py",
        "stats/__init__.py",
        "stats/moments.py",
        "stats/shards.py",
        "io/checksum.py",
        "io/atomic.py",
        "nn/__init__.py",
        "nn/model.py",
        "io/stream.py",
    }


def test_closure_follows_imports_transitively():
    got = {p.relative_to(LIB).as_posix() for p in closure_of("stats/shards.py")}
    assert {"stats/shards.py", "stats/moments.py", "io/latents.py", "io/stream.py", "io/atomic.py"} <= got
    assert {"__init__.py", "stats/__init__.py", "io/__init__.py"} <= got
    assert not {p for p in got if p.startswith(("nn/", "plots/", "data/", "vectors/", "figures/"))}


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("plots", {"torch", "torchvision", "snakemake"}),
        ("stats", {"torch", "torchvision", "matplotlib", "snakemake"}),
        ("vectors", {"torch", "torchvision", "snakemake"}),
        ("data", {"snakemake"}),
        ("io", {"torch", "torchvision", "matplotlib", "snakemake"}),
    ],
)
def test_stage_closures_stay_out_of_other_stages(package, forbidden):
    """Plots never import torch; statistics never import torch or plotting; the library never
    imports Snakemake: so an edit in one stage cannot rerun another."""
    for module in (LIB / package).glob("*.py"):
        paths = codehash.closure([module])
        assert not third_party(paths) & forbidden, (module.name, third_party(paths) & forbidden)
        if package == "stats":
            assert not any("plots" in p.parts or "nn" in p.parts for p in paths), module.name


def test_the_training_closure_holds_no_statistics_or_plots():
    paths = closure_of("nn/train.py")
    assert not any(part in p.parts for p in paths for part in ("stats", "plots", "vectors", "figures"))


@pytest.mark.parametrize("module", MODULES)
def test_a_comment_docstring_or_layout_edit_keeps_the_normal_form(module, tmp_path):
    """Unit-level twin of the dry-run test in test_workflow.py, over every module: the hash of a
    closure is built from these normal forms only."""
    original = (LIB / module).read_text()
    doc = ast.get_docstring(ast.parse(original), clean=False)
    assert doc, f"{module} has no module docstring"
    edited = original.replace(doc, doc + " Edited.", 1).replace("\n\n", "\n\n\n", 1)
    (tmp_path / "a.py").write_text(original)
    (tmp_path / "b.py").write_text(edited + "\n# a comment\n")
    assert codehash.normalized(tmp_path / "a.py") == codehash.normalized(tmp_path / "b.py")
