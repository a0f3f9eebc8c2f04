#!/usr/bin/env python3
"""Turns compare.sh's results.jsonl into BENCHMARKS.md (markdown on stdout).

Every figure is the median over the rounds of one run; the per-round values are listed beside it.
Ratios are edge / Kamailio: above 1 is better for rates, below 1 is better for latency, CPU, memory.
"""
import json
import os
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]
TRANSPORTS = ("udp", "tcp", "tls", "ws", "wss")
notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")


def pick(kind, **match):
    return [r for r in rows if r.get("kind") == kind and all(r.get(k) == v for k, v in match.items())]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None or v == "":
        return "n/a"
    if isinstance(v, str):
        return v
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b in (None, 0):
        return "n/a"
    return f"{a / b:.{digits}f}x"


machine = pick("machine")[0]
out = []
w = out.append
w("# Benchmarks: sip-edge vs Kamailio, side by side")
w("")
w("Produced by `loadtest/bench/compare.sh` in one run on one machine; regenerate with the commands "
  "below. Authenticated registration = REGISTER, 401, REGISTER with digest, 200. Every figure is "
  f"the **median of {machine['rounds']} rounds**; the rounds alternate which registrar goes first. "
  "Ratios are edge / Kamailio.")
w("")
w("## Machine and setup")
w("")
if machine.get("date"):
    w(f"- Run: {machine['date']}")
w(f"- CPU: {machine['cpus']} cores (nproc), {machine['model']}; {machine['mem_gib']} GiB RAM; Linux {machine['kernel']}")
w(f"- Java: {machine['java']}; edge JVM options: `{machine['edge_java_opts']}`")
alloc_note = ("; **TLSF allocator** for shared and private memory (`-x tlsf -X tlsf`; 5.6's default q_malloc "
              "costs up to 1.8x the CPU)" if machine.get("kamailio_alloc") == "tlsf" else "; default allocator (q_malloc)")
w(f"- Kamailio: {machine['kamailio']}, variant `{machine['variant']}` "
  "(`htable`: HA1s loaded into shared memory, like the edge's in-memory credentials; "
  f"`sqlite`: auth_db queries per REGISTER), usrloc in memory (db_mode 0){alloc_note}; "
  "config in `loadtest/peers/kamailio/`")
if machine.get("websocket"):
    w("- WS and WSS (SIP over WebSocket, RFC 7118): the edge's own listeners; Kamailio's `websocket` module (the "
      "`xhttp` event route doing `ws_handle_handshake()`, WSS on its TLS certificate; `force_rport()` and "
      "`fix_nated_register()` for REGISTERs over WebSocket, as its documentation does). The generator registers "
      "as browsers do: Via `SIP/2.0/WS <token>.invalid`, Contact `<sip:user@<token>.invalid;transport=ws>`, each "
      "request one masked text frame")
if machine.get("kamailio_alloc") == "tlsf":
    w("- TLS: both registrars serve a throwaway self-signed RSA 2048 certificate made at run time (the edge's own "
      "keytool one in its data dir, Kamailio's by openssl in the run's work dir; TLS 1.2+, no client certificate); "
      "the generator trusts any certificate")
w(f"- Load: `loadtest/target/loadtest.jar` on the same machine, {machine['users']:,} users, "
  f"{machine['step_s']} s steps; a step passes with < 0.1 % failures and >= 95 % of the target rate achieved; "
  "UDP retransmits per RFC 3261 timers; latency is measured from each registration's scheduled start"
  + (f"; UDP from {machine['udp_sockets']} source ports (users spread over them, like phones behind as many NAT "
     "mappings; one port would look like a single SBC)" if machine.get("udp_sockets") else ""))
if machine.get("warm_connections"):
    w(f"- Warm-up before round 1, the same for both: every user registered once on each transport, each stream "
      f"transport over {machine['warm_connections']} connections (the edge's JIT deoptimises its read path at each "
      "of its first few connections; a round over the second connection measures that, not the edge in service), "
      "then one round of the fixed-rate runs, not recorded (the first run after the edge has sat idle "
      "deoptimises its REGISTER path once per transport)")
w("- Bindings: in memory only for both (the edge with `registrar.persist-bindings=off`, Kamailio's usrloc "
  "with db_mode 0); what the edge's persistence costs is measured by `restore.sh` (\"Bindings across restarts\")")
w("")
w("```sh")
if machine.get("command"):
    w("sudo apt-get install -y kamailio kamailio-sqlite-modules kamailio-tls-modules"
      + (" kamailio-websocket-modules" if machine.get("websocket") else "") + " openssl   # Debian 12: Kamailio 5.6")
    w(machine["command"])
else:
    w("sudo apt-get install -y kamailio kamailio-sqlite-modules   # Debian 12: Kamailio 5.6")
    w("START=10000 loadtest/bench/compare.sh                      # and ROUNDS=3 STEP_S=20 USERS=100000 MILLION=1 (defaults)")
w("```")
w("")

ceil = {r["transport"]: r["max"] for r in pick("ceiling")}
w("## The generator's own ceiling")
w("")
w("Measured against the generator's trivial responder (`loadtest.jar responder`: answers 401 then 200, "
  "checks nothing). A registrar figure close to this is limited by the generator, not the registrar. "
  "(The responder's command line has no TLS, so there is no TLS row.)")
w("")
w("| transport | generator max sustained (regs/s) |")
w("| --- | --- |")
for t in ("udp", "tcp"):
    w(f"| {t.upper()} | {fmt(ceil.get(t))} |")
w("")
sipp_ceil = {r["transport"]: r["max"] for r in pick("sipp_ceiling")}
if sipp_ceil:
    w("SIPp (`loadtest/sipp/run.sh`, the same steps and pass rule) against the same responder; "
      "0 means it failed the first step (8 000/s over UDP, 12 000/s over TCP):")
    w("")
    w("| transport | SIPp max sustained (regs/s) |")
    w("| --- | --- |")
    for t in ("udp", "tcp"):
        w(f"| {t.upper()} | {fmt(sipp_ceil.get(t))} |")
    w("")

fixed = pick("fixed")
if fixed:
    w("## CPU per registration at a fixed rate")
    w("")
    w(f"Both registrars at the same offered rate, one after the other (the order alternates by round), for "
      f"{fixed[0]['duration_s']} s per round, before any overload step. CPU = the registrar's user+system time "
      "(utime+stime from /proc, summed over its processes: the edge's JVM; Kamailio's main process and all its "
      "children) per successful authenticated registration (REGISTER, 401, REGISTER, 200). TCP, TLS, WS and WSS: one "
      "connection" + (f"; UDP: {machine['udp_sockets']} source ports" if machine.get("udp_sockets") else "") + ". p50 / p99 of the whole registration at that rate. Ratios are edge / Kamailio.")
    w("")
    w("| transport | rate (regs/s) | sip-edge CPU µs | Kamailio CPU µs | CPU edge / Kamailio | p50 ms edge; Kamailio "
      "| p99 ms edge; Kamailio | p99 edge / Kamailio | failed (edge; Kamailio) | CPU µs per round (edge; Kamailio) |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
fixed_med = {}
FIXED_LABELS = {"udp_reboot": "UDP, every phone just rebooted"}
for t in TRANSPORTS + ("udp_reboot",):
    e, k = pick("fixed", transport=t, target="edge"), pick("fixed", transport=t, target="kamailio")
    if not (e or k):
        continue
    v = {}
    for target, rs in (("edge", e), ("kamailio", k)):
        v[target] = dict(cpu=med([r["cpu_us_per_reg"] for r in rs]), p50=med([r["p50"] for r in rs]),
                         p99=med([r["p99"] for r in rs]), failed=sum(r["failed"] for r in rs),
                         rounds=[r["cpu_us_per_reg"] for r in rs],
                         p99_by_round={r["round"]: r["p99"] for r in rs},
                         leg1=med([r["leg1_p99"] for r in rs if "leg1_p99" in r]),
                         leg2=med([r["leg2_p99"] for r in rs if "leg2_p99" in r]))
    fixed_med[t] = v
    ve, vk = v["edge"], v["kamailio"]
    note = "" if t.startswith("udp") else " (1 connection)"
    w(f"| {FIXED_LABELS.get(t, t.upper())}{note} | {fmt(med([r['rate'] for r in e + k]))} | {fmt(ve['cpu'], 1)} | {fmt(vk['cpu'], 1)} | "
      f"{ratio(ve['cpu'], vk['cpu'])} | {fmt(ve['p50'], 2)}; {fmt(vk['p50'], 2)} | {fmt(ve['p99'], 2)}; {fmt(vk['p99'], 2)} | "
      f"{ratio(ve['p99'], vk['p99'])} | {ve['failed']}; {vk['failed']} | "
      f"{', '.join(fmt(x, 1) for x in ve['rounds'])}; {', '.join(fmt(x, 1) for x in vk['rounds'])} |")
if fixed and any("leg1_p99" in r for r in fixed):
    w("")
    w("Where the p99 comes from, by leg (median of the rounds' p99s, ms). Leg 1 = the first REGISTER to its 401, "
      "timed from the moment the generator's sender woke up to send it (it sends what fell due in the last 200 µs "
      f"together), so it also holds the generator's own wait for a CPU on these {machine['cpus']} cores shared "
      "with the registrar; leg 2 = from the generator reading the 401 to its reading the 200 (it answers the "
      "challenge and sends at once, on the thread that read the 401). A registration's p99 also holds the "
      "sender's lateness (up to 200 µs by design) and the generator's work between the legs. The last two "
      "columns pair each round's two runs, which ran one after the other: how often the edge's p99 was no worse "
      "than Kamailio's, and each round's p99s.")
    w("")
    w("| transport | leg 1 p99 edge; Kamailio | leg 2 p99 edge; Kamailio | registration p99 edge; Kamailio "
      "| rounds the edge's p99 was no worse | p99 ms per round (edge; Kamailio) |")
    w("| --- | --- | --- | --- | --- | --- |")
    for t, v in fixed_med.items():
        ve, vk = v["edge"], v["kamailio"]
        paired = sorted(set(ve["p99_by_round"]) & set(vk["p99_by_round"]))
        no_worse = sum(1 for n in paired if ve["p99_by_round"][n] <= vk["p99_by_round"][n])
        w(f"| {FIXED_LABELS.get(t, t.upper())} | {fmt(ve['leg1'], 3)}; {fmt(vk['leg1'], 3)} | "
          f"{fmt(ve['leg2'], 3)}; {fmt(vk['leg2'], 3)} | {fmt(ve['p99'], 3)}; {fmt(vk['p99'], 3)} | "
          f"{no_worse} of {len(paired)} | "
          f"{', '.join(fmt(ve['p99_by_round'][n], 3) for n in paired)}; "
          f"{', '.join(fmt(vk['p99_by_round'][n], 3) for n in paired)} |")
if fixed:
    w("")
    lagged = [r for r in fixed if r.get("sender_lagged")]
    for r in lagged:
        w(f"- Round {r['round']}, {'sip-edge' if r['target'] == 'edge' else 'Kamailio'} over {r['transport'].upper()}: "
          "the generator itself fell behind (over 1 % of registrations sent >= 10 ms late).")
    if lagged:
        w("")
    w("The generator's users behave as phones do between refreshes (RFC 3261 §10.2.4): each keeps its Call-ID "
      "and raises its CSeq from run to run, so every run refreshes the bindings the runs before it made. In the "
      "row *every phone just rebooted* each run starts with new Call-IDs and CSeq 1 instead (UDP, on contacts of "
      "their own), as after a power cut: every registration replaces its binding's Call-ID.")
    w("")
    if any(r["transport"] in ("ws", "wss") for r in fixed):
        w("Over WS and WSS the edge drops a connection's bindings when the connection closes (a browser cannot be "
          "reached any other way), so every run's registrations are new bindings there, written into the objects "
          "the closed connection's bindings left (kept until they would have expired); Kamailio keeps the bindings "
          "until they expire (`fix_nated_register()` records the connection), so after the warm-up it refreshes "
          "them.")
        w("")

w("## Max sustained authenticated registrations per second")
w("")
w("| transport | sip-edge | Kamailio | edge / Kamailio | rounds (edge; Kamailio) |")
w("| --- | --- | --- | --- | --- |")
maxes = {}
for t in TRANSPORTS:
    e = [r["max"] for r in pick("max", target="edge", transport=t)]
    k = [r["max"] for r in pick("max", target="kamailio", transport=t)]
    maxes[t] = (med(e), med(k))
    if t not in ("udp", "tcp") and not (e or k):
        continue
    note = " (1 connection)" if t != "udp" else ""
    w(f"| {t.upper()}{note} | {fmt(med(e))} | {fmt(med(k))} | {ratio(med(e), med(k))} | "
      f"{', '.join(fmt(x) for x in e)}; {', '.join(fmt(x) for x in k)} |")
w("")
retries = pick("max_retry")
for r in retries:
    w(f"- Round {r['round']}, {'sip-edge' if r['target'] == 'edge' else 'Kamailio'} over {r['transport'].upper()}: "
      f"the first step ({fmt(r['from'])}/s, just under the previous round's max) failed ({r['stop']}); "
      "the round searched again from the start rate.")
if retries:
    w("")

w("## Latency and CPU at fixed rates")
w("")
w("p50 / p99 of the whole registration (both legs). `own half` = half of that registrar's own max; "
  "`Kamailio's half` = both registrars at half of Kamailio's max (the same load). CPU = the registrar's "
  "user+system CPU time per successful registration during the step.")
w("")
w("| transport | registrar | at | rate (regs/s) | p50 ms | p99 ms | CPU µs / registration | failed |")
w("| --- | --- | --- | --- | --- | --- | --- | --- |")
lat = {}
for t in ("udp", "tcp"):
    for target, at in (("edge", "own_half"), ("kamailio", "own_half"), ("edge", "kamailio_half")):
        rs = pick("latency", transport=t, target=target, at=at)
        if not rs:
            continue
        v = dict(rate=med([r["rate"] for r in rs]), p50=med([r["p50"] for r in rs]), p99=med([r["p99"] for r in rs]),
                 cpu=med([r["cpu_us_per_reg"] for r in rs]), failed=sum(r["failed"] for r in rs))
        lat[(t, target, at)] = v
        label = "own half" if at == "own_half" else "Kamailio's half"
        w(f"| {t.upper()} | {'sip-edge' if target == 'edge' else 'Kamailio'} | {label} | {fmt(v['rate'])} | "
          f"{fmt(v['p50'], 2)} | {fmt(v['p99'], 2)} | {fmt(v['cpu'], 1)} | {v['failed']} |")
w("")
w("| transport | p50 edge / Kamailio (own halves) | p99 edge / Kamailio (own halves) | "
  "p99 edge / Kamailio (both at Kamailio's half) | CPU edge / Kamailio (Kamailio's half) |")
w("| --- | --- | --- | --- | --- |")
for t in ("udp", "tcp"):
    eo, ko, ek = lat.get((t, "edge", "own_half")), lat.get((t, "kamailio", "own_half")), lat.get((t, "edge", "kamailio_half"))
    if not (eo and ko and ek):
        continue
    w(f"| {t.upper()} | {ratio(eo['p50'], ko['p50'])} | {ratio(eo['p99'], ko['p99'])} | {ratio(ek['p99'], ko['p99'])} | "
      f"{ratio(ek['cpu'], ko['cpu'])} |")
w("")

sipp = pick("sipp")
if sipp:
    w("## SIPp at each registrar's max")
    w("")
    w("`loadtest/sipp/run.sh` (SIPp 3.6, register-auth scenario, one socket or one TCP connection) for one "
      "step at the median max found above; when a step has failures it is retried at 90 % and 80 % of that "
      "rate, and then at SIPp's own ceiling (above) and three and two quarters of it when those are lower "
      "still. SIPp uses more CPU per call than the Java generator and shares the same two cores.")
    w("")
    w("| transport | registrar | rate | % of max | attempted | succeeded | failed | achieved/s |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in sipp:
        w(f"| {r['transport'].upper()} | {'sip-edge' if r['target'] == 'edge' else 'Kamailio'} | {fmt(r['rate'])} | "
          f"{r['pct']} % | {fmt(r.get('attempted'))} | {fmt(r.get('succeeded'))} | {r.get('failed')} | "
          f"{fmt(r.get('achieved'))} |")
    w("")

w("## Memory")
w("")
mem = {}
for target in ("edge", "kamailio"):
    rs = pick("memory", target=target)
    mem[target] = dict(growth=med([(r["pss_after_kb"] - r["pss_before_kb"]) / 1024 for r in rs]),
                       after=med([r["pss_after_kb"] / 1024 for r in rs]),
                       users=rs[0].get("users") if rs else None,
                       heap=med([(r["heap_after_kb"] - r["heap_before_kb"]) / 1024 for r in rs
                                 if r.get("heap_after_kb") is not None]))
w(f"Fresh processes, then every one of the {fmt(mem['edge']['users'])} users registered (one binding each). "
  "PSS is summed over the registrar's processes (Kamailio: all of them, its shared memory counted "
  "proportionally). The edge's PSS growth is mostly its pre-sized heap (`-Xms`) being touched for the "
  "first time by ordinary garbage, so the figure that scales with bindings is its live heap after a "
  "full GC, before and after.")
w("")
w("| | sip-edge | Kamailio | edge / Kamailio |")
w("| --- | --- | --- | --- |")
w(f"| PSS growth (MiB) | {fmt(mem['edge']['growth'])} | {fmt(mem['kamailio']['growth'])} | "
  f"{ratio(mem['edge']['growth'], mem['kamailio']['growth'])} |")
w(f"| PSS with the bindings (MiB) | {fmt(mem['edge']['after'])} | {fmt(mem['kamailio']['after'])} | "
  f"{ratio(mem['edge']['after'], mem['kamailio']['after'])} |")
w(f"| live heap growth, edge (MiB) | {fmt(mem['edge']['heap'], 1)} | | {ratio(mem['edge']['heap'], mem['kamailio']['growth'])} (vs Kamailio's PSS growth) |")
w("")
million = pick("million")
if million:
    m = million[0]
    imp = [r for r in pick("import", target="edge") if r["users"] == 1000000]
    growth = m["heap_used_kb"] - m["heap_before_kb"]
    w(f"**1 000 000 bindings** (edge only, in its own larger heap, MILLION_JAVA_OPTS, so that loading and importing never run short; the figures below are live heap): "
      f"{fmt(m['bindings'])} bindings held after {fmt(m['registrations'])} registrations at {fmt(m['rate'])}/s "
      f"({m['failed']} failed, retried by the second pass). Live heap after a full GC: "
      f"{fmt(m['heap_before_kb'] / 1024)} MiB with the 1 000 000 users loaded, {fmt(m['heap_used_kb'] / 1024)} MiB "
      f"with the bindings too: **{fmt(growth / 1024)} MiB for the bindings** "
      f"({fmt(growth * 1024 / max(1, m['bindings']))} bytes each); PSS {fmt(m['pss_kb'] / 1024)} MiB"
      + (f"; importing the 1 000 000 users took {imp[0]['ms'] / 1000:.1f} s." if imp else "."))
    w("")

w("## Start-up and allocation")
w("")
# Starts that generated the TLS certificate (the first of each) are left out.
su = {t: med([r["ms"] for r in pick("startup", target=t) if not r.get("keygen")]) for t in ("edge", "kamailio")}
w(f"- Start-up to listening with {machine['users']:,} users: sip-edge {fmt(su['edge'])} ms, Kamailio "
  f"{fmt(su['kamailio'])} ms (Kamailio's figure includes start.sh's OPTIONS probe loop; starts that first "
  "generated a TLS certificate are not counted).")
alloc = pick("allocation")
if alloc:
    a = alloc[0]
    w(f"- Allocation on the edge's REGISTER path: {fmt(a['per_registration'])} bytes per registration "
      f"(two REGISTERs, a 401 and a 200), from JFR's per-thread allocation counters over {fmt(a['registrations'])} "
      f"registrations at {fmt(a['rate'])}/s.")
w("")

w("## Targets")
w("")
udp_e, udp_k = maxes["udp"]
tcp_e, tcp_k = maxes["tcp"]
ek, ko = lat.get(("udp", "edge", "kamailio_half")), lat.get(("udp", "kamailio", "own_half"))


def verdict(ok):
    return "met" if ok else "**not met**"


w("| target | figure | |")
w("| --- | --- | --- |")
if udp_e and udp_k:
    w(f"| UDP >= 1.0x Kamailio (aim 1.5x) | {ratio(udp_e, udp_k)} | {verdict(udp_e >= udp_k)} |")
if tcp_e and tcp_k:
    w(f"| TCP >= 1.0x Kamailio | {ratio(tcp_e, tcp_k)} | {verdict(tcp_e >= tcp_k)} |")
for t, v in fixed_med.items():
    ve, vk = v["edge"], v["kamailio"]
    label = FIXED_LABELS.get(t, t.upper())
    if ve["cpu"] is not None and vk["cpu"]:
        w(f"| CPU per registration at a fixed rate ({label}) <= Kamailio's (TLSF) | {fmt(ve['cpu'], 1)} vs "
          f"{fmt(vk['cpu'], 1)} µs ({ratio(ve['cpu'], vk['cpu'])}) | {verdict(ve['cpu'] <= vk['cpu'])} |")
    if ve["p99"] is not None and vk["p99"] is not None:
        w(f"| p99 at that rate ({label}) no worse than Kamailio's | {fmt(ve['p99'], 2)} vs {fmt(vk['p99'], 2)} ms | "
          f"{verdict(ve['p99'] <= vk['p99'])} |")
if ek and ko:
    w(f"| p99 at half of Kamailio's max (UDP) no worse than Kamailio's | {fmt(ek['p99'], 2)} vs {fmt(ko['p99'], 2)} ms | "
      f"{verdict(ek['p99'] <= ko['p99'])} |")
if million:
    m = million[0]
    growth = m["heap_used_kb"] - m["heap_before_kb"]
    per_million = growth * 1000000 / max(1, m["bindings"])
    w(f"| 1 000 000 bindings in <= 1 GiB heap: the bindings | {fmt(growth / 1024)} MiB for {fmt(m['bindings'])} "
      f"({fmt(per_million / 1024)} MiB per million) | {verdict(per_million <= 1024 * 1024)} |")
    w(f"| the same, counting the 1 000 000 provisioned users too | {fmt(m['heap_used_kb'] / 1024)} MiB | "
      f"{verdict(m['heap_used_kb'] <= 1024 * 1024 and m['bindings'] >= 1000000)} |")
w("")
if os.path.exists(notes):
    w(open(notes).read().rstrip())
    w("")
print("\n".join(out))
