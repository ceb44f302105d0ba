#!/usr/bin/env python3
"""Selects the Al metal cells the Al-O set shares with data/al (data/alo/README.md).

The Al-O set is labelled at 600 eV (profile gpaw-pbe-600), the Al set at 450 eV, so the metal
cells are relabelled for it rather than copied: the fcc volume scan, rattled and sheared fcc cells
(the chemical potential of Al and the metal the oxide meets at an interface), every second bcc
and every eighth hcp volume point, and the Al2 dimers. Same structures as data/al/al.xyz, so the
two sets can be compared frame by frame.

    /usr/bin/python3 data/alo/al_metal.py data/al/al.xyz data/alo/al_metal.in.xyz
"""
import os
import sys

from ase import Atoms
from ase.io import read

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'integrations', 'pipeline'))
from annp_pipeline.generate import write_structures  # noqa: E402

EVERY = {'fcc_volume': 1, 'fcc_rattled': 1, 'fcc_sheared': 1, 'bcc_volume': 2, 'hcp_volume': 8, 'dimer': 1}


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: al_metal.py AL_XYZ OUT_XYZ')
    seen = {}
    chosen = []
    for at in read(sys.argv[1], ':'):
        kind = at.info.get('config_type')
        if kind not in EVERY:
            continue
        i = seen.get(kind, 0)
        seen[kind] = i + 1
        if i % EVERY[kind] == 0:  # the structure only: labels, stress and forces stay behind
            chosen.append(Atoms(at.get_chemical_symbols(), positions=at.positions, cell=at.cell, pbc=at.pbc,
                                info={'config_type': kind, 'index': at.info.get('index')}))
    missing = set(EVERY) - set(seen)
    if missing:
        sys.exit(f'{sys.argv[1]}: no frames of config_type {sorted(missing)}')
    write_structures(sys.argv[2], chosen)
    print(f'{len(chosen)} Al metal cells ({sum(len(a) for a in chosen)} atoms) -> {sys.argv[2]}')


if __name__ == '__main__':
    main()
