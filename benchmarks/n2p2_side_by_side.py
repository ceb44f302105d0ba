#!/usr/bin/python3
"""annp against n2p2 on n2p2's own reference model, one machine, one thread, interleaved runs.

Usage: benchmarks/n2p2_side_by_side.py N2P2_DIR BUILD_DIR [--rounds K] [--repetitions R]

N2P2_DIR is an n2p2 source tree whose libnnp is built (its `include/` and `lib/libnnp.a`; for
example `cd src/libnnp && make PROJECT_OPTIONS="-DN2P2_NO_MPI -DEIGEN_DONT_PARALLELIZE"`, with
Debian's libeigen3-dev). n2p2 is not part of annp: this script only builds a small timing
program against it (benchmarks/n2p2/bench_n2p2.cpp) with n2p2's own flags (-O3 -march=native).
BUILD_DIR is annp's build directory (bench_potential, annp-predict).

Both evaluate the model of tests/data/n2p2-al (16 G2 + 16 narrow G4, r_c = 6 Å, 32-20-20-1) on
the 4 000-atom rattled fcc box of bench_potential, energy and forces. First the script checks
that they compute the same thing (annp-predict on the box n2p2 read: energies to 1e-9 eV/atom),
then runs K rounds of: n2p2 (R evaluations), annp's bench_potential static_potential/1 and
static_potential_host_lists/1 (R repetitions each). Prints the medians per round and over rounds,
and the ratios:
  - without neighbour lists: n2p2 without its list (descriptors, networks, energy, forces) /
    annp given the lists as a host code hands them over (static_potential_host_lists: ghost atoms
    and full lists with a 1 Å skin, built once; annp still filters them by distance);
  - n2p2 without its list / annp end to end (annp building its own list: a lower bound);
  - end to end: n2p2's evaluateNNP (its list included) / annp end to end.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    sys.exit("n2p2_side_by_side: " + message)


def build_harness(n2p2, work):
    include, lib = os.path.join(n2p2, "include"), os.path.join(n2p2, "lib", "libnnp.a")
    if not os.path.isfile(os.path.join(include, "Prediction.h")) or not os.path.isfile(lib):
        fail(f"{n2p2}: expected a built libnnp ({include}/Prediction.h and {lib})")
    exe = os.path.join(work, "bench_n2p2")
    cmd = ["g++", "-O3", "-march=native", "-std=c++17", "-isystem", include,
           "-isystem", "/usr/include/eigen3",
           os.path.join(SOURCE, "benchmarks", "n2p2", "bench_n2p2.cpp"), lib, "-o", exe]
    subprocess.run(cmd, check=True)
    return exe


def run_n2p2(exe, work, repetitions):
    out = subprocess.run([exe, str(repetitions)], cwd=work, check=True, capture_output=True,
                         text=True).stdout
    values = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    return {k: float(v) for k, v in values.items()}


def run_annp(build, repetitions, name):
    exe = os.path.join(build, "benchmarks", "bench_potential")
    out = subprocess.run(
        [exe, f"--benchmark_filter=^{name}/1/", f"--benchmark_repetitions={repetitions}",
         "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    if not runs or any(b.get("error_occurred") for b in runs):
        fail(f"bench_potential reported no {name}/1 runs")
    return statistics.median(1e6 / b["items_per_second"] for b in runs)


def check_same_energy(build, work, n2p2_energy, atoms):
    predicted = os.path.join(work, "annp.xyz")
    subprocess.run([os.path.join(build, "examples", "annp-predict"), "--threads", "1",
                    os.path.join(SOURCE, "tests", "data", "n2p2-al"),
                    os.path.join(work, "box.data"), predicted], check=True,
                   capture_output=True)
    with open(predicted) as f:
        f.readline()
        header = f.readline()
    energy = float(header.split(" energy=")[1].split()[0])
    if abs(energy - n2p2_energy) / atoms > 1e-9:
        fail(f"annp and n2p2 disagree on the box: {energy} vs {n2p2_energy} eV")
    return energy


def main(argv):
    args, rounds, repetitions = [], 5, 5
    it = iter(argv)
    for a in it:
        if a == "--rounds":
            rounds = int(next(it))
        elif a == "--repetitions":
            repetitions = int(next(it))
        else:
            args.append(a)
    if len(args) != 2 or rounds < 1 or repetitions < 1:
        sys.exit(__doc__)
    n2p2, build = (os.path.abspath(a) for a in args)
    work = tempfile.mkdtemp(prefix="annp-n2p2-")
    try:
        for name in ("input.nn", "scaling.data", "weights.013.data"):
            shutil.copy(os.path.join(SOURCE, "tests", "data", "n2p2-al", name), work)
        exe = build_harness(n2p2, work)
        first = run_n2p2(exe, work, 1)
        energy = check_same_energy(build, work, first["energy_eV"], first["atoms"])
        print(f"same box, same model: annp {energy:.9f} eV, n2p2 {first['energy_eV']:.9f} eV "
              f"({first['atoms']:.0f} atoms)")
        print("µs per atom; n2p2 / annp ratios")
        print("| round | n2p2 without list | n2p2 end to end | annp given lists | annp end to end "
              "| ratio without lists | ratio n2p2 without list / annp end to end "
              "| ratio end to end |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        rows = []
        for r in range(rounds):
            n = run_n2p2(exe, work, repetitions)
            h = run_annp(build, repetitions, "static_potential_host_lists")
            a = run_annp(build, repetitions, "static_potential")
            rows.append((n["without_neighbour_list_us_per_atom"], n["end_to_end_us_per_atom"], h,
                         a))
            w, e, _, _ = rows[-1]
            print(f"| {r + 1} | {w:.1f} | {e:.1f} | {h:.1f} | {a:.1f} | {w / h:.2f} | {w / a:.2f} "
                  f"| {e / a:.2f} |", flush=True)
        w, e, h, a = (statistics.median(c) for c in zip(*rows))

        def spread(i, j):
            values = [row[i] / row[j] for row in rows]
            return f"(rounds {min(values):.2f}–{max(values):.2f})"

        print(f"| median | {w:.1f} | {e:.1f} | {h:.1f} | {a:.1f} | {w / h:.2f} {spread(0, 2)} "
              f"| {w / a:.2f} {spread(0, 3)} | {e / a:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
