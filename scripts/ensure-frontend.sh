#!/usr/bin/env bash
# Make sure the desk's front-end packages (htmx, ECharts) are installed from their pinned npm
# packages: services/gateway/desk/package.json + package-lock.json, `npm ci` into
# services/gateway/desk/node_modules, which the gateway serves at /static/vendor/ (no CDN).
#
# Installs Debian's nodejs and npm when npm is missing (as root; otherwise says what to run).
# A stamp (node_modules/.installed) holds a hash of the lock file; when it matches, this script
# does nothing. Quiet unless it fails. Safe to run concurrently: a lock serialises.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../services/gateway/desk"

STAMP=node_modules/.installed
LOG=.npm-install.log

if ! command -v npm >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "ensure-frontend: npm is missing; run as root:" >&2
        echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm" >&2
        exit 1
    fi
fi

exec 9>.npm-install.lock
flock 9

want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    exit 0
fi

# npm ci: exactly the lock file (integrity-checked), no install scripts, nothing phoned home
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "ensure-frontend: npm ci failed (log: services/gateway/desk/$LOG)" >&2
    exit 1
fi
rm -f "$LOG"
echo "$want" >"$STAMP"
