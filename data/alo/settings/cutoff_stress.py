#!/usr/bin/python3
"""Energy and GPAW's stress against the plane-wave cutoff, and dE/dE_cut per atom.

    OMP_NUM_THREADS=1 /usr/bin/python3 cutoff_stress.py cell 580 600 620 700 800 900 >> cutoff_stress.log
    OMP_NUM_THREADS=1 /usr/bin/python3 cutoff_stress.py al 580 620 >> cutoff_stress.log
    OMP_NUM_THREADS=1 /usr/bin/python3 cutoff_stress.py o2 580 620 >> cutoff_stress.log

cell: pulay_cell.xyz (corundum relaxed at 600 eV with GPAW's stresses before the Pulay term was
added), its mesh 6 x 6 x 6; al: fcc Al, a = 4.04 A; o2: the O2 molecule of references.py. Every
calculation is the gpaw-pbe-600 profile's, with only the cutoff changed and without its Pulay
term (dedecut), so the stress printed is GPAW's fixed-basis stress. One line per cutoff: cutoff,
energy (eV), Voigt stress (eV/A^3; none for the molecule), seconds; with two cutoffs or more
also dE/dE_cut per atom from the first two.
"""
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'integrations', 'pipeline'))

from ase import Atoms  # noqa: E402
from ase.build import bulk  # noqa: E402
from ase.io import read  # noqa: E402

from annp_pipeline import label  # noqa: E402


def structure(name):
    if name == 'cell':
        return read(os.path.join(here, 'pulay_cell.xyz'))
    if name == 'al':
        at = bulk('Al', 'fcc', a=4.04)
        at.info = {}
        return at
    if name == 'o2':
        at = Atoms('O2', positions=[[4.5, 5.0, 4.885], [4.5, 5.0, 6.115]], cell=[9.0, 10.0, 11.0],
                   pbc=True, magmoms=[1.0, 1.0])
        at.info = {'config_type': 'o2_dimer'}
        return at
    sys.exit(f'cutoff_stress.py: unknown structure {name} (cell, al or o2)')


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    at0 = structure(argv[0])
    profile = label.load_profile('gpaw-pbe-600')
    profile.pop('pulay_dedecut')
    energies = []
    for cutoff in (float(c) for c in argv[1:]):
        prof = json.loads(json.dumps(profile))
        prof['parameters']['mode']['ecut'] = cutoff
        at = at0.copy()
        start = time.time()
        at.calc = label.make_calculator(at, prof)[0]
        e = at.get_potential_energy()
        stress = '' if label.is_molecule(at, prof) else ' '.join(repr(x) for x in at.get_stress())
        energies.append((cutoff, e))
        print(argv[0], cutoff, repr(e), stress, round(time.time() - start), flush=True)
    if len(energies) >= 2:
        (c1, e1), (c2, e2) = energies[:2]
        print(argv[0], 'dE/dE_cut per atom', repr((e2 - e1) / (c2 - c1) / len(at0)), flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
