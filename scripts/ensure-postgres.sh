#!/usr/bin/env bash
# PostgreSQL for propdesk (issue #12): Debian's server package, and the local server that
# `PROPDESK_DB=postgresql make run` uses when no PROPDESK_PG_URL names one.
#
#   ensure-postgres.sh --install   install Debian's `postgresql` when its server binaries are
#                                  missing (as root; otherwise print the command). The tests
#                                  start private servers of their own (propdesk.testing.postgres).
#   ensure-postgres.sh             with PROPDESK_DB=postgresql and PROPDESK_PG_URL unset: install
#                                  when missing, then make sure the local server runs: its cluster
#                                  in <data dir>/postgres (PROPDESK_DATA_DIR, default ./var), owned
#                                  by the `postgres` user when run as root, listening on a unix
#                                  socket in that folder only (port 5432 names the socket; no TCP,
#                                  so no clash with another server). Anything else: nothing to do.
#   ensure-postgres.sh --stop      stop that local server if it runs (`make clean` does, first).
#
# Idempotent; a lock serialises concurrent runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "ensure-postgres: $*" >&2; }
mode="${1:-start}"
LOCK="${TMPDIR:-/tmp}/propdesk-ensure-postgres.lock"
DATA_ROOT="$(realpath -m "${PROPDESK_DATA_DIR:-var}")/postgres"
PORT=5432   # propdesk.config.LOCAL_PG_PORT

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n | tail -1)
    [[ -n "$found" && -x "$found/initdb" ]] && echo "$found"
}

as_owner() {   # PostgreSQL refuses to run as root: its tools run as the postgres user then
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
    [[ -n "$(bindir)" ]] && return 0
    if [[ $(id -u) == 0 ]]; then
        say "installing Debian's postgresql with apt-get"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        say "PostgreSQL is not installed; run as root:"
        echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql" >&2
        exit 1
    fi
    [[ -n "$(bindir)" ]] || { say "postgresql installed but no /usr/lib/postgresql/*/bin/initdb"; exit 1; }
}

case "$mode" in
    --install)
        exec 9>"$LOCK"; flock 9
        install
        exit 0 ;;
    --stop)
        bin=$(bindir) || exit 0
        if [[ -f "$DATA_ROOT/data/postmaster.pid" ]]; then
            as_owner "$bin/pg_ctl" -D "$DATA_ROOT/data" -m fast -w stop >/dev/null || true
        fi
        exit 0 ;;
    start) ;;
    *) say "usage: ensure-postgres.sh [--install|--stop]"; exit 2 ;;
esac

db="$(echo "${PROPDESK_DB:-sqlite}" | tr '[:upper:]' '[:lower:]')"
if [[ "$db" != postgresql && "$db" != postgres ]]; then
    exit 0   # SQLite, the embedded default: no server
fi
if [[ -n "${PROPDESK_PG_URL:-}" ]]; then
    exit 0   # the operator's server: propdesk migrate creates the databases on it
fi

exec 9>"$LOCK"; flock 9
install
bin=$(bindir)
mkdir -p "$DATA_ROOT"
if [[ $(id -u) == 0 ]]; then
    chown postgres:postgres "$DATA_ROOT"
    if ! runuser -u postgres -- test -x "$DATA_ROOT"; then
        say "the postgres user cannot reach $DATA_ROOT (a parent folder is closed to it);"
        say "set PROPDESK_DATA_DIR to a folder it can reach, or PROPDESK_PG_URL to a server"
        exit 1
    fi
fi
chmod 700 "$DATA_ROOT"
if [[ ! -f "$DATA_ROOT/data/PG_VERSION" ]]; then
    say "creating the local cluster in $DATA_ROOT/data"
    as_owner "$bin/initdb" -D "$DATA_ROOT/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$DATA_ROOT/initdb.log" 2>&1 || { cat "$DATA_ROOT/initdb.log" >&2; exit 1; }
fi
if as_owner "$bin/pg_ctl" -D "$DATA_ROOT/data" status >/dev/null 2>&1; then
    exit 0
fi
say "starting the local PostgreSQL (socket in $DATA_ROOT, port $PORT)"
as_owner "$bin/pg_ctl" -D "$DATA_ROOT/data" -l "$DATA_ROOT/server.log" -w -t 60 \
    -o "-p $PORT -k $DATA_ROOT -c listen_addresses='' -c timezone=UTC -c max_connections=300" start >/dev/null \
    || { tail -20 "$DATA_ROOT/server.log" >&2; exit 1; }
