#!/usr/bin/python3
"""Energy + forces time per atom of annp model files inside C++, for A/B comparisons of library
builds (docs/performance.md): a rattled fcc Al box of 4 000 atoms, annp's own neighbour list,
NativeModel.time_library (the structure built once, compute repeated).

    OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/model_timing.py MODULE_DIR MODEL [MODEL ...]

MODULE_DIR holds an `annp` Python module (build/python, or a copy of another build's). Prints
per model the best and the median of --rounds (default 4) measurements of 2 evaluations each.
Run two builds' modules alternately, in one session, with the machine otherwise idle.
"""
import argparse
import statistics
import sys

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('module_dir')
ap.add_argument('models', nargs='+')
ap.add_argument('--rounds', type=int, default=4)
ap.add_argument('--cells', type=int, default=10)
a = ap.parse_args()
sys.path.insert(0, a.module_dir)
import annp  # noqa: E402
import numpy as np  # noqa: E402
from ase.build import bulk  # noqa: E402

at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((a.cells,) * 3)
at.rattle(0.02, seed=1)
args = (at.numbers, at.positions, np.asarray(at.cell), [True] * 3)
for path in a.models:
    model = annp.read_model(path)
    ts = [model._native.time_library(*args, 2) / len(at) * 1e6 for _ in range(a.rounds)]
    print(f'{path}: {min(ts):.2f} us/atom best, {statistics.median(ts):.2f} median of {a.rounds}', flush=True)
