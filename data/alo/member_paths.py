"""Writes geometries that single committee members relax into — the (0001) slab and the O and
Al vacancies of references.xyz — chosen by the committee's disagreement, for labelling at the
set's settings.

The committees of docs/validation-alumina.md relax the slab and the vacancies correctly as a
mean, but a member on its own, started from the unrelaxed structure, can run into a minimum of
its own far from DFT (tail-42-slab seed 1: a negative (0001) surface energy; seed 3: the Al
vacancy 0.97 eV low): its path leaves the region the DFT frames cover (the DFT relaxations start
at a committee's minimum). As in the active-learning loop, each member explores and the committee
picks the frames it disagrees on most:
  1. the unrelaxed structure, from references.xyz: `slab0001` (6 O3 layers, 15 A of vacuum, the
     DFT lattice) or `perfect30` without its first atom of the element (references.py's
     vacancy_cell);
  2. each member relaxes it alone (BFGS, fmax 0.01 eV/A, at most 400 steps);
  3. every step scored by the committee: the largest per-atom standard deviation of the force
     over all members (eV/A, melt30.py's score);
  4. per member whose relaxation energy differs from the committee mean's by more than --gap,
     the --per-member highest-scoring steps at least --min-gap steps apart.
Relaxation energies are reported per unit of the structure: for the slab as the change of the
surface energy, (E_relaxed - E_unrelaxed) / 2A in J/m2 (DFT: 3.461 unrelaxed, 1.557 after 7 steps
of its relaxation), for a vacancy in eV. Deterministic for given models.

    PYTHONPATH=build/python /usr/bin/python3 data/alo/member_paths.py MODEL MODEL... \
        --start slab0001 --out data/alo/slab_paths.in.xyz
    PYTHONPATH=build/python /usr/bin/python3 data/alo/member_paths.py MODEL MODEL... \
        --start vacancy_O vacancy_Al --gap 0.1 --out data/alo/vacancy_paths.in.xyz

The files are then labelled like the other files (annp-label, profile gpaw-pbe-600).
"""
import argparse
import os
import sys

import numpy as np
from ase.io import read
from ase.optimize import BFGS

import annp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline.generate import write_structures  # noqa: E402
from melt30 import deviation  # noqa: E402
from references import vacancy_cell  # noqa: E402

EV_PER_A2_TO_J_PER_M2 = 16.0218


def relax_path(start, calc, steps=400):
    """The geometries of a BFGS relaxation of `start` with `calc`, first to last."""
    at = start.copy()
    at.calc = calc
    path = [at.copy()]
    opt = BFGS(at, logfile=None)
    opt.attach(lambda: path.append(at.copy()))
    opt.run(fmax=0.01, steps=steps)
    return path, at.get_potential_energy()


def pick(scores, count, min_gap):
    chosen = []
    for k in np.argsort(scores)[::-1]:
        if all(abs(int(k) - j) >= min_gap for j in chosen):
            chosen.append(int(k))
        if len(chosen) == count:
            break
    return sorted(chosen)


def start_structure(refs, name, path):
    """The unrelaxed structure `name` (slab0001, vacancy_O, vacancy_Al), its k-point mesh (the
    reference frame's), its scale for reporting (J/m2 per eV for the slab, 1 for a vacancy) and
    its unit."""
    if name == 'slab0001':
        if name not in refs:
            sys.exit(f'member_paths.py: {path}: no frame with ref_name=slab0001 (the unrelaxed (0001) slab)')
        slab = refs[name]
        area = np.linalg.norm(np.cross(slab.cell[0], slab.cell[1]))
        return slab, [int(x) for x in slab.info['kpts']], EV_PER_A2_TO_J_PER_M2 / (2 * area), 'J/m2'
    if 'perfect30' not in refs:
        sys.exit(f'member_paths.py: {path}: no frame with ref_name=perfect30 (the relaxed 30-atom cell)')
    perfect = refs['perfect30']
    return vacancy_cell(perfect, name.split('_', 1)[1]), [int(x) for x in perfect.info['kpts']], 1.0, 'eV'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', nargs='+', help='the committee (annp model files, at least two)')
    ap.add_argument('--start', nargs='+', default=['slab0001'], choices=['slab0001', 'vacancy_O', 'vacancy_Al'],
                    help='the unrelaxed structures to relax (default: slab0001)')
    ap.add_argument('--references', default=os.path.join(HERE, 'references.xyz'))
    ap.add_argument('--per-member', type=int, default=2)
    ap.add_argument('--min-gap', type=int, default=10, help='steps between two chosen frames')
    ap.add_argument('--gap', type=float, default=0.1,
                    help="frames are taken from a member whose relaxation differs from the mean's by more "
                         '(J/m2 for the slab, eV for a vacancy)')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    if len(a.models) < 2:
        sys.exit('member_paths.py: a committee needs at least two models')
    refs = {f.info.get('ref_name'): f for f in read(a.references, ':')}
    members = [annp.Calculator(m) for m in a.models]
    mean = annp.Calculator(a.models)
    out = []
    for name in a.start:
        start, kpts, scale, unit = start_structure(refs, name, a.references)

        def relaxation(calc, e_relaxed):
            at = start.copy()
            at.calc = calc
            return (e_relaxed - at.get_potential_energy()) * scale

        _, e_mean = relax_path(start, mean)
        d_mean = relaxation(mean, e_mean)
        print(f'{name}: committee mean: relaxation {d_mean:+.3f} {unit}', flush=True)
        for n, (model, calc) in enumerate(zip(a.models, members)):
            path, e = relax_path(start, calc)
            d = relaxation(calc, e)
            scores = [deviation(f, members) for f in path]
            print(f'{name}: {model}: {len(path) - 1} steps, relaxation {d:+.3f} {unit} (mean {d_mean:+.3f}); '
                  f'committee deviation along the path {min(scores):.3f}-{max(scores):.3f} eV/A', flush=True)
            if abs(d - d_mean) <= a.gap:
                continue
            for k in pick(scores, a.per_member, a.min_gap):
                f = path[k]
                f.calc = None
                f.info = {'config_type': 'slab_member_path' if name == 'slab0001' else f'{name}_member_path',
                          'kpts': kpts, 'member': n + 1, 'relax_step': k,
                          'committee_max_force_dev': round(scores[k], 4)}
                dist = f.get_all_distances(mic=True)
                np.fill_diagonal(dist, np.inf)
                out.append(f)
                print(f'  step {k}: committee deviation {scores[k]:.3f} eV/A, shortest distance {dist.min():.3f} A',
                      flush=True)
    write_structures(a.out, out)
    print(f'{len(out)} structures -> {a.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
