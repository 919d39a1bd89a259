"""The summary table of bench/gpu_check.sh: one markdown row per part (status, wall seconds, key
figures read from its log) and one per DAG stage (seconds from the run's benchmarks/**/*.tsv),
printed and written to OUT/summary.md. Standard library only: it runs where nothing else is
installed.

    python bench/gpu_summary.py --parts WORK/parts.tsv --out OUT --dag WORK/dag [--device cuda]
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Callable
from pathlib import Path


def num(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def grab(pattern: str, text: str) -> list[float]:
    """The groups of the last match of ``pattern`` as floats (commas dropped), or []."""
    found = re.findall(pattern, text, re.M)
    if not found:
        return []
    last = found[-1] if isinstance(found[-1], tuple) else (found[-1],)
    return [float(g.replace(",", "")) for g in last]


def setup_figures(log: str) -> str:
    env = re.findall(r"^env: (.*)$", log, re.M)
    how = "installed from .whl" if "installed from .whl" in log else "already installed"
    missing = re.findall(r"^missing requirements.*?: (.*)$", log, re.M)
    parts = [env[-1] if env else "", how] + ([f"MISSING: {missing[-1]}"] if missing else [])
    return "; ".join(p for p in parts if p)


def pytest_figures(log: str) -> str:
    tail = re.findall(r"^=*\s*(\d+ (?:passed|failed|skipped|error|errors|deselected).*?)\s*=*$", log, re.M)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", log, re.M)
    out = tail[-1] if tail else ""
    if failed:
        out += "; failed: " + ", ".join(f.rsplit("::", 1)[-1] for f in failed)
    return out


def train_figures(log: str) -> str:
    eager = grab(r"eager step.*?([\d.]+) images/s", log)
    ours = grab(r"ours, metrics\.tsv\s+([\d.]+) images/s\s+([\d.]+)", log)
    loader = grab(r"ImageFolder \+ DataLoader.*?([\d.]+) images/s\s+([\d.]+)", log)
    ratio = grab(r"ratio ours/DataLoader = ([\d.]+)", log)
    out = []
    if eager:
        out.append(f"eager {num(eager[0])} img/s")
    if ours:
        out.append(f"ours (captured step) {num(ours[0])} img/s = {ours[1]:.2f}x eager")
    if loader:
        out.append(f"DataLoader {num(loader[0])} img/s = {loader[1]:.2f}x eager")
    if ratio:
        out.append(f"ours/DataLoader {ratio[0]:.2f} (goal >= 10 on GPU)")
    return "; ".join(out)


def encode_figures(log: str) -> str:
    store = grab(r"through the store.*?([\d.]+) images/s", log)
    bare = grab(r"bare forward.*?([\d.]+) images/s", log)
    ratio = re.findall(r"ratio store/bare = ([\d.]+)\s*\((goal [^)]*)\)", log)
    out = []
    if store:
        out.append(f"store {num(store[0])} img/s")
    if bare:
        out.append(f"bare fp32 forward {num(bare[0])} img/s")
    if ratio:
        out.append(f"store/bare {float(ratio[-1][0]):.2f} ({ratio[-1][1]})")
    return "; ".join(out)


def decode_figures(log: str) -> str:
    rows = re.findall(r"^(\S.*?)\s+(\d+|gpu)\s+(\d+)\s+([\d.]+)(?:\s+([\d.]+))?\s*$", log, re.M)
    out = []
    serial = [r for r in rows if r[0].startswith("ours: load_image")]
    if serial:
        out.append(f"ours 1 thread {num(float(serial[0][2]))} img/s")
    fan = [r for r in rows if r[0].startswith("ours: prepare_images")]
    if fan:
        most = max(fan, key=lambda r: int(r[1]))  # every core: the prepare_images figure
        out.append(f"fan-out {most[1]} threads {num(float(most[2]))} img/s ({float(most[4] or 0):.2f}/core)")
    pil = [r for r in rows if r[0].startswith("PIL open")]
    if pil:
        out.append(f"PIL {float(pil[0][3]):.2f}x ours")
    for r in rows:
        if r[1] == "gpu":
            kind = "excl. reads" if "excl" in r[0] else "incl. reads+D2H"
            out.append(f"GPU nvJPEG {kind} {num(float(r[2]))} img/s")
    if "GPU path skipped" in log:
        out.append("GPU path skipped (no CUDA)")
    return "; ".join(out) + ("; goal >= 20,000 img/s on 16 cores" if out else "")


def dag_figures(log: str, dag: Path) -> str:
    out = []
    steps = re.findall(r"^(\d+) of (\d+) steps \(\d+%\) done", log, re.M)
    if steps:
        out.append(f"{steps[-1][0]} of {steps[-1][1]} jobs")
    cfg = dag / "config.yaml"
    if cfg.exists():
        text = cfg.read_text()
        n = re.search(r"^\s+n_images: (\d+)", text, re.M)
        ep = re.search(r"^\s+epochs: (\d+)", text, re.M)
        if n and ep:
            out.append(f"{num(int(n[1]))} images, {ep[1]} epochs")
    for metrics in sorted(dag.glob("results/*/*/model/metrics.tsv")):
        with metrics.open() as f:
            rows = [r for r in csv.DictReader(f, delimiter="\t") if (r.get("epoch") or "").strip().isdigit()]
        if rows and rows[-1].get("images_per_s"):
            model = metrics.parent.parent.name
            rate = float(rows[-1]["images_per_s"])
            out.append(f"{model}: epoch {rows[-1]['epoch']} {num(rate)} img/s (metrics.tsv)")
    if "Nothing to be done" in log:
        out.append("NOTHING RAN (up to date)")
    return "; ".join(out)


def stages(dag: Path) -> list[tuple[str, str, float, str]]:
    """(stage, status, seconds, figures) per benchmarked rule: its benchmarks/**/*.tsv files,
    grouped by the path below benchmarks/ (a folder holds one file per shard), in run order."""
    groups: dict[str, list[tuple[float, float, float]]] = {}
    for tsv in dag.glob("results/**/benchmarks/**/*.tsv"):
        with tsv.open() as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        if not rows or "s" not in rows[-1]:
            continue
        prefix, _, below = str(tsv.relative_to(dag)).partition("/benchmarks/")
        run_rel = prefix.split("/", 2)[2] if prefix.count("/") >= 2 else ""  # results/<run>/<model>
        key = "/".join(filter(None, [run_rel, below.rsplit("/", 1)[0] if "/" in below else below[:-4]]))
        rss = float(rows[-1].get("max_rss") or 0) if (rows[-1].get("max_rss") or "-") != "-" else 0.0
        groups.setdefault(key, []).append((tsv.stat().st_mtime, float(rows[-1]["s"]), rss))
    out = []
    for key, items in sorted(groups.items(), key=lambda kv: min(i[0] for i in kv[1])):
        total = sum(i[1] for i in items)
        rss = max(i[2] for i in items)
        if len(items) > 1:
            name = f"{key} x{len(items)}"
            figs = f"sum over {len(items)} jobs; longest {max(i[1] for i in items):.1f} s"
        else:
            name, figs = key, ""
        figs = "; ".join(filter(None, [figs, f"max RSS {num(rss)} MB" if rss else ""]))
        out.append((f"dag: {name}", "ok", total, figs))
    return out


def failure(log: str) -> str:
    """What failed: Snakemake's failed rules, else a traceback's last line, else the last line."""
    rules = list(dict.fromkeys(re.findall(r"^Error in rule (\w+):", log, re.M)))
    if rules:
        return "failed rules " + ", ".join(rules)
    lines = [ln for ln in log.splitlines() if ln.strip()]
    if "Traceback (most recent call last)" in log:
        after = log.rsplit("Traceback (most recent call last)", 1)[1].splitlines()
        errs = [ln for ln in after if re.match(r"^[A-Za-z_][\w.]*(?:: |$)", ln)]
        if errs:
            return errs[0][:200]
    return lines[-1][:200] if lines else "no output"


FIGURES: dict[str, Callable[[str], str]] = {
    "setup": setup_figures,
    "pytest": pytest_figures,
    "train": train_figures,
    "encode": encode_figures,
    "decode": decode_figures,
}
LABELS = {
    "setup": "setup (wheels)",
    "pytest": "pytest -m gpu",
    "train": "bench_train.py",
    "encode": "bench_encode.py",
    "decode": "bench_decode.py",
    "dag": "dag (whole workflow)",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", required=True, type=Path, help="gpu_check.sh's parts.tsv")
    ap.add_argument("--out", required=True, type=Path, help="folder with <part>.log; gets summary.md")
    ap.add_argument("--dag", required=True, type=Path, help="the DAG's working directory")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--budget", default="")
    ap.add_argument("--wall", default="", help="seconds since the check started")
    args = ap.parse_args()
    table = []
    total = 0.0
    for line in args.parts.read_text().splitlines():
        name, status, rc, secs, limit = line.split("\t")
        log_path = args.out / f"{name}.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        try:
            figs = dag_figures(log, args.dag) if name == "dag" else FIGURES.get(name, lambda _: "")(log)
        except Exception as e:  # a log in an unexpected shape must not lose the table
            figs = f"(could not parse {log_path.name}: {e})"
        if name == "pytest" and status == "ok" and re.search(r"\bskipped\b", figs) and "passed" not in figs:
            status = "skipped"  # every test skipped: no CUDA
        if status == "skipped" and log.startswith("skipped"):
            figs = log.splitlines()[0]
        elif status == "timeout":
            figs = "; ".join(filter(None, [f"killed at its {limit} s limit", figs]))
        elif status == "failed":
            figs = f"rc {rc}: {failure(log)}" + ("; " + figs if figs else "")
        table.append((LABELS.get(name, name), status, float(secs), figs))
        total += float(secs)
        if name == "dag":
            table += stages(args.dag)
    header = f"GPU check, DEVICE={args.device}: parts {total:.0f} s" + (
        f" of a {args.budget} s budget" if args.budget else ""
    )
    if args.wall:
        header += f"; {args.wall} s wall in all"
    lines = [header, "", "| part | status | wall s | key figures |", "|---|---|---:|---|"]
    for name, status, secs, figs in table:
        figs = figs.replace("|", "\\|")
        lines.append(f"| {name} | {status} | {secs:.1f} | {figs} |")
    text = "\n".join(lines) + "\n"
    (args.out / "summary.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
