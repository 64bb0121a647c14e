#!/usr/bin/env bash
# Make sure Prometheus' Alertmanager (Debian names it prometheus-alertmanager) and amtool are installed: the alert routing in
# deploy/alertmanager/alertmanager.yml is checked with `amtool check-config`, and every alert of
# deploy/prometheus/alerts.yml is routed with `amtool config routes test` (tests/unit/test_alert_routing.py),
# and Alertmanager itself runs on private ports: its inhibitions (test_alert_routing.py) and real delivery
# to an SMTP server and a webhook run by the test (tests/unit/test_alert_delivery.py). Debian's `prometheus-alertmanager` package ships
# both (0.25 on Debian 12). As root, installs it with apt-get (without recommends) and keeps Debian's
# service from running on this machine (the tests need only the binaries); otherwise prints the command
# to run and fails. A no-op when both are present.
set -euo pipefail

have() { command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1; }

if have; then
    exit 0
fi

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-alertmanager: installing prometheus-alertmanager (for amtool) with apt-get" >&2
    apt-get update -qq >/dev/null
    # policy-rc.d 101: the package's service is not started by the install (nothing here needs it)
    policy=/usr/sbin/policy-rc.d; own_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1; fi
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null || rc=$?
    if [[ $own_policy == 1 ]]; then rm -f "$policy"; fi
    [[ $rc == 0 ]] || { echo "ensure-alertmanager: apt-get install failed ($rc)" >&2; exit "$rc"; }
    have || { echo "ensure-alertmanager: apt-get finished but amtool or prometheus-alertmanager is missing" >&2; exit 1; }
else
    echo "ensure-alertmanager: amtool or prometheus-alertmanager is missing; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager" >&2
    exit 1
fi
