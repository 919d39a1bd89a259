#!/usr/bin/env bash
# GPU check: one prepared run of everything that needs a GPU, for a machine with Python 3.12 and
# torch but no snakemake, zarr or network (wheels in .whl/, made beforehand by
# /work/shared/tools/gpu-wheels on a machine with network). From the project root:
#
#   bash bench/gpu_check.sh                                  # DEVICE=cuda: full sizes, <= 8 min
#   DEVICE=cpu OUT=/tmp/gpucheck bash bench/gpu_check.sh     # tiny sizes: the same code paths, minutes
#
# Parts, in this order, each under its own timeout within one overall budget: a part that fails
# or hangs is recorded and the next one runs.
#   setup   install .whl/*.whl into $SITE when snakemake or zarr is not importable
#   pytest  pytest -m gpu tests/test_gpu_*.py (they skip without CUDA)
#   train   bench/bench_train.py: eager step, our (captured) step, ImageFolder + DataLoader
#   encode  bench/bench_encode.py: encoding through the stores against the bare fp32 forward
#   decode  bench/bench_decode.py: JPEG decode, threads, PIL, torchvision's nvJPEG on the GPU
#   dag     the whole workflow on synthetic faces (cuda: 170,000 images, 3 epochs, all trained)
#
# $OUT gets at most 8 files: <part>.log for each part, summary.md (the table printed at the end)
# and dag_files.tgz (the DAG's config, benchmarks/*.tsv, metrics.tsv and job logs). The DAG's
# data (a few GB at 170,000 images) stays in $WORK, outside $OUT (a temporary folder,
# removed at the end unless KEEP_WORK=1; a WORK given is kept, its dag/ folder replaced).
#
# Environment: DEVICE (cuda | cpu; default cuda), OUT (default results/gpu_check), PYTHON
# (default .venv/bin/python if present, else python3), CORES (default: all), BUDGET (seconds
# for all parts; default 450 with cuda, 1500 with cpu), SITE (install target; default
# /tmp/site), WORK, KEEP_WORK.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

DEVICE=${DEVICE:-cuda}
case $DEVICE in
  cuda | cpu) ;;
  *) echo "DEVICE must be cuda or cpu, not '$DEVICE'" >&2; exit 2 ;;
esac
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
OUT=${OUT:-results/gpu_check}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
for f in setup pytest train encode decode dag; do rm -f "$OUT/$f.log"; done
rm -f "$OUT/summary.md" "$OUT/dag_files.tgz"
if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK" && WORK=$(cd "$WORK" && pwd) || exit 1
  rm -rf "$WORK/dag" # a finished DAG left there would have nothing to do
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX") || exit 1
  MADE_WORK=1
fi
SITE=${SITE:-/tmp/site}
CORES=${CORES:-$(nproc)}
PARTS=$WORK/parts.tsv
: >"$PARTS"

# The project from this checkout, the installed wheels after it; jobs inherit both.
export PYTHONPATH=$ROOT/src:$SITE${PYTHONPATH:+:$PYTHONPATH}
export PATH=$SITE/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
export ROOT DEVICE PYTHON WORK SITE CORES

# Sizes and per-part limits (seconds). cuda: the GPU machine (16 cores, one H200); cpu: a
# 2-core machine, the same code paths on tiny inputs.
declare -A LIMIT
if [ "$DEVICE" = cuda ]; then
  BUDGET=${BUDGET:-450}
  LIMIT=([setup]=60 [pytest]=170 [train]=90 [encode]=60 [decode]=60 [dag]=300)
  TRAIN_ARGS=(--images 16384 --batch 128 --device cuda)
  ENCODE_ARGS=(--images 100000 --batch 2000 --chunk 2000 --device cuda)
  DECODE_ARGS=(--n 2000)
  DAG_BASE=config/scale.yaml
else
  BUDGET=${BUDGET:-1500}
  LIMIT=([setup]=60 [pytest]=180 [train]=240 [encode]=180 [decode]=180 [dag]=720)
  # one torch thread: on a loaded 2-core machine two threads made a step 12x slower; 512 images
  # in batches of 16 are the fewest steps whose model passes training's quality check
  TRAIN_ARGS=(--images 512 --size 32 --batch 16 --device cpu --threads 1)
  ENCODE_ARGS=(--images 2000 --size 32 --batch 250 --chunk 500 --device cpu --threads 1)
  DECODE_ARGS=(--n 200 --threads 1 "$CORES" --repeat 2)
  DAG_BASE=config/tiny.yaml
fi
export DAG_BASE
DEADLINE=$(($(date +%s) + BUDGET))
MIN_PART_S=15

# part NAME COMMAND...: COMMAND under `timeout` (the smaller of the part's limit and what is
# left of the budget), output to $OUT/NAME.log, a row (name, status, rc, seconds, limit) in
# $PARTS. Status: ok, failed, timeout, or skipped when too little budget is left.
part() {
  local name=$1 log=$OUT/$1.log limit left rc t0 secs status
  shift
  limit=${LIMIT[$name]}
  left=$((DEADLINE - $(date +%s)))
  ((left < limit)) && limit=$left
  if ((limit < MIN_PART_S)); then
    echo "skipped: $((left > 0 ? left : 0)) s left of the ${BUDGET} s budget" | tee "$log"
    printf '%s\tskipped\t-\t0\t%s\n' "$name" "$limit" >>"$PARTS"
    return
  fi
  printf '[%s] %-7s limit %3d s: %s\n' "$(date +%T)" "$name" "$limit" "$*"
  { printf '$'; printf ' %q' "$@"; printf '\n'; } >"$log"
  t0=$(date +%s.%N)
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1 </dev/null
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if ((rc == 0)); then
    status=ok
  elif ((rc == 124)) || { ((rc == 137)) && awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s >= l) }'; }; then
    status=timeout
  else
    status=failed
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$rc" "$secs" "$limit" >>"$PARTS"
  printf '[%s] %-7s %s (rc %s) in %s s; log %s\n' "$(date +%T)" "$name" "$status" "$rc" "$secs" "$log"
}

# setup: snakemake and zarr from .whl/ when missing (no network: --no-index), then the versions.
setup() {
  if "$PYTHON" -c 'import snakemake, zarr' 2>/dev/null; then
    echo "snakemake and zarr already importable: nothing installed"
  else
    compgen -G '.whl/*.whl' >/dev/null || {
      echo "no .whl/*.whl: run /work/shared/tools/gpu-wheels on a machine with network and carry .whl"
      return 1
    }
    echo "installing $(find .whl -name '*.whl' | wc -l) wheels from .whl/ into $SITE"
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$SITE" .whl/*.whl || return 1
    echo "installed from .whl"
  fi
  "$PYTHON" - <<'EOF' || return 1
import importlib.metadata as md
import os
import platform
import re

from packaging.requirements import Requirement

# every requirement of snakemake and zarr, transitively, that applies here and is not installed
missing, seen, todo = set(), set(), ["snakemake", "zarr"]
while todo:
    pkg = todo.pop()
    for spec in md.requires(pkg) or []:
        req = Requirement(spec)
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            md.version(name)
            todo.append(name)
        except md.PackageNotFoundError:
            missing.add(name)
if missing:
    print("missing requirements (add them to gpu-wheels' EXTRA):", " ".join(sorted(missing)))
import snakemake  # noqa: E402,F401
import zarr  # noqa: E402,F401

try:
    import torch

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device"
    version = torch.__version__
except ImportError:
    gpu = version = "missing"
print(
    f"env: python {platform.python_version()}, torch {version}, "
    f"snakemake {md.version('snakemake')}, zarr {md.version('zarr')}, {gpu}, {os.cpu_count()} cores"
)
raise SystemExit(1 if missing else 0)
EOF
  if [ "$DEVICE" = cuda ]; then
    "$PYTHON" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' || {
      echo "DEVICE=cuda but torch.cuda.is_available() is False"
      return 1
    }
  fi
}

# dag: the whole workflow in $WORK/dag, on a config made from $DAG_BASE.
dag() {
  local dir=$WORK/dag
  mkdir -p "$dir"
  "$PYTHON" - "$DAG_BASE" "$dir/config.yaml" "$DEVICE" <<'EOF' || return 1
import sys

import yaml

base, out, device = sys.argv[1:]
with open(base) as f:
    cfg = yaml.safe_load(f)
cfg["run"] = "gpu_check"
cfg["device"] = device
if device == "cuda":  # scale.yaml's 170,000 faces, every training image, 3 epochs, on the GPU
    cfg.setdefault("train", {}).update(epochs=3, n_train=None, threads=8)
with open(out, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
print(f"config: {base} with run, device" + (", train.epochs/n_train/threads" if device == "cuda" else ""))
print(yaml.safe_dump(cfg, sort_keys=False))
EOF
  "$PYTHON" -m snakemake --snakefile "$ROOT/Snakefile" --directory "$dir" \
    --configfile "$dir/config.yaml" --workflow-profile "$ROOT/profiles/default" --cores "$CORES"
}
export -f setup dag

echo "GPU check: DEVICE=$DEVICE, budget $BUDGET s, OUT=$OUT, WORK=$WORK, PYTHON=$PYTHON"
part setup bash -c setup
part pytest "$PYTHON" -m pytest -m gpu -p no:cacheprovider -q tests/test_gpu_*.py
part train "$PYTHON" bench/bench_train.py "${TRAIN_ARGS[@]}"
part encode "$PYTHON" bench/bench_encode.py "${ENCODE_ARGS[@]}"
part decode "$PYTHON" bench/bench_decode.py "${DECODE_ARGS[@]}"
part dag bash -c dag

# The DAG's small files (config, benchmarks, metrics, logs) into one archive in $OUT.
if [ -d "$WORK/dag" ]; then
  (cd "$WORK/dag" && find . \( -path '*/benchmarks/*' -o -path '*/model/metrics.tsv' \
    -o -path '*/logs/*' -o -path './.snakemake/log/*' -o -name config.yaml \) -type f -print0 |
    tar -czf "$OUT/dag_files.tgz" --null -T -) || echo "could not archive the DAG's files"
fi

timeout 60 "$PYTHON" "$ROOT/bench/gpu_summary.py" --parts "$PARTS" --out "$OUT" --dag "$WORK/dag" \
  --device "$DEVICE" --budget "$BUDGET" --wall "$SECONDS" || echo "gpu_summary.py failed; the logs are in $OUT"

if [ "${MADE_WORK:-0}" = 1 ] && [ "${KEEP_WORK:-0}" != 1 ]; then
  rm -rf "$WORK"
else
  echo "kept $WORK"
fi
