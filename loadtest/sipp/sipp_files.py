#!/usr/bin/env python3
"""What run.sh and call.sh need around a SIPp 3.6 process: free local ports before it starts,
and its files (statistics, response times, error log) after it ends.

As a command: `sipp_files.py ports HOST PORT N` prints the local address towards HOST:PORT (no
packet is sent) and N triples of free ports (SIP for UDP and TCP, media, control), one line;
`sipp_files.py errors FILE` prints the first entries of a SIPp error log, one a line.
As a module: Stats, response_times, nearest_rank and error_entries read a SIPp work directory.
"""
import csv
import glob
import math
import os
import re
import socket
import sys


def free_ports(host, port, processes):
    """The local address towards host:port, then per SIPp process: a SIP port free for UDP and
    TCP (SIPp's default 5060 is often taken), a media port p with p and p+2 free for UDP (SIPp 3.6
    binds RTP echo sockets there even when unused; a taken one is fatal) and a UDP control port
    (-cp; default 8888). Each is free on that address and on the wildcard, and none overlap."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((host, port))
    lip = s.getsockname()[0]
    s.close()
    used = set()

    def free(kinds, offsets=(0,)):
        for _ in range(200):
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((lip, 0))
            p = u.getsockname()[1]
            u.close()
            span = range(p, p + max(offsets) + 2)
            ok = p + max(offsets) + 1 < 65536 and not used.intersection(span)
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
                used.update(span)
                return p
        sys.exit("no free local port")

    out = [lip]
    for _ in range(processes):
        out += [free((socket.SOCK_DGRAM, socket.SOCK_STREAM)), free((socket.SOCK_DGRAM,), (0, 2)),
                free((socket.SOCK_DGRAM,))]
    return out


class Stats:
    """The last row of SIPp's -trace_stat file (-stf), by column; empty when there is none."""

    def __init__(self, path):
        self.row = {}
        try:
            rows = list(csv.reader(open(path), delimiter=";"))
            if len(rows) >= 2:
                self.row = dict(zip(rows[0], rows[-1]))
        except OSError:
            pass

    def num(self, key):
        try:
            return int(float(self.row.get(key, "0")))
        except ValueError:
            return 0

    def epoch(self, key):  # "2026-11-22\t16:39:53.795008\t1795365593.795008"
        try:
            return float(self.row[key].split("\t")[-1])
        except (KeyError, ValueError):
            return 0.0

    def elapsed(self):
        return self.epoch("CurrentTime") - self.epoch("StartTime")


def response_times(work, pattern):
    """Every response time (ms) in the -trace_rtt files matching pattern in work, sorted."""
    rtts = []
    for f in glob.glob(os.path.join(work, pattern)):
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
    return rtts


def nearest_rank(values, p):
    """The p-th percentile of sorted values by nearest rank, as SIPp prints numbers; NA if none."""
    if not values:
        return "NA"
    return f"{values[max(0, math.ceil(p / 100 * len(values)) - 1)]:g}"


def error_entries(path, limit=6):
    """The first entries of a -trace_err log, one line each, without the out-of-call noise. SIPp
    3.6 writes some entries without a newline: they are split on their timestamps."""
    text = open(path, errors="replace").read()
    entries = re.split(r"(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d+\t)", text)
    return [" ".join(e.split()) for e in entries
            if e.strip() and "out-of-call" not in e and "events occurred" not in e][:limit]


def output_tail(work, name="sipp.out", lines=5):
    """The last lines SIPp printed, for a run that ended badly."""
    try:
        return open(os.path.join(work, name), errors="replace").read().strip().splitlines()[-lines:]
    except OSError:
        return []


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "ports":
        print(*free_ports(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif len(sys.argv) == 3 and sys.argv[1] == "errors":
        print("\n".join(error_entries(sys.argv[2])))
    else:
        sys.exit("usage: sipp_files.py ports HOST PORT N | errors FILE")
