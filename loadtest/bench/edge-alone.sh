# edge-alone.sh: sourced by ab.sh and pair.sh. The edge alone on loopback with the benchmark's JVM
# options, 20 000 imported users, and the generator against it. Needs W (a work directory), T (the
# transport) and LT_JAR set by the caller; every edge it starts is killed by edge_stop_all.

EDGE_PIDS=()

# edge_users: the users every edge imports and every generator registers.
edge_users() {
  java -jar "$LT_JAR" users --count 20000 --domain example.com --out "$W/users.csv" >/dev/null
}

# edge_start NAME JAR [--set key=value ...]: a fresh data directory, the users imported, the edge
# started and listening; its pid and SIP port in $W/NAME.pid. As in compare.sh, the guard lets the
# generator's one address send at any rate, and bindings stay in memory (each generator run comes
# from new source ports, so with persistence on its first pass would write every binding); later
# --set win.
edge_start() {
  local name=$1 jar=$2 port pid
  shift 2
  java -jar "$jar" --set data-dir="$W/$name" import "$W/users.csv" >/dev/null 2>&1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  java -Xms1g -Xmx1g -XX:+UseParallelGC -Xmn640m -XX:SurvivorRatio=3 -XX:-UseAdaptiveSizePolicy \
    -XX:MaxTenuringThreshold=1 -XX:MetaspaceSize=64m -jar "$jar" --set data-dir="$W/$name" \
    --set sip.address=127.0.0.1 --set sip.port="$port" --set sip.tls-port=-1 --set sip.ws-port=-1 \
    --set sip.wss-port=-1 --set http.port=-1 --set sip.qualify-interval-seconds=0 \
    --set security.rate-per-second=10000000 --set security.burst=100000000 \
    --set registrar.persist-bindings=off "$@" >"$W/$name.log" 2>&1 &
  pid=$!
  EDGE_PIDS+=("$pid")
  echo "$pid $port" >"$W/$name.pid"
  for _ in $(seq 1 300); do grep -q "sip-edge listening" "$W/$name.log" && break; sleep 0.1; done
}

edge_stop_all() {
  kill "${EDGE_PIDS[@]}" 2>/dev/null || true
}

# edge_pid NAME
edge_pid() {
  local pid
  read -r pid _ <"$W/$1.pid"
  echo "$pid"
}

# edge_load NAME RATE SECONDS: the generator against edge NAME; its report in $W/r-NAME.json.
edge_load() {
  local port
  read -r _ port <"$W/$1.pid"
  # shellcheck disable=SC2046
  java -jar "$LT_JAR" register --host 127.0.0.1 --port "$port" --transport "$T" --users-file "$W/users.csv" \
    --contact-port 5999 --phone-state "$W/phones-$1" --timeout 8 --quiet \
    $([ "$T" = udp ] && echo --connections 16) --rate "$2" --duration "$3" --report-json "$W/r-$1.json" \
    >"$W/lt-$1.txt" 2>&1
}

# edge_cpu NAME: utime+stime of edge NAME so far, in clock ticks (10 ms).
edge_cpu() {
  awk '{print $14 + $15}' "/proc/$(edge_pid "$1")/stat"
}
