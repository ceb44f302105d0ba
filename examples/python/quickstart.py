#!/usr/bin/python3
"""annp from Python with ASE, notebook-style: each block below is one cell.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py [--output DIR] [--quick]

Needs the module (cmake -DANNP_BUILD_PYTHON=ON; scripts/demo builds it) and Debian's
python3-ase and python3-matplotlib. Writes its plots to DIR (default build/python-example).
"""
import argparse
import os
import time

import numpy as np

import annp
from ase import units
from ase.build import bulk
from ase.eos import EquationOfState
from ase.io import read
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.optimize import BFGS

root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
p = argparse.ArgumentParser()
p.add_argument('--output', default=os.path.join(root, 'build', 'python-example'))
p.add_argument('--quick', action='store_true', help='shorter MD and training (for the test suite)')
args = p.parse_args()
os.makedirs(args.output, exist_ok=True)

# %% Load the bundled Al model (trained by scripts/demo on the bundled DFT data).
model = annp.read_model(os.path.join(root, 'data', 'models', 'al.annp'))
print(model)

# %% A vacancy in a 108-atom cell, relaxed with BFGS.
perfect = bulk('Al', 'fcc', a=4.04, cubic=True).repeat((3, 3, 3))
perfect.calc = annp.Calculator(model)
e_perfect = perfect.get_potential_energy()
vacancy = perfect.copy()
del vacancy[0]
vacancy.calc = annp.Calculator(model)
e_unrelaxed = vacancy.get_potential_energy()
BFGS(vacancy, logfile=None).run(fmax=0.005)
n = len(perfect)
for label, e in (('unrelaxed', e_unrelaxed), ('relaxed', vacancy.get_potential_energy())):
    print(f'vacancy formation energy, {label}: {e - (n - 1) / n * e_perfect:.3f} eV')

# %% An energy-volume curve with ase.eos.
volumes, energies = [], []
for s in np.linspace(0.94, 1.06, 9):
    cell = bulk('Al', 'fcc', a=4.04 * s)
    cell.calc = annp.Calculator(model)
    volumes.append(cell.get_volume())
    energies.append(cell.get_potential_energy())
eos = EquationOfState(volumes, energies, eos='birchmurnaghan')
v0, e0, B = eos.fit()
print(f'fcc: a0 = {(4 * v0) ** (1 / 3):.4f} A, B0 = {B / units.GPa:.1f} GPa')
eos.plot(os.path.join(args.output, 'eos.png'), show=False)

# %% 1 ps of Langevin MD at 600 K in a 108-atom cell (2 fs steps), energies recorded.
md = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((3, 3, 3))
md.calc = annp.Calculator(model, threads=2)
MaxwellBoltzmannDistribution(md, temperature_K=600, rng=np.random.default_rng(1))
dyn = Langevin(md, 2 * units.fs, temperature_K=600, friction=0.01, rng=np.random.default_rng(2))
steps = 50 if args.quick else 500
times, epot, ekin = [], [], []


def record():
    times.append(dyn.get_time() / (1000 * units.fs))
    epot.append(md.get_potential_energy() / len(md))
    ekin.append(md.get_kinetic_energy() / len(md))


dyn.attach(record, interval=5)
t = time.time()
dyn.run(steps)
print(f'{steps} MD steps of {len(md)} atoms in {time.time() - t:.1f} s; T = {md.get_temperature():.0f} K')

import matplotlib  # noqa: E402
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(times, epot, label='potential')
ax.plot(times, np.array(epot) + np.array(ekin), label='total')
ax.set_xlabel('time (ps)')
ax.set_ylabel('energy (eV/atom)')
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(args.output, 'md-energy.png'), dpi=120)
print('plots:', os.path.join(args.output, 'eos.png'), os.path.join(args.output, 'md-energy.png'))

# %% Train a small model from Python on the bundled DFT data (annp-train's keys as arguments).
data = os.path.join(root, 'data', 'al', 'al.xyz')
small = annp.train(data=data, output=os.path.join(args.output, 'train'), radial=8, angular=2,
                   hidden=[10, 10], energy_weight=1, force_weight=0.01, stress_weight=1,
                   epochs=30 if args.quick else 300, checkpoint_every=0,
                   progress=lambda line: print(line) if 'held-out' in line or 'best epoch' in line else None)
test = read(data, '0')
test.calc = annp.Calculator(small)
print(f'small model: {small}; energy of the first structure {test.get_potential_energy():.4f} eV '
      f'(DFT {read(data, "0").get_potential_energy():.4f} eV); outputs in {small.output_dir}')
