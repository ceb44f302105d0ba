#!/usr/bin/python3
"""LAMMPS MD timing per atom-step: an annp model through KIM and through pair_style annp
(lmp-annp), against LAMMPS's EAM (Mendelev et al., Al_mm.eam.fs) on the same box.

Usage: benchmarks/md_timing.py BUILD_DIR KIM_MODEL_NAME MODEL_FILE [CELLS] [STEPS]
       benchmarks/md_timing.py BUILD_DIR --models MODEL_FILE... [--cells N ...] [--steps N]
                               [--ranks R ...] [--rounds K]

NVE, fcc Al, CELLS^3 * 4 atoms (default 10 -> 4 000), 600 K start, 1 fs; 1 and 2 MPI ranks (one
OpenMP thread each) and 1 rank with 2 OpenMP threads (annp threads its own loops). Needs
KIM_API_CONFIGURATION_FILE pointing at a collection with the KIM model (annp-kim-install).
Prints a markdown table.

The second form compares models by cost: each model through `pair_style annp` and LAMMPS's EAM,
interleaved (EAM, then every model, repeated K rounds; default 3), at each box size and rank
count; prints the median µs per atom-step and its ratio to EAM's median of the same run.
"""
import os
import re
import subprocess
import sys
import tempfile

COMMON = """units metal
boundary p p p
lattice fcc 4.04
region box block 0 {cells} 0 {cells} 0 {cells}
create_box 1 box
create_atoms 1 box
mass 1 26.9815385
{pair}
velocity all create 600 4928459 mom yes rot yes dist gaussian
timestep 0.001
neighbor 1.0 bin
fix nve all nve
thermo 100
run 20
run {steps}
"""

def time_input(exe, text, ranks, threads):
    """Runs a LAMMPS input text; returns (µs per atom-step of its last run, atoms)."""
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "in.bench")
        with open(path, "w") as f:
            f.write(text)
        cmd = [exe, "-in", path, "-log", "none"]
        if ranks > 1:
            cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] + cmd
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        p = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            sys.exit(p.stdout[-2000:] + p.stderr[-2000:])
        loops = re.findall(r"Loop time of ([0-9.eE+-]+) on \d+ procs for (\d+) steps with (\d+) atoms", p.stdout)
        seconds, nsteps, atoms = loops[-1]
        return 1e6 * float(seconds) / (int(nsteps) * int(atoms)), int(atoms)


def run(exe, pair, cells, steps, ranks, threads):
    return time_input(exe, COMMON.format(cells=cells, steps=steps, pair=pair), ranks, threads)

def compare(argv):
    """--models mode: median µs/atom-step of each model and of EAM, interleaved, and the ratios."""
    import argparse
    import statistics
    ap = argparse.ArgumentParser(prog="md_timing.py BUILD_DIR --models")
    ap.add_argument("build")
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--cells", nargs="+", type=int, default=[10])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--ranks", nargs="+", type=int, default=[1])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    native = os.path.join(os.path.abspath(a.build), "integrations", "lammps", "lmp-annp")
    eam = "/usr/share/lammps/potentials/Al_mm.eam.fs"
    for m in a.models:
        if not os.path.isfile(m):
            sys.exit(f"md_timing.py: no model file {m}")
    routes = [("EAM", "lmp", f"pair_style eam/fs\npair_coeff * * {eam} Al")] + [
        (m, native, f"pair_style annp\npair_coeff * * {os.path.abspath(m)} Al") for m in a.models]
    print("| model | atoms | ranks | µs/atom-step (median) | / EAM |")
    print("| --- | --- | --- | --- | --- |")
    for cells in a.cells:
        for ranks in a.ranks:
            times = {label: [] for label, _, _ in routes}
            for _ in range(a.rounds):
                for label, exe, pair in routes:
                    us, atoms = run(exe, pair, cells, a.steps, ranks, 1)
                    times[label].append(us)
            med = {k: statistics.median(v) for k, v in times.items()}
            for label, _, _ in routes:
                print(f"| {label} | {atoms} | {ranks} | {med[label]:.3f} | {med[label] / med['EAM']:.2f} |",
                      flush=True)


def main():
    if len(sys.argv) > 2 and "--models" in sys.argv:
        return compare(sys.argv[1:])
    build, name, model = sys.argv[1:4]
    cells = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    native = os.path.join(os.path.abspath(build), "integrations", "lammps", "lmp-annp")
    eam = "/usr/share/lammps/potentials/Al_mm.eam.fs"
    routes = [
        ("annp through KIM (`kim init` + `kim interactions`)", "lmp", None),
        ("annp, `pair_style annp` (lmp-annp)", native,
         f"pair_style annp\npair_coeff * * {os.path.abspath(model)} Al"),
        ("LAMMPS EAM (`pair_style eam/fs`, Al_mm.eam.fs)", "lmp",
         f"pair_style eam/fs\npair_coeff * * {eam} Al"),
    ]
    print(f"| route | 1 rank | 2 ranks | 1 rank x 2 OpenMP threads |")
    print("| --- | --- | --- | --- |")
    for label, exe, pair in routes:
        cells_text = []
        for ranks, threads in ((1, 1), (2, 1), (1, 2)):
            if pair is None:
                us, atoms = run_kim(exe, name, cells, steps, ranks, threads)
            else:
                us, atoms = run(exe, pair, cells, steps, ranks, threads)
            cells_text.append(f"{us:.2f} µs")
        print(f"| {label} | " + " | ".join(cells_text) + " |")
    print(f"\n{atoms} atoms, {steps} steps of NVE at 1 fs after 20 warm-up steps")


def run_kim(exe, name, cells, steps, ranks, threads):
    # kim init replaces `units` and comes first; kim interactions once the box exists.
    text = COMMON.format(cells=cells, steps=steps, pair="kim interactions Al")
    return time_input(exe, text.replace("units metal\n", f"kim init {name} metal\n"), ranks, threads)

if __name__ == "__main__":
    main()
