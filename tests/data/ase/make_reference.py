#!/usr/bin/python3
"""Writes ase_written.xyz with ASE's own extended XYZ writer, then reads it back with ASE and
records what ASE parsed in ase_parsed.txt (floats in Python's shortest round-trip repr). The
annp tests read ase_written.xyz and must obtain exactly the values in ase_parsed.txt.

Run with Debian's python3-ase: /usr/bin/python3 make_reference.py (in this directory)."""
import numpy as np
from ase import Atoms
from ase.build import bulk, molecule, fcc111
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read, write

rng = np.random.default_rng(11)
images = []

al = bulk("Al", "fcc", a=4.05, cubic=True).repeat((2, 1, 1))
al.rattle(0.05, seed=3)
al.set_cell(al.cell @ (np.eye(3) + 0.02 * rng.standard_normal((3, 3))), scale_atoms=True)
al.info["config_type"] = "fcc_rattled"
al.info["temperature_K"] = 300
al.info["note"] = "has spaces and = sign"
al.info["converged"] = True
calc = SinglePointCalculator(al, energy=-29.123456789012345,
                             forces=rng.standard_normal((len(al), 3)) * 0.1,
                             stress=rng.standard_normal(6) * 0.01)
al.calc = calc
images.append(al)

slab = fcc111("Al", size=(2, 2, 3), vacuum=6.0)
slab.set_pbc([True, True, False])
slab.set_tags(np.arange(len(slab)) % 3)
slab.set_initial_charges(rng.standard_normal(len(slab)) * 0.2)
slab.info["config_type"] = "fcc111_slab"
slab.calc = SinglePointCalculator(slab, energy=-40.5, forces=rng.standard_normal((len(slab), 3)))
images.append(slab)

mol = molecule("H2O")
mol.info["comment_text"] = "water"
mol.calc = SinglePointCalculator(mol, energy=-14.25)
images.append(mol)

tio = Atoms("TiO2", scaled_positions=[[0, 0, 0], [0.3, 0.3, 0], [0.7, 0.7, 0]],
            cell=[[4.6, 0.1, 0], [0.2, 4.5, 0.3], [0.0, 0.4, 2.95]], pbc=True)
tio.calc = SinglePointCalculator(tio, energy=-26.0, free_energy=-26.1,
                                 stress=np.array([0.1, 0.2, 0.3, 0.01, 0.02, 0.03]))
images.append(tio)

write("ase_written.xyz", images, format="extxyz")

with open("ase_parsed.txt", "w") as out:
    for atoms in read("ase_written.xyz", index=":"):
        out.write("frame\n")
        out.write("numbers " + " ".join(str(z) for z in atoms.numbers) + "\n")
        out.write("pbc " + " ".join("T" if p else "F" for p in atoms.pbc) + "\n")
        out.write("cell " + " ".join(repr(float(x)) for x in atoms.cell.array.ravel()) + "\n")
        out.write("positions " + " ".join(repr(float(x)) for x in atoms.positions.ravel()) + "\n")
        calc = atoms.calc
        if calc is not None and "energy" in calc.results:
            out.write("energy " + repr(float(calc.results["energy"])) + "\n")
        if calc is not None and "forces" in calc.results:
            out.write("forces " + " ".join(repr(float(x)) for x in calc.results["forces"].ravel())
                      + "\n")
        if calc is not None and "stress" in calc.results:
            s = calc.results["stress"]  # Voigt xx yy zz yz xz xy
            full = [s[0], s[5], s[4], s[5], s[1], s[3], s[4], s[3], s[2]]
            out.write("stress " + " ".join(repr(float(x)) for x in full) + "\n")
        if "config_type" in atoms.info:
            out.write("config_type " + atoms.info["config_type"] + "\n")
        if "tags" in atoms.arrays:
            out.write("tags " + " ".join(str(int(t)) for t in atoms.get_tags()) + "\n")
        if "initial_charges" in atoms.arrays:
            out.write("initial_charges " + " ".join(repr(float(q))
                                                   for q in atoms.get_initial_charges()) + "\n")
