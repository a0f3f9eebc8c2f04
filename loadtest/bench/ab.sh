#!/usr/bin/env bash
# ab.sh JAR TRANSPORT RATE [--set key=value ...]: the edge alone, CPU per authenticated registration.
#
# For A/B comparisons of two builds on a quiet machine (BENCHMARKS.md, "The guard in the path"):
# imports 20 000 users into a fresh data directory, starts JAR with the benchmark's JVM options and
# the given settings, warms up for 20 s at RATE, then prints 3 rounds of 15 s each: CPU (utime+stime
# from /proc) and context switches (all threads) per successful registration, and the p99 of a
# registration (REGISTER to 200, both legs). Run the builds
# alternately and compare medians; compare.sh is the side-by-side with Kamailio.
set -euo pipefail
JAR=$1; T=$2; RATE=$3; shift 3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LT_JAR=${LT_JAR:-$ROOT/loadtest/target/loadtest.jar}
W=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$W"' EXIT
java -jar "$LT_JAR" users --count 20000 --domain example.com --out "$W/users.csv" >/dev/null
java -jar "$JAR" --set data-dir="$W/data" import "$W/users.csv" >/dev/null 2>&1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
java -Xms1g -Xmx1g -XX:+UseParallelGC -Xmn640m -XX:SurvivorRatio=3 -XX:-UseAdaptiveSizePolicy \
  -XX:MaxTenuringThreshold=1 -XX:MetaspaceSize=64m -jar "$JAR" --set data-dir="$W/data" \
  --set sip.address=127.0.0.1 --set sip.port="$PORT" --set sip.tls-port=-1 --set sip.ws-port=-1 \
  --set sip.wss-port=-1 --set http.port=-1 --set sip.qualify-interval-seconds=0 "$@" >"$W/edge.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do grep -q "sip-edge listening" "$W/edge.log" && break; sleep 0.1; done
load() {
  java -jar "$LT_JAR" register --host 127.0.0.1 --port "$PORT" --transport "$T" --users-file "$W/users.csv" \
    --contact-port 5999 --phone-state "$W/phones" --timeout 8 --quiet \
    $([ "$T" = udp ] && echo --connections 16) --rate "$RATE" --duration "$1" --report-json "$W/r.json" \
    >"$W/lt.txt" 2>&1
}
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
load 20
for r in 1 2 3; do
  c0=$(cpu); s0=$(switches); load 15; c1=$(cpu); s1=$(switches)
  ok=$(python3 -c "import json; d = json.load(open('$W/r.json')); print(d.get('succeeded', d.get('ok', 0)))")
  p99=$(python3 -c "import json; print(json.load(open('$W/r.json'))['latency_ms']['registration']['p99'])")
  python3 -c "print('round $r: ok=$ok cpu_us_per_reg=%.1f switches_per_reg=%.3f p99_ms=$p99' % (($c1 - $c0) * 1e6 / 100 / max(1, $ok), ($s1 - $s0) / max(1, $ok)))"
done
