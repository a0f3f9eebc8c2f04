#!/usr/bin/env bash
# pair.sh JAR_A JAR_B TRANSPORT RATE [--set key=value ...]: two builds of the edge at the same time,
# CPU per authenticated registration of each.
#
# For A/B comparisons on a machine whose speed drifts: on this 2-core VM the same build measured
# 35 to 55 µs per registration over TCP from one ab.sh run to the next, so two builds run one after
# the other cannot show a 10 % difference. Here both edges run at once, each with its own generator
# at RATE and the same 20 000 users, and every round reports B's CPU per registration over A's: a
# slow spell of the machine slows both alike. Rounds of 15 s after a 20 s warm-up (ROUNDS, default
# 5); compare the ratio's median. CPU = utime+stime from /proc per successful registration.
set -euo pipefail
A=$1; B=$2; T=$3; RATE=$4; shift 4
EXTRA=("$@")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LT_JAR=${LT_JAR:-$ROOT/loadtest/target/loadtest.jar}
ROUNDS=${ROUNDS:-5}
W=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$W"' EXIT
java -jar "$LT_JAR" users --count 20000 --domain example.com --out "$W/users.csv" >/dev/null

start() { # NAME JAR
  java -jar "$2" --set data-dir="$W/$1" import "$W/users.csv" >/dev/null 2>&1
  local port pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  java -Xms1g -Xmx1g -XX:+UseParallelGC -Xmn640m -XX:SurvivorRatio=3 -XX:-UseAdaptiveSizePolicy \
    -XX:MaxTenuringThreshold=1 -XX:MetaspaceSize=64m -jar "$2" --set data-dir="$W/$1" \
    --set sip.address=127.0.0.1 --set sip.port="$port" --set sip.tls-port=-1 --set sip.ws-port=-1 \
    --set sip.wss-port=-1 --set http.port=-1 --set sip.qualify-interval-seconds=0 \
    --set security.rate-per-second=10000000 --set security.burst=100000000 \
    --set registrar.persist-bindings=off "${EXTRA[@]}" >"$W/$1.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  echo "$pid $port" >"$W/$1.pid"
  for _ in $(seq 1 300); do grep -q "sip-edge listening" "$W/$1.log" && break; sleep 0.1; done
}

load() { # NAME SECONDS
  local port
  read -r _ port <"$W/$1.pid"
  # shellcheck disable=SC2046
  java -jar "$LT_JAR" register --host 127.0.0.1 --port "$port" --transport "$T" --users-file "$W/users.csv" \
    --contact-port 5999 --phone-state "$W/phones-$1" --timeout 8 --quiet \
    $([ "$T" = udp ] && echo --connections 16) --rate "$RATE" --duration "$2" --report-json "$W/r-$1.json" \
    >"$W/lt-$1.txt" 2>&1
}

both() { # SECONDS: the two loads at once (the edges run in the background too: wait for these only)
  load a "$1" & local la=$!
  load b "$1" & local lb=$!
  wait "$la" "$lb"
}

cpu() { local pid; read -r pid _ <"$W/$1.pid"; awk '{print $14 + $15}' "/proc/$pid/stat"; }

start a "$A"
start b "$B"
both 20
for r in $(seq 1 "$ROUNDS"); do
  a0=$(cpu a); b0=$(cpu b)
  both 15
  a1=$(cpu a); b1=$(cpu b)
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
