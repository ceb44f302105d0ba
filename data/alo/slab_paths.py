"""Writes slab_paths.in.xyz: (0001) slab geometries that single committee members relax into,
chosen by the committee's disagreement, for labelling at the set's settings.

The committees of docs/validation-alumina.md relax the (0001) slab correctly as a mean, but a
member on its own, started from the unrelaxed slab, can run into a minimum of its own far below
DFT (a negative surface energy): its path leaves the region the DFT slab frames cover (those
start at a committee's relaxed slab). As in the active-learning loop, each member explores and
the committee picks the frames it disagrees on most:
  1. the unrelaxed slab of references.xyz (`slab0001`: 6 O3 layers, 15 A of vacuum, DFT lattice);
  2. each member relaxes it alone (BFGS, fmax 0.01 eV/A, at most 400 steps);
  3. every step scored by the committee: the largest per-atom standard deviation of the force
     over all members (eV/A, melt30.py's score);
  4. per member whose relaxed surface energy is more than --gap J/m2 from the committee mean's,
     the --per-member highest-scoring steps at least --min-gap steps apart.
The relaxation is reported as the change of the surface energy, (E_relaxed - E_unrelaxed) / 2A,
J/m2 (DFT: 3.461 unrelaxed, 1.557 after 7 steps of its relaxation).
Deterministic for given models.

    PYTHONPATH=build/python /usr/bin/python3 data/alo/slab_paths.py MODEL MODEL... \
        [--per-member 2] [--gap 0.1] [--out data/alo/slab_paths.in.xyz]

slab_paths.in.xyz is then labelled like the other files (annp-label, profile gpaw-pbe-600).
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', nargs='+', help='the committee (annp model files, at least two)')
    ap.add_argument('--references', default=os.path.join(HERE, 'references.xyz'))
    ap.add_argument('--per-member', type=int, default=2)
    ap.add_argument('--min-gap', type=int, default=10, help='steps between two chosen frames')
    ap.add_argument('--gap', type=float, default=0.1,
                    help="frames are taken from a member whose relaxation differs from the mean's by more (J/m2)")
    ap.add_argument('--out', default=os.path.join(HERE, 'slab_paths.in.xyz'))
    a = ap.parse_args()
    if len(a.models) < 2:
        sys.exit('slab_paths.py: a committee needs at least two models')
    slabs = [f for f in read(a.references, ':') if f.info.get('ref_name') == 'slab0001']
    if not slabs:
        sys.exit(f'slab_paths.py: {a.references}: no frame with ref_name=slab0001 (the unrelaxed (0001) slab)')
    slab = slabs[0]
    area = np.linalg.norm(np.cross(slab.cell[0], slab.cell[1]))
    members = [annp.Calculator(m) for m in a.models]
    mean = annp.Calculator(a.models)

    def gamma(calc, e_relaxed):
        at = slab.copy()
        at.calc = calc
        return (e_relaxed - at.get_potential_energy()) / (2 * area) * EV_PER_A2_TO_J_PER_M2

    _, e_mean = relax_path(slab, mean)
    d_mean = gamma(mean, e_mean)
    print(f'committee mean: relaxation {d_mean:+.3f} J/m2', flush=True)
    out = []
    for n, (name, calc) in enumerate(zip(a.models, members)):
        path, e = relax_path(slab, calc)
        d = gamma(calc, e)
        scores = [deviation(f, members) for f in path]
        print(f'{name}: {len(path) - 1} steps, relaxation {d:+.3f} J/m2 (mean {d_mean:+.3f}); committee '
              f'deviation along the path {min(scores):.3f}-{max(scores):.3f} eV/A', flush=True)
        if abs(d - d_mean) <= a.gap:
            continue
        for k in pick(scores, a.per_member, a.min_gap):
            f = path[k]
            f.calc = None
            f.info = {'config_type': 'slab_member_path', 'kpts': [int(x) for x in slab.info['kpts']],
                      'member': n + 1, 'relax_step': k, 'committee_max_force_dev': round(scores[k], 4)}
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
