#!/usr/bin/env bash
# stop.sh PID|RUNDIR  -- stops a Kamailio started by start.sh (SIGTERM to its main process,
# which stops its children; after 10 s SIGKILL to its process group, which setsid made its own).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PID|RUNDIR" >&2; exit 2; }
if [ -d "$1" ]; then pid=$(cat "$1/main.pid"); else pid=$1; fi
[[ $pid =~ ^[0-9]+$ ]] || { echo "stop.sh: bad pid '$pid'" >&2; exit 2; }
kill -0 "$pid" 2>/dev/null || { echo "stop.sh: $pid is not running" >&2; exit 0; }
kill -TERM "$pid"
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
# Leftover children (same process group as the main process, started by setsid).
if kill -0 -- "-$pid" 2>/dev/null; then
  sleep 0.5
  kill -KILL -- "-$pid" 2>/dev/null || true
fi
echo "stop.sh: stopped $pid" >&2
