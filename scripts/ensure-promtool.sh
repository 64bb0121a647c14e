#!/usr/bin/env bash
# Make sure Prometheus' promtool and server are installed: the alert rules in deploy/prometheus/ are
# checked and unit-tested with `promtool check rules` / `promtool test rules`
# (tests/unit/test_alert_rules.py), deploy/prometheus.yml with `promtool check config`, and
# tests/system/test_cli.py runs the server on a private port against a running system (rules loaded,
# every dashboard query answered). Debian's `prometheus` package ships both (2.42 on Debian 12). As root, installs it with apt-get (without recommends: no node exporter);
# otherwise prints the command to run and fails.
set -euo pipefail

have() { command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; }

if have; then
    exit 0
fi

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-promtool: installing prometheus (for promtool) with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    have || { echo "ensure-promtool: apt-get finished but promtool or prometheus is missing" >&2; exit 1; }
else
    echo "ensure-promtool: promtool or prometheus is missing; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
fi
