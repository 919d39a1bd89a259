"""The code hash behind rerun decisions, and the library's architecture it makes visible."""

import ast
import json
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


# --- the scripts' hashes remembered between Snakemake starts (aelatent.codecache) ----------------


@pytest.fixture
def two_scripts(tmp_path):
    """A scripts folder of two real scripts: one of training, one of statistics."""
    import shutil

    folder = tmp_path / "scripts"
    folder.mkdir()
    for name in ("train_model.py", "correlations.py"):
        shutil.copy(ROOT / "scripts" / name, folder / name)
    return folder


def test_script_hashes_are_the_code_hashes_computed_once_then_read_back(tmp_path, monkeypatch, two_scripts):
    from aelatent import codecache

    scripts = sorted(two_scripts.glob("*.py"))
    want = {p.stem: codehash.code_hash([p]) for p in scripts}
    cache = tmp_path / "cache" / "code_hashes.json"
    assert codecache.script_hashes(two_scripts, cache) == want
    assert json.loads(cache.read_text()) == {codecache.tree_key(scripts): want}

    def no_parsing(paths):
        raise AssertionError(f"hashed {paths} again")

    monkeypatch.setattr(codecache, "code_hash", no_parsing)
    assert codecache.script_hashes(two_scripts, cache) == want


@pytest.mark.parametrize("damage", ["", "{", "[]", '{"KEY": {"train_model": "x"}}', "directory"])
def test_a_broken_or_foreign_cache_is_recomputed(tmp_path, damage, two_scripts):
    from aelatent import codecache

    scripts = sorted(two_scripts.glob("*.py"))
    want = {p.stem: codehash.code_hash([p]) for p in scripts}
    cache = tmp_path / "code_hashes.json"
    if damage == "directory":  # neither readable nor writable as a file: hashes still come
        cache.mkdir()
    else:
        cache.write_text(damage.replace("KEY", codecache.tree_key(scripts)))
    assert codecache.script_hashes(two_scripts, cache) == want
    if damage != "directory":
        assert json.loads(cache.read_text()) == {codecache.tree_key(scripts): want}


def test_the_key_changes_with_any_byte_name_or_file_of_the_package_or_scripts(tmp_path, monkeypatch):
    import shutil

    from aelatent import codecache

    lib, scripts = tmp_path / "aelatent", tmp_path / "scripts"
    shutil.copytree(LIB, lib, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scripts", scripts)
    monkeypatch.setattr(codecache, "PACKAGE_DIR", lib)

    def key():
        return codecache.tree_key(sorted(scripts.glob("*.py")))

    keys = [key()]
    (lib / "stats" / "moments.py").write_text((lib / "stats" / "moments.py").read_text() + "\n")
    keys.append(key())
    (lib / "stats" / "moments2.py").write_text("")
    keys.append(key())
    (lib / "stats" / "moments2.py").rename(lib / "stats" / "moments3.py")
    keys.append(key())
    (scripts / "train_model.py").write_text((scripts / "train_model.py").read_text() + "#\n")
    keys.append(key())
    (scripts / "extra.py").write_text("")
    keys.append(key())
    (lib / "notes.txt").write_text("not code")  # no module: same key
    keys.append(key())
    assert len(set(keys)) == len(keys) - 1 and keys[-1] == keys[-2]


def test_the_cache_keeps_the_latest_keys(tmp_path, monkeypatch):
    from aelatent import codecache

    cache = tmp_path / "code_hashes.json"
    old = {f"k{i}": {"x": str(i)} for i in range(codecache.KEEP + 3)}
    cache.write_text(json.dumps(old))
    monkeypatch.setattr(codecache, "code_hash", lambda paths: "h")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.py").write_text("")
    assert codecache.script_hashes(tmp_path / "s", cache) == {"a": "h"}
    kept = json.loads(cache.read_text())
    assert len(kept) == codecache.KEEP and list(kept)[:-1] == list(old)[-(codecache.KEEP - 1) :]
