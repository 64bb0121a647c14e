#!/usr/bin/env bash
# Make sure a local RabbitMQ broker with the management plugin is running.
#
#   1. Fast path: the management API answers on 127.0.0.1:15672 with guest:guest -> done.
#   2. rabbitmq-server missing: as root, install Debian's package; otherwise print the command.
#   3. Broker not running: `rabbitmq-server -detached` + `rabbitmqctl await_startup`
#      (there is no init system on these machines, and the Debian package does not start it).
#   4. `rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus` (idempotent), then wait up to
#      RABBITMQ_WAIT_SECONDS (default 60) for the management API to answer, and for the Prometheus
#      plugin's /metrics on 127.0.0.1:15692 (deploy/prometheus.yml scrapes it; the alert rules in
#      deploy/prometheus/ read its queue metrics).
#
# Idempotent; safe to run concurrently (a lock serialises runs).
set -euo pipefail

PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL="${LC_ALL:-C.UTF-8}"   # the Erlang/Elixir CLI tools warn without a UTF-8 locale

MGMT_URL="http://127.0.0.1:15672/api/overview"
PROM_URL="http://127.0.0.1:15692/metrics"
WAIT_SECONDS="${RABBITMQ_WAIT_SECONDS:-60}"
LOCK="${TMPDIR:-/tmp}/propdesk-ensure-rabbitmq.lock"

say() { echo "ensure-rabbitmq: $*" >&2; }

mgmt_up() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -m 2 -u guest:guest -o /dev/null "$MGMT_URL" >/dev/null 2>&1
    else
        python3 - "$MGMT_URL" >/dev/null 2>&1 <<'PY'
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1])
req.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
urllib.request.urlopen(req, timeout=2).read()
PY
    fi
}

# the rabbitmq_prometheus plugin answers (no credentials)
prom_up() {
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read(1)' \
        "$PROM_URL" >/dev/null 2>&1
}

broker_up() { rabbitmq-diagnostics -q ping >/dev/null 2>&1; }

if mgmt_up && prom_up; then
    exit 0
fi

# Serialise concurrent runs. `flock -o` keeps the lock's file descriptor out of the commands we
# run: the detached broker would otherwise inherit it and hold the lock for its whole life.
if [[ -z "${_PROPDESK_RABBITMQ_LOCKED:-}" ]]; then
    export _PROPDESK_RABBITMQ_LOCKED=1
    exec flock -o "$LOCK" bash "${BASH_SOURCE[0]}" "$@"
fi
mgmt_up && prom_up && exit 0   # another run may have finished while we waited for the lock

if ! command -v rabbitmq-server >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]]; then
        say "installing rabbitmq-server with apt-get"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
    else
        say "rabbitmq-server is not installed; run as root:"
        echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y rabbitmq-server" >&2
        exit 1
    fi
fi

if ! broker_up; then
    say "starting rabbitmq-server -detached"
    rabbitmq-server -detached
    # The node needs a moment before rabbitmqctl can reach it; retry within the deadline.
    deadline=$((SECONDS + WAIT_SECONDS))
    until rabbitmqctl -q await_startup >/dev/null 2>&1; do
        if (( SECONDS >= deadline )); then
            say "broker did not start within ${WAIT_SECONDS}s; see /var/log/rabbitmq/"
            rabbitmqctl -q await_startup || true
            exit 1
        fi
        sleep 1
    done
fi

if ! out=$(rabbitmq-plugins -q enable rabbitmq_management rabbitmq_prometheus 2>&1); then
    echo "$out" >&2
    say "could not enable rabbitmq_management rabbitmq_prometheus"
    exit 1
fi

deadline=$((SECONDS + WAIT_SECONDS))
until mgmt_up; do
    if (( SECONDS >= deadline )); then
        say "management API at $MGMT_URL did not answer (guest:guest) within ${WAIT_SECONDS}s"
        exit 1
    fi
    sleep 1
done

deadline=$((SECONDS + WAIT_SECONDS))
until prom_up; do
    if (( SECONDS >= deadline )); then
        say "the Prometheus plugin at $PROM_URL did not answer within ${WAIT_SECONDS}s"
        exit 1
    fi
    sleep 1
done
