#!/usr/bin/python3
"""The Python module's per-call overhead over the C++ library (docs/performance.md).

    PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python_overhead.py

For a 4-atom and a 4 000-atom fcc Al cell with the bundled model: the time of one evaluation
inside C++ (NativeModel.time_library: the structure built once, compute repeated), of
Model.compute from Python, and of atoms.get_forces() through the ASE calculator (positions
changed every call so ASE does not return a cached result). Median of interleaved rounds.
"""
import os
import statistics
import time

import numpy as np

import annp
from ase.build import bulk

root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
model = annp.read_model(os.path.join(root, 'data', 'models', 'al.annp'))
print(f'{"atoms":>6} {"C++ (ms)":>10} {"Model.compute (ms)":>19} {"ASE get_forces (ms)":>20} '
      f'{"overhead compute":>17} {"overhead ASE":>13}')
for reps, cells in ((400, (1, 1, 1)), (3, (10, 10, 10))):
    at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat(cells)
    at.rattle(0.02, seed=1)
    at.calc = annp.Calculator(model)
    args = (at.numbers, at.positions, np.asarray(at.cell), [True] * 3)
    lib, py, ase_t = [], [], []
    for _ in range(7):
        lib.append(model._native.time_library(*args, reps))
        t = time.perf_counter()
        for _ in range(reps):
            model.compute(at)
        py.append((time.perf_counter() - t) / reps)
        t = time.perf_counter()
        for k in range(reps):
            at.positions[0, 0] += 1e-7 * (1 if k % 2 else -1)
            at.get_forces()
        ase_t.append((time.perf_counter() - t) / reps)
    L, P, A = (statistics.median(v) * 1e3 for v in (lib, py, ase_t))
    print(f'{len(at):6d} {L:10.4f} {P:19.4f} {A:20.4f} {1e3 * (P - L):14.1f} us {1e3 * (A - L):10.1f} us')
