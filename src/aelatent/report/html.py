"""Self-contained HTML pages: the report shows each in a frame, so each carries its own style."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px;
       color: #1f2328; margin: 16px 20px; line-height: 1.45; }
h1 { font-size: 20px; margin: 0 0 6px; } h2 { font-size: 16px; margin: 22px 0 6px; }
p.note, div.note { color: #57606a; font-size: 12.5px; margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; }
th { background: #f6f8fa; text-align: left; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fbfcfd; }
.agree { color: #1a7f37; font-weight: 600; } .differ { color: #bc4c00; font-weight: 600; }
.unclear { color: #57606a; font-weight: 600; }
ul.findings li { margin: 4px 0; }
table.columns th, table.columns td { border: none; background: none; padding: 1px 12px 1px 0;
  font-size: 12.5px; position: static; }
table.columns th { font-family: monospace; font-weight: normal; }
table.columns td { color: #57606a; }
.flex { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
"""


def esc(x) -> str:
    return html.escape(str(x))


def fmt(v, digits: int = 4) -> str:
    """A cell: integers as they are, floats to ``digits`` significant digits, NaN and None as '-'."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if math.isinf(v):  # e.g. the condition number of a singular covariance (a constant component)
            return "inf" if v > 0 else "-inf"
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        if abs(v) >= 10**digits:  # no exponent for a count-sized number
            return f"{v:.0f}"
        return f"{v:.{digits}g}"
    return str(v)


def table(
    rows: list[dict], columns: list[str], headers: dict | None = None, max_rows: int | None = None
) -> str:
    """An HTML table of ``rows`` (dicts) in ``columns`` order; numbers right-aligned. With
    ``max_rows`` only that many rows are shown, followed by a note saying how many were left out."""
    headers = headers or {}
    shown = rows if max_rows is None else rows[:max_rows]
    head = "".join(f"<th>{esc(headers.get(c, c))}</th>" for c in columns)
    body = []
    for r in shown:
        cells = []
        for c in columns:
            v = r.get(c)
            cls = ' class="num"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{esc(fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if len(shown) < len(rows):
        out += (
            f'<p class="note">Showing the first {len(shown)} of {len(rows)} rows; '
            "the TSV holds all of them.</p>"
        )
    return out


def download_link(path: str | Path, mime: str = "text/tab-separated-values") -> str:
    """A link that saves ``path`` from inside the page (a data URI, so the report stays one file)."""
    p = Path(path)
    data = base64.b64encode(p.read_bytes()).decode()
    return f'<a download="{esc(p.name)}" href="data:{mime};base64,{data}">{esc(p.name)}</a>'


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{esc(title)}</h1>\n{body}\n</body></html>\n"
    )
