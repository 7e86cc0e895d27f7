#!/usr/bin/env bash
# Installs Varnish for the relayer-cdn and relayer-purger tests: the Debian packages `varnish` (7.x) and
# `varnish-modules` (the xkey vmod). The tests start their own varnishd on loopback ports in temp dirs.
# Idempotent: installs only what is missing. The package's own service is stopped: the tests never use it.
set -euo pipefail
have_varnishd() { command -v varnishd >/dev/null 2>&1 || [ -x /usr/sbin/varnishd ]; }
have_xkey() { ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; }
if have_varnishd && have_xkey; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "varnishd or the xkey vmod is missing; run this script as root (it installs the Debian packages" \
    "varnish and varnish-modules)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends varnish varnish-modules >/dev/null
# Where systemd runs, the package starts a varnishd on port 6081; the tests start their own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now varnish >/dev/null 2>&1 || true
fi
/usr/sbin/varnishd -V
