#!/usr/bin/env bash
# User and system CPU per beacon of each collector thread (HTTP worker, log writer, ...) under
# the pinned ingest load (pinned-common.sh: one worker on CPU 0, wrk -t1 -c64 on CPU 1), from
# /proc/PID/task/*/stat, for each build in BINS and each stop in STOPS (RUM_BENCH_STOP_AFTER,
# as in pinned-stages.sh; "full" runs the whole path), builds alternated ROUNDS times. User
# time is what our code and actix cost; it moves less with the disk and the neighbours than
# the total, so it shows a change in user-space code that the total's spread hides.
# Usage: BINS="old/collector new/collector" loadtest/pinned-threads.sh [ROUNDS=2] [SECONDS=5]
#   [STOPS="read parse encode full"]; FSYNC (true). Needs wrk and taskset.
set -uo pipefail
rounds=${1:-2}; secs=${2:-5}; stops=${3:-read parse encode full}
source "$(dirname "$0")/pinned-common.sh"
bins=${BINS:-$bin}
# One line per thread: tid, name, utime, stime (ticks).
threads() { for t in /proc/"$1"/task/*; do echo "${t##*/} $(tr ' ' _ <"$t/comm") $(awk '{print $14, $15}' "$t/stat")"; done; }
for stop in $stops; do
  extra=(); [ "$stop" != full ] && extra=(RUM_BENCH_STOP_AFTER="$stop")
  for r in $(seq "$rounds"); do
    for bin in $bins; do
      start_collector RUM__WAL__FSYNC="${FSYNC:-true}" "${extra[@]}"
      threads "$cpid" | sort >"$work/before"
      out=$(run_wrk "$secs")
      threads "$cpid" | sort >"$work/after"
      stop_collector
      n=$(awk '/requests in/ {print $1}' <<<"$out")
      join "$work/before" "$work/after" | awk -v n="$n" -v hz="$hz" -v stop="$stop" -v bin="$bin" \
        -v rate="$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")" '
        { u = ($6 - $3) * 1e6 / hz / n; s = ($7 - $4) * 1e6 / hz / n
          if (u + s > 0) { line = line sprintf(" %s %.2f+%.2f", $2, u, s) }; tu += u; ts += s }
        END { printf "%-6s %s: %d req/s, user %.2f sys %.2f = %.2f us/beacon;%s\n", stop, bin, rate, tu, ts, tu + ts, line }'
    done
  done
done
