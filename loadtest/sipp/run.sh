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

# Local address towards the target (no packet is sent) and free local ports: SIP for UDP and
# TCP (SIPp's default, 5060, is often taken), media (default 6000 and 6002, bound even when
# unused; a taken one is fatal) and control (default 8888).
ports=$(python3 - "$host" "$port" <<'PY'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.connect((host, port))
lip = s.getsockname()[0]
s.close()
def free(kinds, offsets=(0,)):
    """A port p with p+offset free for every kind (UDP/TCP) on lip and on the wildcard."""
    for _ in range(200):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((lip, 0))
        p = u.getsockname()[1]
        u.close()
        ok = p + max(offsets) < 65536
        for off in offsets:
            for kind in kinds:
                for addr in (lip, "::" if fam == socket.AF_INET6 else "0.0.0.0"):
                    if not ok:
                        break
                    t = socket.socket(fam, kind)
                    try:
                        t.bind((addr, p + off))
                    except OSError:
                        ok = False
                    finally:
                        t.close()
        if ok:
            return p
    sys.exit("no free local port")
sip = free((socket.SOCK_DGRAM, socket.SOCK_STREAM))
media = free((socket.SOCK_DGRAM,), (0, 2))     # SIPp 3.6 binds RTP echo sockets at -mp and -mp+2
ctrl = free((socket.SOCK_DGRAM,))              # and its UDP control socket at -cp
print(lip, sip, media, ctrl)
PY
) || { echo "run.sh: could not pick a local address and free ports towards $host:$port" >&2; exit 2; }
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

python3 - "$work" "$name" "$transport" "$rate" "$dur" "$calls" "$rc" <<'PY'
import csv, glob, math, os, sys
work, name, transport, rate, dur, calls, rc = sys.argv[1:8]
calls, rc = int(calls), int(rc)
stat = {}
try:
    rows = list(csv.reader(open(os.path.join(work, "stat.csv")), delimiter=";"))
    if len(rows) >= 2:
        stat = dict(zip(rows[0], rows[-1]))
except OSError:
    pass
def num(key):
    try:
        return int(float(stat.get(key, "0")))
    except ValueError:
        return 0
def epoch(key):  # "2026-11-22\t16:39:53.795008\t1795365593.795008"
    try:
        return float(stat[key].split("\t")[-1])
    except (KeyError, ValueError):
        return 0.0
attempted, ok, failed = num("TotalCallCreated"), num("SuccessfulCall(C)"), num("FailedCall(C)")
retrans = num("Retransmissions(C)")
elapsed = epoch("CurrentTime") - epoch("StartTime")
achieved = ok / elapsed if elapsed > 0 else 0.0
rtts = []
for f in glob.glob(os.path.join(work, "*_rtt.csv")):
    with open(f) as fh:
        next(fh, None)
        for line in fh:
            parts = line.strip().split(";")
            if len(parts) >= 2:
                try:
                    rtts.append(float(parts[1]))
                except ValueError:
                    pass
rtts.sort()
def pct(p):
    if not rtts:
        return "NA"
    v = rtts[max(0, math.ceil(p / 100 * len(rtts)) - 1)]
    return f"{v:g}"
line = (f"sipp scenario={name} transport={transport} target_rate={rate} duration_s={dur} "
        f"attempted={attempted} succeeded={ok} failed={failed} achieved_rate={achieved:.1f} "
        f"retransmissions={retrans} rtd_p50_ms={pct(50)} rtd_p99_ms={pct(99)} "
        f"elapsed_s={elapsed:.2f} (4ms clock ticks)")
if not stat or (rc not in (0, 1)):
    line += f" sipp_exit={rc}"
print(line)
if not stat or rc not in (0, 1):
    try:
        tail = open(os.path.join(work, "sipp.out"), errors="replace").read().strip().splitlines()[-5:]
        print("run.sh: sipp exit %d: %s" % (rc, " | ".join(tail)), file=sys.stderr)
    except OSError:
        pass
if failed:
    errs = glob.glob(os.path.join(work, "*_errors.log"))
    if errs:
        lines = open(errs[0], errors="replace").read().splitlines()
        print("run.sh: first SIPp errors: " + " | ".join(l for l in lines[:6] if l.strip()), file=sys.stderr)
sys.exit(0 if failed == 0 and ok == calls else 1)
PY
