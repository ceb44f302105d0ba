#!/usr/bin/python3
"""Energy + forces time per atom of annp model files under two library builds, in one process,
alternately (docs/performance.md): the ratio after/before is then measured under the same
machine state, which separate runs on a shared machine do not give.

    OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/model_ab.py BEFORE_DIR AFTER_DIR MODEL [MODEL ...]

BEFORE_DIR and AFTER_DIR each hold an `annp` Python module (build/python, or a copy of another
build's). A rattled fcc Al box of 4 000 atoms (--cells 10), annp's own neighbour list,
NativeModel.time_library (the structure built once); --rounds pairs of evaluations, the order
within a pair alternating. Prints per model the best and median µs/atom of each build and the
median over pairs of after/before. --structure FILE [--repeat N1 N2 N3]: the first structure of
FILE (any ASE format; e.g. a 30-atom Al-O cell), repeated, instead of the Al box.
"""
import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('before')
ap.add_argument('after')
ap.add_argument('models', nargs='+')
ap.add_argument('--rounds', type=int, default=14)
ap.add_argument('--cells', type=int, default=10)
ap.add_argument('--structure', help='first structure of this file instead of the fcc Al box')
ap.add_argument('--repeat', type=int, nargs=3, default=[1, 1, 1], help='repeats of --structure')
a = ap.parse_args()

import numpy as np  # noqa: E402
from ase.build import bulk  # noqa: E402

# The package imports its extension relatively, so each build loads under a name of its own.
tmp = tempfile.mkdtemp(prefix='annp-ab-')
try:
    for name, src in (('annp_before', a.before), ('annp_after', a.after)):
        package = os.path.join(src, 'annp')
        if not os.path.isfile(os.path.join(package, '__init__.py')):
            sys.exit(f'model_ab.py: {package}: no annp Python module there (expected __init__.py)')
        shutil.copytree(package, os.path.join(tmp, name))
    sys.path.insert(0, tmp)
    builds = {n: importlib.import_module(n) for n in ('annp_before', 'annp_after')}
finally:
    shutil.rmtree(tmp, ignore_errors=True)  # loaded; the files are no longer needed

if a.structure:
    from ase.io import read  # noqa: E402
    at = read(a.structure, 0).repeat(a.repeat)
else:
    at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((a.cells,) * 3)
    at.rattle(0.02, seed=1)
args = (at.numbers, at.positions, np.asarray(at.cell), [bool(p) for p in at.pbc])
print(f'{len(at)} atoms', flush=True)
for path in a.models:
    native = {n: m.read_model(path)._native for n, m in builds.items()}
    t = {n: [] for n in native}
    for r in range(a.rounds):
        order = ('annp_before', 'annp_after') if r % 2 == 0 else ('annp_after', 'annp_before')
        for n in order:
            t[n].append(native[n].time_library(*args, 1) / len(at) * 1e6)
    ratio = statistics.median(y / x for x, y in zip(t['annp_before'], t['annp_after']))
    print(f"{path}: before {min(t['annp_before']):.2f} best, {statistics.median(t['annp_before']):.2f} median; "
          f"after {min(t['annp_after']):.2f} best, {statistics.median(t['annp_after']):.2f} median; "
          f"after/before {ratio:.3f} (median of {a.rounds} pairs)", flush=True)
