"""Small TSV tables: the pipeline's human-readable outputs."""

from __future__ import annotations

import csv

from .atomic import write_text_atomic


def write_tsv(rows: list[dict], path: str, floatfmt: str = ".6g", columns: list[str] | None = None) -> None:
    """Write dict rows as TSV, atomically; the header is ``columns`` or the first row's keys."""
    if not rows and not columns:
        raise ValueError(f"nothing to write to {path}")
    cols = list(columns or rows[0])
    lines = ["\t".join(cols)]
    for r in rows:
        lines.append(
            "\t".join(format(r[c], floatfmt) if isinstance(r[c], float) else str(r[c]) for c in cols)
        )
    write_text_atomic(path, "\n".join(lines) + "\n")


def read_tsv(path: str) -> list[dict]:
    """Read a TSV written by ``write_tsv``; numbers become int or float."""
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [{k: _number(v) for k, v in r.items()} for r in rows]


def _number(v: str):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v
