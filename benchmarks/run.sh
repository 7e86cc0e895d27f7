#!/usr/bin/env bash
# The benchmark set in one command (see benchmarks/README.md):
#   1. caller cost (JMH, sample mode, -prof gc): notify (1 URL) and notifyMulti (100 URLs), intake healthy / closed /
#      hung, 1 and 8 threads;
#   2. HTTP end-to-end: relayer vs a plain OkHttp client, same events, batches and intake, alternating rounds, in
#      every standard case (defaults, MediaWiki's byte-only batches and a 2 ms intake; sequential and parallel);
#   3. Kafka end-to-end: relayer vs a plain KafkaProducer, same settings, values and in-process broker;
#   4. memory with the intake down: heap after GC vs the queue bound, bytes per queued event.
# Writes benchmarks/results/{results.json,results.csv,chart.svg,summary.md}. Every server, broker and client of the
# run is on 127.0.0.1; the build step is the only one that may use Maven's repositories (offline first).
#
# Usage: benchmarks/run.sh [--full] [--no-build] [--only latency,http,kafka,memory]
#   (default) quick mode, about 8 minutes: 1 JMH fork of 3 x 1 s, 3 end-to-end rounds of 50,000 events, 8 s memory runs
#   --full    about 20 minutes: 3 JMH forks of 5 x 1 s, 5 rounds of 200,000 events, 20 s memory runs
#   --no-build  use the jars of the last run (benchmarks/target/lib) as they are
#   --build-only  build and freeze the class path now, measure later with --no-build (e.g. once the machine is quiet)
#   --smoke   a minute or two, to check that everything runs (meaningless numbers)
# Numbers from a busy two-core machine are noisy: the run records the load average; compare medians and ratios.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE=quick
BUILD=1
ONLY=latency,http,kafka,memory
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --full) MODE=full ;;
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    --no-build) BUILD=0 ;;
    --build-only) BUILD=only ;;
    --only) ONLY="$2"; shift ;;
    --only=*) ONLY="${1#*=}" ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$SELF"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

JMH_TIME=1s
if [ "$MODE" = full ]; then
  JMH_FORKS=3; JMH_WARMUP=3; JMH_ITER=5; E2E_EVENTS=200000; E2E_ROUNDS=5; MEM_SECONDS=20
elif [ "$MODE" = smoke ]; then # checks that everything runs; the numbers mean nothing
  JMH_FORKS=1; JMH_WARMUP=1; JMH_ITER=1; JMH_TIME=200ms; E2E_EVENTS=5000; E2E_ROUNDS=1; MEM_SECONDS=2
else
  JMH_FORKS=1; JMH_WARMUP=2; JMH_ITER=3; E2E_EVENTS=50000; E2E_ROUNDS=3; MEM_SECONDS=8
fi

OUT="$ROOT/benchmarks/results"
TMP="$OUT/tmp"
LIB="$ROOT/benchmarks/target/lib"
mkdir -p "$TMP"

log() { printf '\n=== %s  [%s, load average %s]\n' "$*" "$(date +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"; }
wants() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

mvn_offline_first() {
  if ! mvn -B -q -o "$@"; then
    echo "(offline build failed; retrying with Maven's repositories)"
    mvn -B -q "$@"
  fi
}

if [ "$BUILD" != 0 ]; then
  # A reactor build (never `mvn install`: that would replace the snapshot jars in ~/.m2 that others build against):
  # the benchmarks and the modules they use are packaged from this working copy, and bench-lib (bound to package by
  # -Dbench.lib.phase) copies the runtime class path, the reactor's own jars included, into target/lib.
  log "build: mvn -pl benchmarks -am package -DskipTests (reactor, nothing installed), then a frozen class path"
  BUILD_ARGS=(-pl benchmarks -am -DskipTests -Dbench.lib.phase=package package)
  rm -rf "$LIB"
  # The Kafka harness needs relayer-kafka's test-jar (its in-process broker), built by the same reactor.
  if mvn -B -q -o -Pkafka-bench "${BUILD_ARGS[@]}" 2>/dev/null; then
    echo "Kafka harness: compiled (relayer-kafka test-jar from the reactor)"
  else
    echo "Kafka harness: compiled out (the kafka-bench build failed offline; retrying without it)"
    rm -rf "$LIB"
    mvn_offline_first "${BUILD_ARGS[@]}"
  fi
  cp "$ROOT"/benchmarks/target/benchmarks-*.jar "$LIB/"
  # What the jars were built from (uncommitted changes of others included, if any).
  { git rev-parse --short HEAD 2>/dev/null || echo unknown; } | tr -d '\n' > "$LIB/BUILD-COMMIT"
  if [ -n "$(git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then printf ' (with uncommitted changes)' >> "$LIB/BUILD-COMMIT"; fi
  if [ "$BUILD" = only ]; then
    echo "built: $LIB ($(cat "$LIB/BUILD-COMMIT")); run with --no-build to measure"
    exit 0
  fi
fi
if [ ! -d "$LIB" ]; then
  echo "no $LIB: run without --no-build once" >&2
  exit 1
fi
CP="$LIB/*"
# The examples jar asks slf4j-simple for the engine's INFO lines; keep runs quiet.
QUIET=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.eventrelayer=warn
  -Dorg.slf4j.simpleLogger.log.org.eventrelayer.core.DeliveryEngine=warn -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn
  -Dorg.slf4j.simpleLogger.log.kafka=warn -Dorg.slf4j.simpleLogger.log.state.change.logger=warn)

# Only the parts run now are replaced: `--only http` keeps the other parts' last results for the report.
wants latency && rm -f "$TMP"/jmh-* "$TMP"/caller-alloc*.jsonl
wants http && rm -f "$TMP/http.json"
wants kafka && rm -f "$TMP"/kafka.*
wants memory && rm -f "$TMP/memory.json"
stamp() { cat /proc/loadavg > "$TMP/load-$1.txt" 2>/dev/null || true; }
cat /proc/loadavg > "$TMP/load-start.txt" 2>/dev/null || true
FAILED=""

if wants latency; then
  stamp latency
  for T in 1 8; do
    log "caller latency, $T thread(s): JMH NotifyLatencyBenchmark ($JMH_FORKS fork(s), $JMH_WARMUP+$JMH_ITER iterations)"
    # Forks inherit -Dbench.allocFile: each measurement iteration appends the calling threads' own allocation.
    if ! java -Djmh.link.address=127.0.0.1 -Dbench.allocFile="$TMP/caller-alloc.jsonl" -cp "$CP" org.openjdk.jmh.Main \
        'org\.eventrelayer\.benchmarks\.NotifyLatencyBenchmark\.' -t "$T" -f "$JMH_FORKS" -wi "$JMH_WARMUP" \
        -i "$JMH_ITER" -w "$JMH_TIME" -r "$JMH_TIME" -prof gc -rf json -rff "$TMP/jmh-t$T.json" > "$TMP/jmh-t$T.log" 2>&1; then
      FAILED="$FAILED latency-t$T"
    fi
    grep -E '^NotifyLatencyBenchmark|^Benchmark ' "$TMP/jmh-t$T.log" | grep -E 'Benchmark |p0\.50|p0\.99 |p0\.999 |alloc\.rate\.norm' || true
    grep -E 'refused|Exception' "$TMP/jmh-t$T.log" | head -5 || true
  done
  # The default configuration coalesces (coalesce: true). The URL pools repeat, so with the intake down most calls
  # join an equal queued purge: this measures that path, for notify (1 URL), 1 thread.
  log "caller latency, coalescing path: notify (1 URL), 1 thread, coalesce on"
  if ! java -Djmh.link.address=127.0.0.1 -Dbench.allocFile="$TMP/caller-alloc-coalesce.jsonl" -cp "$CP" \
      org.openjdk.jmh.Main 'org\.eventrelayer\.benchmarks\.NotifyLatencyBenchmark\.notifyOneUrl$' -p coalesce=on \
      -t 1 -f "$JMH_FORKS" -wi "$JMH_WARMUP" -i "$JMH_ITER" -w "$JMH_TIME" -r "$JMH_TIME" -prof gc -rf json \
      -rff "$TMP/jmh-t1-coalesce.json" > "$TMP/jmh-t1-coalesce.log" 2>&1; then
    FAILED="$FAILED latency-coalesce"
  fi
  grep -E '^NotifyLatencyBenchmark' "$TMP/jmh-t1-coalesce.log" | grep -E 'p0\.50|p0\.99 |p0\.999 ' || true
fi

if wants http; then
  stamp http
  log "HTTP end-to-end: relayer vs plain OkHttp, every standard case ($E2E_ROUNDS rounds of $E2E_EVENTS events + a warm-up round each)"
  java "${QUIET[@]}" -Xms2g -Xmx2g -cp "$CP" org.eventrelayer.benchmarks.HttpThroughputHarness --cases standard \
      --events "$E2E_EVENTS" --rounds "$E2E_ROUNDS" --storm 10 --out "$TMP/http.json" || FAILED="$FAILED http"
fi

if wants kafka; then
  stamp kafka
  if [ -f "$ROOT/benchmarks/target/classes/org/eventrelayer/benchmarks/kafka/KafkaThroughputHarness.class" ] \
      && ls "$LIB"/relayer-kafka-*-tests.jar >/dev/null 2>&1; then
    log "Kafka end-to-end: relayer vs plain KafkaProducer ($E2E_ROUNDS rounds of $E2E_EVENTS events + a warm-up round)"
    java "${QUIET[@]}" -Xms2g -Xmx2g -cp "$CP" org.eventrelayer.benchmarks.kafka.KafkaThroughputHarness \
        --events "$E2E_EVENTS" --rounds "$E2E_ROUNDS" --out "$TMP/kafka.json" || FAILED="$FAILED kafka"
  else
    log "Kafka end-to-end: skipped"
    echo "relayer-kafka publishes no test-jar yet (its in-process broker); the Kafka harness is compiled out" \
      | tee "$TMP/kafka.skipped"
  fi
fi

if wants memory; then
  stamp memory
  log "memory with the intake down ($MEM_SECONDS s per case)"
  java "${QUIET[@]}" -Xms1g -Xmx1g -cp "$CP" org.eventrelayer.benchmarks.MemoryHarness \
      --seconds "$MEM_SECONDS" --out "$TMP/memory.json" || FAILED="$FAILED memory"
fi

log "report"
cat /proc/loadavg > "$TMP/load-end.txt" 2>/dev/null || true
java -cp "$CP" org.eventrelayer.benchmarks.ResultsReport --tmp "$TMP" --out "$OUT" --mode "$MODE" \
    --command "benchmarks/run.sh${ARGS:+ $ARGS}" --commit "$(cat "$LIB/BUILD-COMMIT" 2>/dev/null || echo unknown)"
if [ -n "$FAILED" ]; then
  echo "FAILED steps:$FAILED (see $TMP/*.log and the output above)" >&2
  exit 1
fi
