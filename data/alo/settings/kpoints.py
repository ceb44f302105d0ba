#!/usr/bin/env python3
"""k-point convergence of the alumina labels (profile gpaw-pbe: GPAW 22.8, PBE, PAW, PW 450 eV,
Fermi-Dirac 0.1 eV, SCF energy 1e-6 eV/electron, density 1e-5), to choose one mesh per oxide family.

Cells: the 10-atom rhombohedral corundum cell at a PBE-like lattice (a = 4.80 A, c = 13.10 A), the
same compressed and expanded (volume x0.92, x1.08), stretched along c (+4 %), two rattled and
strained copies, and the 30-atom hexagonal cell of the same crystal (which must agree per atom
with the 10-atom one). Meshes are Gamma-centred n x n x n for the 10-atom cells; the hexagonal cell
gets the mesh of the same k-point density (points per 1/A, 2 pi included).

Resumable: results are appended one line at a time to kpoints.jsonl beside this script and cells
already there are skipped. One line per calculation also goes to stdout.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 kpoints.py [--cells a,b,...] [--shifted] [--ecut E] N [N ...]
       (N: mesh of the 10-atom cell; --cells: only these cells, default all; --shifted: the
       Monkhorst-Pack mesh without Gamma, offset by half a step for even N, instead of the
       Gamma-centred one; --ecut: plane-wave cutoff in eV instead of the profile's)
"""
import json
import os
import sys
import time

import numpy as np
from ase.spacegroup import crystal

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import label  # noqa: E402  (the labeller's own settings, so they cannot drift)

CORUNDUM = dict(symbols=['Al', 'O'], basis=[(0, 0, 0.352), (0.306, 0, 0.25)], spacegroup=167,
                cellpar=[4.80, 4.80, 13.10, 90, 90, 120])


def cells():
    prim = crystal(primitive_cell=True, **CORUNDUM)
    hexa = crystal(**CORUNDUM)
    out = {'prim': prim, 'hex': hexa}
    for name, f in (('prim_v092', 0.92), ('prim_v108', 1.08)):
        at = prim.copy()
        at.set_cell(at.cell * f ** (1 / 3), scale_atoms=True)
        out[name] = at
    c4 = crystal(primitive_cell=True, **dict(CORUNDUM, cellpar=[4.80, 4.80, 13.10 * 1.04, 90, 90, 120]))
    out['prim_c104'] = c4
    rng = np.random.default_rng(20261203)
    for name, sigma, strain in (('prim_rattled1', 0.05, 0.0), ('prim_rattled2', 0.10, 0.02)):
        at = prim.copy()
        e = rng.uniform(-strain, strain, (3, 3))
        at.set_cell(at.cell @ (np.eye(3) + 0.5 * (e + e.T)), scale_atoms=True)
        at.positions += rng.normal(0, sigma, at.positions.shape)
        out[name] = at
    return out


def mesh_for(at, density):
    b = 2 * np.pi * np.linalg.norm(at.cell.reciprocal(), axis=1)
    return [int(v) for v in np.ceil(density * b - 1e-9)]


def main():
    profile = label.load_profile('gpaw-pbe')
    results = os.path.join(here, 'kpoints.jsonl')
    done = set()
    if os.path.exists(results):
        with open(results) as f:
            done = {(r['cell'], tuple(r['mesh']), r.get('gamma', True), r.get('ecut', 450.0))
                    for r in map(json.loads, f)}
    args = sys.argv[1:]
    all_cells = cells()
    only = set(all_cells)
    if args[:1] == ['--cells']:
        only = set(args[1].split(','))
        unknown = only - set(all_cells)
        if unknown:
            sys.exit(f'kpoints.py: unknown cell(s) {sorted(unknown)}; expected some of {sorted(all_cells)}')
        args = args[2:]
    gamma = True
    if args[:1] == ['--shifted']:
        gamma = False
        args = args[1:]
    ecut = float(profile['parameters']['mode']['ecut'])
    if args[:1] == ['--ecut']:
        ecut = float(args[1])
        args = args[2:]
    prim_b = 2 * np.pi * np.linalg.norm(all_cells['prim'].cell.reciprocal(), axis=1)[0]
    for n in (int(a) for a in args):
        density = n / prim_b  # the density at which the 10-atom cell gets n x n x n
        for name, at in all_cells.items():
            mesh = mesh_for(at, density) if name == 'hex' else [n, n, n]
            if name not in only or (name, tuple(mesh), gamma, ecut) in done:
                continue
            at = at.copy()
            at.info['kpts'] = mesh
            params = label.frame_settings(at, profile)
            params['kpts'] = dict(params['kpts'], gamma=gamma)
            params['mode'] = dict(params['mode'], ecut=ecut)
            calc_cls, _ = label._calculator_class(profile['calculator'])
            at.calc = calc_cls(txt=None, **params)
            t = time.time()
            free = at.get_potential_energy(force_consistent=True)
            dt = time.time() - t
            rec = {'cell': name, 'natoms': len(at), 'mesh': mesh, 'gamma': gamma, 'ecut': ecut, 'density': round(density, 4),
                   'nk_irr': len(at.calc.get_ibz_k_points()), 'free_energy_per_atom': free / len(at),
                   'seconds': round(dt, 1), 'settings': label.settings_text(params)}
            with open(results, 'a') as f:
                f.write(json.dumps(rec) + '\n')
            print(f'{name:14s} mesh {mesh}{"" if gamma else " MP"} ecut {ecut:.0f} nk_irr {rec["nk_irr"]:4d} F/atom {free / len(at):.6f} eV '
                  f'{dt:7.1f} s', flush=True)


if __name__ == '__main__':
    main()
