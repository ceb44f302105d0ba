#!/usr/bin/env python3
"""DFT references of the fcc Al properties of docs/validation.md, at the v2 settings (profile
gpaw-pbe: the labeller's own calculator settings, so they cannot drift from the training data).

Every quantity is computed on exactly the geometry annp-properties uses for the model
(include/annp/properties/properties.hpp, include/annp/structure/crystals.hpp), at the DFT
lattice constant a0 of the v2 fcc volume scan (third-order Birch-Murnaghan fit to the points
within +-12 % in volume of the lowest one, as annp-properties fits it):

  elastic         C11, C12 (uniaxial xx strain) and C44 (engineering shear yz) by central
                  differences of the stress at +-0.5 % strain, 1-atom primitive cell
  vacancy         E(N-1) - (N-1)/N E(N) in the 2x2x2 conventional supercell (32 sites),
                  unrelaxed and with positions relaxed
  surface100/111  (E_slab - N e_fcc) / 2A of a 9-layer 1x1 slab with 15 A of vacuum,
                  unrelaxed and relaxed
  stacking_fault  intrinsic stacking fault: 9-layer (111) cell whose third vector is tilted by
                  one Shockley partial a/6<112>, against the same cell untilted, unrelaxed and
                  relaxed (positions; cell fixed); all three without point-group symmetry

Resumable: every finished calculation is appended whole to references.xyz (a labelled frame
with ref_name and ref_a0) and skipped when rerun; a relaxation writes its steps to
references.relax/NAME.traj and restarts from the last one. Relaxations stop at 0.01 eV/A.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 references.py [JOB ...]   (default: every job)
       /usr/bin/python3 references.py --report                        (the table, Markdown)
Options (before the jobs): --profile NAME (default gpaw-pbe; emt checks the script in seconds),
--out DIR (default: this folder). --prerelax M1[,M2,...] (annp model files,
several: their mean; needs the annp Python module on PYTHONPATH): every positions-only relaxation
not yet started relaxes with the model first and the first-principles one starts from there.
--fmax F (eV/A, in (0, 1]): the force criterion of the relaxations run by this call (each frame
records it as relax_fmax).
--scf-checkpoint DIR (GPAW): the SCF state of the running calculation is saved in DIR every two
iterations (DIR/NAME-SETTINGS.gpw, written whole) and a rerun resumes it, so that a step killed
mid-SCF loses at most two iterations; deleted when the calculation's frame is written.
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import refjobs  # noqa: E402

OUT = os.path.join(here, 'references.xyz')
RELAX = os.path.join(here, 'references.relax')
PROFILE = 'gpaw-pbe'
PRERELAX = None  # --prerelax MODELS: annp model(s) that relax positions before first principles
CHECKPOINT = None  # --scf-checkpoint DIR: GPAW's SCF state saved while a calculation runs
FMAX = 0.01  # eV/A
DELTA = 0.005  # strain of the elastic constants
EV_A3_GPA = 160.21766208
EV_A2_J_M2 = 16.0217662
JOBS = ('elastic', 'vacancy', 'surface100', 'surface111', 'stacking_fault')


def fcc_a0():
    """a0 and B0 (GPa) of the v2 fcc volume scan, fitted as annp-properties fits it."""
    from ase.io import read
    from ase.eos import EquationOfState
    frames = [a for a in read(os.path.join(here, 'bundled.xyz'), ':') if a.info.get('config_type') == 'fcc_volume']
    if len(frames) < 7:
        sys.exit(f'references.py: {len(frames)} fcc_volume frames in bundled.xyz; the fit needs the whole scan')
    v = np.array([a.get_volume() / len(a) for a in frames])
    e = np.array([a.get_potential_energy() / len(a) for a in frames])
    lowest = v[np.argmin(e)]
    keep = np.abs(v / lowest - 1) <= 0.12
    eos = EquationOfState(v[keep], e[keep], eos='birchmurnaghan')
    v0, _, b0 = eos.fit()
    return (4 * v0) ** (1 / 3), b0 * EV_A3_GPA, int(keep.sum())


# ---- geometries (the same as annp::crystal) ------------------------------------------------------


def fcc(a):
    from ase import Atoms
    h = a / 2
    return Atoms('Al', cell=[[0, h, h], [h, 0, h], [h, h, 0]], pbc=True)


def strained(at, eps):
    out = at.copy()
    out.set_cell(np.array(at.cell) @ (np.eye(3) + eps).T, scale_atoms=True)
    return out


def fcc_slab(a, facet, layers=9, vacuum=15.0):
    from ase import Atoms
    s = a / np.sqrt(2)
    if facet == '100':
        spacing, cell = a / 2, [[s, 0, 0], [0, s, 0]]
        offsets = [np.zeros(3), np.array([s / 2, s / 2, 0])]
    else:
        spacing, cell = a / np.sqrt(3), [[s, 0, 0], [s / 2, s * np.sqrt(3) / 2, 0]]
        b = (np.array(cell[0]) + np.array(cell[1])) / 3
        offsets = [np.zeros(3), b, 2 * b]
    cell = cell + [[0, 0, (layers - 1) * spacing + vacuum]]
    pos = [offsets[k % len(offsets)] + [0, 0, k * spacing] for k in range(layers)]
    return Atoms(['Al'] * layers, positions=pos, cell=cell, pbc=True)


def fault_cell(a, fraction, layers=9):
    """(111) cell of `layers` layers (ABC...), third vector tilted by fraction x a/6<112>."""
    from ase.build import fcc111
    at = fcc111('Al', size=(1, 1, layers), a=a, orthogonal=False, periodic=True)
    at.info = {}  # the builder's adsorption sites are not data
    cell = np.array(at.cell)
    cell[2] += fraction * (cell[0] + cell[1]) / 3
    at.set_cell(cell, scale_atoms=False)
    at.wrap()
    # Computed without point-group symmetry, tilted and untilted alike (the same grid and k-points):
    # with it, GPAW would raise the tilted cell's in-plane grid to 105 points (see label.frame_settings).
    at.info['point_group'] = False
    return at


def calculations(a0):
    """name -> (structure, relax?) of every job."""
    d = DELTA
    exx, eyz = np.zeros((3, 3)), np.zeros((3, 3))
    exx[0, 0] = d
    eyz[1, 2] = eyz[2, 1] = d / 2  # engineering shear gamma_yz = d
    from ase.build import bulk
    perfect = bulk('Al', 'fcc', a=a0, cubic=True).repeat((2, 2, 2))
    vacancy = perfect.copy()
    del vacancy[0]
    return {
        'elastic': {'fcc': (fcc(a0), False), 'xx+': (strained(fcc(a0), exx), False),
                    'xx-': (strained(fcc(a0), -exx), False), 'yz+': (strained(fcc(a0), eyz), False),
                    'yz-': (strained(fcc(a0), -eyz), False)},
        'vacancy': {'perfect32': (perfect, False), 'vacancy31': (vacancy, False),
                    'vacancy31_relaxed': (vacancy, True)},
        'surface100': {'fcc': (fcc(a0), False), 'slab100': (fcc_slab(a0, '100'), False),
                       'slab100_relaxed': (fcc_slab(a0, '100'), True)},
        'surface111': {'fcc': (fcc(a0), False), 'slab111': (fcc_slab(a0, '111'), False),
                       'slab111_relaxed': (fcc_slab(a0, '111'), True)},
        'stacking_fault': {'fault0': (fault_cell(a0, 0.0), False), 'fault1': (fault_cell(a0, 1.0), False),
                           'fault1_relaxed': (fault_cell(a0, 1.0), True)},
    }


# ---- running -------------------------------------------------------------------------------------


def main(jobs):
    runner = refjobs.ReferenceRun(OUT, RELAX, PROFILE, FMAX, PRERELAX, CHECKPOINT)
    a0, b0, npts = fcc_a0()
    print(f'fcc a0 = {a0:.5f} A, B0 = {b0:.1f} GPa ({npts} points of the v2 fcc_volume scan)', flush=True)
    todo = calculations(a0)
    for job in jobs:
        for name, (at, relax) in todo[job].items():
            have = runner.done()
            if name in have:
                if abs(have[name].info['ref_a0'] - a0) > 1e-9:
                    sys.exit(f'references.py: {OUT}: {name} was computed at a0 = {have[name].info["ref_a0"]}, '
                             f'now a0 = {a0} (the fcc scan changed): move the file away and rerun')
                continue
            runner.run(name, at, relax=relax, info={'ref_a0': float(a0)})


def report():
    a0, b0, npts = fcc_a0()
    have = refjobs.ReferenceRun(OUT, RELAX, PROFILE).done()
    rows = [('fcc a0', f'{a0:.4f} Å', f'Birch–Murnaghan, {npts} points of fcc_volume'),
            ('fcc B0', f'{b0:.1f} GPa', '')]

    def e(name):
        return have[name].get_potential_energy(force_consistent=True) if name in have else None

    def s(name):
        return have[name].get_stress(voigt=True) if name in have else None  # xx yy zz yz xz xy, tensile +

    if all(k in have for k in ('xx+', 'xx-', 'yz+', 'yz-')):
        c11 = (s('xx+')[0] - s('xx-')[0]) / (2 * DELTA) * EV_A3_GPA
        c12 = (s('xx+')[1] - s('xx-')[1]) / (2 * DELTA) * EV_A3_GPA
        c44 = (s('yz+')[3] - s('yz-')[3]) / (2 * DELTA) * EV_A3_GPA
        rows += [('C11', f'{c11:.1f} GPa', '±0.5 % strain, stress differences'), ('C12', f'{c12:.1f} GPa', ''),
                 ('C44', f'{c44:.1f} GPa', ''), ('(C11 + 2 C12)/3', f'{(c11 + 2 * c12) / 3:.1f} GPa', 'cf. B0')]
    if e('perfect32') is not None:
        for name, what in (('vacancy31', 'unrelaxed'), ('vacancy31_relaxed', 'relaxed')):
            if e(name) is not None:
                rows.append((f'vacancy formation, {what}', f'{e(name) - 31 / 32 * e("perfect32"):.3f} eV',
                             '32-site cell (2×2×2 cubic)'))
    for facet in ('100', '111'):
        if e('fcc') is None:
            break
        for name, what in ((f'slab{facet}', 'unrelaxed'), (f'slab{facet}_relaxed', 'relaxed')):
            if e(name) is not None:
                at = have[name]
                area = np.linalg.norm(np.cross(at.cell[0], at.cell[1]))
                g = (e(name) - len(at) * e('fcc')) / (2 * area) * EV_A2_J_M2
                rows.append((f'γ({facet}), {what}', f'{g:.3f} J/m²', '9 layers, 15 Å vacuum'))
    if e('fault0') is not None:
        for name, what in (('fault1', 'unrelaxed'), ('fault1_relaxed', 'relaxed')):
            if e(name) is not None:
                at = have[name]
                area = np.linalg.norm(np.cross(at.cell[0], at.cell[1]))
                rows.append((f'intrinsic stacking fault, {what}',
                             f'{(e(name) - e("fault0")) / area * EV_A2_J_M2 * 1000:.0f} mJ/m²', '9-layer tilted cell'))
    print('| quantity | DFT (v2 settings) | how |\n| --- | --- | --- |')
    for r in rows:
        print('| ' + ' | '.join(r) + ' |')


if __name__ == '__main__':
    PROFILE, OUT, RELAX, todo, PRERELAX, fmax, CHECKPOINT = refjobs.parse_args(sys.argv[1:], JOBS, here,
                                                                              PROFILE)
    FMAX = fmax or FMAX
    if todo == 'report':
        report()
    else:
        main(todo)
