#!/usr/bin/env python3
"""DFT references of the alumina properties of docs/validation-alumina.md, at the Al-O set's
settings (profile gpaw-pbe-600, the labeller's own calculator: they cannot drift from the data).

The same quantities, on the same kinds of cell, as annp-corundum computes for a model
(include/annp/properties/corundum.hpp), each side at its own relaxed structure:

  bulk       the 10-atom rhombohedral cell (a along x, c along z as in the hexagonal setting),
             cell and positions relaxed together (ExpCellFilter), Gamma-centred 6x6x6: a, c,
             u (Al 12c), x (O 18e), volume, energy per formula unit
  elastic    relaxed-ion C11, C12, C13, C14 (strain xx), C33 (zz), C44 (engineering shear yz) by
             central differences of the stress at +-0.5 % strain, positions relaxed in every
             strained cell; C66 = (C11 - C12)/2 by symmetry; Reuss and Voigt bulk moduli
  formation  fcc Al (cell relaxed, k-point density 10) and O2 (spin-polarised triplet, 9 x 10 x 11
             box, bond relaxed): E(Al2O3) - 2 E(Al) - 3/2 E(O2)
  vacancy    the 30-atom hexagonal cell at the relaxed a, c, u, x (6x6x2), and O and Al vacancies
             in it, positions relaxed; formation energies at the Al-rich and O-rich limits
  surface    the Al-terminated stoichiometric (0001) slab of one hexagonal cell (6 O3 layers),
             15 A of vacuum (6x6x1), unrelaxed and relaxed

Resumable (annp_pipeline.refjobs): frames are appended whole to references.xyz, relaxations
restart from references.relax/NAME.traj. Relaxations stop at 0.01 eV/A unless --fmax says
otherwise (each frame records its criterion as relax_fmax). Later jobs need the bulk job.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 references.py [JOB ...]   (default: every job)
       /usr/bin/python3 references.py --report                        (the table, Markdown)
Options (before the jobs): --profile NAME (default gpaw-pbe-600; emt runs the script in
seconds), --out DIR (default: this folder). --prerelax M1[,M2,...] (annp model files,
several: their mean; needs the annp Python module on PYTHONPATH): every positions-only relaxation
not yet started relaxes with the model first and the first-principles one starts from there.
--fmax F (eV/A, in (0, 1]): the force criterion of the relaxations run by this call.
--scf-checkpoint DIR (GPAW): the SCF state of the running calculation is saved in DIR every two
iterations (DIR/NAME-SETTINGS.gpw, written whole) and a rerun resumes it, so that a step killed
mid-SCF loses at most two iterations; deleted when the calculation's frame is written.
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import refjobs  # noqa: E402

OUT = os.path.join(here, 'references.xyz')
RELAX = os.path.join(here, 'references.relax')
PROFILE = 'gpaw-pbe-600'
PRERELAX = None  # --prerelax MODELS: annp model(s) that relax positions before first principles
CHECKPOINT = None  # --scf-checkpoint DIR: GPAW's SCF state saved while a calculation runs
FMAX = 0.01  # eV/A
DELTA = 0.005  # strain of the elastic constants
EV_A3_GPA = 160.21766208
EV_A2_J_M2 = 16.0217662
JOBS = ('bulk', 'elastic', 'formation', 'vacancy', 'surface')
START = dict(a=4.80, c=13.10, u=0.352, x=0.306)  # the recipes' corundum prototype
VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def corundum(a, c, u, x, primitive):
    from ase.spacegroup import crystal
    at = crystal(['Al', 'O'], basis=[(0, 0, u), (x, 0, 0.25)], spacegroup=167,
                 cellpar=[a, a, c, 90, 90, 120], primitive_cell=primitive)
    at.info = {}
    at.info['kpts'] = [6, 6, 6] if primitive else [6, 6, 2]
    return at


def parameters(at):
    """a, c, u, x of a relaxed rhombohedral cell (its conventional cell is the hexagonal one)."""
    rho = np.array(at.cell)
    hexagonal = np.array([rho[0] - rho[1], rho[1] - rho[2], rho[0] + rho[1] + rho[2]])
    a = (np.linalg.norm(hexagonal[0]) + np.linalg.norm(hexagonal[1])) / 2
    c = np.linalg.norm(hexagonal[2])
    symbols = at.get_chemical_symbols()
    o = symbols.index('O')
    # The O at (x, 0, 1/4) and the Al on its nearest three-fold axis, at (0, 0, u) or
    # (0, 0, 1/2 - u): in-plane distance x a, height difference +-(u - 1/4) c.
    ez = hexagonal[2] / c
    best = (np.inf, 0.0)
    for i in (k for k, s in enumerate(symbols) if s == 'Al'):
        for n in np.ndindex(5, 5, 5):
            d = at.positions[i] + (np.array(n) - 2) @ rho - at.positions[o]
            h = d @ ez
            r = np.linalg.norm(d - ez * h)
            if r < best[0] - 1e-6 or (abs(r - best[0]) < 1e-6 and abs(h) < abs(best[1])):
                best = (r, h)
    x = best[0] / a
    u = 0.25 + abs(best[1]) / c
    return a, c, u, x


def strained(at, eps):
    out = at.copy()
    out.set_cell(np.array(at.cell) @ (np.eye(3) + eps).T, scale_atoms=True)
    return out


def strain(k, d):
    e = np.zeros((3, 3))
    i, j = VOIGT[k]
    e[i, j] = e[j, i] = d if i == j else d / 2  # engineering shear = d
    return e


def fcc_al(a=4.04):
    from ase.build import bulk
    at = bulk('Al', 'fcc', a=a)
    at.info = {}
    return at


def o2(bond=1.23):
    from ase import Atoms
    at = Atoms('O2', positions=[[4.5, 5.0, 5.5 - bond / 2], [4.5, 5.0, 5.5 + bond / 2]],
               cell=[9.0, 10.0, 11.0], pbc=True, magmoms=[1.0, 1.0])
    at.info['config_type'] = 'o2_dimer'
    return at


def al_terminated_slab(hexcell, vacuum=15.0):
    """The (0001) slab of annp::crystal::corundum_0001_slab: cut at 1/6 of c, one cell thick."""
    at = hexcell.copy()
    c = at.cell[2, 2]
    h = at.positions[:, 2] / c - 1 / 6
    h -= np.floor(h)
    at.positions[:, 2] = h * c
    at.positions[:, 2] -= at.positions[:, 2].min()
    cell = np.array(at.cell)
    cell[2] = [0, 0, at.positions[:, 2].max() + vacuum]
    at.set_cell(cell, scale_atoms=False)
    at.info = {'kpts': [6, 6, 1]}
    return at


def vacancy_cell(hexcell, element):
    """The cell with its first atom of `element` removed (the neutral vacancy of the table)."""
    cell = hexcell.copy()
    del cell[cell.get_chemical_symbols().index(element)]
    return cell


def run_jobs(jobs):
    runner = refjobs.ReferenceRun(OUT, RELAX, PROFILE, FMAX, PRERELAX, CHECKPOINT)

    def get(name, at, **kw):
        have = runner.done()
        return have[name] if name in have else runner.run(name, at, **kw)

    bulk = get('bulk', corundum(primitive=True, **START), cell=True)
    a, c, u, x = parameters(bulk)
    print(f'relaxed corundum: a {a:.4f} A, c {c:.4f} A, u {u:.4f}, x {x:.4f}', flush=True)
    if 'elastic' in jobs:
        base = bulk.copy()
        base.info = {'kpts': [6, 6, 6]}
        for k in (0, 2, 3):
            for sign, tag in ((1, '+'), (-1, '-')):
                get(f'strain{k}{tag}', strained(base, strain(k, sign * DELTA)), relax=True)
    if 'formation' in jobs:
        get('fcc_al', fcc_al(), cell=True)
        get('o2', o2(), relax=True)
    hexcell = corundum(a, c, u, x, primitive=False)
    if 'vacancy' in jobs:
        get('perfect30', hexcell)
        for element in ('O', 'Al'):
            get(f'vacancy_{element}', vacancy_cell(hexcell, element), relax=True)
    if 'surface' in jobs:
        slab = al_terminated_slab(hexcell)
        get('slab0001', slab)
        get('slab0001_relaxed', slab, relax=True)


def report():
    have = refjobs.ReferenceRun(OUT, RELAX, PROFILE).done()
    if 'bulk' not in have:
        sys.exit(f'references.py: {OUT}: no relaxed bulk yet')
    bulk = have['bulk']
    a, c, u, x = parameters(bulk)
    e_fu = bulk.get_potential_energy(force_consistent=True) / 2  # 2 formula units
    rows = [('a', f'{a:.4f}', 'Å'), ('c', f'{c:.4f}', 'Å'), ('c/a', f'{c / a:.4f}', ''),
            ('volume per formula unit', f'{bulk.get_volume() / 2:.3f}', 'Å³'), ('u (Al, 12c)', f'{u:.4f}', ''),
            ('x (O, 18e)', f'{x:.4f}', '')]
    s = {n: have[n].get_stress(voigt=True) for n in have if n.startswith('strain')}
    if len(s) == 6:
        def d(k, i):
            return (s[f'strain{k}+'][i] - s[f'strain{k}-'][i]) / (2 * DELTA) * EV_A3_GPA
        cij = {'C11': d(0, 0), 'C12': d(0, 1), 'C13': d(0, 2), 'C14': d(0, 3), 'C33': d(2, 2), 'C44': d(3, 3)}
        cij['C66'] = (cij['C11'] - cij['C12']) / 2
        full = np.zeros((6, 6))
        full[0, 0] = full[1, 1] = cij['C11']
        full[0, 1] = full[1, 0] = cij['C12']
        full[0, 2] = full[2, 0] = full[1, 2] = full[2, 1] = cij['C13']
        full[2, 2] = cij['C33']
        full[3, 3] = full[4, 4] = cij['C44']
        full[5, 5] = cij['C66']
        full[0, 3] = full[3, 0] = full[4, 5] = full[5, 4] = cij['C14']
        full[1, 3] = full[3, 1] = -cij['C14']
        reuss = 1 / np.linalg.inv(full)[:3, :3].sum()
        voigt = (2 * cij['C11'] + cij['C33'] + 2 * (cij['C12'] + 2 * cij['C13'])) / 9
        rows += [(k, f'{v:.1f}', 'GPa') for k, v in cij.items()]
        rows += [('B Reuss (from Cij)', f'{reuss:.1f}', 'GPa'), ('B Voigt (from Cij)', f'{voigt:.1f}', 'GPa'),
                 ('C31 (check: = C13)', f'{d(2, 0):.1f}', 'GPa'), ('C41 (check: = C14)', f'{d(3, 0):.1f}', 'GPa')]
    if 'fcc_al' in have and 'o2' in have:
        e_al = have['fcc_al'].get_potential_energy(force_consistent=True)
        e_o2 = have['o2'].get_potential_energy(force_consistent=True)
        formation = e_fu - 2 * e_al - 1.5 * e_o2
        bond = have['o2'].get_distance(0, 1)
        rows += [('E_f(Al₂O₃) = E − 2 E(Al, fcc) − 3/2 E(O₂)', f'{formation:.3f}', 'eV per formula unit'),
                 ('fcc Al lattice constant', f'{(4 * have["fcc_al"].get_volume()) ** (1 / 3):.4f}', 'Å'),
                 ('O₂ bond length', f'{bond:.4f}', 'Å')]
        if 'perfect30' in have:
            e_p = have['perfect30'].get_potential_energy(force_consistent=True)
            mu = {('O', 'Al-rich'): (e_fu - 2 * e_al) / 3, ('Al', 'Al-rich'): e_al,
                  ('O', 'O-rich'): e_o2 / 2, ('Al', 'O-rich'): (e_fu - 1.5 * e_o2) / 2}
            for el in ('O', 'Al'):
                name = f'vacancy_{el}'
                if name in have:
                    raw = have[name].get_potential_energy(force_consistent=True) - e_p
                    for limit in ('Al-rich', 'O-rich'):
                        rows.append((f'V_{el}, 30-atom cell, relaxed, {limit}', f'{raw + mu[(el, limit)]:.3f}', 'eV'))
    for name, what in (('slab0001', 'unrelaxed'), ('slab0001_relaxed', 'relaxed')):
        if name in have:
            at = have[name]
            area = np.linalg.norm(np.cross(at.cell[0], at.cell[1]))
            g = (at.get_potential_energy(force_consistent=True) - 6 * e_fu) / (2 * area) * EV_A2_J_M2
            rows.append((f'γ(0001), 6 O₃ layers, {what}', f'{g:.3f}', 'J/m²'))
    print('| quantity | DFT (gpaw-pbe-600) | unit |\n| --- | --- | --- |')
    for r in rows:
        print('| ' + ' | '.join(r) + ' |')


if __name__ == '__main__':
    PROFILE, OUT, RELAX, todo, PRERELAX, fmax, CHECKPOINT = refjobs.parse_args(sys.argv[1:], JOBS, here,
                                                                              PROFILE)
    FMAX = fmax or FMAX
    if todo == 'report':
        report()
    else:
        run_jobs(todo)
