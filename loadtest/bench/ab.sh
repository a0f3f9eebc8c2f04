#!/usr/bin/env bash
# ab.sh JAR TRANSPORT RATE [--set key=value ...]: the edge alone, CPU per authenticated registration.
#
# For A/B comparisons of two builds on a quiet machine (BENCHMARKS.md, "The guard in the path"):
# imports 20 000 users into a fresh data directory, starts JAR with the benchmark's JVM options and
# settings (edge-alone.sh) and the given ones, warms up for 2 x 10 s at RATE, then prints 3
# rounds of 15 s each: CPU (utime+stime from /proc) and context switches (all threads) per
# successful registration, and the p99 of a registration (REGISTER to 200, both legs). Run the
# builds alternately and compare medians, or both at once with pair.sh where the machine's speed
# drifts; compare.sh is the side-by-side with Kamailio.
set -euo pipefail
JAR=$1; T=$2; RATE=$3; shift 3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LT_JAR=${LT_JAR:-$ROOT/loadtest/target/loadtest.jar}
W=$(mktemp -d)
# shellcheck source=edge-alone.sh
. "$(dirname "$0")/edge-alone.sh"
trap 'edge_stop_all; rm -rf "$W"' EXIT
edge_users
edge_start edge "$JAR" "$@"
PID=$(edge_pid edge)
switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
# Two warm-up runs, so two connections: registrations over a new connection after the last one
# closed take paths the first connection's never did, which the JIT compiles then (BENCHMARKS.md,
# "Warm connections"). With one 20 s warm-up, round 1's p99 over TCP was about 1 ms, round 2's 0.34.
edge_load edge "$RATE" 10
edge_load edge "$RATE" 10
for r in 1 2 3; do
  c0=$(edge_cpu edge); s0=$(switches); edge_load edge "$RATE" 15; c1=$(edge_cpu edge); s1=$(switches)
  ok=$(python3 -c "import json; d = json.load(open('$W/r-edge.json')); print(d.get('succeeded', d.get('ok', 0)))")
  p99=$(python3 -c "import json; print(json.load(open('$W/r-edge.json'))['latency_ms']['registration']['p99'])")
  python3 -c "print('round $r: ok=$ok cpu_us_per_reg=%.1f switches_per_reg=%.3f p99_ms=$p99' % (($c1 - $c0) * 1e6 / 100 / max(1, $ok), ($s1 - $s0) / max(1, $ok)))"
done
