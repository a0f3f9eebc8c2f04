#!/usr/bin/env bash
# restore.sh: persisted bindings at scale (BENCHMARKS.md, "Bindings across restarts").
#
#   EDGE_JAR=sip-edge/target/sip-edge.jar LT_JAR=loadtest/target/loadtest.jar USERS=1000000 RATE=12000 \
#     loadtest/bench/restore.sh
#
# 1. Imports USERS users, starts the edge and registers every one over UDP at RATE/s.
# 2. Graceful stop (SIGTERM): how long the stop takes, then how many bindings the next start
#    restores and how long that takes (the edge's own "bindings restored" line) out of how many
#    were bound before the stop (StoredBinding objects in a class histogram).
# 3. kill -9 during a registration storm: from no bindings, registers every user at RATE/s and
#    kills the edge half-way; the next start's restored count against the registrations the
#    generator saw answered 200 before the kill.
# Prints one line per figure. Run on a quiet machine; every step is logged under WORK.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EDGE_JAR=${EDGE_JAR:-$ROOT/sip-edge/target/sip-edge.jar}
LT_JAR=${LT_JAR:-$ROOT/loadtest/target/loadtest.jar}
USERS=${USERS:-1000000}
RATE=${RATE:-12000}
WORK=${WORK:-$(mktemp -d)}
JAVA_OPTS=${JAVA_OPTS:--Xms3g -Xmx3g -XX:+UseParallelGC -Xmn1g -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError}
DOMAIN=example.com
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true' EXIT

now_ms() { date +%s%3N; }
log() { echo "# $*" >&2; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start_edge() { # $1: log file
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$EDGE_JAR" --set data-dir="$WORK/data" --set sip.address=127.0.0.1 \
    --set sip.port="$PORT" --set sip.tls-port=-1 --set sip.ws-port=-1 --set sip.wss-port=-1 --set http.port=-1 \
    --set sip.qualify-interval-seconds=0 --set security.rate-per-second=10000000 \
    --set security.burst=100000000 >"$1" 2>&1 &
  PID=$!
  STARTED=$(now_ms)
  for _ in $(seq 1 1200); do
    grep -q "sip-edge listening" "$1" && break
    kill -0 "$PID" 2>/dev/null || { cat "$1" >&2; exit 1; }
    sleep 0.05
  done
  LISTENING_MS=$(( $(now_ms) - STARTED ))
}

register_all() { # $1: report json; registers every user once at RATE
  java -jar "$LT_JAR" register --host 127.0.0.1 --port "$PORT" --transport udp --users-file "$WORK/users.csv" \
    --contact-port 5999 --connections 16 --timeout 8 --quiet --rate "$RATE" \
    --duration "$(( (USERS + RATE - 1) / RATE ))" --report-json "$1" >"$1.txt" 2>&1 || true
}

succeeded() { python3 -c "import json; d = json.load(open('$1')); print(d.get('succeeded', d.get('ok', 0)))"; }
bound() { jcmd "$PID" GC.class_histogram | awk '$4 == "io.sipedge.location.StoredBinding" {print $2}'; }
restored_line() { grep -o "bindings restored: .*" "$1" | head -1; }

log "work in $WORK"
java -jar "$LT_JAR" users --count "$USERS" --domain "$DOMAIN" --out "$WORK/users.csv" >/dev/null
java -jar "$EDGE_JAR" --set data-dir="$WORK/data" import "$WORK/users.csv" >"$WORK/import.log" 2>&1

# ---- 1-2: everyone registered, graceful stop, start
start_edge "$WORK/edge1.log"
register_all "$WORK/register1.json"
before=$(bound)
log "registered: $(succeeded "$WORK/register1.json") answered 200, ${before:-0} bindings"
t0=$(now_ms)
kill -TERM "$PID"
code=0
wait "$PID" || code=$?
stop_ms=$(( $(now_ms) - t0 ))
echo "graceful stop: exit $code in ${stop_ms} ms with ${before:-0} bindings"
start_edge "$WORK/edge2.log"
echo "after the graceful stop: $(restored_line "$WORK/edge2.log"); listening ${LISTENING_MS} ms after launch;" \
  "bound before the stop: ${before:-0}; bound now: $(bound)"
kill -TERM "$PID"; wait "$PID" || true

# ---- 3: kill -9 half-way through a registration storm
rm -rf "$WORK/data/bindings"
start_edge "$WORK/edge3.log"
register_all "$WORK/register3.json" &
LOAD=$!
sleep $(( (USERS + RATE - 1) / RATE / 2 ))
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
wait "$LOAD" || true
answered=$(succeeded "$WORK/register3.json")
start_edge "$WORK/edge4.log"
line=$(restored_line "$WORK/edge4.log")
restored=$(echo "$line" | sed -E 's/bindings restored: ([0-9]+) .*/\1/')
python3 -c "print('kill -9 in a storm at $RATE/s: %s; answered 200 before the kill: $answered; restored %.2f %%' % ('$line', 100.0 * $restored / max(1, $answered)))"
kill -TERM "$PID"; wait "$PID" || true
PID=
