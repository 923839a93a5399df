#!/usr/bin/env bash
# The one command the device runs (from the repository root, with .gpu_inputs/ and .whl/ carried):
#   bash benchmarks/gpu_checks.sh            -> $OUT/gpu_checks.json, $OUT/gpu_checks.log, $OUT/nvidia-smi.txt
# Installs the carried wheels (pydantic for the trainer's config loader, torchao for float8)
# into /tmp/site, then runs every check within the budget (default 525 s; pass --budget N).
set -u
OUT=${OUT:-/tmp/gpu_checks_out}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl \
        > "$OUT/pip.txt" 2>&1 && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
exec python3 benchmarks/gpu_checks.py --out "$OUT" "$@"
