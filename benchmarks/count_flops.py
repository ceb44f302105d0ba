#!/usr/bin/python3
"""Floating-point operations of the descriptor kernels, counted instruction by instruction, and
the fraction of this core's FMA peak they reach.

This machine's hardware counters are not readable (a virtual machine), so the operations are
counted by single-stepping one atom's descriptor computation (benchmarks/descriptor_flops) under
gdb and classifying every executed instruction, as the FP_ARITH counters of x86 processors do:
add, sub, mul, div, sqrt, min, max, rcp14 and rsqrt14 count one operation per lane, fused
multiply-adds two; lanes are the register width over the element size (zmm: 8 doubles), masked
lanes included. Then bench_descriptors times the same sets and `peak_fma` in one run.

  /usr/bin/python3 benchmarks/count_flops.py [--build build] [--sets narrow wide ...]
      [--modes 0 1 2] [--atoms 1] [--no-time]
  /usr/bin/python3 benchmarks/count_flops.py --calibrate 1000   (checks the counter: exact)

Needs gdb (Debian package gdb). Stepping runs at a few thousand instructions per second: one
atom of the narrow set with derivatives takes about a minute.
"""
import argparse
import json
import os
import re
import subprocess
import sys

SKIP = 77  # exit status of --calibrate where processes cannot be traced (ctest: skipped)
MODES = {0: "values", 1: "values + Jacobian", 2: "values + contracted derivatives"}
COUNTED = re.compile(
    r"^v?(fn?m(?:add|sub)(?:132|213|231)|fmaddsub(?:132|213|231)|fmsubadd(?:132|213|231)|"
    r"add|sub|mul|div|sqrt|min|max|rcp14|rsqrt14)(p|s)(d|s)$")
REG_BYTES = {"zmm": 64, "ymm": 32, "xmm": 16}


def classify(asm):
    """(operation kind, flops) of one AT&T-syntax instruction; kind None when not counted."""
    parts = asm.split(None, 1)
    mnemonic = parts[0]
    m = COUNTED.match(mnemonic)
    if not m:
        return None, 0
    op, packed, precision = m.groups()
    element = 8 if precision == "d" else 4
    if packed == "s":
        lanes = 1
    else:
        regs = re.findall(r"%(zmm|ymm|xmm)\d+", parts[1] if len(parts) > 1 else "")
        if not regs:
            return None, 0
        lanes = REG_BYTES[regs[-1]] // element
    fused = op.startswith("f")
    kind = "fma" if fused else op
    return f"{kind}{'p' if lanes > 1 else 's'}{precision}", lanes * (2 if fused else 1)


def count_under_gdb():
    import gdb  # noqa: F401 (present only inside gdb)

    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set disassembly-flavor att")
    gdb.execute("break annp_count_begin")
    gdb.execute("run", to_string=True)
    gdb.execute("delete")
    end = int(gdb.parse_and_eval("(long)&annp_count_end"))
    arch = gdb.selected_frame().architecture()
    cache = {}
    kinds = {}  # flops by operation kind
    flops = 0
    instructions = 0
    while True:
        pc = int(gdb.parse_and_eval("$pc"))
        if pc == end:
            break
        hit = cache.get(pc)
        if hit is None:
            hit = cache[pc] = classify(arch.disassemble(pc)[0]["asm"])
        instructions += 1
        if hit[0] is not None:
            kinds[hit[0]] = kinds.get(hit[0], 0) + hit[1]
            flops += hit[1]
        gdb.execute("stepi", to_string=True)
    gdb.execute("continue", to_string=True)
    print("COUNT " + json.dumps({"instructions": instructions, "flops": flops,
                                  "by_kind": kinds}), flush=True)


def gdb_count(program, args):
    out = subprocess.run(["gdb", "-nx", "-batch", "-x", os.path.abspath(__file__), "--args",
                          program] + [str(a) for a in args],
                         capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("COUNT "):
            return json.loads(line[6:]), out.stdout
    text = out.stdout + out.stderr
    if ("ptrace" in text or "Cannot create process" in text) and (
            "not permitted" in text or "Permission denied" in text):
        # A container without the right to trace its own processes: nothing to count here.
        print(f"count_flops: gdb may not trace processes on this machine:\n{text[-600:]}")
        sys.exit(SKIP)
    sys.exit(f"count_flops: no count from gdb for {args}:\n{text}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--sets", nargs="+", default=["narrow", "wide", "polynomial", "chebyshev"])
    ap.add_argument("--modes", nargs="+", type=int, default=[0, 2, 1])
    ap.add_argument("--atoms", type=int, default=1)
    ap.add_argument("--no-time", action="store_true", help="count only, no timing run")
    ap.add_argument("--counts", metavar="JSON",
                    help="read the counts from this file if it exists, else write them to it "
                         "(count once, time again later)")
    ap.add_argument("--calibrate", type=int, metavar="N",
                    help="count a loop of N x 12 SIMD FMAs + 1 multiply and check it exactly")
    a = ap.parse_args()
    program = os.path.join(a.build, "benchmarks", "descriptor_flops")
    if not os.path.exists(program):
        sys.exit(f"count_flops: {program} not found (build the target descriptor_flops)")
    if a.calibrate is not None:
        c, text = gdb_count(program, ["calibrate", a.calibrate])
        lanes = int(re.search(r"x (\d+) lanes", text).group(1))
        expect = a.calibrate * 12 * 2 * lanes + 1
        print(f"counted {c['flops']} flops in {c['instructions']} instructions, by kind "
              f"{c['by_kind']}; expected {expect}")
        return 0 if c["flops"] == expect else 1
    counts = {}
    if a.counts and os.path.exists(a.counts):
        with open(a.counts) as f:
            counts = {(s, int(m)): c for s, m, c in json.load(f)}
    for s in a.sets:
        for m in a.modes:
            if (s, m) in counts:
                continue
            c, _ = gdb_count(program, [s, m, a.atoms])
            counts[(s, m)] = {k: v / a.atoms for k, v in c.items() if k != "by_kind"}
            counts[(s, m)]["by_kind"] = {k: v / a.atoms for k, v in c["by_kind"].items()}
            print(f"{s:10s} {MODES[m]:32s} {counts[(s, m)]['flops']:10.0f} flops/atom "
                  f"{counts[(s, m)]['instructions']:9.0f} instructions/atom", flush=True)
    if a.counts:
        with open(a.counts + ".tmp", "w") as f:
            json.dump([[s, m, c] for (s, m), c in counts.items()], f, indent=1)
        os.replace(a.counts + ".tmp", a.counts)
    counts = {k: v for k, v in counts.items() if k[0] in a.sets and k[1] in a.modes}
    if a.no_time:
        return 0
    bench = os.path.join(a.build, "benchmarks", "bench_descriptors")
    names = "|".join(f"{s}/{m}" for s, m in counts)
    out = subprocess.run([bench, f"--benchmark_filter=^({names}|peak_fma)$",
                          "--benchmark_format=json", "--benchmark_repetitions=3",
                          "--benchmark_report_aggregates_only=true"],
                         capture_output=True, text=True, check=True)
    runs = {b["run_name"]: b for b in json.loads(out.stdout)["benchmarks"]
            if b.get("aggregate_name") == "median"}
    peak = runs["peak_fma"]["GFLOPs"] * 1e9
    print(f"\npeak_fma: {peak * 1e-9:.1f} GFLOP/s (median of 3)\n")
    print("| set | mode | flops/atom | µs/atom | GFLOP/s | of FMA peak | FMA share of flops |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (s, m), c in counts.items():
        r = runs[f"{s}/{m}"]
        unit = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[r["time_unit"]]
        seconds = r["cpu_time"] * unit / 4000.0  # the box has 4 000 atoms
        rate = c["flops"] / seconds
        fma_flops = sum(v for k, v in c["by_kind"].items() if k.startswith("fma"))
        print(f"| {s} | {MODES[m]} | {c['flops']:.0f} | {seconds * 1e6:.1f} | "
              f"{rate * 1e-9:.1f} | {100 * rate / peak:.1f} % | "
              f"{100 * fma_flops / c['flops']:.0f} % |")
    return 0


if __name__ == "__main__":
    try:
        import gdb  # noqa: F401
    except ImportError:
        sys.exit(main())
    count_under_gdb()
