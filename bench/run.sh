#!/usr/bin/env bash
# The README's benchmark command: from a fresh clone, create (or reuse) a virtual
# environment at .venv, install fastresp with its bench extra (Starlette 1.10.0,
# sse-starlette 3.7.0, pytest-benchmark, uvloop), run every benchmark group and print
# the Markdown table. Extra arguments go to pytest: `-k json` for some groups,
# `--benchmark-max-time=3` for longer runs on a noisy machine (default 1 s per member).
# FASTRESP_NO_EXTENSIONS=1 benchmarks the pure-Python path; PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${FASTRESP_VENV:-.venv}
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".[bench]"
mkdir -p .benchmarks
"$venv/bin/python" -m pytest bench --benchmark-only --benchmark-json=.benchmarks/latest.json \
    -p no:cacheprovider -q "$@"
"$venv/bin/python" tools/bench_table.py .benchmarks/latest.json
