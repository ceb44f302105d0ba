#!/usr/bin/env python3
"""Writes vacancy_relax.xyz: the steps of the first-principles vacancy relaxations of
references.py (references.relax/vacancy_O.traj, vacancy_Al.traj) as labelled training frames.

Each step of those relaxations is a full first-principles calculation at the set's settings
(profile gpaw-pbe-600, the vacancy cells' pinned 6x6x2 mesh): energy (the free energy, as every
labelled frame) and forces, no stress (BFGS does not ask for it). A step that repeats the one
before it (a restart of an older version of the resumable runner logged its last step again) is
skipped. Frames: config_type vacancy_dft_path, vacancy (O or Al), relax_step (0: the unrelaxed
cell), with the labeller's provenance keys. Rerun as the relaxations grow: the file is rewritten
whole (atomically) from the trajectories.

Usage: /usr/bin/python3 data/alo/relax_frames.py
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import label, xyz  # noqa: E402

OUT = os.path.join(here, 'vacancy_relax.xyz')
PROFILE = 'gpaw-pbe-600'


def main():
    from ase.io import Trajectory
    profile = label.load_profile(PROFILE)
    texts, counts = [], {}
    for element in ('O', 'Al'):
        path = os.path.join(here, 'references.relax', f'vacancy_{element}.traj')
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            continue
        previous = None
        for step in Trajectory(path):
            if previous is not None and np.array_equal(step.positions, previous):
                continue
            previous = step.positions.copy()
            k = counts.get(element, 0)
            counts[element] = k + 1
            at = step.copy()
            at.calc = step.calc
            at.info = {'kpts': [6, 6, 2], 'config_type': 'vacancy_dft_path', 'vacancy': element,
                       'relax_step': k}
            params = label.frame_settings(at, profile)
            texts.append(label.results_frame(at, xyz.structure_id(at), profile, params, stress=False))
    xyz.write_atomically(OUT, ''.join(texts))
    print(f'{OUT}: ' + ', '.join(f'{n} steps of vacancy_{e}' for e, n in counts.items()))


if __name__ == '__main__':
    main()
