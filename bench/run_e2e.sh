#!/usr/bin/env bash
# The README's end-to-end benchmark command: from a fresh clone, create (or reuse) a
# virtual environment at .venv, install fastresp with its bench extra (Starlette,
# sse-starlette, uvicorn, httptools, uvloop), then run bench/e2e_run.py with the
# arguments given (`--rounds 5`, `--duration 3`, `--pure`, `--endpoints file4k,file1m`).
# wrk is used when installed (`apt-get install wrk`), else a Python client.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${FASTRESP_VENV:-.venv}
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".[bench]"
"$venv/bin/python" bench/e2e_run.py "$@"
