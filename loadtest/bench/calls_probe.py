#!/usr/bin/env python3
"""calls.sh's measuring side: watches one call.sh run, samples memory, records results.

  calls_probe.py watch --call-pid PID --pids "P1 P2 .." --out FILE [--edge-pid PID --jcmd JCMD]
                       [--keep DIR] [--plateau-s S] [--every S]
      Waits for call.sh's callers (its child SIPp process running caller.xml) and reads the CPU
      ticks (utime+stime) of the proxy's processes when they start and when they end, so the callee
      agent's registrations before them are not counted; also the whole machine's busy share
      (/proc/stat, raw) and the callers' own CPU over the same span. --plateau-s S: one memory sample
      S seconds after the callers started (plus SIPp's CurrentCall from DIR/stat.csv); --every S:
      a memory sample every S seconds while the callers run. Writes one JSON object to FILE.
  calls_probe.py mem --pids "P1 P2 .." [--edge-pid PID --jcmd JCMD]
      One memory sample (JSON on stdout): PSS and RSS summed over the processes, and for the edge
      its heap used right after `jcmd PID GC.run` (the live heap).
  calls_probe.py record RESULTS key=value.. [line=@FILE] [probe=@FILE] [before=@FILE]
      Appends one JSON object to RESULTS: the key=values (JSON where they parse), call.sh's result
      line from FILE (its key=value fields), the watch's JSON as "probe" (and cpu_us_per_call from
      it), a mem sample as "before". Prints a one-line summary on stdout.
  calls_probe.py passed RATE LINE_FILE
      Exit 0 if call.sh's line passes a max-rate step: attempted > 0, failed < 0.1 % of attempted,
      achieved_rate >= 95 % of RATE, every callee registered.
  calls_probe.py median RESULTS KIND TARGET TRANSPORT FIELD
      The median (an integer) of FIELD over RESULTS' rows of that kind, target and transport; 0 if none.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def state_fields(pid):
    """The fields of /proc/PID/stat after the command name (state is [0]), or None if gone."""
    text = read(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text.rsplit(")", 1)[1].split()


def alive(pid):
    f = state_fields(pid)
    return f is not None and f[0] not in ("Z", "X")


def ticks(pids):
    total = 0
    for p in pids:
        f = state_fields(p)
        if f:
            total += int(f[11]) + int(f[12])  # utime, stime (fields 14 and 15 of stat)
    return total


def machine():
    """(busy, total) jiffies over all CPUs."""
    v = [int(x) for x in read("/proc/stat").splitlines()[0].split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    total = sum(v[:8])
    return total - idle, total


def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
        text = read(f"/proc/{pid}/task/{task}/children")
        if text:
            out += [int(x) for x in text.split()]
    return out


def cmdline(pid):
    text = read(f"/proc/{pid}/cmdline")
    return text.replace("\0", " ") if text else ""


HEAP_RE = re.compile(r"(?:PSYoungGen|ParOldGen|garbage-first heap|def new generation|tenured generation)"
                     r"\s+total \d+K, used (\d+)K")


def heap_after_gc_kb(jcmd, pid):
    try:
        subprocess.run([jcmd, str(pid), "GC.run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60, check=True)
        info = subprocess.run([jcmd, str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60,
                              check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    used = [int(u) for u in HEAP_RE.findall(info)]
    return sum(used) if used else None


def mem_sample(pids, edge_pid=None, jcmd=None):
    t = time.time()
    heap = heap_after_gc_kb(jcmd, edge_pid) if edge_pid and jcmd else None
    pss = rss = 0
    for p in pids:
        m = re.search(r"^Pss:\s+(\d+)", read(f"/proc/{p}/smaps_rollup") or "", re.M)
        pss += int(m.group(1)) if m else 0
        m = re.search(r"^VmRSS:\s+(\d+)", read(f"/proc/{p}/status") or "", re.M)
        rss += int(m.group(1)) if m else 0
    return {"pss_kb": pss, "rss_kb": rss, "heap_kb": heap, "gc_s": round(time.time() - t, 2),
            "processes": len(pids)}


def current_calls(keep):
    """SIPp's CurrentCall (open calls of the callers) from the last line of DIR/stat.csv."""
    if not keep:
        return None
    try:
        rows = list(csv.reader(open(os.path.join(keep, "stat.csv")), delimiter=";"))
        return int(dict(zip(rows[0], rows[-1]))["CurrentCall"]) if len(rows) >= 2 else None
    except (OSError, KeyError, ValueError, IndexError):
        return None


def watch(a):
    pids = [int(p) for p in a.pids.split()]
    edge = a.edge_pid or None
    out = {"caller_seen": False, "clk_tck": CLK_TCK}
    caller = None
    samples = []
    next_every = a.every or None
    while True:
        if caller is None:
            for c in children(a.call_pid):
                if "caller.xml" in cmdline(c):
                    caller = c
                    t0, c0, m0 = time.monotonic(), ticks(pids), machine()
                    s_last = 0
                    out["caller_seen"] = True
                    break
            if caller is None:
                if not alive(a.call_pid):
                    break
                time.sleep(0.02)
                continue
        if alive(caller):
            s_last = ticks([caller]) or s_last  # the callers' own CPU, last read while they ran
            el = time.monotonic() - t0
            if a.plateau_s and "plateau" not in out and el >= a.plateau_s:
                sample = mem_sample(pids, edge, a.jcmd)
                sample["t_s"] = round(el, 1)
                sample["current_calls"] = current_calls(a.keep)
                out["plateau"] = sample
            if next_every and el >= next_every:
                sample = mem_sample(pids, edge, a.jcmd)
                sample["t_s"] = round(el, 1)
                sample["current_calls"] = current_calls(a.keep)
                samples.append(sample)
                next_every += a.every
            time.sleep(0.05)
            continue
        c1, m1 = ticks(pids), machine()
        wall = time.monotonic() - t0
        out.update(wall_s=round(wall, 2), cpu_ticks=c1 - c0, cpu_s=round((c1 - c0) / CLK_TCK, 2),
                   # /proc/stat's busy share of all CPUs: kept raw; on this VM it read lower than the
                   # proxy's and SIPp's own ticks added up to during loopback load, so not reported.
                   proc_stat_busy_pct=round(100.0 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1]), 1),
                   sipp_callers_cpu_s=round(s_last / CLK_TCK, 2))
        break
    if samples:
        out["samples"] = samples
    with open(a.out, "w") as f:
        json.dump(out, f)


def parse_line(path):
    """call.sh's result line (the last line starting with 'sipp ') as a dict."""
    d = {}
    text = read(path) or ""
    lines = [l for l in text.splitlines() if l.startswith("sipp ")]
    if not lines:
        return {"call_line": "missing"}
    for tok in lines[-1].split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                d[k] = json.loads(v)
            except ValueError:
                d[k] = None if v == "NA" else v
    d.pop("scenario", None)
    return d


def record(a):
    d = {}
    for kv in a.kv:
        k, v = kv.split("=", 1)
        if v.startswith("@"):
            if k == "line":
                d.update(parse_line(v[1:]))
            else:
                text = read(v[1:])
                d[k] = json.loads(text) if text else None
            continue
        try:
            d[k] = json.loads(v)
        except ValueError:
            d[k] = v
    p = d.get("probe") or {}
    if p.get("caller_seen") and "cpu_ticks" in p:
        d["cpu_us_per_call"] = round(p["cpu_ticks"] * 1e6 / CLK_TCK / max(1, d.get("succeeded") or 0), 1)
    with open(a.results, "a") as f:
        f.write(json.dumps(d) + "\n")
    parts = [f"{d.get('kind')} {d.get('target')} {str(d.get('transport', '')).upper()} @ {d.get('rate')}/s:"]
    if "attempted" in d:
        parts.append(f"{d.get('succeeded')}/{d.get('attempted')} ok, {d.get('failed')} failed, "
                     f"{d.get('achieved_rate')}/s, {d.get('retransmissions')} retrans, setup p50 "
                     f"{d.get('setup_p50_ms')} p99 {d.get('setup_p99_ms')} ms")
    if d.get("registration_failed"):
        parts.append("CALLEES NOT REGISTERED")
    if "cpu_us_per_call" in d:
        parts.append(f"{d['cpu_us_per_call']} µs CPU/call ({p.get('cpu_s')} s), callers' SIPp "
                     f"{p.get('sipp_callers_cpu_s')} s CPU")
    if p.get("plateau"):
        parts.append(f"plateau {p['plateau']}")
    print(" ".join(str(x) for x in parts))


def passed(a):
    d = parse_line(a.line_file)
    rate = float(a.rate)
    att, fail, ach = d.get("attempted") or 0, d.get("failed"), d.get("achieved_rate")
    ok = (isinstance(att, int) and att > 0 and isinstance(fail, int) and fail * 1000 < att
          and isinstance(ach, (int, float)) and ach * 100 >= rate * 95 and not d.get("registration_failed"))
    sys.exit(0 if ok else 1)


def median(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    v = [r[a.field] for r in rows if r.get("kind") == a.kind and r.get("target") == a.target
         and r.get("transport") == a.transport and isinstance(r.get(a.field), (int, float))]
    print(int(statistics.median(v)) if v else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("watch")
    w.add_argument("--call-pid", type=int, required=True)
    w.add_argument("--pids", required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--edge-pid", type=int, default=0)
    w.add_argument("--jcmd", default="jcmd")
    w.add_argument("--keep", default="")
    w.add_argument("--plateau-s", type=float, default=0)
    w.add_argument("--every", type=float, default=0)
    m = sub.add_parser("mem")
    m.add_argument("--pids", required=True)
    m.add_argument("--edge-pid", type=int, default=0)
    m.add_argument("--jcmd", default="jcmd")
    r = sub.add_parser("record")
    r.add_argument("results")
    r.add_argument("kv", nargs="*")
    p = sub.add_parser("passed")
    p.add_argument("rate")
    p.add_argument("line_file")
    md = sub.add_parser("median")
    for name in ("results", "kind", "target", "transport", "field"):
        md.add_argument(name)
    a = ap.parse_args()
    if a.cmd == "watch":
        watch(a)
    elif a.cmd == "mem":
        print(json.dumps(mem_sample([int(x) for x in a.pids.split()], a.edge_pid or None, a.jcmd)))
    elif a.cmd == "record":
        record(a)
    elif a.cmd == "passed":
        passed(a)
    else:
        median(a)


if __name__ == "__main__":
    main()
