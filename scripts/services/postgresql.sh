#!/usr/bin/env bash
# Installs the PostgreSQL server binaries (Debian package `postgresql`) when missing. Idempotent.
# The tests start their own cluster from these binaries (initdb into a temp dir, a free port on 127.0.0.1),
# as the `postgres` user that the package creates when they run as root; see relayer-testkit's PostgresServer.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's own cluster is not used; the tests run their own instances.
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
