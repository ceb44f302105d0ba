#!/usr/bin/python3
"""Molecular dynamics of alpha-alumina with a two-element (Al-O) annp model in LAMMPS.

    examples/md/alumina.py --kim ANNP_AlO_PBE OUTDIR          # through KIM (Debian's lmp)
    examples/md/alumina.py --model alo.annp OUTDIR            # pair_style annp (build/.../lmp-annp)
    examples/md/alumina.py --model m1.annp,m2.annp,m3.annp OUTDIR   # the committee's mean drives

Stages (each a LAMMPS run on the state the previous one left; times at the defaults):
  relax    the corundum supercell (default 2x1x1 orthohexagonal cells, 120 atoms) at 0 K and 0 Pa
           (minimize with box/relax): a, c, density;
  300 K, 1500 K
           NPT (Nose-Hoover, the three cell lengths, 0 bar) for 10 ps, the cell set to its
           mean over the last half, then NVT for 50 ps: mean temperature and pressure, the
           partial radial distribution functions g_AlO, g_OO, g_AlAl (from frames every 0.1 ps);
  NVE      50 ps from the end of the 1500 K run: drift of the total energy (slope of a
           straight-line fit, meV/atom/ps) and its fluctuation about the fit;
  melt     melted in NVT at 4000 K (10 ps), then NPT at 3000 K and 0 bar for 50 ps
           (0.5 fs steps): density, the shortest interatomic distance over every frame (a
           physical liquid keeps atoms apart: at least 1.4 A), the Al-O coordination (O within
           2.5 A of each Al: mean and the fractions of 3-, 4-, 5- and 6-fold Al) against the
           published liquid.
--scale S multiplies every duration (0.01 for a smoke test). --melt-only skips the crystal and
NVE stages and melts the relaxed crystal (the liquid's check alone, a third of the full run);
--crystal-only runs the relaxation, the crystal and the NVE stages and no melt.
Exits with an error when the melt brings atoms closer than --require-distance (1.4 A). Writes
OUTDIR/report.md, OUTDIR/rdf.csv and, with matplotlib, OUTDIR/rdf.svg; the LAMMPS inputs and
logs stay in OUTDIR.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
from ase.io import read, write
from ase.neighborlist import neighbor_list
from ase.build import make_supercell
from ase.spacegroup import crystal

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MASS = {"Al": 26.9815385, "O": 15.999}
AMU_PER_A3_IN_G_PER_CM3 = 1.66053906660
# Published liquid alumina (aerodynamic levitation, x-ray/neutron diffraction with EPSR
# models): mean Al-O coordination n = 4.41 - 1.25e-4 (T - Tm) within 2.5 A, Tm = 2327 K
# (Shi et al., Front. Mater. 6, 38 (2019)); density near Tm about 2.93 g/cm^3.
TM = 2327.0


def coordination_literature(t):
    return 4.41 - 1.25e-4 * (t - TM)


def corundum_cell(a, c, u=0.3522, x=0.3064):
    """The 60-atom orthohexagonal cell of corundum (a, a sqrt(3), c; R-3c: Al 12c (0,0,u), O 18e
    (x,0,1/4)): orthogonal, so that LAMMPS's box needs no tilt."""
    hexagonal = crystal(["Al", "O"], basis=[(0, 0, u), (x, 0, 0.25)], spacegroup=167,
                        cellpar=[a, a, c, 90, 90, 120])
    cell = make_supercell(hexagonal, [[1, 0, 0], [1, 2, 0], [0, 0, 1]])
    cell.set_cell(np.diag(cell.cell.lengths()), scale_atoms=False)
    cell.wrap()
    return cell


class Lammps:
    def __init__(self, args, out):
        self.out = out
        if args.kim:
            self.exe = args.lmp or "lmp"
            self.head = [f"kim init {args.kim} metal"]
            self.interactions = ["kim interactions Al O"]
        else:
            self.exe = args.lmp or os.path.join(ROOT, "build", "integrations", "lammps", "lmp-annp")
            self.head = ["units metal"]
            paths = [os.path.abspath(m) for m in args.model.split(",")]
            style = "pair_style annp mean" if len(paths) > 1 else "pair_style annp"
            self.interactions = [style, f"pair_coeff * * {','.join(paths)} Al O"]
        self.ranks = args.ranks

    def run(self, name, data, body):
        """Runs one stage: reads `data`, applies `body` (LAMMPS lines); returns stdout."""
        text = "\n".join(self.head + ["atom_style atomic", "atom_modify map array",
                                      f"read_data {data}",
                                      f"mass 1 {MASS['Al']}", f"mass 2 {MASS['O']}"]
                         + self.interactions + ["thermo_modify format float %.10g"] + body) + "\n"
        path = os.path.join(self.out, f"in.{name}")
        with open(path, "w") as f:
            f.write(text)
        cmd = [self.exe, "-in", path, "-log", os.path.join(self.out, f"log.{name}")]
        if self.ranks > 1:
            cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(self.ranks)] + cmd
        p = subprocess.run(cmd, cwd=self.out, capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
            raise SystemExit(f"alumina.py: LAMMPS stage '{name}' failed (log: {path} and log.{name})")
        return p.stdout


def thermo(output, first):
    """Rows of the last thermo table whose header starts with `first` (e.g. Step Temp ...)."""
    lines = output.splitlines()
    starts = [k for k, l in enumerate(lines) if l.split()[:len(first)] == first]
    if not starts:
        raise SystemExit("alumina.py: no thermo table in the LAMMPS output")
    rows = []
    for line in lines[starts[-1] + 1:]:
        parts = line.split()
        if not parts or not parts[0].isdigit():
            if line.startswith("WARNING"):
                continue
            break
        rows.append([float(v) for v in parts])
    return np.array(rows)


def frames(path):
    images = read(path, index=":", format="lammps-dump-text")
    for atoms in images:
        atoms.set_chemical_symbols(["Al" if t == 1 else "O" for t in atoms.numbers])  # types 1, 2
        atoms.pbc = True
    return images


RDF_EDGES = np.linspace(0.0, 6.0, 241)  # the bins of every g(r): 0.025 A to 6 A
RDF_R = 0.5 * (RDF_EDGES[1:] + RDF_EDGES[:-1])


def rdf(images):
    """Partial g(r) of the pairs Al-O, O-O, Al-Al, averaged over the frames, on RDF_R."""
    edges, rmax, bins = RDF_EDGES, RDF_EDGES[-1], len(RDF_R)
    counts = {k: np.zeros(bins) for k in ("AlO", "OO", "AlAl")}
    volume = 0.0
    for atoms in images:
        i, j, d = neighbor_list("ijd", atoms, rmax)
        z = atoms.numbers
        for key, (za, zb) in {"AlO": (13, 8), "OO": (8, 8), "AlAl": (13, 13)}.items():
            sel = (z[i] == za) & (z[j] == zb)
            counts[key] += np.histogram(d[sel], edges)[0]
        volume += atoms.get_volume()
    volume /= len(images)
    z = images[0].numbers
    n = {13: int((z == 13).sum()), 8: int((z == 8).sum())}
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    g = {}
    for key, (za, zb) in {"AlO": (13, 8), "OO": (8, 8), "AlAl": (13, 13)}.items():
        density_b = n[zb] / volume
        g[key] = counts[key] / (len(images) * n[za] * density_b * shell)
    return g


def coordination(images, cutoff=2.5):
    """Mean O count within cutoff of each Al, its distribution, and the shortest distance."""
    cn, shortest = [], np.inf
    for atoms in images:
        i, j, d = neighbor_list("ijd", atoms, max(cutoff, 1.4))
        if len(d):
            shortest = min(shortest, float(d.min()))
        z = atoms.numbers
        al = np.flatnonzero(z == 13)
        sel = (z[i] == 13) & (z[j] == 8) & (d < cutoff)
        per = np.bincount(i[sel], minlength=len(atoms))[al]
        cn.extend(per.tolist())
    cn = np.array(cn)
    if not np.isfinite(shortest):  # no pair within 1.4 A: find the shortest anyway
        shortest = min(float(neighbor_list("d", a, 3.0).min()) for a in images)
    return cn.mean(), {k: float((cn == k).mean()) for k in (3, 4, 5, 6)}, shortest


def density(atoms):
    mass = sum(MASS[s] for s in atoms.get_chemical_symbols())
    return mass / atoms.get_volume() * AMU_PER_A3_IN_G_PER_CM3


def crystal_stages(lmp, args, out, n, steps, g_all):
    """NPT then NVT at 300 and 1500 K (their g(r) into g_all), NVE from the 1500 K state: the
    report's lines."""
    report = ["## Crystal: NPT 10 ps, then NVT at the mean cell", "",
               "| T set (K) | T mean (K) | P mean (bar) | density (g/cm³) | pe (eV/atom) | "
               "shortest distance (Å) | first peak Al–O (Å) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    state = "relaxed.data"
    for t in (300, 1500):
        every = max(steps(0.1) // 10 * 10, 10)
        body = [f"velocity all create {2 * t} {args.seed} mom yes rot yes dist gaussian",
                "timestep 0.001",
                f"fix npt all npt temp {t} {t} 0.1 aniso 0.0 0.0 1.0",
                "variable lx equal lx", "variable ly equal ly", "variable lz equal lz",
                f"fix cellavg all ave/time 10 {steps(5) // 10} {steps(10)} v_lx v_ly v_lz",
                "thermo 1000", f"run {steps(10)}", "unfix npt",
                "change_box all x final 0 $(f_cellavg[1]) y final 0 $(f_cellavg[2]) "
                "z final 0 $(f_cellavg[3]) remap units box",
                "unfix cellavg",
                f"fix nvt all nvt temp {t} {t} 0.1",
                f"dump frames all custom {every} nvt{t}.dump id type x y z",
                "dump_modify frames sort id",
                f"thermo {every}", "thermo_style custom step temp pe press vol",
                f"run {steps(50)}", f"write_data nvt{t}.data"]
        o = lmp.run(f"nvt{t}", state, body)
        rows = thermo(o, ["Step", "Temp"])
        images = frames(os.path.join(out, f"nvt{t}.dump"))
        g = rdf(images)
        g_all[t] = g
        _, _, shortest = coordination(images)
        peak = RDF_R[np.argmax(g["AlO"])]
        report.append(f"| {t} | {rows[:, 1].mean():.0f} | {rows[:, 3].mean():.0f} | "
                      f"{density(images[-1]):.4f} | {rows[:, 2].mean() / n:.5f} | {shortest:.3f} | {peak:.3f} |")
        state = f"nvt{t}.data"
    report.append("")

    # NVE from the 1500 K state.
    o = lmp.run("nve", "nvt1500.data", [
        "timestep 0.001", "fix nve all nve", "thermo 100", "thermo_style custom step time temp pe etotal",
        f"run {steps(50)}"])
    rows = thermo(o, ["Step", "Time"])
    time_ps, etot = rows[:, 1], rows[:, 4] / n
    slope, intercept = np.polyfit(time_ps, etot, 1)
    fluct = np.std(etot - (slope * time_ps + intercept))
    report += ["## NVE from the 1500 K state (1 fs)", "",
               "| duration (ps) | T mean (K) | drift (meV/atom/ps) | fluctuation about the fit (meV/atom) |",
               "| --- | --- | --- | --- |",
               f"| {time_ps[-1] - time_ps[0]:.2f} | {rows[:, 2].mean():.0f} | {1e3 * slope:.2e} | {1e3 * fluct:.2e} |", ""]
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--kim", help="KIM model name (lmp with the KIM package)")
    who.add_argument("--model", help="annp model file (pair_style annp, lmp-annp); several "
                     "separated by commas: their mean (pair_style annp mean)")
    ap.add_argument("out", help="output directory")
    ap.add_argument("--lmp", help="LAMMPS executable (default: lmp for KIM, build/.../lmp-annp)")
    ap.add_argument("--repeat", type=int, nargs=3, default=[2, 1, 1],
                    help="orthohexagonal cells (60 atoms: a, a sqrt(3), c) along x, y, z "
                         "(default 2 1 1: 120 atoms)")
    ap.add_argument("--a", type=float, default=4.81, help="starting a, A (relaxed first)")
    ap.add_argument("--c", type=float, default=13.12, help="starting c, A (relaxed first)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every duration")
    ap.add_argument("--ranks", type=int, default=1, help="MPI ranks")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--melt-only", action="store_true",
                      help="relax, then melt the relaxed crystal: no 300 K, 1500 K or NVE stages")
    only.add_argument("--crystal-only", action="store_true",
                      help="relax, the 300 K, 1500 K and NVE stages: no melt")
    ap.add_argument("--seed", type=int, default=4181)
    ap.add_argument("--relax-iterations", type=int, default=5000,
                    help="at most this many minimizer iterations for the 0 K cell")
    ap.add_argument("--require-distance", type=float, default=1.4,
                    help="exit with an error when atoms of the melt come closer than this, Å "
                         "(0: report only)")
    args = ap.parse_args()
    for path in (args.model.split(",") if args.model else []):
        if not os.path.isfile(path):
            raise SystemExit(f"alumina.py: {path}: no such model file")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    lmp = Lammps(args, out)

    def steps(ps, dt=0.001):
        return max(int(round(ps * args.scale / dt)), 10)

    cell = corundum_cell(args.a, args.c).repeat(args.repeat)
    n = len(cell)
    write(os.path.join(out, "start.data"), cell, format="lammps-data", specorder=["Al", "O"])
    report = [f"# Alumina MD: {args.kim or args.model}", "",
              f"{n} atoms ({args.repeat[0]}x{args.repeat[1]}x{args.repeat[2]} orthohexagonal cells), "
              f"{'KIM ' + args.kim if args.kim else 'pair_style annp'}, {args.ranks} rank(s), "
              f"durations x {args.scale:g}.", ""]

    # Relaxed crystal.
    o = lmp.run("relax", "start.data", [
        "fix relax all box/relax aniso 0.0 vmax 0.001", "thermo_style custom step pe lx ly lz vol press",
        f"minimize 0 1e-6 {args.relax_iterations} {20 * args.relax_iterations}", "write_data relaxed.data"])
    criterion = next((l.split("=", 1)[1].strip() for l in o.splitlines() if "Stopping criterion" in l), "?")
    r = thermo(o, ["Step", "PotEng"])[-1]
    relaxed = read(os.path.join(out, "relaxed.data"), format="lammps-data", style="atomic",
                   Z_of_type={1: 13, 2: 8})
    a = relaxed.cell.lengths()[0] / args.repeat[0]
    a_y = relaxed.cell.lengths()[1] / args.repeat[1] / np.sqrt(3.0)
    c = relaxed.cell.lengths()[2] / args.repeat[2]
    report += ["## Relaxed crystal (0 K, 0 Pa)", "",
               "| a (Å, along x) | a (Å, from y / √3) | c (Å) | c/a | density (g/cm³) | energy (eV/atom) "
               "| pressure left (bar) |",
               "| --- | --- | --- | --- | --- | --- | --- |",
               f"| {a:.4f} | {a_y:.4f} | {c:.4f} | {c / a:.4f} | {density(relaxed):.4f} | {r[1] / n:.5f} "
               f"| {r[5]:.1f} |", "", f"Minimizer (forces 1e-6 eV/Å, box/relax aniso 0): stopped by {criterion}.",
               ""]

    # Crystal at 300 and 1500 K, then NVE from the 1500 K state (skipped by --melt-only).
    g_all = {}
    if not args.melt_only:
        report += crystal_stages(lmp, args, out, n, steps, g_all)

    # Melt (skipped by --crystal-only).
    shortest = None
    if not args.crystal_only:
        every = max(steps(0.1, 0.0005) // 10 * 10, 10)
        o = lmp.run("melt", "relaxed.data" if args.melt_only else "nvt1500.data", [
            "timestep 0.0005",
            f"velocity all create 4000 {args.seed + 1} mom yes rot yes dist gaussian",
            "fix hot all nvt temp 4000 4000 0.05", "thermo 1000", f"run {steps(10, 0.0005)}", "unfix hot",
            "fix npt all npt temp 3000 3000 0.05 iso 0.0 0.0 0.5",
            f"run {steps(10, 0.0005)}",
            f"dump frames all custom {every} melt.dump id type x y z", "dump_modify frames sort id",
            f"thermo {every}", "thermo_style custom step temp pe press vol",
            f"run {steps(50, 0.0005)}"])
        rows = thermo(o, ["Step", "Temp"])
        images = frames(os.path.join(out, "melt.dump"))
        g_all["melt"] = rdf(images)
        cn, fractions, shortest = coordination(images)
        rho = np.mean([density(x) for x in images])
        lit = coordination_literature(rows[:, 1].mean())
        report += ["## Melt: 10 ps NVT at 4000 K, then NPT at 3000 K and 0 bar (0.5 fs)", "",
                   "| T mean (K) | P mean (bar) | density (g/cm³) | shortest distance (Å) | Al–O coordination "
                   "(2.5 Å) | 3-fold | 4-fold | 5-fold | 6-fold | published coordination at this T |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
                   f"| {rows[:, 1].mean():.0f} | {rows[:, 3].mean():.0f} | {rho:.3f} | {shortest:.3f} | {cn:.2f} | "
                   + " | ".join(f"{fractions[k]:.2f}" for k in (3, 4, 5, 6)) + f" | {lit:.2f} |", "",
                   f"Shortest distance over {len(images)} frames: {shortest:.3f} Å "
                   f"({'above' if shortest >= 1.4 else 'BELOW'} 1.4 Å). Published: mean Al–O coordination "
                   "4.41 − 1.25e-4 (T − 2327 K) within 2.5 Å (Shi et al., Front. Mater. 6, 38 (2019), "
                   "x-ray and neutron diffraction of levitated liquid, 1 817–2 700 K), AlO₄ and AlO₅ "
                   "units dominant; liquid density near the melting point about 2.93 g/cm³.", ""]

    with open(os.path.join(out, "rdf.csv"), "w") as f:
        keys = [(t, k) for t in g_all for k in ("AlO", "OO", "AlAl")]
        f.write("r_A," + ",".join(f"g_{k}_{t}" for t, k in keys) + "\n")
        for b, rv in enumerate(RDF_R):
            f.write(f"{rv:.4f}," + ",".join(f"{g_all[t][k][b]:.5f}" for t, k in keys) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=False)
        for ax, k, label in zip(axes, ("AlO", "OO", "AlAl"), ("Al–O", "O–O", "Al–Al")):
            for t in g_all:
                ax.plot(RDF_R, g_all[t][k], label=f"{t} K" if t != "melt" else "melt, 3000 K")
            ax.set_title(label)
            ax.set_xlabel("r (Å)")
        axes[0].set_ylabel("g(r)")
        axes[0].legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "rdf.svg"))
        report.append("Radial distribution functions: [rdf.svg](rdf.svg) (values in rdf.csv).")
    except ImportError:
        report.append("Radial distribution functions: rdf.csv (matplotlib not installed: no plot).")
    with open(os.path.join(out, "report.md.tmp"), "w") as f:
        f.write("\n".join(report) + "\n")
    os.replace(os.path.join(out, "report.md.tmp"), os.path.join(out, "report.md"))
    print("\n".join(report))
    if shortest is not None and shortest < args.require_distance:
        raise SystemExit(f"alumina.py: atoms came closer than {args.require_distance} Å in the melt")


if __name__ == "__main__":
    main()
