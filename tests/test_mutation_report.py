"""``tests/mutation_report.py`` names equivalent kinds of survivors and only those."""

import pytest
from mutation_report import TO_KILL, diff, kind


@pytest.mark.parametrize(
    ("old", "new", "word"),
    [
        ("for a, b in zip(x, y, strict=True)", "for a, b in zip(x, y, strict=None)", "strict="),
        ("for a, b in zip(x, y, strict=True)", "for a, b in zip(x, y, )", "strict="),
        ("c = np.nan_to_num(corr, nan=0.0)", "c = np.nan_to_num(corr, )", "nan_to_num"),
        ('o = np.argsort(-s, kind="stable")', 'o = np.argsort(-s, kind="STABLE")', "any case"),
        ("c = np.asarray(c, dtype=np.float64)", "c = np.asarray(c, dtype=None)", "float64 already"),
        (
            "with ThreadPoolExecutor(max(workers, 1)) as pool:",
            "with ThreadPoolExecutor(None) as pool:",
            "threads",
        ),
        ('log.info("%d rows", n)', 'log.info("XX%d rowsXX", n)', "log line"),
        ("write(out, json.dumps(summary, indent=1))", "write(out, json.dumps(summary, indent=2))", "JSON"),
        ("first = start // z.chunks[0]", "first = start / z.chunks[0]", "dict key"),
        ('return file_digest(path, "sha256")', 'return file_digest(path, "SHA256")', "any case"),
    ],
)
def test_known_kinds_of_survivors_are_named(old, new, word):
    assert word in kind(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("small = np.abs(block) < limits", "small = np.abs(block) <= limits"),
        ('o = np.argsort(-s, kind="stable")', "o = np.argsort(-s, kind=None)"),  # ties: not equivalent
        ("for a, b in zip(x, y, strict=True)", "for a, b in zip(y, x, strict=True)"),
        ('raise ValueError(f"bad {x}")', "raise ValueError(None)"),
    ],
)
def test_other_changes_are_left_to_kill(old, new):
    assert kind(old, new) == TO_KILL


def test_a_mutants_change_is_read_from_its_function_and_the_original():
    bodies = {
        "x_f__mutmut_orig": ["    a = 1", "    return a + b"],
        "x_f__mutmut_3": ["    a = 1", "    return a - b"],
    }
    assert diff(bodies, "aelatent.stats.m.x_f__mutmut_3") == ("return a + b", "return a - b")
    assert kind("c = a // b", "c = a / b") == TO_KILL
