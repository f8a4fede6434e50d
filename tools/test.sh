#!/usr/bin/env bash
# The README's test command: install fastresp with its test extra into a virtual
# environment, then run the whole suite twice: as built (compiled kernels when there
# are any) and on the pure-Python path (FASTRESP_NO_EXTENSIONS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${FASTRESP_VENV:-.venv}
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".[test]"

for path in built pure; do
    echo "=== fastresp test suite: $path path ==="
    if [ "$path" = pure ]; then export FASTRESP_NO_EXTENSIONS=1; fi
    "$venv/bin/python" -m pytest --benchmark-skip -p no:cacheprovider -q "$@"
done
