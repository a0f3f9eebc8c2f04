#!/usr/bin/env bash
# run.sh -h HOST -p PORT -u USERS_CSV [-t udp|tcp] [-r RATE] [-d SECONDS] [-s SCENARIO]
#        [-e EXPIRES] [-l MAX_OPEN_CALLS] [-k DIR]
# Runs SIPp 3.6 (Debian sip-tester) once against a registrar and prints ONE result line:
#   sipp scenario=register-auth transport=udp target_rate=2000 duration_s=20 attempted=40000
#   succeeded=40000 failed=0 achieved_rate=1999.1 retransmissions=0 rtd_p50_ms=0 rtd_p99_ms=4
#   elapsed_s=20.01 (4ms clock ticks)
# Exit 0 only if every one of RATE x SECONDS calls succeeded.
#   -h HOST     target IP literal (no DNS is done by this script; SIPp would resolve a name)
#   -p PORT     target port (UDP or TCP)
#   -u FILE     SIPp injection file = import format (gen-users.sh); the users must exist there
#   -t          udp (default) or tcp: one TCP connection for all calls (SIPp -t t1)
#   -r RATE     new calls (scenario runs) per second, default 1000
#   -d SECONDS  duration, default 10: SIPp runs -m RATE*SECONDS calls at -r RATE -rp 1000
#   -s NAME     register-auth (default), reregister, unregister, or a path to a scenario .xml
#   -e EXPIRES  Expires of the registrations (SIPp -key expires), default 3600
#   -l N        SIPp -l: max calls open at once, default 2*RATE in [100, 15000]; past it SIPp slows
#               down (achieved_rate drops below target_rate) instead of piling calls up
#   -k DIR      keep SIPp's files (stat csv, rtt csv, error log, screen) in DIR
# Response times (rtd) are every rtd of the scenario (register-auth: first REGISTER -> 200;
# reregister/unregister: both registrations/removal), from SIPp's -trace_rtt, nearest rank.
# SIPp's clock advances in 4 ms ticks on this kernel: values read 0, 4, 8 ...
# SIPp gets -buff_size 4194304: its 64 KB default drops answers above ~6 000 calls/s (README).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host="" port="" users="" transport=udp rate=1000 dur=10 scen=register-auth expires=3600 limit="" keep=""
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "h:p:u:t:r:d:s:e:l:k:" o; do
  case $o in
    h) host=$OPTARG ;; p) port=$OPTARG ;; u) users=$OPTARG ;; t) transport=$OPTARG ;;
    r) rate=$OPTARG ;; d) dur=$OPTARG ;; s) scen=$OPTARG ;; e) expires=$OPTARG ;;
    l) limit=$OPTARG ;; k) keep=$OPTARG ;; *) usage ;;
  esac
done
[ -n "$host" ] && [ -n "$port" ] && [ -n "$users" ] || usage
[[ $rate =~ ^[0-9]+$ && $dur =~ ^[0-9]+$ && $rate -gt 0 && $dur -gt 0 ]] || { echo "run.sh: -r and -d must be positive integers" >&2; exit 2; }
case $transport in udp) t=u1 ;; tcp) t=t1 ;; *) echo "run.sh: -t udp|tcp" >&2; exit 2 ;; esac
case $scen in
  */*|*.xml) scenfile=$scen ;;
  *) scenfile=$here/$scen.xml ;;
esac
[ -r "$scenfile" ] || { echo "run.sh: no scenario $scenfile" >&2; exit 2; }
scenfile=$(cd "$(dirname "$scenfile")" && pwd)/$(basename "$scenfile")
name=$(basename "$scenfile" .xml)
[ -r "$users" ] || { echo "run.sh: cannot read $users" >&2; exit 2; }
users=$(cd "$(dirname "$users")" && pwd)/$(basename "$users")
command -v sipp >/dev/null || { echo "run.sh: sipp not installed (apt-get install -y sip-tester)" >&2; exit 2; }
# SIPp 3.6 warns when open calls + sockets reach its open-files limit (20 000 here): cap at 15 000.
[ -n "$limit" ] || { limit=$(( 2 * rate > 100 ? 2 * rate : 100 )); [ "$limit" -le 15000 ] || limit=15000; }
calls=$((rate * dur))
# SIPp writes rtt samples in blocks of -rtt_freq and drops the last partial block at exit.
if [ "$calls" -ge 100000 ]; then rttf=1000; elif [ "$calls" -ge 1000 ]; then rttf=100; else rttf=1; fi

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d /tmp/sipp-run.XXXXXX); fi
cleanup() { [ -n "$keep" ] || rm -rf "$work"; }
trap cleanup EXIT

# Local address towards the target (no packet is sent) and free local ports for SIP, media and
# control (sipp_files.py says why each).
ports=$(python3 "$here/sipp_files.py" ports "$host" "$port" 1) || { echo "run.sh: could not pick a local address and free ports towards $host:$port" >&2; exit 2; }
read -r lip lport mport cport <<<"$ports"
target=$host
[[ $host == *:* ]] && target="[$host]"

set +e
(cd "$work" && exec sipp "$target:$port" -sf "$scenfile" -inf "$users" -key expires "$expires" \
   -t "$t" -i "$lip" -p "$lport" -mp "$mport" -cp "$cport" -buff_size 4194304 \
   -r "$rate" -rp 1000 -m "$calls" -l "$limit" \
   -recv_timeout 10000 -timeout "$((dur * 3 + 60))" -nostdin -default_behaviors all,-bye \
   -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq "$rttf" \
   -trace_err -max_log_size 20000000 -trace_screen \
   </dev/null >sipp.out 2>&1)
rc=$?
set -e

python3 - "$here" "$work" "$name" "$transport" "$rate" "$dur" "$calls" "$rc" <<'PY'
import glob, os, sys
sys.path.insert(0, sys.argv[1])
from sipp_files import Stats, error_entries, nearest_rank, output_tail, response_times
work, name, transport, rate, dur, calls, rc = sys.argv[2:9]
calls, rc = int(calls), int(rc)
stat = Stats(os.path.join(work, "stat.csv"))
attempted, ok, failed = stat.num("TotalCallCreated"), stat.num("SuccessfulCall(C)"), stat.num("FailedCall(C)")
retrans = stat.num("Retransmissions(C)")
elapsed = stat.elapsed()
achieved = ok / elapsed if elapsed > 0 else 0.0
rtts = response_times(work, "*_rtt.csv")
line = (f"sipp scenario={name} transport={transport} target_rate={rate} duration_s={dur} "
        f"attempted={attempted} succeeded={ok} failed={failed} achieved_rate={achieved:.1f} "
        f"retransmissions={retrans} rtd_p50_ms={nearest_rank(rtts, 50)} rtd_p99_ms={nearest_rank(rtts, 99)} "
        f"elapsed_s={elapsed:.2f} (4ms clock ticks)")
if not stat.row or rc not in (0, 1):
    line += f" sipp_exit={rc}"
print(line)
if not stat.row or rc not in (0, 1):
    print("run.sh: sipp exit %d: %s" % (rc, " | ".join(output_tail(work))), file=sys.stderr)
if failed:
    for f in glob.glob(os.path.join(work, "*_errors.log"))[:1]:
        print("run.sh: first SIPp errors: " + " | ".join(error_entries(f)), file=sys.stderr)
sys.exit(0 if failed == 0 and ok == calls else 1)
PY
