#!/usr/bin/env bash
# calls.sh: calls through sip-edge and Kamailio side by side, in one run, on this machine.
#
# Generates CALLEES + CALLERS users (loadtest/sipp/gen-users.sh), loads them into both proxies (the
# edge's import; Kamailio's SQLite DB, see loadtest/peers/kamailio), starts the edge and Kamailio as
# the reference proxy (start.sh -P: registrar + digest with HA1s in memory + record_route + lookup +
# t_relay, TLSF allocator) on free loopback ports, and drives both with SIPp (loadtest/sipp/call.sh:
# a callee agent registers CALLEES users through the proxy and answers on its registration socket or
# connection; callers place INVITE, 407, ACK, INVITE with credentials, 100, 180, 200, ACK, hold, BYE,
# 200 at a fixed rate). After a warm-up of both (the edge's JIT), in this order, every figure the
# median of ROUNDS rounds that alternate which proxy goes first:
#  1. CPU per call at FIXED_CALLS calls/s for CALL_S seconds over each of TRANSPORTS: utime+stime
#     (/proc/PID/stat) of the proxy (the edge's JVM; Kamailio's main process and all its children)
#     from the start of the callers' SIPp to its end (the callee agent's registrations before it are
#     not counted), over the calls that succeeded; setup p50/p99 from call.sh's line (first INVITE ->
#     200, 407 round trip included; SIPp's clock ticks in 4 ms steps here).
#  2. Max sustained calls/s over each of TRANSPORTS: STEP_S-second steps START, START+STEP, .. MAX;
#     a step passes with < 0.1 % failed calls and >= 95 % of its target achieved; the first failing
#     step ends the search (later rounds start two steps under the previous round's max, and from
#     START again if that first step fails).
#  3. Setup p50/p99 (and CPU per call) of both at half of Kamailio's median max, each transport.
#  4. Memory per MEM_CALLS calls in progress, over UDP: calls at MEM_RATE/s held HOLD_MS (default
#     MEM_CALLS / MEM_RATE seconds) for HOLD_MS + 10 s, so that MEM_CALLS calls are up at once for
#     the last 10 s; PSS summed over the proxy's processes (= RSS for the edge's one process;
#     Kamailio's processes share their shared memory, which summed RSS would count once per process)
#     and the edge's heap used right after `jcmd PID GC.run` (its live heap), idle before the run
#     and 5 s into the plateau; the delta scaled to MEM_CALLS by SIPp's CurrentCall at that moment.
#     Kamailio is started afresh for each memory round: TLSF never gives touched shared memory back,
#     so only a fresh process shows in its PSS what the calls need; the edge's live heap does not
#     need a fresh process (its PSS delta, from a warm JVM whose young generation is already
#     touched, is recorded too).
#  5. LONG_S > 0: the edge alone at half its median max over UDP for LONG_S seconds, calls of
#     CALL_HOLD_MS, its heap after GC, PSS and RSS every LONG_SAMPLE_S seconds: first, last, slope.
# Writes every result to WORK/calls.jsonl and the markdown section (calls_report.py) to OUT, which it
# also prints. The edge's GC log of each start is WORK/edge-gc-PID.log; call.sh's stderr (SIPp's
# first errors on failures) goes to WORK/sipp.log.
#
# Settings (environment):
#   ROUNDS=3 TRANSPORTS="udp tcp" FIXED_CALLS=2000 CALL_S=20 CALL_HOLD_MS=1000 (the hold of every
#   call but the memory rows') WARM_S=20 (warm-up of both: UDP WARM_S s and TCP WARM_S/2 s at
#   FIXED_CALLS) START=2000 STEP=1000 MAX=16000 STEP_S=10
#   MEM_CALLS=10000 MEM_RATE=500 HOLD_MS=MEM_CALLS*1000/MEM_RATE (20000)   LONG_S=0 (600 = the
#   10-minute run) LONG_SAMPLE_S=30   CALLEES=200 CALLERS=200 (call.sh -n -c)
#   OUT=WORK/calls.md   JAVA=java   WORK=(a new /tmp/sipedge-calls.XXXXXX)
#   EDGE_JAVA_OPTS="-Xms2g -Xmx2g -XX:+UseParallelGC -Xmn1536m -XX:SurvivorRatio=4 -XX:-UseAdaptiveSizePolicy
#   -XX:MaxTenuringThreshold=2 -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError" (compare.sh's with a young
#   generation large enough that a UDP transaction lingering 5 s dies in it: with compare.sh's 640 MB at
#   2 000 calls/s they were promoted, and young pauses of 11-18 ms and full collections set the p99) EDGE_JAR=sip-edge/target/sip-edge.jar (copied into WORK
#   first, so that a rebuild during the run cannot touch the one running; Maven is never run here:
#   mid-change, build one from `git archive HEAD` elsewhere and point EDGE_JAR at it)
# Needs: JDK 17+ (java, jcmd), python3, SIPp 3.6 (Debian sip-tester), kamailio 5.6 +
# kamailio-sqlite-modules (Debian), a built sip-edge jar. Everything runs on 127.0.0.1; nothing is
# resolved.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-3} TRANSPORTS=${TRANSPORTS:-udp tcp} FIXED_CALLS=${FIXED_CALLS:-2000} CALL_S=${CALL_S:-20}
CALL_HOLD_MS=${CALL_HOLD_MS:-1000} WARM_S=${WARM_S:-20}
START=${START:-2000} STEP=${STEP:-1000} MAX=${MAX:-16000} STEP_S=${STEP_S:-10}
MEM_CALLS=${MEM_CALLS:-10000} MEM_RATE=${MEM_RATE:-500}
HOLD_MS=${HOLD_MS:-$(( MEM_CALLS * 1000 / MEM_RATE ))}
LONG_S=${LONG_S:-0} LONG_SAMPLE_S=${LONG_SAMPLE_S:-30} CALLEES=${CALLEES:-200} CALLERS=${CALLERS:-200}
JAVA=${JAVA:-java}
EDGE_JAVA_OPTS=${EDGE_JAVA_OPTS:--Xms2g -Xmx2g -XX:+UseParallelGC -Xmn1536m -XX:SurvivorRatio=4 -XX:-UseAdaptiveSizePolicy -XX:MaxTenuringThreshold=2 -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError}
EDGE_JAR=${EDGE_JAR:-$ROOT/sip-edge/target/sip-edge.jar}
DOMAIN=bench.sipedge.test
WORK=${WORK:-$(mktemp -d /tmp/sipedge-calls.XXXXXX)}
OUT=${OUT:-$WORK/calls.md}
RESULTS=$WORK/calls.jsonl
KAM=$ROOT/loadtest/peers/kamailio
CALL=$ROOT/loadtest/sipp/call.sh
PROBE=$ROOT/loadtest/bench/calls_probe.py
JCMD=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd
MEM_S=$(( (HOLD_MS + 999) / 1000 + 10 ))
mkdir -p "$WORK"
: > "$RESULTS"
log() { echo "[calls $(date +%H:%M:%S)] $*" >&2; }

for tool in sipp kamailio python3 "$JAVA" "$JCMD"; do
  command -v "$tool" >/dev/null || { echo "calls.sh: $tool not found" >&2; exit 2; }
done
[ -r "$EDGE_JAR" ] || { echo "calls.sh: no edge jar at $EDGE_JAR (build it, or set EDGE_JAR)" >&2; exit 2; }
[ "$(( MEM_RATE * (HOLD_MS + 2000) / 1000 ))" -le 15000 ] ||
  echo "calls.sh: warning: MEM_RATE x (HOLD_MS + 2 s) is over call.sh's 15 000 open calls cap for the callers" >&2

EDGE_PID="" KAM_PID=""
cleanup() {
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  [ -n "$KAM_PID" ] && "$KAM/stop.sh" "$KAM_PID" >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

# A port free for both UDP and TCP on loopback (as compare.sh).
free_port() {
  python3 - <<'PY'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); u.close(); t.close(); print(p); break
    except OSError:
        t.close()
PY
}
now_ms() { date +%s%3N; }
pids_of() { # the edge's JVM, or Kamailio's main process and its children
  case $1 in
    edge) echo "$EDGE_PID" ;;
    kamailio) echo "$KAM_PID" $(pgrep -P "$KAM_PID" || true) ;;
  esac
}
port_of() { case $1 in edge) echo "$EDGE_PORT" ;; kamailio) echo "$KAM_PORT" ;; esac; }
edge_args() { [ "$1" = edge ] && echo --edge-pid "$EDGE_PID" --jcmd "$JCMD" || true; }
record() { python3 "$PROBE" record "$RESULTS" "$@"; }

start_edge() {
  EDGE_PORT=$(free_port)
  local t0; t0=$(now_ms)
  # Qualify off: Kamailio's configuration sends no OPTIONS to its bindings either.
  # shellcheck disable=SC2086
  "$JAVA" $EDGE_JAVA_OPTS "-Xlog:gc:file=$WORK/edge-gc-%p.log:time" -jar "$WORK/sip-edge.jar" \
    --set data-dir="$WORK/edge-data" --set sip.address=127.0.0.1 --set sip.port="$EDGE_PORT" \
    --set sip.tls-port=-1 --set sip.ws-port=-1 --set sip.wss-port=-1 --set http.port=-1 \
    --set sip.qualify-interval-seconds=0 --set security.rate-per-second=10000000 \
    --set security.burst=100000000 >"$WORK/edge.log" 2>&1 &
  EDGE_PID=$!
  for _ in $(seq 1 600); do
    grep -q "sip-edge listening" "$WORK/edge.log" && break
    kill -0 "$EDGE_PID" 2>/dev/null || { cat "$WORK/edge.log" >&2; exit 1; }
    sleep 0.05
  done
  log "edge pid $EDGE_PID on udp+tcp 127.0.0.1:$EDGE_PORT (up in $(( $(now_ms) - t0 )) ms)"
}
stop_edge() { kill "$EDGE_PID" 2>/dev/null || true; wait "$EDGE_PID" 2>/dev/null || true; EDGE_PID=""; }
start_kamailio() {
  KAM_PORT=$(free_port)
  KAM_PID=$("$KAM/start.sh" -P -p "$KAM_PORT" -d "$WORK/kamailio.db" -r "$WORK/kamailio-run" 2>>"$WORK/kamailio-start.log")
  log "kamailio proxy pid $KAM_PID on udp+tcp 127.0.0.1:$KAM_PORT ($(tail -1 "$WORK/kamailio-start.log" | sed 's/.*(\(.*\)).*/\1/'))"
}
stop_kamailio() { "$KAM/stop.sh" "$KAM_PID" >/dev/null 2>&1 || true; KAM_PID=""; }

# run_calls TARGET TRANSPORT RATE SECONDS HOLD_MS [watch options]: one call.sh run, its line in
# WORK/last.line, the watch's JSON (CPU over the callers' run, memory samples) in WORK/last-probe.json,
# SIPp's files of the run in WORK/sipp-last (replaced by the next run).
run_calls() {
  local target=$1 transport=$2 rate=$3 secs=$4 hold=$5 cpid wpid
  shift 5
  rm -rf "$WORK/sipp-last" "$WORK/last.line" "$WORK/last-probe.json"
  "$CALL" -h 127.0.0.1 -p "$(port_of "$target")" -u "$WORK/users.csv" -t "$transport" -r "$rate" \
    -d "$secs" -n "$CALLEES" -c "$CALLERS" -H "$hold" -k "$WORK/sipp-last" >"$WORK/last.line" 2>>"$WORK/sipp.log" &
  cpid=$!
  # shellcheck disable=SC2046
  python3 "$PROBE" watch --call-pid "$cpid" --pids "$(pids_of "$target")" --out "$WORK/last-probe.json" \
    --keep "$WORK/sipp-last" $(edge_args "$target") "$@" &
  wpid=$!
  wait "$cpid" || true
  wait "$wpid" || true
  cat "$WORK/last.line" >>"$WORK/calls-lines.log"
}
passed() { python3 "$PROBE" passed "$1" "$WORK/last.line"; }
median_of() { python3 "$PROBE" median "$RESULTS" "$@"; } # KIND TARGET TRANSPORT FIELD
order_of() { if [ $(($1 % 2)) = 1 ]; then echo "edge kamailio"; else echo "kamailio edge"; fi; }

# ------------------------------------------------------------------------------------ preparation
log "work dir $WORK"
cp "$EDGE_JAR" "$WORK/sip-edge.jar"
"$ROOT/loadtest/sipp/gen-users.sh" "$((CALLEES + CALLERS))" "$DOMAIN" >"$WORK/users.csv"
"$JAVA" -jar "$WORK/sip-edge.jar" import "$WORK/users.csv" --set data-dir="$WORK/edge-data" >"$WORK/import.log" 2>&1
"$KAM/load-users.sh" "$WORK/users.csv" "$WORK/kamailio.db" 2>/dev/null
rev=$(git -C "$ROOT" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
jar_note="$(basename "$EDGE_JAR") sha256 $(sha256sum "$WORK/sip-edge.jar" | cut -c1-12), built $(date -u -r "$EDGE_JAR" '+%Y-%m-%d %H:%M UTC')"
command="ROUNDS=$ROUNDS TRANSPORTS='$TRANSPORTS' FIXED_CALLS=$FIXED_CALLS CALL_S=$CALL_S CALL_HOLD_MS=$CALL_HOLD_MS WARM_S=$WARM_S START=$START STEP=$STEP MAX=$MAX STEP_S=$STEP_S MEM_CALLS=$MEM_CALLS MEM_RATE=$MEM_RATE HOLD_MS=$HOLD_MS LONG_S=$LONG_S LONG_SAMPLE_S=$LONG_SAMPLE_S CALLEES=$CALLEES CALLERS=$CALLERS loadtest/bench/calls.sh"
python3 - "$RESULTS" <<PY
import json, sys
d = dict(kind="machine", cpus=int("$(nproc)"), model="""$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)""",
         mem_gib=int("$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"), kernel="$(uname -r)",
         java="""$("$JAVA" -version 2>&1 | head -1 | tr -d '"')""", kamailio="""$(kamailio -v 2>/dev/null | head -1 | sed 's/^version: //; s/ *$//')""",
         sipp="""$(sipp -v 2>&1 | grep -o 'SIPp v[^ ,]*' | head -1 | sed 's/\.$//')""", rev="$rev", jar="""$jar_note""",
         edge_java_opts="""$EDGE_JAVA_OPTS""", date="$(date -u '+%Y-%m-%d %H:%M UTC')", command="""$command""",
         load_before="$(cut -d' ' -f1-3 /proc/loadavg)",
         rounds=$ROUNDS, transports="$TRANSPORTS".split(), fixed_calls=$FIXED_CALLS, call_s=$CALL_S,
         call_hold_ms=$CALL_HOLD_MS, warm_s=$WARM_S, start=$START, step=$STEP, max=$MAX, step_s=$STEP_S,
         mem_calls=$MEM_CALLS, mem_rate=$MEM_RATE, hold_ms=$HOLD_MS, mem_s=$MEM_S, long_s=$LONG_S,
         long_sample_s=$LONG_SAMPLE_S, callees=$CALLEES, callers=$CALLERS)
open(sys.argv[1], "a").write(json.dumps(d) + "\n")
PY
log "build $rev, $jar_note"

start_edge
start_kamailio

# ------------------------------------------------------------------------------------- warm-up
# The edge's JIT (a cold JVM answered its first calls in hundreds of ms); Kamailio too, so that both
# have touched the memory the fixed rate needs before anything is measured.
log "warm-up: UDP $WARM_S s and TCP $((WARM_S / 2)) s at $FIXED_CALLS calls/s against each"
for target in edge kamailio; do
  for transport in $TRANSPORTS; do
    s=$WARM_S; [ "$transport" = udp ] || s=$(( WARM_S / 2 > 0 ? WARM_S / 2 : 1 ))
    run_calls "$target" "$transport" "$FIXED_CALLS" "$s" "$CALL_HOLD_MS"
    log "$(record kind=warmup target="$target" transport="$transport" rate="$FIXED_CALLS" duration_s="$s" \
      line=@"$WORK/last.line" probe=@"$WORK/last-probe.json")"
  done
done
"$JCMD" "$EDGE_PID" GC.run >/dev/null
sleep 6 # answered transactions linger 5 s in both (the edge's linger, Kamailio's wait timer)

# ------------------------------------------------------------------- 1. CPU per call at a fixed rate
for round in $(seq 1 "$ROUNDS"); do
  for transport in $TRANSPORTS; do
    for target in $(order_of "$round"); do
      run_calls "$target" "$transport" "$FIXED_CALLS" "$CALL_S" "$CALL_HOLD_MS"
      log "round $round: $(record kind=fixed round="$round" target="$target" transport="$transport" \
        rate="$FIXED_CALLS" duration_s="$CALL_S" line=@"$WORK/last.line" probe=@"$WORK/last-probe.json")"
    done
  done
done

# ------------------------------------------------------------------------ 2. max sustained calls/s
declare -A LAST
find_max() { # find_max ROUND TARGET TRANSPORT FROM → FOUND (the highest passing step, 0 if none)
  local round=$1 target=$2 transport=$3 rate=$4
  FOUND=0
  while [ "$rate" -le "$MAX" ]; do
    run_calls "$target" "$transport" "$rate" "$STEP_S" "$CALL_HOLD_MS"
    local ok=false
    passed "$rate" && ok=true
    log "round $round max: $(record kind=step round="$round" target="$target" transport="$transport" rate="$rate" \
      duration_s="$STEP_S" passed="$ok" line=@"$WORK/last.line" probe=@"$WORK/last-probe.json")"
    [ "$ok" = true ] || break
    FOUND=$rate
    rate=$((rate + STEP))
  done
  sleep 5 # a failed step's transactions and retransmissions end before the next run
}
for round in $(seq 1 "$ROUNDS"); do
  for transport in $TRANSPORTS; do
    for target in $(order_of "$round"); do
      from=$START
      if [ -n "${LAST[$target$transport]:-}" ]; then
        from=$(( LAST[$target$transport] - 2 * STEP )); [ "$from" -ge "$START" ] || from=$START
      fi
      find_max "$round" "$target" "$transport" "$from"
      if [ "$FOUND" = 0 ] && [ "$from" -gt "$START" ]; then
        record kind=max_retry round="$round" target="$target" transport="$transport" from="$from" >/dev/null
        log "round $round $transport $target: the first step ($from/s) failed; again from $START/s"
        find_max "$round" "$target" "$transport" "$START"
      fi
      LAST[$target$transport]=$FOUND
      record kind=max round="$round" target="$target" transport="$transport" max="$FOUND" >/dev/null
      log "round $round $transport $target: max sustained $FOUND calls/s"
    done
  done
done

# ---------------------------------------------------- 3. setup latency at half of Kamailio's max
for transport in $TRANSPORTS; do
  half=$(( $(median_of max kamailio "$transport" max) / 2 ))
  [ "$half" -gt 0 ] || { log "no Kamailio max over $transport: no half-max rows"; continue; }
  for round in $(seq 1 "$ROUNDS"); do
    for target in $(order_of "$round"); do
      run_calls "$target" "$transport" "$half" "$CALL_S" "$CALL_HOLD_MS"
      log "round $round half of Kamailio's max: $(record kind=half round="$round" target="$target" \
        transport="$transport" rate="$half" duration_s="$CALL_S" line=@"$WORK/last.line" probe=@"$WORK/last-probe.json")"
    done
  done
done

# ------------------------------------------------------- 4. memory per MEM_CALLS calls in progress
# Over UDP. Idle 7 s first (lingering transactions gone), then a sample; the plateau sample 5 s into
# the last 10 s, when MEM_RATE x HOLD_MS calls are up. Kamailio afresh each round (see above).
plateau_s=$(( MEM_S - 5 ))
log "memory: $MEM_RATE calls/s held $HOLD_MS ms for $MEM_S s (plateau sample at $plateau_s s)"
for round in $(seq 1 "$ROUNDS"); do
  for target in $(order_of "$round"); do
    if [ "$target" = kamailio ]; then stop_kamailio; start_kamailio; fi
    sleep 7
    # shellcheck disable=SC2046
    python3 "$PROBE" mem --pids "$(pids_of "$target")" $(edge_args "$target") >"$WORK/mem-before.json"
    run_calls "$target" udp "$MEM_RATE" "$MEM_S" "$HOLD_MS" --plateau-s "$plateau_s"
    log "round $round memory: $(record kind=memory round="$round" target="$target" transport=udp rate="$MEM_RATE" \
      duration_s="$MEM_S" fresh="$([ "$target" = kamailio ] && echo true || echo false)" \
      line=@"$WORK/last.line" probe=@"$WORK/last-probe.json" before=@"$WORK/mem-before.json")"
  done
done

# -------------------------------------------------------------- 5. the long run (the edge alone)
if [ "$LONG_S" -gt 0 ]; then
  rate=$(( $(median_of max edge udp max) / 2 ))
  if [ "$rate" -gt 0 ]; then
    log "long run: the edge at $rate calls/s (half its UDP max) for $LONG_S s, memory every $LONG_SAMPLE_S s"
    sleep 7
    python3 "$PROBE" mem --pids "$EDGE_PID" --edge-pid "$EDGE_PID" --jcmd "$JCMD" >"$WORK/mem-before.json"
    run_calls edge udp "$rate" "$LONG_S" "$CALL_HOLD_MS" --every "$LONG_SAMPLE_S"
    log "$(record kind=long target=edge transport=udp rate="$rate" duration_s="$LONG_S" \
      line=@"$WORK/last.line" probe=@"$WORK/last-probe.json" before=@"$WORK/mem-before.json" | cut -c1-400)"
  else
    log "long run skipped: no UDP max for the edge"
  fi
fi

stop_edge
stop_kamailio
python3 "$ROOT/loadtest/bench/calls_report.py" "$RESULTS" >"$OUT"
cat "$OUT"
log "report written to $OUT (raw results in $RESULTS)"
