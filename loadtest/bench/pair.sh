#!/usr/bin/env bash
# pair.sh JAR_A JAR_B TRANSPORT RATE [--set key=value ...]: two builds of the edge at the same time,
# CPU per authenticated registration of each.
#
# For A/B comparisons on a machine whose speed drifts: on this 2-core VM the same build measured
# 35 to 55 µs per registration over TCP from one ab.sh run to the next, so two builds run one after
# the other cannot show a 10 % difference. Here both edges run at once, each with its own generator
# at RATE and the same 20 000 users, and every round reports B's CPU per registration over A's: a
# slow spell of the machine slows both alike. Rounds of 15 s after a 20 s warm-up (ROUNDS, default
# 5); compare the ratio's median. CPU = utime+stime from /proc per successful registration. The
# settings go to both edges.
set -euo pipefail
A=$1; B=$2; T=$3; RATE=$4; shift 4
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LT_JAR=${LT_JAR:-$ROOT/loadtest/target/loadtest.jar}
ROUNDS=${ROUNDS:-5}
W=$(mktemp -d)
# shellcheck source=edge-alone.sh
. "$(dirname "$0")/edge-alone.sh"
trap 'edge_stop_all; rm -rf "$W"' EXIT

both() { # SECONDS: the two loads at once (the edges run in the background too: wait for these only)
  edge_load a "$RATE" "$1" & local la=$!
  edge_load b "$RATE" "$1" & local lb=$!
  wait "$la" "$lb"
}

edge_users
edge_start a "$A" "$@"
edge_start b "$B" "$@"
both 20
for r in $(seq 1 "$ROUNDS"); do
  a0=$(edge_cpu a); b0=$(edge_cpu b)
  both 15
  a1=$(edge_cpu a); b1=$(edge_cpu b)
  python3 - "$W" "$r" "$a0" "$a1" "$b0" "$b1" <<'PY'
import json, sys
w, r = sys.argv[1], sys.argv[2]
a0, a1, b0, b1 = map(float, sys.argv[3:7])
def run(name):
    d = json.load(open(f"{w}/r-{name}.json"))
    return d.get('succeeded', d.get('ok', 0)), d['latency_ms']['registration']['p99']
(ok_a, p99_a), (ok_b, p99_b) = run('a'), run('b')
cpu_a = (a1 - a0) * 1e6 / 100 / max(1, ok_a)  # clock ticks of 10 ms
cpu_b = (b1 - b0) * 1e6 / 100 / max(1, ok_b)
print(f"round {r}: A {cpu_a:.1f} us (ok={ok_a} p99_ms={p99_a}) B {cpu_b:.1f} us (ok={ok_b} p99_ms={p99_b})"
      f" B/A {cpu_b / cpu_a:.3f}")
PY
done
