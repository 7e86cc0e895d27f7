#!/usr/bin/env bash
# Cache and purger benchmarks (figures in the README, "Purging caches and CDNs"):
#   1. purges/s of type varnish into one local Varnish vs a plain OkHttp loop sending the same PURGEs one by one;
#   2. the purger, Kafka topic -> Varnish, at a sustained rate: purge rate and event-to-purge lag percentiles.
# Needs varnishd (scripts/services/varnish.sh). Builds with the reactor (no mvn install), everything on 127.0.0.1.
# Usage: benchmarks/cdn-bench.sh [--purges N] [--rounds R] [--rate R] [--seconds S]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PURGES=50000; ROUNDS=3; RATE=10000; SECONDS_=20
while [ $# -gt 0 ]; do
  case "$1" in
    --purges) PURGES="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --seconds) SECONDS_="$2"; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
OUT="$ROOT/benchmarks/results"
mkdir -p "$OUT"
CPFILE="$ROOT/benchmarks/target/cdn-bench.classpath"
mvn -B -q -o -pl benchmarks -am -Pcdn-bench package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile="$CPFILE" -Dmdep.includeScope=runtime
CP="$ROOT/benchmarks/target/classes:$(cat "$CPFILE")"
QUIET=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.apache.kafka=error
  -Dorg.slf4j.simpleLogger.log.kafka=error -Dorg.slf4j.simpleLogger.log.state.change.logger=error)
echo "=== type varnish vs plain OkHttp loop [load $(cut -d' ' -f1-3 /proc/loadavg)]"
java "${QUIET[@]}" -Xms1g -Xmx1g -cp "$CP" org.eventrelayer.benchmarks.cdn.VarnishThroughputHarness \
  --purges "$PURGES" --rounds "$ROUNDS" --out "$OUT/varnish.json"
echo "=== purger: Kafka -> Varnish at $RATE events/s for $SECONDS_ s [load $(cut -d' ' -f1-3 /proc/loadavg)]"
java "${QUIET[@]}" -Xms1g -Xmx1g -cp "$CP" org.eventrelayer.benchmarks.cdn.PurgerThroughputHarness \
  --rate "$RATE" --seconds "$SECONDS_" --out "$OUT/purger.json"
