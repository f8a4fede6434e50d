#!/usr/bin/env bash
# The README's test command: install fastresp with its test extra into a virtual
# environment, then run the whole suite twice: as built (compiled kernels when there
# are any) and on the pure-Python path (FASTRESP_NO_EXTENSIONS=1).
#
#   FASTRESP_VENV=DIR   the virtual environment to use or create (default: .venv)
#   FASTRESP_WHEEL=WHL  test this built wheel instead of an editable install; the suite
#                       then runs from outside the checkout so the source tree cannot
#                       shadow the installed package
#   FASTRESP_REQUIRE_COMPILED=1   fail the first run unless the kernels are compiled
#   FASTRESP_SKIP_PURE=1          run the suite as built only (CI's second interpreter)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${FASTRESP_VENV:-$repo/.venv}
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
py="$venv/bin/python"
"$py" -m pip install -q --upgrade pip

if [ -n "${FASTRESP_WHEEL:-}" ]; then
    "$py" -m pip install -q --force-reinstall "$FASTRESP_WHEEL[test]"
    rundir=$(mktemp -d)
    trap 'rm -rf "$rundir"' EXIT
else
    "$py" -m pip install -q -e "$repo[test]"
    rundir=$repo
fi
cd "$rundir"

suite() {
    "$py" -m pytest -c "$repo/pyproject.toml" --rootdir "$repo" -p no:cacheprovider \
        --benchmark-skip -q "$repo/tests" "$@"
}
echo "=== fastresp test suite: $("$py" -c 'import platform; print("Python", platform.python_version())'), as built (FASTRESP_REQUIRE_COMPILED=${FASTRESP_REQUIRE_COMPILED:-}) ==="
suite "$@"
[ -n "${FASTRESP_SKIP_PURE:-}" ] && exit 0
echo "=== fastresp test suite: pure-Python path (FASTRESP_NO_EXTENSIONS=1) ==="
FASTRESP_NO_EXTENSIONS=1 FASTRESP_REQUIRE_COMPILED= suite "$@"
