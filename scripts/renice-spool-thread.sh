#!/usr/bin/env bash
# Gives the spool's threads (eventrelayer-<service>-spool and its fill threads, eventrelayer-<service>-spool-fill-<n>)
# of a running JVM precedence over the host's threads:
# on a machine that runs more busy threads than it has cores, callers that outrun the spool's thread allocate and
# zero the spool's new pages themselves, mid-notify (docs/spool.md, "2026-12-03, afternoon").
#
#   scripts/renice-spool-thread.sh PID [NICE]           once (NICE: -5 by default; below 0 needs root or CAP_SYS_NICE);
#                                                        fails if the JVM has no spool thread
#   scripts/renice-spool-thread.sh --watch PATTERN [NICE]  every second, every JVM whose command line matches
#                                                        PATTERN (pgrep -f), e.g. ForkedMain for JMH's forks,
#                                                        whose spool threads come and go with each iteration
set -euo pipefail

# Renices the spool threads of JVM $1 to $2; prints the native ids reniced, one per line.
renice_spool_threads() {
  local nid
  for nid in $(jstack "$1" 2>/dev/null | grep -E '^"eventrelayer-[^"]*-spool(-fill-[0-9]+)?"' | grep -o 'nid=0x[0-9a-f]*' | cut -c5-); do
    renice -n "$2" -p $((nid)) >/dev/null
    echo $((nid))
  done
}

if [[ "${1:-}" == "--watch" ]]; then
  pattern="${2:?usage: $0 --watch PATTERN [NICE]}"
  nice="${3:--5}"
  while true; do
    for pid in $(pgrep -f "$pattern" || true); do
      [[ "$pid" == "$$" ]] && continue # this script's own command line holds the pattern too
      renice_spool_threads "$pid" "$nice" >/dev/null || true
    done
    sleep 1
  done
fi
pid="${1:?usage: $0 PID [NICE] | --watch PATTERN [NICE]}"
tids=$(renice_spool_threads "$pid" "${2:--5}")
if [[ -z "$tids" ]]; then
  echo "no eventrelayer-*-spool thread in JVM $pid (is a spool open? jstack must reach the JVM)" >&2
  exit 1
fi
echo "reniced to ${2:--5}: native thread(s) $(echo $tids)"
