#!/usr/bin/env python3
"""cg_objects.py - sums a callgrind profile's self cost by where the code lives.

    callgrind_annotate --inclusive=no --threshold=100 FILE | python3 bench/cg_objects.py
    callgrind_annotate --inclusive=yes --threshold=100 FILE | python3 bench/cg_objects.py --top 40

Reads the function table of callgrind_annotate's output (lines "Ir (pct)
file:function [object]") and prints the instructions of each group: our code
(engineio/, socketio/, the app, jsmn inlined into it), libwebsockets, libuv,
libc split into its system-call wrappers (the kernel-facing entry points),
malloc/free and the rest, libsodium, the dynamic loader. Entries whose self
cost is the whole total are the frames that were on the stack when the
counters were zeroed (main, __libc_start_main...): callgrind charges them the
run's inclusive cost, so they are left out. With --top N: the N costliest
entries instead (self or inclusive, as annotated), without those frames.
"""
import re
import sys

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?):(\S.*?)(?: \[(.*)\])?\s*$")


def group(path, fn, obj):
    obj = obj or ""
    if "libwebsockets" in obj:
        return "libwebsockets"
    if "libuv" in obj:
        return "libuv"
    if "libsodium" in obj:
        return "libsodium"
    if "ld-linux" in obj:
        return "dynamic loader"
    if "libc.so" in obj:
        if "syscall-template" in path or re.search(r"sysv/linux/(send|recv|read|write|epoll|writev|accept)", path):
            return "libc: system calls (kernel-facing)"
        if "malloc" in path:
            return "libc: malloc/free"
        return "libc: other (string, stdio...)"
    for d in ("engineio/", "socketio/", "apps/"):
        if d in path:
            return "ours: " + d.rstrip("/")
    if "jsmn" in path:
        return "ours: socketio"   # jsmn.h is inlined into base_json.c
    if obj and "sio-bench-server" in obj:
        return "ours: other"
    return obj or "unknown"


def main():
    top_n = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--top" else 0
    rows = []
    total = None
    sums = {}
    fns = {}
    objs = {}
    in_table = False
    for line in sys.stdin:
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        if line.startswith("Ir") and "file:function" in line:
            in_table = True
            continue
        if in_table and line.startswith("----") and sums:
            break
        m = LINE.match(line) if in_table else None
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        obj = m.group(4)
        if obj:
            objs[m.group(3)] = obj
        else:   # an inlined part of a function: its object was on an earlier line
            obj = objs.get(m.group(3), "libc.so" if m.group(2).startswith("./") else None)
        if total and ir >= total:
            continue   # a frame on the stack when the counters were zeroed
        g = group(m.group(2), m.group(3), obj)
        rows.append((ir, m.group(3), g))
        sums[g] = sums.get(g, 0) + ir
        fns.setdefault(g, []).append((ir, m.group(3)))
    counted = sum(sums.values())
    if top_n:
        for ir, fn, g in rows[:top_n]:
            print("%14s %6.1f%%  %-40s %s" % (format(ir, ","), 100.0 * ir / total, fn, g))
        return
    print("%-38s %14s %7s  top functions" % ("where", "Ir (self)", "share"))
    for g, ir in sorted(sums.items(), key=lambda kv: -kv[1]):
        top = ", ".join(f for _, f in sorted(fns[g], reverse=True)[:3])
        print("%-38s %14s %6.1f%%  %s" % (g, format(ir, ","), 100.0 * ir / counted, top))
    print("%-38s %14s" % ("counted", format(counted, ",")))


if __name__ == "__main__":
    main()
