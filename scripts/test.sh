#!/usr/bin/env bash
# The README's test command, and what CI runs: installs the real servers that the tests start by
# themselves (PostgreSQL, Varnish; Debian packages, nothing else), then runs every test.
# Each scripts/services/*.sh is idempotent: it installs its package only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
for setup in scripts/services/*.sh; do
  [ -e "$setup" ] || continue
  bash "$setup"
done
exec mvn -B -ntp verify "$@"
