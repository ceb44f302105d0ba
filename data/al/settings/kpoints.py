#!/usr/bin/env python3
"""k-point convergence of label self-consistency for metallic Al cells (GPAW 22.8, PBE, PW 450 eV,
Fermi-Dirac 0.1 eV): the same fcc crystal as a 1-atom primitive and a 4-atom cubic cell must give
the same free energy per atom; also the cost of each mesh. One line per calculation on stdout.

Usage: /usr/bin/python3 kpoints.py [--no-rattled] [--ecut EV] DENSITY [DENSITY ...]
(--ecut: the plane-wave cutoff, default 450 eV; 600 eV is the Al-O set's.)
"""
import sys, time
import numpy as np
from ase.build import bulk
from gpaw import GPAW, PW, FermiDirac


ECUT = float(sys.argv[sys.argv.index('--ecut') + 1]) if '--ecut' in sys.argv else 450.0


def run(at, density, width=0.1):
    at.calc = GPAW(mode=PW(ECUT), xc='PBE', kpts={'density': density, 'gamma': True},
                   occupations=FermiDirac(width), txt=None)
    t = time.time()
    e = at.get_potential_energy(force_consistent=True) / len(at)
    nk = len(at.calc.get_ibz_k_points())
    return e, nk, time.time() - t


rattled = '--no-rattled' not in sys.argv
args = [a for i, a in enumerate(sys.argv[1:]) if not a.startswith('--') and sys.argv[i] != '--ecut']
for density in (float(a) for a in args):
    rng = np.random.default_rng(1)
    cases = [('fcc_prim', bulk('Al', 'fcc', a=4.04)), ('fcc_cubic', bulk('Al', 'fcc', a=4.04, cubic=True)),
             ('fcc_prim_x2', bulk('Al', 'fcc', a=4.04).repeat((2, 1, 1)))]
    rat = bulk('Al', 'fcc', a=4.04, cubic=True)
    rat.positions += rng.normal(0, 0.05, rat.positions.shape)
    if rattled:
        cases.append(('fcc_cubic_rattled', rat))
    res = {}
    for name, at in cases:
        e, nk, dt = run(at, density)
        res[name] = e
        print(f'ecut {ECUT:.0f} density {density:5.1f} {name:18s} natoms {len(at):2d} nk_irr {nk:5d} '
              f'F/atom {e:.6f} eV  {dt:7.1f} s', flush=True)
    print(f'density {density:5.1f} cubic-prim {1000 * (res["fcc_cubic"] - res["fcc_prim"]):+.3f} meV/atom '
          f'prim_x2-prim {1000 * (res["fcc_prim_x2"] - res["fcc_prim"]):+.3f} meV/atom', flush=True)
