"""Writes rattled10.in.xyz: more rattled 10-atom corundum cells where a committee of models
disagrees most, for labelling at the set's settings.

Held-out errors of the Al-O models are set by the most strongly rattled 10-atom cells: on a fixed
test split, the cells 1.0-1.7 eV/atom above the crystal (shortest Al-O distance 1.32-1.44 A) are
off by 70-115 meV/atom and 1.5-3.8 eV/A while every other oxide cell is within 1 meV/atom
(docs/validation-alumina.md). corundum10.xyz has 50 rattled cells; those energies are its sparse
tail. As in the active-learning loop (integrations/pipeline/annp-select, which this runs with the
recipe below and a shortest distance of 1.2 A):
  1. candidates: recipes/rattled10.json (annp-generate), 300 cells drawn like corundum10's rattled
     set (volume x0.97-1.04, strain 0.02, Gaussian displacements sigma 0.04-0.21 A, mesh 6x6x6);
  2. every candidate scored by the committee: the largest per-atom standard deviation of the
     force over the models (annp-predict with several models, eV/A);
  3. candidates with a pair closer than 1.2 A dropped (inside the short-range core of the
     models trained on the set), the COUNT highest-scoring kept, most uncertain first (the
     labelling order); with --trust only those with LO <= deviation < HI (eV/A).

    /usr/bin/python3 data/alo/rattled10.py MODEL1 MODEL2 ... [--count 40] [--build build]
        [--seed N] [--trust LO HI] [--out FILE]
    OMP_NUM_THREADS=1 nohup integrations/pipeline/annp-label data/alo/rattled10.in.xyz \\
        data/alo/rattled10.xyz --profile gpaw-pbe-600 --progress-every 600 \\
        > data/alo/label-rattled10.log 2>&1 &

Deterministic for given models and seed; the written input is committed with the models' files.
A later round draws fresh candidates with another --seed (the recipe's seed otherwise), scored by
a committee trained on the earlier rounds.
"""
import argparse
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline.selection import run  # noqa: E402
MIN_DISTANCE = 1.2  # A


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', nargs='+', help='the committee: two or more annp model files')
    ap.add_argument('--count', type=int, default=40)
    ap.add_argument('--build', default=None)
    ap.add_argument('--out', default=os.path.join(here, 'rattled10.in.xyz'))
    ap.add_argument('--seed', type=int, help="candidates' seed (default: the recipe's)")
    ap.add_argument('--trust', type=float, nargs=2, metavar=('LO', 'HI'), default=None,
                    help='keep only candidates with LO <= deviation < HI (eV/A)')
    a = ap.parse_args()
    return run(os.path.join(here, 'recipes', 'rattled10.json'), a.models, a.count, a.out, a.build, a.seed,
               MIN_DISTANCE, prog='rattled10.py', trust=a.trust)


if __name__ == '__main__':
    sys.exit(main())
