#!/usr/bin/python3
"""A two-element (Al-O) model in LAMMPS, through KIM and pair_style annp, against annp itself.

Usage: two_elements.py CASE BUILD_DIR MODEL KIM_MODEL_NAME

The model is trained by CTest's fixture (annp-train on data/alo, a few epochs: any model of two
elements serves, the comparison is of the code paths) and installed into the KIM collection.
The structure: 80 atoms of corundum (the first 10-atom cell of data/alo/corundum10.xyz, 2x2x2,
rattled), a triclinic cell.
Cases:
  kim-serial, kim-mpi2
      `kim interactions Al O`: energy, forces and pressure tensor equal annp-predict's (1e-10).
  kim-swapped  the same with the atom types the other way round (type 1 O, `kim interactions O Al`).
  native-serial, native-mpi2
      pair_style annp with `pair_coeff * * MODEL Al O`, as above.
  native-swapped
      type 1 O: `pair_coeff * * MODEL O Al`.
  native-null  three atom types, the third NULL for annp and left to another style as in LAMMPS's
               manybody convention: `pair_style hybrid/overlay annp lj/cut 3`, `pair_coeff * *
               annp MODEL Al O NULL`, an LJ of zero depth on the third type (which has no atoms):
               the same numbers.
Prints PASS at the end.
"""

import os
import re
import sys
import tempfile

import numpy as np
from ase.io import read, write

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lammps_kim import (annp_reference, check_close, fail, lammps_text_run,  # noqa: E402
                        parse_forces, parse_thermo, voigt_pressure_from_stress)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MASS = {"Al": 26.9815385, "O": 15.999}
Z = {"Al": 13, "O": 8}


def make_structure():
    atoms = read(os.path.join(ROOT, "data", "alo", "corundum10.xyz"), index=0).repeat((2, 2, 2))
    atoms.calc = None
    atoms.rattle(stdev=0.05, seed=7)
    return atoms


def setup(work, atoms, order, ntypes):
    """The LAMMPS data file with types in `order` (ntypes >= len(order): the rest empty), and
    the atoms as LAMMPS sees them."""
    data = os.path.join(work, "cell.data")
    write(data, atoms, format="lammps-data", atom_style="atomic", specorder=list(order))
    text = open(data).read()
    # ASE writes as many types as species; declare the extra (empty) types.
    text, n = re.subn(r"^\s*\d+\s+atom types", f"{ntypes} atom types", text, count=1, flags=re.M)
    if n != 1:
        fail(f"no 'atom types' line in the data file ASE wrote: {data}")
    open(data, "w").write(text)
    seen = read(data, format="lammps-data", style="atomic",
                Z_of_type={k + 1: Z[s] for k, s in enumerate(order)}, sort_by_id=True)
    seen.pbc = True
    return data, seen


def lammps_input(data, order, ntypes, interactions):
    masses = [f"mass {k + 1} {MASS[s]}" for k, s in enumerate(order)]
    masses += [f"mass {k + 1} 1.0" for k in range(len(order), ntypes)]
    return "\n".join(interactions[:1] + ["atom_style atomic", "atom_modify map array sort 0 0",
                                         f"read_data {data}"] + masses + interactions[1:] + [
        "thermo_style custom step pe pxx pyy pzz pxy pxz pyz",
        "thermo_modify format float %.17g",
        "run 0",
        "write_dump all custom forces.dump id fx fy fz modify sort id format float %.17g",
    ]) + "\n"


def main():
    case, build, model, name = sys.argv[1:5]
    build, model = os.path.abspath(build), os.path.abspath(model)
    native = os.path.join(build, "integrations", "lammps", "lmp-annp")
    order = ("O", "Al") if case.endswith("swapped") else ("Al", "O")
    ntypes = 3 if case == "native-null" else 2
    ranks = 2 if case.endswith("mpi2") else 1
    atoms = make_structure()
    with tempfile.TemporaryDirectory() as work:
        data, seen = setup(work, atoms, order, ntypes)
        e_ref, f_ref, s_ref = annp_reference(build, model, seen, work)
        symbols = " ".join(order + ("NULL",) * (ntypes - len(order)))
        if case.startswith("kim"):
            exe, interactions = "lmp", [f"kim init {name} metal", f"kim interactions {symbols}"]
        elif case == "native-null":
            exe, interactions = native, ["units metal", "pair_style hybrid/overlay annp lj/cut 3.0",
                                         f"pair_coeff * * annp {model} {symbols}",
                                         "pair_coeff * 3 lj/cut 0.0 1.0"]
        elif case.startswith("native"):
            exe, interactions = native, ["units metal", "pair_style annp", f"pair_coeff * * {model} {symbols}"]
        else:
            fail(f"unknown case {case}")
        p = lammps_text_run(work, exe, "in.test", lammps_input(data, order, ntypes, interactions), ranks)
        energy, pressure = parse_thermo(p.stdout)
        forces = parse_forces(os.path.join(work, "forces.dump"))
        print(f"  {len(atoms)} atoms ({symbols}), {ranks} rank(s): E = {energy:.10f} eV")
        check_close("energy", energy, e_ref)
        check_close("forces", forces, f_ref)
        check_close("pressure tensor", pressure, voigt_pressure_from_stress(s_ref))
    print("PASS")


if __name__ == "__main__":
    main()
