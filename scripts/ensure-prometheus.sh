#!/usr/bin/env bash
# The tests run Prometheus' own tools for real: promtool (exposition lint, rule tests) and,
# in the end-to-end tests, the Prometheus server. Both come from Debian's `prometheus`
# package. Install it when missing and we may (root with apt-get); otherwise say how.
set -euo pipefail
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: installing Debian package 'prometheus' (promtool and server) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends prometheus >&2
  # The package starts a service on Debian; the tests start their own on free ports.
  (command -v systemctl >/dev/null 2>&1 && systemctl stop prometheus >/dev/null 2>&1) || true
  exit 0
fi
echo "ensure-prometheus: promtool/prometheus not found. Install them first: sudo apt-get install prometheus" >&2
exit 1
