#!/usr/bin/python3
"""Errors of Al-O models on the fixed test set of docs/validation-alumina.md: each model alone and
the committee mean, on the oxide cells of the held-out structures (config_type corundum*) and on
those cells less the two highest in energy per atom (the strongly rattled tail).

    PYTHONPATH=build/python /usr/bin/python3 data/alo/evaluate.py M1.annp,M2.annp,M3.annp [--per-cell]

The held-out structures are those of pool.py's list (splits/holdout-2026-12-05.txt) in the data
files molecules.xyz, corundum10.xyz, al_metal.xyz and hex30.xyz. Energies: RMSE of the energy per
atom, meV/atom; forces: RMSE over all components, meV/A. --per-cell also prints each oxide cell's
energy error per member.
"""
import argparse
import os
import sys
from io import StringIO

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import pool  # noqa: E402

FILES = ('molecules.xyz', 'corundum10.xyz', 'al_metal.xyz', 'hex30.xyz')


def errors(results, cells):
    """(energy RMSE meV/atom, force RMSE meV/A) of per-cell predictions [(energy, forces)]."""
    de = [(e - a.get_potential_energy()) / len(a) for (e, _), a in zip(results, cells)]
    df = np.concatenate([(f - a.get_forces()).ravel() for (_, f), a in zip(results, cells)])
    return 1e3 * np.sqrt(np.mean(np.square(de))), 1e3 * np.sqrt(np.mean(np.square(df)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', help='annp model files, comma-separated')
    ap.add_argument('--per-cell', action='store_true')
    a = ap.parse_args()
    try:
        import annp
    except ImportError:
        sys.exit('evaluate.py needs the annp Python module: build with -DANNP_BUILD_PYTHON=ON and set '
                 'PYTHONPATH=build/python')
    from ase.io import read
    held = pool.read_holdout(pool.HOLDOUT)
    frames = {}
    for name in FILES:
        for label, text in pool.frames(os.path.join(here, name)):
            if label in held:
                frames[label] = read(StringIO(text), format='extxyz')
    missing = [h for h in held if h not in frames]
    if missing:
        sys.exit(f'evaluate.py: held-out structures not found in {", ".join(FILES)}: {", ".join(missing)}')
    oxide = [frames[h] for h in held if frames[h].info['config_type'].startswith('corundum')]
    per_atom = [c.get_potential_energy() / len(c) for c in oxide]
    tail = set(np.argsort(per_atom)[-2:])
    ordinary = [i for i in range(len(oxide)) if i not in tail]
    paths = a.models.split(',')
    preds = []
    for p in paths:
        m = annp.read_model(p)
        preds.append([(r['energy'], r['forces']) for r in (m.compute(c) for c in oxide)])
    mean = [(np.mean([p[i][0] for p in preds]), np.mean([p[i][1] for p in preds], axis=0)) for i in range(len(oxide))]
    n, k = len(oxide), len(ordinary)
    print(f'{"model":40s} oxide cells ({n}): E meV/atom / F meV/A   the {k} without the two highest')
    for name, pr in list(zip(paths, preds)) + ([('committee mean', mean)] if len(paths) > 1 else []):
        e, f = errors(pr, oxide)
        e9, f9 = errors([pr[i] for i in ordinary], [oxide[i] for i in ordinary])
        print(f'{name:40s} {e:8.2f} / {f:5.0f}                      {e9:8.2f} / {f9:5.0f}')
    if a.per_cell:
        for i, c in enumerate(oxide):
            members = ' '.join(f'{1e3 * (p[i][0] - c.get_potential_energy()) / len(c):+.1f}' for p in preds)
            print(f'{c.info["config_type"]:20s} {per_atom[i]:8.3f} eV/atom  members dE meV/atom: {members}')


if __name__ == '__main__':
    main()
