#!/usr/bin/env bash
# call.sh -h HOST -p PORT -u USERS_CSV [-t udp|tcp] [-r RATE] [-d SECONDS] [-n CALLEES] [-c CALLERS]
#         [-H HOLD_MS] [-R REG_RATE] [-e EXPIRES] [-l MAX_OPEN_CALLS] [-k DIR]
# Drives calls through a SIP proxy with SIPp 3.6 (Debian sip-tester) and prints ONE result line:
#   sipp scenario=call transport=udp target_rate=200 duration_s=10 hold_ms=1000 callees=200
#   callers=200 attempted=2000 succeeded=2000 failed=0 achieved_rate=199.8 retransmissions=0
#   setup_p50_ms=0 setup_p99_ms=4 elapsed_s=11.01 (4ms clock ticks)
# 1. A callee agent (one SIPp process: callee-register.xml, -oocsf callee-answer.xml) registers
#    users 1..CALLEES of USERS_CSV through the proxy (each first clears its AOR's old bindings)
#    and then answers the INVITEs that reach them, on its registration socket / connection.
# 2. Once all are registered, callers (users CALLEES+1..CALLEES+CALLERS, another SIPp process,
#    caller.xml) place RATE x SECONDS calls at RATE/s: INVITE, 407, INVITE with credentials,
#    100/180/200, ACK, HOLD_MS, BYE, 200; caller i calls callee i (both lists wrap around).
# 3. The callee agent is stopped; SIPp's files are removed unless -k.
# Exit 0 only if every callee registered and every one of RATE x SECONDS calls succeeded.
#   -h HOST     proxy IP literal (no DNS)         -p PORT  proxy port (UDP or TCP)
#   -u FILE     gen-users.sh / import format (domain;username;password): needs CALLEES+CALLERS users,
#               which the proxy must know (the callers are never registered, only authenticated)
#   -t          udp (default) or tcp: each SIPp process over one socket / one TCP connection
#   -r RATE     new calls per second (default 100)   -d SECONDS  duration (default 10)
#   -n CALLEES  registered callee users (default 100)   -c CALLERS  caller users (default CALLEES)
#   -H HOLD_MS  pause between the ACK and the BYE (default 1000)
#   -R RATE     registrations per second of the callee agent (default 500)
#   -e EXPIRES  Expires of the callee registrations (default 3600)
#   -l N        SIPp -l for the callers: max calls open at once, default RATE x (HOLD + 2 s) in
#               [100, 15000]; past it SIPp slows down (achieved_rate drops)
#   -k DIR      keep SIPp's files (csv, logs, screens, the generated injection files) in DIR
# setup_p50_ms/setup_p99_ms: first INVITE sent -> 200 received (407 round trip included), every
# call, nearest rank; SIPp's clock advances in 4 ms ticks here. achieved_rate: succeeded calls /
# (elapsed_s - HOLD), elapsed_s being the callers' SIPp start -> end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host="" port="" users="" transport=udp rate=100 dur=10 ncallee=100 ncaller="" hold=1000 regrate=500
expires=3600 limit="" keep=""
usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "h:p:u:t:r:d:n:c:H:R:e:l:k:" o; do
  case $o in
    h) host=$OPTARG ;; p) port=$OPTARG ;; u) users=$OPTARG ;; t) transport=$OPTARG ;;
    r) rate=$OPTARG ;; d) dur=$OPTARG ;; n) ncallee=$OPTARG ;; c) ncaller=$OPTARG ;;
    H) hold=$OPTARG ;; R) regrate=$OPTARG ;; e) expires=$OPTARG ;; l) limit=$OPTARG ;;
    k) keep=$OPTARG ;; *) usage ;;
  esac
done
[ -n "$host" ] && [ -n "$port" ] && [ -n "$users" ] || usage
[ -n "$ncaller" ] || ncaller=$ncallee
for v in "$rate" "$dur" "$ncallee" "$ncaller" "$regrate" "$expires"; do
  [[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || { echo "call.sh: -r -d -n -c -R -e must be positive integers" >&2; exit 2; }
done
[[ $hold =~ ^[0-9]+$ ]] || { echo "call.sh: -H must be an integer >= 0 (ms)" >&2; exit 2; }
case $transport in udp) t=u1 ;; tcp) t=t1 ;; *) echo "call.sh: -t udp|tcp" >&2; exit 2 ;; esac
[ -r "$users" ] || { echo "call.sh: cannot read $users" >&2; exit 2; }
command -v sipp >/dev/null || { echo "call.sh: sipp not installed (apt-get install -y sip-tester)" >&2; exit 2; }
for f in callee-register.xml callee-answer.xml caller.xml; do
  [ -r "$here/$f" ] || { echo "call.sh: missing $here/$f" >&2; exit 2; }
done
calls=$((rate * dur))
if [ -z "$limit" ]; then
  limit=$(( rate * (hold + 2000) / 1000 )); [ "$limit" -ge 100 ] || limit=100; [ "$limit" -le 15000 ] || limit=15000
fi
# SIPp writes rtt samples in blocks of -rtt_freq and drops the last partial block at exit.
if [ "$calls" -ge 100000 ]; then rttf=1000; elif [ "$calls" -ge 1000 ]; then rttf=100; else rttf=1; fi

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d /tmp/sipp-call.XXXXXX); fi
callee_pid="" caller_pid=""
stop_callee() {
  # SIGTERM: SIPp writes its final statistics and exits (SIGUSR1 does not end a -m run whose
  # calls are paused: SIPp 3.6 resets its quit flag while the -m count is reached).
  [ -n "$callee_pid" ] || return 0
  if kill -0 "$callee_pid" 2>/dev/null; then
    kill -TERM "$callee_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$callee_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$callee_pid" 2>/dev/null || true
  fi
  wait "$callee_pid" 2>/dev/null || true
  callee_pid=""
}
cleanup() {
  if [ -n "$caller_pid" ]; then kill -TERM "$caller_pid" 2>/dev/null || true; wait "$caller_pid" 2>/dev/null || true; fi
  stop_callee
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The injection files: callees.csv (users 1..CALLEES) and calls.csv (caller i -> callee i).
python3 - "$users" "$work" "$ncallee" "$ncaller" <<'PY' || exit 2
import sys
src, work, ncallee, ncaller = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = []
with open(src, encoding="utf-8") as f:
    for lineno, raw in enumerate(f, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if lineno == 1 and line.upper() in ("SEQUENTIAL", "RANDOM", "USER"):
            continue
        parts = line.split(";")
        if len(parts) != 3 or not all(parts):
            sys.exit(f"call.sh: {src}:{lineno}: expected domain;username;password (no auth username)")
        rows.append(parts)
        if len(rows) == ncallee + ncaller:
            break
if len(rows) < ncallee + ncaller:
    sys.exit(f"call.sh: {src} has {len(rows)} users; -n {ncallee} -c {ncaller} need {ncallee + ncaller}")
callees, callers = rows[:ncallee], rows[ncallee:]
with open(f"{work}/callees.csv", "w") as out:
    out.write("SEQUENTIAL\n")
    for d, u, p in callees:
        out.write(f"{d};{u};{p}\n")
with open(f"{work}/calls.csv", "w") as out:
    out.write("SEQUENTIAL\n")
    for i in range(max(ncallee, ncaller)):
        cd, cu, cp = callers[i % ncaller]
        ed, eu, _ = callees[i % ncallee]
        out.write(f"{cd};{cu};{cp};{eu};{ed}\n")
PY

# Local address towards the proxy (no packet is sent) and free local ports for the two SIPp
# processes, the callee agent's and the callers' (sipp_files.py says why each).
ports=$(python3 "$here/sipp_files.py" ports "$host" "$port" 2) || { echo "call.sh: could not pick a local address and free ports towards $host:$port" >&2; exit 2; }
read -r lip ep emp ecp rp rmp rcp <<<"$ports"
target=$host
[[ $host == *:* ]] && target="[$host]"

# 1. The callee agent. Its registrations stay open in a pause (SIPp exits when the main
# scenario's calls are done; the out-of-call answers do not count) that outlasts the run; it is
# stopped with SIGTERM below, or ends by itself after that pause if this script was killed.
regwait=$(( ncallee / regrate + 30 ))
life_ms=$(( (regwait + dur * 3 + 120) * 1000 + hold ))
(cd "$work" && exec sipp "$target:$port" -sf "$here/callee-register.xml" -oocsf "$here/callee-answer.xml" \
   -inf callees.csv -key expires "$expires" -t "$t" -i "$lip" -p "$ep" -mp "$emp" -cp "$ecp" \
   -buff_size 4194304 -r "$regrate" -rp 1000 -m "$ncallee" -l "$((ncallee + 10))" -d "$life_ms" \
   -recv_timeout "$((hold + 32000))" -nostdin -default_behaviors all,-bye \
   -trace_stat -stf callee-stat.csv -fd 1 -trace_counts -trace_err -max_log_size 20000000 \
   </dev/null >callee.out 2>&1) &
callee_pid=$!

# Registered = the last 200 of callee-register.xml counted CALLEES times (SIPp's -trace_counts
# file, written every second).
set +e
python3 - "$work" "$callee_pid" "$ncallee" "$regwait" <<'PY'
import glob, os, sys, time
work, pid, n, wait_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
deadline = time.time() + wait_s
last = (0, 0)
while time.time() < deadline:
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                break
    except OSError:
        break
    for path in glob.glob(os.path.join(work, "callee-register_*_counts.csv")):
        lines = open(path).read().splitlines()
        if len(lines) < 2:
            continue
        head, row = lines[0].split(";"), lines[-1].split(";")
        cols = dict(zip(head, row))
        ok_col = [h for h in head if h.endswith("_200_Recv")][-1]
        bad = sum(int(v) for h, v in cols.items() if (h.endswith("_Timeout") or h.endswith("_Unexp")) and v.isdigit())
        last = (int(cols.get(ok_col, "0") or 0), bad)
        if bad:
            print(f"call.sh: callee registration failures (timeouts/unexpected): {bad}", file=sys.stderr)
            sys.exit(1)
        if last[0] >= n:
            sys.exit(0)
    time.sleep(0.2)
print(f"call.sh: only {last[0]} of {n} callees registered", file=sys.stderr)
sys.exit(1)
PY
regrc=$?
set -e
if [ "$regrc" -ne 0 ]; then
  tail -3 "$work/callee.out" 2>/dev/null | sed 's/^/call.sh: callee sipp: /' >&2
  for f in "$work"/callee-register_*_errors.log; do
    [ -r "$f" ] && python3 "$here/sipp_files.py" errors "$f" | sed 's/^/call.sh: callee: /' >&2
  done
  echo "sipp scenario=call transport=$transport target_rate=$rate duration_s=$dur hold_ms=$hold callees=$ncallee callers=$ncaller attempted=0 succeeded=0 failed=0 registration_failed=1"
  exit 1
fi

# 2. The callers.
set +e
(cd "$work" && exec sipp "$target:$port" -sf "$here/caller.xml" -inf calls.csv \
   -t "$t" -i "$lip" -p "$rp" -mp "$rmp" -cp "$rcp" -buff_size 4194304 \
   -r "$rate" -rp 1000 -m "$calls" -l "$limit" -d "$hold" \
   -recv_timeout 10000 -timeout "$((dur * 3 + 60 + hold / 1000))" -nostdin \
   -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq "$rttf" \
   -trace_err -max_log_size 20000000 -trace_screen \
   </dev/null >sipp.out 2>&1) &
caller_pid=$!
wait "$caller_pid"
rc=$?
caller_pid=""
set -e

# 3. Stop the callee agent (its files stay for -k).
stop_callee

python3 - "$here" "$work" "$transport" "$rate" "$dur" "$hold" "$ncallee" "$ncaller" "$calls" "$rc" <<'PY'
import glob, os, sys
sys.path.insert(0, sys.argv[1])
from sipp_files import Stats, error_entries, nearest_rank, output_tail, response_times
work, transport, rate, dur, hold, ncallee, ncaller, calls, rc = sys.argv[2:11]
hold, calls, rc = int(hold), int(calls), int(rc)
stat = Stats(os.path.join(work, "stat.csv"))
attempted, ok, failed = stat.num("TotalCallCreated"), stat.num("SuccessfulCall(C)"), stat.num("FailedCall(C)")
retrans = stat.num("Retransmissions(C)")
elapsed = stat.elapsed()
busy = elapsed - hold / 1000
achieved = ok / busy if busy > 0 else 0.0
rtts = response_times(work, "caller_*_rtt.csv")
line = (f"sipp scenario=call transport={transport} target_rate={rate} duration_s={dur} hold_ms={hold} "
        f"callees={ncallee} callers={ncaller} attempted={attempted} succeeded={ok} failed={failed} "
        f"achieved_rate={achieved:.1f} retransmissions={retrans} setup_p50_ms={nearest_rank(rtts, 50)} "
        f"setup_p99_ms={nearest_rank(rtts, 99)} elapsed_s={elapsed:.2f} (4ms clock ticks)")
if not stat.row or rc not in (0, 1):
    line += f" sipp_exit={rc}"
print(line)
if not stat.row or rc not in (0, 1):
    print("call.sh: caller sipp exit %d: %s" % (rc, " | ".join(output_tail(work))), file=sys.stderr)
if failed or ok != calls:
    for pattern, who in (("caller_*_errors.log", "caller"), ("callee-register_*_errors.log", "callee")):
        for f in glob.glob(os.path.join(work, pattern)):
            lines = error_entries(f)
            if lines:
                print(f"call.sh: first SIPp {who} errors: " + " | ".join(lines), file=sys.stderr)
sys.exit(0 if failed == 0 and ok == calls else 1)
PY
