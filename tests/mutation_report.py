"""The last mutation run's score per module and every surviving mutant with the reason it survives,
from mutmut's result files (``make mutate`` prints it; ``python tests/mutation_report.py``).

mutmut 3 records each mutant's exit code in ``mutants/**/*.py.meta``: 1 killed (a test failed),
0 survived, 33 no fast test reaches its function, a negative code or 152 a timeout (counted as
killed, as mutmut does). A survivor whose change matches a known kind of equivalent or cosmetic
mutation is given that reason; the rest are listed as "to kill", with their diff.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"

# (reason, test on the removed and the added line): the first that matches names the survivor's kind.
KINDS = [
    (
        "equivalent: `strict=` of a zip whose sequences have equal lengths by construction",
        lambda old, new: "zip(" in old and "strict=True" in old and "strict=True" not in new,
    ),
    (
        "equivalent: `nan=0.0` is `nan_to_num`'s default",
        lambda old, new: "nan=0.0" in old and "nan=0.0" not in new and "nan_to_num" in new,
    ),
    (
        "equivalent: numpy reads a sort `kind` in any case",
        lambda old, new: 'kind="stable"' in old and 'kind="STABLE"' in new,
    ),
    (
        "equivalent: the input is float64 already, or the next operation makes it so",
        lambda old, new: (
            re.search(r"dtype=(np\.float64|float)|, float\)", old) is not None
            and re.search(r"dtype=(np\.float64|float)|, float\)", new) is None
        ),
    ),
    (
        "equivalent: a cast to the dtype the values have already (float32 rows, int64 counts), or "
        "`astype(None)`, which is float64, where float64 or an int conversion follows",
        lambda old, new: (
            re.search(r"dtype=np\.(int64|float32)|astype\((int|np\.float64)\)", old) is not None
            and (
                "dtype=None" in new
                or "astype(None)" in new
                or re.search(r"dtype=np\.(int64|float32)", new) is None
            )
        ),
    ),
    (
        "equivalent: hashlib reads an algorithm's name in any case, and sha256 is the default",
        lambda old, new: (
            re.search(r'file_digest\(path, "(sha256|md5)"\)', old) is not None
            or 'algorithm: str = "sha256"' in old
        ),
    ),
    (
        "equivalent: numpy casts what `__array__` returns to the dtype it asked for",
        lambda old, new: "out.astype(dtype)" in old,
    ),
    (
        "equivalent: a chunk number as a float is the same dict key (2.0 == 2, same hash)",
        lambda old, new: re.search(r"start\W+// (chunk|z\.chunks\[0\])", old) is not None and " / " in new,
    ),
    (
        "equivalent: zarr's default mode opens an existing store for reading and writing, as r+",
        lambda old, new: "zarr.open_array(str(path), mode=mode)" in old,
    ),
    (
        "not worth a test: the indentation of a JSON file (every reader parses it)",
        lambda old, new: "indent=1" in old and "indent=1" not in new,
    ),
    (
        "equivalent: results do not depend on the number of threads (tested: equal for 1, 2, 3)",
        lambda old, new: re.search(r"threadpool_limits|workers|threads|ThreadPoolExecutor", old) is not None,
    ),
    (
        "not worth a test: the wording of a log line",
        lambda old, new: re.match(r"\s*log\.(info|warning|debug)\(", old) is not None,
    ),
]
TO_KILL = "of no known kind (each with its change)"


def exit_codes() -> dict[str, dict[str, int | None]]:
    """Module file (relative to the package) -> mutant name -> exit code."""
    out = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        name = meta.relative_to(MUTANTS / "src" / "aelatent").as_posix().removesuffix(".meta")
        out[name] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def status(code: int | None) -> str:
    if code is None:
        return "not run"
    timeout = code == 152 or code < 0
    return {0: "survived", 1: "killed", 33: "no fast test"}.get(code, "killed" if timeout else "other")


def functions(module: str) -> dict[str, list[str]]:
    """Every function of the mutated copy of ``module`` (the original as ``..._mutmut_orig``, each
    mutant as ``..._mutmut_<n>``) -> its lines, signature included, its own name replaced by ``f``."""
    path = MUTANTS / "src" / "aelatent" / module
    text = path.read_text()
    lines = text.splitlines()
    return {
        node.name: [ln.replace(node.name, "f") for ln in lines[node.lineno - 1 : node.end_lineno]]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef) and "__mutmut_" in node.name
    }


def diff(bodies: dict[str, list[str]], mutant: str) -> tuple[str, str]:
    """The mutant's changed lines: removed from the original function, and added."""
    name = mutant.rpartition(".")[2]
    orig = bodies[name.rpartition("__mutmut_")[0] + "__mutmut_orig"]
    changed = [d for d in difflib.ndiff(orig, bodies[name]) if d[:2] in ("- ", "+ ")]
    old = " ".join(d[2:].strip() for d in changed if d[0] == "-")
    new = " ".join(d[2:].strip() for d in changed if d[0] == "+")
    return old, new


def kind(old: str, new: str) -> str:
    return next((reason for reason, test in KINDS if test(old, new)), TO_KILL)


def main() -> None:
    codes = exit_codes()
    rows, total = [], Counter()
    survivors: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for module, by_key in codes.items():
        if not by_key:
            continue
        bodies = functions(module)
        c = Counter(status(code) for code in by_key.values())
        total += c
        rows.append((module, c))
        for mutant, code in by_key.items():
            if code == 0:
                old, new = diff(bodies, mutant)
                survivors[kind(old, new)].append((mutant, old, new))
    print("| module | mutants | killed | survived | no fast test | score (of reached) | score (of all) |")
    print("|---|---|---|---|---|---|---|")
    for module, c in [*rows, ("**all**", total)]:
        n, reached = sum(c.values()), c["killed"] + c["survived"]
        print(
            f"| {module} | {n} | {c['killed']} | {c['survived']} | {c['no fast test']} | "
            f"{100 * c['killed'] / max(reached, 1):.1f}% | {100 * c['killed'] / max(n, 1):.1f}% |"
        )
    for reason in [r for r, _ in KINDS] + [TO_KILL]:
        found = survivors.get(reason, [])
        if not found:
            continue
        print(f"\n### {reason}: {len(found)}\n")
        for mutant, old, new in found:
            print(f"- `{mutant}`: `{old}` → `{new}`" if reason == TO_KILL else f"- `{mutant}`")


if __name__ == "__main__":
    main()
