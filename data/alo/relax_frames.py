#!/usr/bin/env python3
"""Writes vacancy_relax.xyz and slab_relax.xyz: the steps of the first-principles relaxations of
references.py (references.relax/vacancy_O.traj, vacancy_Al.traj; slab0001_relaxed.traj) as
labelled training frames.

Each step of those relaxations is a full first-principles calculation at the set's settings
(profile gpaw-pbe-600, the vacancy cells' pinned 6x6x2 mesh, the slab's 6x6x1): energy (the free
energy, as every labelled frame) and forces, no stress (BFGS does not ask for it; a slab's would
include its vacuum). A step that repeats the one before it (a restart of an older version of the
resumable runner logged its last step again) is skipped. Frames: config_type vacancy_dft_path
and vacancy (O or Al), or slab_dft_path and surface (0001); relax_step (0: the first computed
geometry); the labeller's provenance keys. Rerun as the relaxations grow: each file is rewritten
whole (atomically) from the trajectories.

Usage: /usr/bin/python3 data/alo/relax_frames.py
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import label, xyz  # noqa: E402

PROFILE = 'gpaw-pbe-600'
# output file: [(trajectory, kpts, info keys)] in order
JOBS = {
    'vacancy_relax.xyz': [(f'vacancy_{e}.traj', [6, 6, 2], {'config_type': 'vacancy_dft_path', 'vacancy': e})
                          for e in ('O', 'Al')],
    'slab_relax.xyz': [('slab0001_relaxed.traj', [6, 6, 1], {'config_type': 'slab_dft_path', 'surface': '0001'})],
}


def steps(path):
    """The distinct steps of one relaxation trajectory (none when it does not exist yet)."""
    from ase.io import Trajectory
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    previous = None
    for step in Trajectory(path):
        if previous is not None and np.array_equal(step.positions, previous):
            continue
        previous = step.positions.copy()
        yield step


def main():
    profile = label.load_profile(PROFILE)
    for out, jobs in JOBS.items():
        texts, counts = [], []
        for traj, kpts, keys in jobs:
            k = 0
            for k, step in enumerate(steps(os.path.join(here, 'references.relax', traj)), 1):
                at = step.copy()
                at.calc = step.calc
                at.info = {'kpts': kpts, **keys, 'relax_step': k - 1}
                params = label.frame_settings(at, profile)
                texts.append(label.results_frame(at, xyz.structure_id(at), profile, params, stress=False))
            if k:
                counts.append(f'{k} steps of {traj[:-5]}')
        if texts:
            xyz.write_atomically(os.path.join(here, out), ''.join(texts))
            print(f'{os.path.join(here, out)}: ' + ', '.join(counts))


if __name__ == '__main__':
    main()
