#!/usr/bin/python3
"""LAMMPS (Debian's lmp, KIM package) and ASE against the annp library itself.

Usage: lammps_kim.py CASE BUILD_DIR MODEL KIM_MODEL_NAME

The KIM collection must be installed and KIM_API_CONFIGURATION_FILE set (CTest does both).
Cases:
  kim-serial-newton-on, kim-serial-newton-off, kim-mpi2-newton-on, kim-mpi2-newton-off
      `kim init <model> metal` + `kim interactions Al`, energy, forces and pressure tensor of a
      rattled, sheared (triclinic) fcc cell vs annp-predict on the same positions: 1e-10
      relative.
  kim-real       `kim init <model> real`: kcal/mol, kcal/mol/Å and atm, converted back.
  pair-style-kim `pair_style kim <model>` + `pair_coeff * * Al` with `units metal`.
  native-serial-newton-on, native-serial-newton-off, native-mpi2-newton-on,
  native-mpi2-newton-off
                 pair_style annp (lmp-annp: liblammps with the style registered), as above.
  native-md-serial, native-md-mpi2
                 pair_style annp in NVE from 1500 K with a 0.3 Å skin and atom sorting: the
                 style keeps its neighbour candidates between LAMMPS's re-neighbourings, and the
                 trajectory (energies every 25 steps, final forces) equals the one with
                 re-neighbouring forced every step (1e-9 relative); 1 and 2 ranks.
  native-errors  unknown element and missing model file stop LAMMPS with annp's message.
  native-extrapolation
                 a compressed cell outside the training range: d_extrapolation per atom equals
                 annp-predict's counts, compute pair annp counts the atoms, `warn 2` prints two
                 warnings then says the rest are suppressed, `stop 1` stops the run.
  kim-extrapolation
                 the same squeezed cell through KIM: warnings on standard error, at most ten.
  native-committee-serial, native-committee-mpi2
                 pair_coeff with a committee of three models: energy and forces of the first,
                 per-atom d_force_dev, compute pair annp (largest deviation, energy spread)
                 equal annp-predict's committee output; 1 and 2 ranks.
  native-committee-mean-serial, native-committee-mean-mpi2
                 the same with `pair_style annp mean`: energy, forces and pressure tensor are the
                 committee's mean (annp-predict's), the deviations unchanged; mean without a
                 committee is refused.
  stress-atom    compute stress/atom (partialParticleVirial) sums to the global virial.
  ase            ase.calculators.lammpslib with the KIM model: energy, forces, stress.
  collision-kim, collision-native
                 two Al atoms fired at each other at 50 Å/ps each (7 eV) in NVE (0.1 fs steps): they bounce
                 back (closest approach above 1 Å, velocities reversed) and the total energy stays
                 within 2 meV of its start; the model's short-range core at work.
  native-zbl     inside the core's inner radius a dimer's force and energy differences equal
                 LAMMPS's own pair_style zbl (1e-9 relative).
  bad-element    `kim interactions O` fails with a LAMMPS error, not a crash.
  bad-model      a damaged model file: LAMMPS stops with annp's message naming file and line,
                 and the KIM API's temporary parameter directory does not stay behind.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from ase.build import bulk
from ase.io import read, write

# LAMMPS's own conversion of metal-units virials to bar (force->nktv2p, older CODATA value);
# with it the comparison is exact.
EV_PER_A3_IN_BAR = 1.6021765e6
KCAL_PER_MOL_PER_A3_IN_ATM = 68568.415  # LAMMPS real units


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def check_close(name, got, want, rel=1e-10):
    got, want = np.asarray(got, float), np.asarray(want, float)
    scale = max(np.abs(want).max(), 1e-300)
    err = np.abs(got - want).max() / scale
    print(f"  {name}: max relative difference {err:.2e} (scale {scale:.6g})")
    if not err <= rel:
        fail(f"{name} differs by {err:.3e} relative (limit {rel:g})")


def make_structure():
    """108-atom fcc Al, sheared into a triclinic cell and rattled (seeded)."""
    atoms = bulk("Al", "fcc", a=4.05, cubic=True).repeat((3, 3, 3))
    strain = np.array([[1.01, 0.04, 0.02], [0.0, 0.98, 0.03], [0.0, 0.0, 1.02]])
    atoms.set_cell(atoms.cell[:] @ strain, scale_atoms=True)
    atoms.rattle(stdev=0.08, seed=3)
    return atoms


def lammps_setup(work, atoms):
    """Writes the data file LAMMPS reads and returns the atoms exactly as LAMMPS sees them."""
    data = os.path.join(work, "cell.data")
    write(data, atoms, format="lammps-data", atom_style="atomic")
    seen = read(data, format="lammps-data", style="atomic", Z_of_type={1: 13}, sort_by_id=True)
    seen.pbc = True
    return data, seen


def annp_reference(build, model, atoms, work):
    """Energy (eV), forces (eV/Å) and stress (eV/Å³, 3x3) from annp-predict."""
    src = os.path.join(work, "reference_in.xyz")
    out = os.path.join(work, "reference_out.xyz")
    # Written by hand with every digit (ASE's extxyz writer rounds positions to 1e-8 Å).
    with open(src, "w") as f:
        lattice = " ".join(repr(float(v)) for v in atoms.cell[:].flatten())
        f.write(f'{len(atoms)}\nLattice="{lattice}" Properties=species:S:1:pos:R:3 pbc="T T T"\n')
        for sym, pos in zip(atoms.get_chemical_symbols(), atoms.positions):
            f.write(sym + " " + " ".join(repr(float(v)) for v in pos) + "\n")
    run([os.path.join(build, "examples", "annp-predict"), model, src, out])
    frame = read(out, format="extxyz")
    energy = frame.info.get("energy", None)
    if energy is None:
        energy = frame.get_potential_energy()
    forces = frame.arrays.get("forces", None)
    if forces is None:
        forces = frame.get_forces()
    stress = frame.info.get("stress", None)
    if stress is None:
        stress = frame.get_stress(voigt=False)
    return float(energy), np.array(forces), np.array(stress).reshape(3, 3)


def run(cmd, cwd=None, expect_failure=False):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if expect_failure:
        return p
    if p.returncode != 0:
        print(p.stdout[-4000:])
        print(p.stderr[-4000:])
        fail(f"{' '.join(cmd)} exited with {p.returncode}")
    return p


def lammps_input(data, setup, newton="on"):
    return "\n".join(setup[:1] + [
        f"newton {newton}",
        "atom_style atomic",
        "atom_modify map array sort 0 0",
        f"read_data {data}",
        "mass 1 26.9815385",
    ] + setup[1:] + [
        "thermo_style custom step pe pxx pyy pzz pxy pxz pyz",
        "thermo_modify format float %.17g",
        "run 0",
        "write_dump all custom forces.dump id fx fy fz modify sort id format float %.17g",
    ]) + "\n"


def parse_thermo(log):
    lines = log.splitlines()
    for k, line in enumerate(lines):
        if line.split()[:2] == ["Step", "PotEng"]:
            values = [float(v) for v in lines[k + 1].split()]
            return values[1], np.array(values[2:8])
    fail("no thermo output in the LAMMPS log:\n" + log[-3000:])


def parse_forces(path):
    rows = []
    with open(path) as f:
        body = False
        for line in f:
            if line.startswith("ITEM: ATOMS"):
                body = True
                continue
            if body:
                rows.append([float(v) for v in line.split()])
    rows.sort(key=lambda r: r[0])
    return np.array([r[1:] for r in rows])


def lammps_text_run(work, exe, name, text, ranks=1):
    """Writes the input text to work/name and runs it (under mpirun for ranks > 1)."""
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    cmd = [exe, "-in", path, "-log", os.path.join(work, "log.lammps")]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] + cmd
    return run(cmd, cwd=work)


def thermo_rows(output, second, columns):
    """The numeric thermo rows after the header whose second column is `second` (warnings
    between rows skipped), as an array."""
    lines = output.splitlines()
    k = next(i for i, l in enumerate(lines) if l.split()[:2] == ["Step", second])
    rows = []
    for line in lines[k + 1:]:
        parts = line.split()
        if line.startswith("WARNING"):
            continue
        if len(parts) != columns or not parts[0].isdigit():
            break
        rows.append([float(x) for x in parts])
    return np.array(rows)


def lammps_run(work, text, ranks=1, exe="lmp"):
    p = lammps_text_run(work, exe, "in.test", text, ranks)
    energy, pressure = parse_thermo(p.stdout)
    return energy, pressure, parse_forces(os.path.join(work, "forces.dump"))


def md_run(work, exe, data, model, ranks, check):
    """NVE with pair_style annp; returns (thermo rows [step pe etotal], forces, neighbour builds)."""
    text = "\n".join([
        "units metal",
        "atom_style atomic",
        "atom_modify map array sort 50 0.0",
        f"read_data {data}",
        "mass 1 26.9815385",
        "pair_style annp",
        f"pair_coeff * * {model} Al",
        "neighbor 0.3 bin",
        f"neigh_modify every 1 delay 0 check {check}",
        "velocity all create 1500 4928459 mom yes rot yes dist gaussian",
        "timestep 0.001",
        "fix nve all nve",
        "thermo_style custom step pe etotal",
        "thermo_modify format float %.17g",
        "thermo 25",
        "run 200",
        "write_dump all custom forces.dump id fx fy fz modify sort id format float %.17g",
    ]) + "\n"
    out = lammps_text_run(work, exe, "in.md", text, ranks).stdout
    builds = next(int(l.split("=")[1]) for l in out.splitlines()
                  if l.startswith("Neighbor list builds"))
    return thermo_rows(out, "PotEng", 3), parse_forces(os.path.join(work, "forces.dump")), builds


def voigt_pressure_from_stress(stress):
    """LAMMPS pxx pyy pzz pxy pxz pyz (bar) of a static configuration from annp's stress."""
    p = -stress * EV_PER_A3_IN_BAR
    return np.array([p[0, 0], p[1, 1], p[2, 2], p[0, 1], p[0, 2], p[1, 2]])


def failing_run(work, data, pair_lines):
    """Runs lmp on the data file with pair_lines, expecting it to stop; (process, output)."""
    path = os.path.join(work, "in.test")
    with open(path, "w") as fh:
        fh.write(lammps_input(data, pair_lines))
    p = run(["lmp", "-in", path], cwd=work, expect_failure=True)
    return p, p.stdout + p.stderr


def collision(work, setup, exe):
    """Two atoms 4 Å apart approach at 2 x 50 Å/ps; returns (step, etotal, distance, vx1) rows."""
    text = "\n".join(setup[:1] + [
        "atom_style atomic",
        "atom_modify map array",
        "boundary p p p",
        "region box block 0 30 0 30 0 30",
        "create_box 1 box",
        "create_atoms 1 single 13 15 15 units box",
        "create_atoms 1 single 17 15.1 15 units box",
        "mass 1 26.9815385",
    ] + setup[1:] + [
        "group a id 1",
        "group b id 2",
        "velocity a set 50 0 0 units box",
        "velocity b set -50 0 0 units box",
        "timestep 0.0001",
        "fix nve all nve",
        "variable d equal sqrt((x[1]-x[2])^2+(y[1]-y[2])^2+(z[1]-z[2])^2)",
        "variable v equal vx[1]",
        "thermo_style custom step etotal v_d v_v",
        "thermo_modify format float %.12g",
        "thermo 5",
        "run 1500",
    ]) + "\n"
    # Extrapolation warnings are skipped: an isolated pair is unusual.
    return thermo_rows(lammps_text_run(work, exe, "in.collision", text).stdout, "TotEng", 4)


def check_collision(rows):
    closest = rows[:, 2].min()
    drift = np.abs(rows[:, 1] - rows[0, 1]).max()
    print(f"  closest approach {closest:.4f} Å, final distance {rows[-1, 2]:.3f} Å, "
          f"velocity {rows[0, 3]:.2f} -> {rows[-1, 3]:.2f} Å/ps, largest |E - E0| {drift:.2e} eV")
    if not closest > 1.0:
        fail(f"the atoms came within {closest:.3f} Å of each other")
    if not (rows[-1, 3] < 0 and rows[-1, 2] > 3.5):
        fail("the atoms did not bounce back")
    if not drift < 2e-3:
        fail(f"total energy changed by {drift:.3e} eV during the collision")


def main():
    case, build, model, name = sys.argv[1:5]
    build, model = os.path.abspath(build), os.path.abspath(model)
    native = os.path.join(build, "integrations", "lammps", "lmp-annp")
    atoms = make_structure()
    with tempfile.TemporaryDirectory() as work:
        data, seen = lammps_setup(work, atoms)
        e_ref, f_ref, s_ref = annp_reference(build, model, seen, work)
        kim_metal = [f"kim init {name} metal", "kim interactions Al"]
        if case.startswith("kim-serial") or case.startswith("kim-mpi2"):
            ranks = 2 if "mpi2" in case else 1
            newton = "on" if case.endswith("newton-on") else "off"
            e, p, f = lammps_run(work, lammps_input(data, kim_metal, newton), ranks)
            check_close("energy", e, e_ref)
            check_close("forces", f, f_ref)
            check_close("pressure tensor", p, voigt_pressure_from_stress(s_ref))
        elif case.startswith("native-serial") or case.startswith("native-mpi2"):
            ranks = 2 if "mpi2" in case else 1
            newton = "on" if case.endswith("newton-on") else "off"
            setup = ["units metal", "pair_style annp", f"pair_coeff * * {model} Al"]
            e, p, f = lammps_run(work, lammps_input(data, setup, newton), ranks, native)
            check_close("energy", e, e_ref)
            check_close("forces", f, f_ref)
            check_close("pressure tensor", p, voigt_pressure_from_stress(s_ref))
        elif case.startswith("native-md"):
            ranks = 2 if case.endswith("mpi2") else 1
            kept, f_kept, n_kept = md_run(work, native, data, model, ranks, "yes")
            fresh, f_fresh, n_fresh = md_run(work, native, data, model, ranks, "no")
            print(f"  neighbour builds: {n_kept} (LAMMPS's check) vs {n_fresh} (every step)")
            if not (1 < n_kept < n_fresh // 2 and n_fresh >= 200):
                fail("expected a few re-neighbourings with the check and one per step without")
            if len(kept) != 9:
                fail(f"expected 9 thermo rows, got {len(kept)}")
            check_close("potential energy along the trajectory", kept[:, 1], fresh[:, 1], 1e-9)
            check_close("total energy along the trajectory", kept[:, 2], fresh[:, 2], 1e-9)
            check_close("forces after 200 steps", f_kept, f_fresh, 1e-9)
            drift = np.abs(kept[:, 2] - kept[0, 2]).max() / len(f_kept)
            print(f"  largest |E - E0| per atom {drift:.2e} eV")
            if not drift < 1e-4:
                fail(f"total energy drifted by {drift:.2e} eV/atom in 200 steps")
        elif case.startswith("native-committee"):
            ranks = 2 if case.endswith("mpi2") else 1
            sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            from script_support import committee_members
            members = committee_members(model, work)
            committee = ",".join(members)
            out = os.path.join(work, "committee.xyz")
            src = os.path.join(work, "reference_in.xyz")
            run([os.path.join(build, "examples", "annp-predict"), committee, src, out])
            ref = read(out, format="extxyz")
            mean = "-mean" in case
            setup = ["units metal", "fix dev all property/atom d_force_dev",
                     "pair_style annp mean" if mean else "pair_style annp",
                     f"pair_coeff * * {committee} Al", "compute cp all pair annp"]
            text = lammps_input(data, setup).replace(
                "thermo_style custom step pe pxx pyy pzz pxy pxz pyz",
                "thermo_style custom step pe pxx pyy pzz pxy pxz pyz c_cp[2] c_cp[3]")
            text += "write_dump all custom dev.dump id d_force_dev modify sort id format float %.17g\n"
            path = os.path.join(work, "in.test")
            with open(path, "w") as fh:
                fh.write(text)
            cmd = [native, "-in", path]
            if ranks > 1:
                cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] + cmd
            lines = run(cmd, cwd=work).stdout.splitlines()
            k = next(i for i, l in enumerate(lines) if l.split()[:2] == ["Step", "PotEng"])
            v = [float(x) for x in lines[k + 1].split()]
            if mean:
                check_close("energy (committee mean)", v[1], ref.get_potential_energy())
                check_close("forces (committee mean)", parse_forces(os.path.join(work, "forces.dump")),
                            ref.get_forces())
                check_close("pressure tensor (committee mean)", np.array(v[2:8]),
                            voigt_pressure_from_stress(ref.get_stress(voigt=False)))
                if abs(ref.get_potential_energy() - e_ref) < 1e-6 * abs(e_ref):
                    fail("the members agree too closely for the mean to be told from the first")
                one = lammps_input(data, ["units metal", "pair_style annp mean", f"pair_coeff * * {model} Al"])
                with open(path, "w") as fh:
                    fh.write(one)
                p = subprocess.run([native, "-in", path], cwd=work, capture_output=True, text=True)
                if p.returncode == 0 or "the mean of a committee needs several" not in p.stdout + p.stderr:
                    fail("pair_style annp mean with one model was not refused")
                print("  ok: mean with one model refused")
            else:
                check_close("energy (first member)", v[1], e_ref)
                check_close("forces (first member)", parse_forces(os.path.join(work, "forces.dump")), f_ref)
            dev = parse_forces(os.path.join(work, "dev.dump"))[:, 0]
            check_close("per-atom force deviation", dev, ref.arrays["force_dev"], 1e-9)
            check_close("largest deviation (compute pair)", v[8], float(ref.info["max_force_dev"]), 1e-9)
            check_close("energy spread (compute pair)", v[9], float(ref.info["energy_std"]), 1e-9)
        elif case == "native-extrapolation":
            squeezed = atoms.copy()
            squeezed.set_cell(squeezed.cell[:] * 0.8, scale_atoms=True)
            data, seen = lammps_setup(work, squeezed)
            out = os.path.join(work, "extrapolation.xyz")
            src = os.path.join(work, "reference_in.xyz")
            annp_reference(build, model, seen, work)  # writes reference_in.xyz with every digit
            run([os.path.join(build, "examples", "annp-predict"), model, src, out])
            ref = read(out, format="extxyz").arrays["extrapolations"]
            if not ref.any():
                fail("the squeezed cell should extrapolate")
            setup = ["units metal", "fix ex all property/atom d_extrapolation", "pair_style annp warn 2",
                     f"pair_coeff * * {model} Al", "compute cp all pair annp"]
            text = lammps_input(data, setup).replace(
                "thermo_style custom step pe pxx pyy pzz pxy pxz pyz",
                "thermo_style custom step pe pxx pyy pzz pxy pxz pyz c_cp[1]")
            text += ("write_dump all custom ex.dump id d_extrapolation modify sort id format float %.17g\n"
                     "velocity all create 300 1\nfix nve all nve\nrun 4\n")
            path = os.path.join(work, "in.test")
            with open(path, "w") as fh:
                fh.write(text)
            p = run([native, "-in", path], cwd=work)
            lines = p.stdout.splitlines()
            k = next(i for i, l in enumerate(lines) if l.split()[:2] == ["Step", "PotEng"])
            counted = float(lines[k + 1].split()[8])
            per_atom = parse_forces(os.path.join(work, "ex.dump"))[:, 0]
            check_close("per-atom extrapolation counts", per_atom, ref, 0)
            check_close("extrapolating atoms (compute pair)", counted, float((ref > 0).sum()), 0)
            warnings = [l for l in (p.stdout + p.stderr).splitlines() if "WARNING: annp: step" in l]
            print("  " + "\n  ".join(warnings))
            if len(warnings) != 2 or "further warnings suppressed" not in warnings[1]:
                fail("warn 2 must give exactly two warnings, the second saying the rest are suppressed")
            bad = lammps_input(data, ["units metal", "pair_style annp stop 1", f"pair_coeff * * {model} Al"])
            with open(path, "w") as fh:
                fh.write(bad)
            p = run([native, "-in", path], cwd=work, expect_failure=True)
            msg = p.stdout + p.stderr
            if p.returncode == 0 or "stopped as asked" not in msg:
                fail("stop 1 must stop the run: " + msg[-500:])
            print("  stop 1: " + next(l for l in msg.splitlines() if "stopped as asked" in l))
        elif case == "collision-kim":
            check_collision(collision(work, [f"kim init {name} metal", "kim interactions Al"], "lmp"))
        elif case == "collision-native":
            check_collision(collision(work, ["units metal", "pair_style annp",
                                             f"pair_coeff * * {model} Al"], native))
        elif case == "native-zbl":
            inner = next(float(w.split("=")[1]) for line in open(model) if line.startswith("short_range")
                         for w in line.split() if w.startswith("inner="))
            radii = [0.4, 0.7, 1.0, 0.95 * inner]
            results = {}
            for style, exe, lines in (("annp", native, ["pair_style annp", f"pair_coeff * * {model} Al"]),
                                      ("zbl", "lmp", [f"pair_style zbl {inner} {inner + 0.05}",
                                                      "pair_coeff * * 13 13"])):
                energies, forces = [], []
                for r in radii:
                    text = "\n".join(["units metal", "atom_style atomic", "atom_modify map array",
                                      "region box block 0 30 0 30 0 30", "create_box 1 box",
                                      "create_atoms 1 single 10 10 10 units box",
                                      f"create_atoms 1 single {10 + r * 0.6} {10 + r * 0.8} 10 units box",
                                      "mass 1 26.9815385"] + lines + [
                        "variable f equal fx[2]", "thermo_style custom step pe v_f",
                        "thermo_modify format float %.17g", "run 0"]) + "\n"
                    path = os.path.join(work, "in.zbl")
                    with open(path, "w") as fh:
                        fh.write(text)
                    out = run([exe, "-in", path], cwd=work).stdout.splitlines()
                    k = next(i for i, l in enumerate(out) if l.split()[:2] == ["Step", "PotEng"])
                    v = [float(x) for x in out[k + 1].split()]
                    energies.append(v[1])
                    forces.append(v[2])
                results[style] = (np.array(energies), np.array(forces))
            (ea, fa), (ez, fz) = results["annp"], results["zbl"]
            check_close("force on a dimer atom inside r_inner", fa, fz, 1e-9)
            check_close("energy differences inside r_inner", ea - ea[-1], ez - ez[-1], 1e-9)
        elif case == "kim-extrapolation":
            squeezed = atoms.copy()
            squeezed.set_cell(squeezed.cell[:] * 0.8, scale_atoms=True)
            data, seen = lammps_setup(work, squeezed)
            text = lammps_input(data, kim_metal) + "velocity all create 300 1\nfix nve all nve\nrun 30\n"
            path = os.path.join(work, "in.test")
            with open(path, "w") as fh:
                fh.write(text)
            p = run(["lmp", "-in", path], cwd=work)
            warnings = [l for l in p.stderr.splitlines() if l.startswith("WARNING: annp:")]
            print("  " + "\n  ".join(warnings[-2:]))
            if len(warnings) != 10 or "further warnings suppressed" not in warnings[-1]:
                fail(f"expected exactly 10 extrapolation warnings, got {len(warnings)}")
        elif case == "native-errors":
            for bad, expect in ((f"pair_coeff * * {model} O", "annp: element 'O'"),
                                ("pair_coeff * * /no/such.annp Al", "annp: /no/such.annp")):
                text = lammps_input(data, ["units metal", "pair_style annp", bad])
                path = os.path.join(work, "in.test")
                with open(path, "w") as fh:
                    fh.write(text)
                p = run([native, "-in", path], cwd=work, expect_failure=True)
                out = p.stdout + p.stderr
                print(out[-400:])
                if p.returncode <= 0 or expect not in out:
                    fail(f"'{bad}' must stop LAMMPS with an error containing '{expect}'")
        elif case == "kim-real":
            e, p, f = lammps_run(work, lammps_input(data, [f"kim init {name} real", "kim interactions Al"]))
            # KIM converts with its own eV -> kcal/mol factor: take it from the energy, require
            # it to be that factor (to the precision of the constants' versions), then forces and
            # pressure to agree exactly with it.
            factor = e / e_ref
            print(f"  eV -> kcal/mol factor used: {factor:.12g}")
            if abs(factor / 23.060548 - 1) > 2e-6:
                fail(f"energy conversion factor {factor} is not eV -> kcal/mol")
            check_close("forces (kcal/mol/Å)", f, f_ref * factor)
            check_close("pressure (atm)", p,
                        voigt_pressure_from_stress(s_ref) * factor * KCAL_PER_MOL_PER_A3_IN_ATM /
                        EV_PER_A3_IN_BAR)
        elif case == "pair-style-kim":
            setup = ["units metal", f"pair_style kim {name}", "pair_coeff * * Al"]
            e, p, f = lammps_run(work, lammps_input(data, setup))
            check_close("energy", e, e_ref)
            check_close("forces", f, f_ref)
            check_close("pressure tensor", p, voigt_pressure_from_stress(s_ref))
        elif case == "stress-atom":
            setup = kim_metal + ["compute sa all stress/atom NULL virial",
                                 "compute sum all reduce sum c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]",
                                 "variable vol equal vol",
                                 "thermo_style custom step pe pxx pyy pzz pxy pxz pyz c_sum[1] c_sum[2] c_sum[3] c_sum[4] c_sum[5] c_sum[6] v_vol"]
            text = lammps_input(data, setup).replace(
                "thermo_style custom step pe pxx pyy pzz pxy pxz pyz\n", "")
            path = os.path.join(work, "in.test")
            with open(path, "w") as fh:
                fh.write(text)
            out = run(["lmp", "-in", path], cwd=work).stdout.splitlines()
            k = next(i for i, l in enumerate(out) if l.split()[:2] == ["Step", "PotEng"])
            v = [float(x) for x in out[k + 1].split()]
            pressure, per_atom_sum, vol = np.array(v[2:8]), np.array(v[8:14]), v[14]
            check_close("sum of stress/atom vs pressure * volume", -per_atom_sum / vol, pressure, 1e-10)
        elif case == "ase":
            from ase.calculators.lammpslib import LAMMPSlib
            calc = LAMMPSlib(lammps_header=[f"kim init {name} metal", "atom_style atomic",
                                            "atom_modify map array sort 0 0"],
                             lmpcmds=["kim interactions Al"], keep_alive=True,
                             log_file=os.path.join(work, "ase.log"))
            calc.units = "metal"  # ASE 3.22 reads the units only from a 'units' header line
            a = seen.copy()
            a.calc = calc
            check_close("energy", a.get_potential_energy(), e_ref)
            check_close("forces", a.get_forces(), f_ref)
            # lammpslib converts LAMMPS's bar with ASE's constants; LAMMPS made bar with its own.
            from ase import units
            constants = (1.0 / units.bar) / EV_PER_A3_IN_BAR
            check_close("stress", a.get_stress(voigt=False) * constants, s_ref)
        elif case == "bad-element":
            p, out = failing_run(work, data, [f"kim init {name} metal", "kim interactions O"])
            print(out[-800:])
            if p.returncode == 0 or "ERROR" not in out or p.returncode < 0:
                fail("an element the model does not have must give a LAMMPS error")
        elif case == "bad-model":
            # A KIM model built from a damaged file is created by the test driver (CTest) as
            # <name>_damaged; creating it must fail with annp's message.
            p, out = failing_run(work, data,
                                 [f"kim init {name}_damaged metal", "kim interactions Al"])
            print(out[-1500:])
            if p.returncode == 0 or p.returncode < 0 or "ERROR" not in out:
                fail("a damaged model file must give a LAMMPS error, not a crash")
            if "annp:" not in out or "model.annp:" not in out:
                fail("the error must carry annp's message naming the model file and line")
            # The KIM API's temporary parameter directory (named in the message) is gone.
            import re
            for d in set(re.findall(r"(/\S*kim-shared-library-parameter-file-directory-\w+)/", out)):
                if os.path.exists(d):
                    fail(f"the failed model creation left {d} behind")
                print(f"  removed after the failure: {d}")
        else:
            fail(f"unknown case {case}")
    print("PASS")


if __name__ == "__main__":
    main()
