#!/usr/bin/env bash
# Make sure Prometheus' promtool is installed: the alert rules in deploy/prometheus/ are checked and
# unit-tested with `promtool check rules` / `promtool test rules` (tests/unit/test_alert_rules.py), and
# deploy/prometheus.yml with `promtool check config`. Debian's `prometheus` package ships it
# (2.42 on Debian 12). As root, installs it with apt-get (without recommends: no node exporter);
# otherwise prints the command to run and fails.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
    exit 0
fi

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-promtool: installing prometheus (for promtool) with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    command -v promtool >/dev/null 2>&1 || { echo "ensure-promtool: apt-get finished but promtool is missing" >&2; exit 1; }
else
    echo "ensure-promtool: promtool is missing; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
fi
