#!/usr/bin/env bash
# What printing needs from Debian: WeasyPrint renders the printable notices (缴费通知单, 催款通知单)
# with Pango, and embeds the glyphs of Noto Sans CJK SC (fonts-noto-cjk). As root, installs them
# with apt-get; otherwise prints the command to run and fails.
set -euo pipefail

FONT_DIR=/usr/share/fonts/opentype/noto
PACKAGES=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0)

have() { ls "$FONT_DIR"/NotoSansCJK-Regular.ttc >/dev/null 2>&1 && ldconfig -p | grep -q "libpangoft2-1.0.so.0"; }

if have; then
    exit 0
fi

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-print: installing ${PACKAGES[*]} with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
    have || { echo "ensure-print: apt-get finished but the font or Pango is missing" >&2; exit 1; }
else
    echo "ensure-print: the CJK font or Pango is missing; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
fi
