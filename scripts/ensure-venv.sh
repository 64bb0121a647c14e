#!/usr/bin/env bash
# Make sure ./.venv exists and holds exactly what the lock files say, plus propdesk itself (-e .).
#
# A stamp file (.venv/.installed) holds a hash of pyproject.toml and the lock files; when it
# matches, this script does nothing. Any change re-installs (packages dropped from a lock stay
# installed until `rm -rf .venv`). A venv whose interpreter is not 3.11 is rebuilt.
# Quiet unless it fails (then the pip log is printed). Safe to run concurrently: a lock serialises.
#
# Environment: PYTHON  interpreter to build the venv with (default: python3, else python3.11).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP="$VENV/.installed"
LOG="$VENV/.install.log"
INPUTS=(pyproject.toml requirements.lock requirements-test.lock)

is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && is_py311 "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    echo "ensure-venv: no Python 3.11 found (tried: ${PYTHON:-} python3 python3.11); set PYTHON=/path/to/python3.11" >&2
    return 1
}

for f in "${INPUTS[@]}"; do
    [[ -f "$f" ]] || { echo "ensure-venv: missing $f" >&2; exit 1; }
done

mkdir -p "$VENV"
exec 9>"$VENV/.lock"
flock 9

want=$(cat "${INPUTS[@]}" | sha256sum | cut -d' ' -f1)

# A venv whose interpreter is gone or is not 3.11 is rebuilt from scratch.
if [[ -x "$VENV/bin/python" ]] && ! is_py311 "$VENV/bin/python"; then
    echo "ensure-venv: $VENV/bin/python is not Python 3.11; rebuilding $VENV" >&2
    find "$VENV" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
fi

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    py=$(pick_python)
    if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        # Debian's system python3 ships venv/ensurepip in a separate package.
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        else
            echo "ensure-venv: $py cannot create virtualenvs; run as root:" >&2
            echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv" >&2
            exit 1
        fi
    fi
    "$py" -m venv "$VENV"
fi

rm -f "$STAMP"
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r requirements.lock -r requirements-test.lock -e . >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "ensure-venv: pip install failed (log: $LOG)" >&2
    exit 1
fi
echo "$want" >"$STAMP"
