#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium. Browser tests drive it through Playwright's
# Python package with executable_path="/usr/bin/chromium"; we never let Playwright download browsers.
# As root, installs it with apt-get; otherwise prints the command to run and fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
# a CJK font, so the desk's Chinese labels render in screenshots taken by the tests
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

if [[ -x "$CHROMIUM" && -f "$FONT" ]]; then
    exit 0
fi

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing chromium and fonts-wqy-microhei with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
    [[ -x "$CHROMIUM" ]] || { echo "ensure-chromium: apt-get finished but $CHROMIUM is missing" >&2; exit 1; }
else
    echo "ensure-chromium: $CHROMIUM is missing; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei" >&2
    exit 1
fi
