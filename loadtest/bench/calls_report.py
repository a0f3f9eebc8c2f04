#!/usr/bin/env python3
"""Turns calls.sh's calls.jsonl into a markdown section (stdout) for BENCHMARKS.md.

Every figure is the median over the rounds of one run; the per-round values are listed beside it.
Ratios are edge / Kamailio: above 1 is better for rates, below 1 is better for latency, CPU, memory.
"""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
m = next((r for r in rows if r.get("kind") == "machine"), {})
TRANSPORTS = m.get("transports", ["udp", "tcp"])
NAME = {"edge": "sip-edge", "kamailio": "Kamailio"}


def pick(kind, **match):
    return [r for r in rows if r.get("kind") == kind and all(r.get(k) == v for k, v in match.items())]


def med(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None or v == "":
        return "n/a"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b in (None, 0):
        return "n/a"
    return f"{a / b:.2f}x"


def rounds(rs, key, digits=0):
    return ", ".join(fmt(r.get(key), digits) for r in sorted(rs, key=lambda r: r.get("round", 0))) or "n/a"


def failed(rs):
    return sum((r.get("failed") or 0) for r in rs)


out = []
w = out.append
table = []


def row(measure, e, k, digits, per_e, per_k, fails=""):
    table.append(f"| {measure} | {fmt(e, digits)} | {fmt(k, digits)} | {ratio(e, k)} | {per_e}; {per_k} | {fails} |")


fixed_rate = m.get("fixed_calls")
for t in TRANSPORTS:
    e, k = pick("fixed", target="edge", transport=t), pick("fixed", target="kamailio", transport=t)
    if not (e or k):
        continue
    fails = f"{failed(e)}; {failed(k)}"
    row(f"CPU per call, {t.upper()} at {fmt(fixed_rate)} calls/s (µs)", med([r.get("cpu_us_per_call") for r in e]),
        med([r.get("cpu_us_per_call") for r in k]), 1, rounds(e, "cpu_us_per_call", 1), rounds(k, "cpu_us_per_call", 1), fails)
    for p in ("p50", "p99"):
        key = f"setup_{p}_ms"
        row(f"setup {p}, {t.upper()} at {fmt(fixed_rate)} calls/s (ms)", med([r.get(key) for r in e]),
            med([r.get(key) for r in k]), 0, rounds(e, key), rounds(k, key), fails)
for t in TRANSPORTS:
    e, k = pick("max", target="edge", transport=t), pick("max", target="kamailio", transport=t)
    if e or k:
        row(f"max sustained calls/s, {t.upper()}", med([r["max"] for r in e]), med([r["max"] for r in k]), 0,
            rounds(e, "max"), rounds(k, "max"))
for t in TRANSPORTS:
    e, k = pick("half", target="edge", transport=t), pick("half", target="kamailio", transport=t)
    if not (e or k):
        continue
    rate = fmt(med([r["rate"] for r in e + k]))
    fails = f"{failed(e)}; {failed(k)}"
    for p in ("p50", "p99"):
        key = f"setup_{p}_ms"
        row(f"setup {p}, {t.upper()} at {rate} calls/s = half of Kamailio's max (ms)", med([r.get(key) for r in e]),
            med([r.get(key) for r in k]), 0, rounds(e, key), rounds(k, key), fails)
    row(f"CPU per call, {t.upper()} at {rate} calls/s (µs)", med([r.get("cpu_us_per_call") for r in e]),
        med([r.get("cpu_us_per_call") for r in k]), 1, rounds(e, "cpu_us_per_call", 1), rounds(k, "cpu_us_per_call", 1), fails)

mem_calls = m.get("mem_calls", 10000)


def per_calls(r, field):
    """(plateau - before) of a memory sample field, in MB per mem_calls calls in progress."""
    p, b = (r.get("probe") or {}).get("plateau") or {}, r.get("before") or {}
    n = p.get("current_calls")
    if p.get(field) is None or b.get(field) is None or not n:
        return None
    return (p[field] - b[field]) / 1024 * mem_calls / n


mem = pick("memory")
if mem:
    e, k = pick("memory", target="edge"), pick("memory", target="kamailio")
    for r in mem:
        r["pss_mb"], r["heap_mb"] = per_calls(r, "pss_kb"), per_calls(r, "heap_kb")
        r["in_progress"] = ((r.get("probe") or {}).get("plateau") or {}).get("current_calls")
    fails = f"{failed(e)}; {failed(k)}"
    # What each one needs: the edge's live heap (its process is a pre-sized heap, whose PSS does not
    # follow what it holds), Kamailio's PSS of a fresh process (the shared memory the calls touched).
    row(f"memory per {fmt(mem_calls)} calls in progress (MB): the edge's live heap after GC; Kamailio's PSS, "
        "started afresh", med([r["heap_mb"] for r in e]), med([r["pss_mb"] for r in k]), 1,
        rounds(e, "heap_mb", 1), rounds(k, "pss_mb", 1), fails)
    table.append(f"| (the edge's PSS delta in the same rounds, MB: a warm JVM whose heap is already touched) | "
                 f"{fmt(med([r['pss_mb'] for r in e]), 1)} | — | — | {rounds(e, 'pss_mb', 1)}; — | |")

w("## Calls through the proxy: sip-edge vs Kamailio, side by side")
w("")
w("Produced by `loadtest/bench/calls.sh` in one run on one machine. A call = SIPp's `caller.xml` through the proxy "
  "to a callee registered through it (`loadtest/sipp/call.sh`): INVITE, 407, ACK, INVITE with credentials, 100, "
  f"180, 200, ACK, {fmt(m.get('call_hold_ms'))} ms hold, BYE, 200; {m.get('callees')} callees registered by one SIPp "
  f"callee agent, {m.get('callers')} callers in another, each SIPp process over one UDP socket or one TCP connection. "
  f"Every figure is the **median of {m.get('rounds')} round{'s' if m.get('rounds') != 1 else ''}**; the rounds alternate which proxy goes first. "
  "Ratios are edge / Kamailio (below 1 is better for CPU, latency and memory, above 1 for rates).")
w("")
w("| measure | sip-edge | Kamailio | edge / Kamailio | per round (edge; Kamailio) | failed calls (edge; Kamailio) |")
w("| --- | --- | --- | --- | --- | --- |")
out += table
w("")

# Targets of issue 14.
checks = []


def target_line(text, ok):
    checks.append(f"- {'met' if ok else ('**not met**' if ok is False else 'n/a')}: {text}")


for t in TRANSPORTS:
    e = med([r.get("cpu_us_per_call") for r in pick("fixed", target="edge", transport=t)])
    k = med([r.get("cpu_us_per_call") for r in pick("fixed", target="kamailio", transport=t)])
    if e is not None and k:
        target_line(f"CPU per call over {t.upper()} no more than Kamailio's (aim half): {ratio(e, k)}", e <= k)
for t in TRANSPORTS:
    e = med([r["max"] for r in pick("max", target="edge", transport=t)])
    k = med([r["max"] for r in pick("max", target="kamailio", transport=t)])
    if e is not None and k:
        target_line(f"calls per second over {t.upper()} >= 1.0x Kamailio's (aim 1.5x): {ratio(e, k)}", e >= k)
for t in TRANSPORTS:
    e = med([r.get("setup_p99_ms") for r in pick("half", target="edge", transport=t)])
    k = med([r.get("setup_p99_ms") for r in pick("half", target="kamailio", transport=t)])
    if e is not None and k is not None:
        target_line(f"p99 setup over {t.upper()} at half of Kamailio's max no worse than Kamailio's: "
                    f"{fmt(e)} ms vs {fmt(k)} ms", e <= k)

long = pick("long")
if long:
    r = long[-1]
    s = (r.get("probe") or {}).get("samples") or []
    w(f"### The edge over {fmt(r.get('duration_s'))} s at {fmt(r.get('rate'))} calls/s (half its UDP max)")
    w("")
    w(f"{fmt(r.get('succeeded'))} of {fmt(r.get('attempted'))} calls succeeded, {fmt(r.get('failed'))} failed, "
      f"{fmt(r.get('retransmissions'))} retransmissions, setup p50 {fmt(r.get('setup_p50_ms'))} ms, p99 "
      f"{fmt(r.get('setup_p99_ms'))} ms. Memory every {fmt(m.get('long_sample_s'))} s (live heap right after "
      "`jcmd GC.run`; PSS and RSS of the JVM):")
    w("")
    w("| t (s) | live heap (MB) | PSS (MB) | RSS (MB) | calls in progress |")
    w("| --- | --- | --- | --- | --- |")
    b = r.get("before") or {}
    w(f"| before | {fmt((b.get('heap_kb') or 0) / 1024, 1)} | {fmt(b.get('pss_kb', 0) / 1024, 1)} | "
      f"{fmt(b.get('rss_kb', 0) / 1024, 1)} | 0 |")
    for x in s:
        w(f"| {fmt(x['t_s'])} | {fmt((x.get('heap_kb') or 0) / 1024, 1)} | {fmt(x['pss_kb'] / 1024, 1)} | "
          f"{fmt(x['rss_kb'] / 1024, 1)} | {fmt(x.get('current_calls'))} |")
    w("")

    def slope(field):  # least squares, kB per minute
        pts = [(x["t_s"], x[field]) for x in s if x.get(field) is not None]
        if len(pts) < 2:
            return None
        mt, mv = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        den = sum((p[0] - mt) ** 2 for p in pts)
        return sum((p[0] - mt) * (p[1] - mv) for p in pts) / den * 60 if den else None

    hs, ps = slope("heap_kb"), slope("pss_kb")
    if s:
        w(f"First → last sample: live heap {fmt((s[0].get('heap_kb') or 0) / 1024, 1)} → "
          f"{fmt((s[-1].get('heap_kb') or 0) / 1024, 1)} MB, PSS {fmt(s[0]['pss_kb'] / 1024, 1)} → "
          f"{fmt(s[-1]['pss_kb'] / 1024, 1)} MB; slope (least squares over the samples): live heap "
          f"{fmt(hs, 0)} kB/min, PSS {fmt(ps, 0)} kB/min.")
        w("")
        if hs is not None and s[0].get("heap_kb"):
            growth = hs * r["duration_s"] / 60
            target_line(f"no memory growth over the {fmt(r['duration_s'] / 60, 0)}-minute run at half of the edge's max: "
                        f"live heap {fmt(hs, 0)} kB/min ({fmt(growth / 1024, 1)} MB over the run, "
                        f"{fmt(100 * growth / s[0]['heap_kb'], 1)} % of the first sample)",
                        growth <= 0.05 * s[0]["heap_kb"])  # growth is the question; a shrinking heap passes

if checks:
    w("Targets (issue 14):")
    w("")
    out += checks
    w("")

steps = pick("step")
if steps:
    w("Max search, the first failing step of each round (steps of "
      f"{fmt(m.get('step_s'))} s; a step passes with < 0.1 % failed calls and >= 95 % of its rate achieved):")
    w("")
    for r in pick("max"):
        fails = [s for s in steps if s["round"] == r["round"] and s["target"] == r["target"]
                 and s["transport"] == r["transport"] and not s.get("passed")]
        if fails:
            f = fails[-1]
            w(f"- round {r['round']}, {NAME[r['target']]} {r['transport'].upper()}: max {fmt(r['max'])}; at "
              f"{fmt(f['rate'])}/s {fmt(f.get('failed'))} of {fmt(f.get('attempted'))} failed, "
              f"{fmt(f.get('achieved_rate'), 1)}/s achieved, {fmt(f.get('retransmissions'))} retransmissions, "
              f"setup p50 {fmt(f.get('setup_p50_ms'))} ms, p99 {fmt(f.get('setup_p99_ms'))} ms"
              + (", callees not all registered" if f.get("registration_failed") else ""))
        else:
            w(f"- round {r['round']}, {NAME[r['target']]} {r['transport'].upper()}: max {fmt(r['max'])}, "
              "no step failed (MAX reached)")
    w("")

notes = []
for r in rows:
    if r.get("kind") in ("fixed", "half", "memory") and (r.get("failed") or r.get("registration_failed")):
        notes.append(f"- {r['kind']} round {r.get('round')}, {NAME[r['target']]} {r['transport'].upper()} at "
                     f"{fmt(r.get('rate'))}/s: {fmt(r.get('failed'))} failed of {fmt(r.get('attempted'))}, "
                     f"{fmt(r.get('retransmissions'))} retransmissions")
if mem:
    for r in mem:
        p = (r.get("probe") or {}).get("plateau") or {}
        b = r.get("before") or {}
        notes.append(f"- memory round {r.get('round')}, {NAME[r['target']]}: {fmt(r.get('in_progress'))} calls in "
                     f"progress at {fmt(p.get('t_s'))} s; PSS {fmt(b.get('pss_kb', 0) / 1024, 1)} → "
                     f"{fmt(p.get('pss_kb', 0) / 1024, 1)} MB"
                     + (f", live heap {fmt(b['heap_kb'] / 1024, 1)} → {fmt(p['heap_kb'] / 1024, 1)} MB"
                        if b.get("heap_kb") and p.get("heap_kb") else ""))
sipp = [((r.get("probe") or {}).get("sipp_callers_cpu_s") or 0) * 1e6 / max(1, r.get("succeeded") or 0)
        for r in pick("fixed")]
proxy = [r.get("cpu_us_per_call") for r in pick("fixed")]
if sipp:
    notes.append(f"- SIPp shares the {m.get('cpus')} cores: at the fixed rate the callers' SIPp alone spent "
                 f"{fmt(med(sipp), 0)} µs of CPU per call (the callee agent about as much again), against "
                 f"{fmt(min(x for x in proxy if x is not None), 0)}-{fmt(max(x for x in proxy if x is not None), 0)} µs "
                 "for the proxies: the max rows are a whole-machine ceiling, not the proxy's alone.")
if mem:
    notes.append("- Memory per calls in progress: neither proxy keeps a dialog table (the edge routes in-dialog "
                 "requests by its Record-Route, which carries a flow token; Kamailio's configuration loads no dialog "
                 "module); what they hold at "
                 "the plateau is mostly transactions, which linger 5 s after their answer in both (the edge's linger, "
                 f"tm's wait timer): at {fmt(m.get('mem_rate'))} calls/s about {fmt(2 * 5 * (m.get('mem_rate') or 0))} "
                 "INVITE and BYE transactions, whatever the hold. The figure therefore scales with the rate more than "
                 "with the calls up.")
if notes:
    w("Notes:")
    w("")
    out += notes
    w("")

w("Setup:")
w("")
w(f"- Run {m.get('date')}, tree at `{m.get('rev')}`, edge {m.get('jar')}; {m.get('cpus')} cores (nproc), {m.get('model')}, "
  f"{m.get('mem_gib')} GiB RAM, Linux {m.get('kernel')}; load average before the run {m.get('load_before')}")
w(f"- {m.get('java')}; edge JVM options `{m.get('edge_java_opts')}`; the edge with its users imported, "
  "UDP and TCP on one loopback port, TLS, WS, WSS and HTTP off, qualify off (Kamailio sends no OPTIONS either)")
w(f"- {m.get('kamailio')}: `loadtest/peers/kamailio/start.sh -P` (registrar, digest with HA1s in memory "
  "(htable), `record_route`, `lookup(\"location\")`, `t_relay`; TLSF allocator; 4 UDP + 4 TCP workers)")
w(f"- {m.get('sipp')} (`loadtest/sipp/call.sh`); setup = first INVITE → 200, 407 round trip included, SIPp's clock "
  "ticks in 4 ms steps here, so p50 and p99 read 0, 4, 8 ... ms; CPU = utime + stime (/proc) of the proxy's "
  "processes (the edge's JVM; Kamailio's main process and all its children) from the start of the callers' SIPp "
  "to its end, over the calls that succeeded")
w(f"- Fixed rate: {fmt(m.get('fixed_calls'))} calls/s for {fmt(m.get('call_s'))} s per transport and round, after a "
  f"warm-up of both ({fmt(m.get('warm_s'))} s UDP, {fmt((m.get('warm_s') or 0) // 2)} s TCP at that rate); max: "
  f"steps {fmt(m.get('start'))}, +{fmt(m.get('step'))} .. {fmt(m.get('max'))} calls/s of {fmt(m.get('step_s'))} s; "
  f"memory: UDP, {fmt(m.get('mem_rate'))} calls/s held {fmt(m.get('hold_ms'))} ms for {fmt(m.get('mem_s'))} s, "
  "PSS and the edge's live heap idle before and 5 s into the plateau, scaled by SIPp's open calls at that moment")
w("")
w("```sh")
w("sudo apt-get install -y kamailio kamailio-sqlite-modules sip-tester   # Debian 12: Kamailio 5.6, SIPp 3.6")
w(m.get("command", "loadtest/bench/calls.sh"))
w("```")
print("\n".join(out))
