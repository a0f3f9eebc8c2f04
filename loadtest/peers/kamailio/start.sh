#!/usr/bin/env bash
# start.sh -p PORT -d DB_FILE [-v sqlite|htable] [-P] [-t TLS_PORT] [-w WS_PORT] [-x WSS_PORT]
#          [-a IP] [-n CHILDREN] [-N TCP_CHILDREN] [-m SHM_MB] [-M PKG_MB] [-r RUNDIR] [-T SECONDS]
# Starts the reference Kamailio (kamailio.cfg next to this script) in the foreground of a new
# session, UDP and TCP on IP:PORT, waits until it answers OPTIONS with 200 and prints its PID
# on stdout (one line). Its stderr log, pid file and working dir are in RUNDIR (default: a new
# mktemp dir, reported on stderr). Stop it with stop.sh PID (or stop.sh RUNDIR).
#   -v sqlite   credentials through auth_db, one SQLite query per REGISTER (default)
#   -v htable   HA1s loaded from DB_FILE into shared memory at start (pv_auth_check)
#   -P          also the proxy (define WITH_PROXY; implies -v htable): calls and messages between
#               registered users, 407 digest, record_route, lookup, t_relay (README)
#   -t PORT     also TLS on IP:PORT, with a throwaway self-signed RSA 2048 certificate that openssl
#               generates into RUNDIR (tls-cert.pem, tls-key.pem; reused if already there)
#   -w PORT     also SIP over WebSocket (RFC 7118) on IP:PORT (xhttp + websocket modules:
#               apt-get install -y kamailio-websocket-modules)
#   -x PORT     also SIP over secure WebSocket on IP:PORT, with the same certificate as -t
# Always with the TLSF allocator for shared and private memory (-x tlsf -X tlsf): Kamailio 5.6's
# default (q_malloc) costs up to 1.8x the CPU. -m/-M default "auto", sized from the number of
# users in DB_FILE: shm 256 MB (with -P 4 GB: tm keeps each call's INVITE and BYE transactions
# for 5 s after they end, about 25 KB per call: 630 MB at 5 000 calls/s; shm never touched costs
# nothing) + 4 KB per user (htable entries, usrloc bindings: compare.sh registers
# each user on up to six contacts, one per transport and the rebooted phones', and 1 KB per user ran
# out of shared memory during its WebSocket rows), pkg 16 MB, or
# with htable 32 MB + 500 B per user (the htable loader holds the whole SQLite result in the main
# process's private memory at start). Build DB_FILE with load-users.sh first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port="" tls_port="" ws_port="" wss_port="" db="" variant=sqlite ip=127.0.0.1 children=4 tcp_children=4 shm=auto pkg=auto rundir="" wait_s=60
proxy="" variant_given=""
usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "p:t:w:x:d:v:Pa:n:N:m:M:r:T:h" o; do
  case $o in
    p) port=$OPTARG ;; t) tls_port=$OPTARG ;; w) ws_port=$OPTARG ;; x) wss_port=$OPTARG ;;
    d) db=$OPTARG ;; v) variant=$OPTARG variant_given=1 ;; P) proxy=1 ;; a) ip=$OPTARG ;;
    n) children=$OPTARG ;; N) tcp_children=$OPTARG ;; m) shm=$OPTARG ;; M) pkg=$OPTARG ;;
    r) rundir=$OPTARG ;; T) wait_s=$OPTARG ;; *) usage ;;
  esac
done
[ -n "$port" ] && [ -n "$db" ] || usage
[ -r "$db" ] || { echo "start.sh: cannot read DB file $db (build it with load-users.sh)" >&2; exit 2; }
command -v kamailio >/dev/null || { echo "start.sh: kamailio not installed (apt-get install -y kamailio kamailio-sqlite-modules)" >&2; exit 2; }
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")
defines=()
if [ -n "$proxy" ]; then
  # The proxy reads HA1s and served domains from htables: it is the htable variant plus WITH_PROXY.
  [ -n "$variant_given" ] || variant=htable
  [ "$variant" = htable ] || { echo "start.sh: -P needs the htable variant (-v htable)" >&2; exit 2; }
  python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("select count(*) from htable_domains").fetchone()' "$db" 2>/dev/null ||
    { echo "start.sh: $db has no view htable_domains (made by this load-users.sh): rebuild it" >&2; exit 2; }
  defines+=(-A WITH_PROXY)
fi
case $variant in
  sqlite) ;;
  htable) defines+=(-A WITH_HTABLE) ;;
  *) echo "start.sh: -v sqlite|htable" >&2; exit 2 ;;
esac
if [ "$shm" = auto ] || [ "$pkg" = auto ]; then
  users=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from subscriber").fetchone()[0])' "$db")
  [ "$shm" = auto ] && shm=$(( ${proxy:+3840 +} 256 + users * 4 / 1000))
  if [ "$pkg" = auto ]; then
    if [ "$variant" = htable ]; then pkg=$((32 + users / 2000)); else pkg=16; fi
  fi
fi
[ -n "$rundir" ] || rundir=$(mktemp -d /tmp/kamailio-bench.XXXXXX)
mkdir -p "$rundir"
rundir=$(cd "$rundir" && pwd)
log=$rundir/kamailio.log
has_module() { compgen -G "/usr/lib*/*/kamailio/modules/$1.so" >/dev/null || compgen -G "/usr/lib*/kamailio/modules/$1.so" >/dev/null; }
if [ -n "$ws_port$wss_port" ]; then
  has_module websocket && has_module xhttp ||
    { echo "start.sh: -w/-x need the websocket module (apt-get install -y kamailio-websocket-modules)" >&2; exit 2; }
  if [ -n "$ws_port" ]; then defines+=(-A WITH_WS -A "WS_PORT=$ws_port"); fi
  if [ -n "$wss_port" ]; then defines+=(-A WITH_WSS -A "WSS_PORT=$wss_port"); fi
fi
if [ -n "$tls_port$wss_port" ]; then
  command -v openssl >/dev/null || { echo "start.sh: -t/-x need openssl (apt-get install -y openssl)" >&2; exit 2; }
  has_module tls || { echo "start.sh: -t/-x need the tls module (apt-get install -y kamailio-tls-modules)" >&2; exit 2; }
  if [ ! -s "$rundir/tls-cert.pem" ] || [ ! -s "$rundir/tls-key.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$ip" \
      -keyout "$rundir/tls-key.pem" -out "$rundir/tls-cert.pem" >/dev/null 2>&1 ||
      { echo "start.sh: openssl could not make a certificate in $rundir" >&2; exit 1; }
  fi
  if [ -n "$tls_port" ]; then defines+=(-A WITH_TLS -A "TLS_PORT=$tls_port"); fi
  defines+=(-A "TLS_CERT=\"$rundir/tls-cert.pem\"" -A "TLS_KEY=\"$rundir/tls-key.pem\"")
fi

# -DD: stay in the foreground (no daemon); -E: log to stderr (errors only: debug=-1);
# -x/-X: TLSF for shared and private memory.
setsid kamailio -f "$here/kamailio.cfg" -DD -E \
  -w "$rundir" -Y "$rundir" -P "$rundir/kamailio.pid" \
  -m "$shm" -M "$pkg" -x tlsf -X tlsf \
  -A "DBURL=\"sqlite:///$db\"" -A "LISTEN_IP=$ip" -A "LISTEN_PORT=$port" \
  -A "CHILDREN=$children" -A "TCP_CHILDREN=$tcp_children" "${defines[@]}" \
  </dev/null >"$log" 2>&1 &
pid=$!
echo "$pid" >"$rundir/main.pid"

# Ready = answers an OPTIONS over UDP with 200 (no DNS: IP literals only).
if ! python3 - "$ip" "$port" "$pid" "$wait_s" <<'PY'
import os, socket, sys, time
ip, port, pid, wait_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
host = f"[{ip}]" if ":" in ip else ip
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((ip, 0))
lport = s.getsockname()[1]
s.settimeout(0.2)
deadline = time.time() + wait_s
n = 0
while time.time() < deadline:
    try:  # gone, or a zombie (exited, not yet reaped by start.sh)
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                sys.exit(1)
    except OSError:
        sys.exit(1)
    n += 1
    msg = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP {host}:{lport};branch=z9hG4bK-probe{n}\r\n"
           f"From: <sip:probe@{host}>;tag=probe\r\nTo: <sip:{host}:{port}>\r\n"
           f"Call-ID: probe-{os.getpid()}@{host}\r\nCSeq: {n} OPTIONS\r\nMax-Forwards: 70\r\n"
           f"Content-Length: 0\r\n\r\n")
    s.sendto(msg.encode(), (ip, port))
    try:
        data = s.recv(65535)
        if data.startswith(b"SIP/2.0 200"):
            sys.exit(0)
    except (socket.timeout, ConnectionRefusedError):
        time.sleep(0.1)
sys.exit(1)
PY
then
  echo "start.sh: kamailio did not answer OPTIONS on udp:$ip:$port (log: $log):" >&2
  tail -20 "$log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
echo "start.sh: kamailio $variant${proxy:+ proxy} pid $pid on udp+tcp $ip:$port${tls_port:+, tls $ip:$tls_port}${ws_port:+, ws $ip:$ws_port}${wss_port:+, wss $ip:$wss_port} (-m $shm -M $pkg, tlsf), rundir $rundir" >&2
echo "$pid"
