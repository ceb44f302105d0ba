#!/usr/bin/python3
"""Tests of the Python module annp (run with PYTHONPATH=<build>/python).

Usage: test_python.py CASE BUILD_DIR WORK_DIR

Cases:
  predict     Calculator energy, forces, stress and per-atom energies equal annp-predict's to
              1e-12 relative on a triclinic cell, a slab and a cluster; species order and pbc mixes.
  derivatives forces = -dE/dr and stress = strain derivative (central differences through ASE).
  ase         BFGS relaxation converges; cell relaxation through ExpCellFilter (stress); Langevin
              MD runs; ase.eos fits; the committee's force_dev equals annp-predict's.
  errors      bad model path, unknown element, NaN positions, malformed model: annp.Error with
              annp's message, never a crash.
  threads     1 and 2 threads give identical results.
  train       annp.train from Python: keyword arguments, Atoms or a path, progress callback;
              the model equals the one annp-train writes with the same keys.
Prints PASS at the end.
"""
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
MODEL = os.path.join(ROOT, 'data', 'models', 'al.annp')

sys.path.insert(0, os.path.dirname(HERE))
from script_support import check, committee_members, fail, run_case  # noqa: E402

import annp  # noqa: E402
from ase.build import bulk, fcc111  # noqa: E402
from ase.io import read  # noqa: E402


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def structures():
    tri = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((2, 2, 2))
    tri.set_cell(tri.cell[:] @ np.array([[1.01, 0.05, 0.02], [0.0, 0.98, 0.04], [0.0, 0.0, 1.02]]),
                 scale_atoms=True)
    tri.rattle(0.07, seed=1)
    slab = fcc111('Al', (2, 2, 5), a=4.05, vacuum=6.0)
    slab.pbc = (True, True, False)
    slab.rattle(0.05, seed=2)
    cluster = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((2, 2, 2))
    cluster.pbc = False
    cluster.cell = np.zeros((3, 3))
    cluster.rattle(0.05, seed=3)
    return {'triclinic': tri, 'slab': slab, 'cluster': cluster}


def predict_file(build, model, atoms, work, name):
    src, out = os.path.join(work, f'{name}.xyz'), os.path.join(work, f'{name}-out.xyz')
    with open(src, 'w') as f:  # every digit of the positions
        cell = ' '.join(repr(float(v)) for v in np.asarray(atoms.cell).ravel())
        pbc = ' '.join('T' if p else 'F' for p in atoms.pbc)
        lattice = f'Lattice="{cell}" ' if atoms.cell.rank == 3 else ''
        f.write(f'{len(atoms)}\n{lattice}Properties=species:S:1:pos:R:3 pbc="{pbc}"\n')
        for s, p in zip(atoms.get_chemical_symbols(), atoms.positions):
            f.write(s + ' ' + ' '.join(repr(float(v)) for v in p) + '\n')
    subprocess.run([os.path.join(build, 'examples', 'annp-predict'), '--atomic-energies', model, src, out],
                   check=True, capture_output=True)
    return read(out)


def case_predict(build, work):
    calc = annp.Calculator(MODEL)
    for name, at in structures().items():
        ref = predict_file(build, MODEL, at, work, name)
        a = at.copy()
        a.calc = calc
        e = a.get_potential_energy()
        check(rel(e, ref.get_potential_energy()) < 1e-12 and rel(a.get_forces(), ref.get_forces()) < 1e-12
              and rel(a.get_potential_energies(), ref.arrays['energies']) < 1e-12,
              f'{name}: energy, forces, per-atom energies equal annp-predict to 1e-12')
        if at.pbc.all():
            check(rel(a.get_stress(voigt=False), ref.get_stress(voigt=False)) < 1e-12, f'{name}: stress equal')
        else:
            try:
                a.get_stress()
                fail(f'{name}: stress of a non-periodic cell must not be given')
            except Exception as err:
                check('periodic' in str(err), f'{name}: stress refused for a cell that is not periodic')
        check(a.get_potential_energy(force_consistent=True) == e, f'{name}: free_energy = energy')


def case_derivatives(build, work):
    at = structures()['triclinic']
    at.calc = annp.Calculator(MODEL)
    f = at.get_forces()
    h = 1e-5
    worst = 0.0
    for i in (0, 5, 17):
        for d in range(3):
            p = at.copy()
            p.calc = at.calc
            p.positions[i, d] += h
            ep = p.get_potential_energy()
            p.positions[i, d] -= 2 * h
            em = p.get_potential_energy()
            worst = max(worst, abs(-(ep - em) / (2 * h) - f[i, d]))
    check(worst < 1e-6, f'forces = -dE/dr by central differences (worst {worst:.2e} eV/A)')
    s = at.get_stress(voigt=False)
    num = np.zeros((3, 3))
    cell0 = at.cell.copy()
    for a in range(3):
        for b in range(3):
            eps = np.zeros((3, 3))
            eps[a, b] = h
            vals = []
            for sign in (1, -1):
                p = at.copy()
                p.calc = at.calc
                p.set_cell(np.asarray(cell0) @ (np.eye(3) + sign * eps), scale_atoms=True)
                vals.append(p.get_potential_energy())
            num[a, b] = (vals[0] - vals[1]) / (2 * h) / at.get_volume()
    num = 0.5 * (num + num.T)
    check(np.abs(num - s).max() < 1e-7, f'stress = strain derivative (worst {np.abs(num - s).max():.2e} eV/A^3)')


def case_ase(build, work):
    from ase.optimize import BFGS
    from ase.constraints import ExpCellFilter
    from ase.md.langevin import Langevin
    from ase.eos import EquationOfState
    from ase import units
    at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((3, 3, 3))
    del at[0]
    at.rattle(0.02, seed=4)
    at.calc = annp.Calculator(MODEL)
    opt = BFGS(at, logfile=None)
    check(opt.run(fmax=1e-3, steps=500) is not False and np.abs(at.get_forces()).max() < 1e-3,
          f'BFGS relaxes a vacancy in {len(at)} atoms to fmax < 1e-3 in {opt.nsteps} steps')
    c = bulk('Al', 'fcc', a=3.9, cubic=True)
    c.calc = annp.Calculator(MODEL)
    BFGS(ExpCellFilter(c), logfile=None).run(fmax=1e-4, steps=200)
    check(np.abs(c.get_stress()).max() < 1e-4 and 3.95 < c.cell[0, 0] < 4.15,
          f'cell relaxation through the stress: a = {c.cell[0, 0]:.4f} A')
    vols, ens = [], []
    for s in np.linspace(0.97, 1.03, 7):
        b = bulk('Al', 'fcc', a=c.cell[0, 0] * s)
        b.calc = annp.Calculator(MODEL)
        vols.append(b.get_volume())
        ens.append(b.get_potential_energy())
    v0, e0, B = EquationOfState(vols, ens).fit()
    check(abs(v0 ** (1 / 3) * 4 ** (1 / 3) - c.cell[0, 0]) < 5e-3 and 40 < B / units.GPa < 110,
          f'ase.eos: a0 {(4 * v0) ** (1 / 3):.4f} A, B {B / units.GPa:.1f} GPa')
    md = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((2, 2, 2))
    md.calc = annp.Calculator(MODEL)
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    MaxwellBoltzmannDistribution(md, temperature_K=600, rng=np.random.default_rng(2))
    dyn = Langevin(md, 2 * units.fs, temperature_K=600, friction=0.02, rng=np.random.default_rng(1))
    dyn.run(50)
    check(np.isfinite(md.get_potential_energy()) and 100 < md.get_temperature() < 1500,
          f'Langevin MD runs (T = {md.get_temperature():.0f} K after 50 steps)')
    from ase.phonons import Phonons
    prim = bulk('Al', 'fcc', a=4.04)
    ph = Phonons(prim, annp.Calculator(MODEL), supercell=(4, 4, 4), delta=0.01,
                 name=os.path.join(work, 'phonons'))
    ph.run()
    ph.read(acoustic=True)
    freqs = ph.band_structure([[0, 0, 0], [0.5, 0, 0.5]]) / units._hplanck * units._e / 1e12  # THz
    check(np.abs(freqs[0]).max() < 1e-3 and 4 < freqs[1].min() < freqs[1].max() < 12,
          f'ase.phonons: X-point frequencies {", ".join(f"{f:.2f}" for f in freqs[1])} THz')
    # A committee: force_dev as annp-predict computes it.
    members = committee_members(MODEL, work)
    t = structures()['triclinic']
    t.calc = annp.Calculator(members)
    t.get_potential_energy()
    ref = predict_file(build, ','.join(members), t, work, 'committee')
    check(rel(t.calc.results['force_dev'], ref.arrays['force_dev']) < 1e-12
          and rel(t.calc.get_property('max_force_dev', t), float(ref.info['max_force_dev'])) < 1e-12
          and rel(t.get_potential_energy(), ref.get_potential_energy()) < 1e-12,
          'committee: mean energy, force_dev and max_force_dev equal annp-predict')


def case_errors(build, work):
    def raises(fn, text, what):
        try:
            fn()
        except annp.Error as e:
            check(text in str(e), f'{what}: annp.Error "{str(e)[:90]}"')
            return
        except Exception as e:
            fail(f'{what}: raised {type(e).__name__} instead of annp.Error: {e}')
        fail(f'{what}: no exception')
    raises(lambda: annp.Calculator('/no/such/model.annp'), 'no such model file', 'missing model')
    bad = os.path.join(work, 'bad.annp')
    with open(MODEL) as src:
        lines = src.read().splitlines()
    lines[20] = 'sf radial e1=Al rc=six'
    with open(bad, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    raises(lambda: annp.read_model(bad), 'bad.annp:21', 'malformed model names file and line')
    raises(lambda: annp.read_model([]), 'no model path given', 'an empty committee')
    at = bulk('Cu', 'fcc', a=3.6)
    at.calc = annp.Calculator(MODEL)
    raises(at.get_potential_energy, 'element Cu is not in the model', 'unknown element')
    at = bulk('Al', 'fcc', a=4.05, cubic=True)
    at.positions[1, 2] = np.nan
    at.calc = annp.Calculator(MODEL)
    raises(at.get_potential_energy, 'non-finite position', 'NaN position')
    raises(lambda: annp.set_threads(0), 'at least 1', 'zero threads')
    raises(lambda: annp.train(data=os.path.join(work, 'none.xyz'), progress=False, output=os.path.join(work, 'o')),
           'none.xyz', 'training on a missing file')


def case_threads(build, work):
    at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((4, 4, 4))
    at.rattle(0.05, seed=7)
    res = []
    for n in (1, 2, 1):
        annp.set_threads(n)
        r = annp.read_model(MODEL).compute(at)
        res.append((r['energy'], r['forces'].copy(), r['stress'].copy()))
    check(all(res[0][0] == r[0] and np.array_equal(res[0][1], r[1]) and np.array_equal(res[0][2], r[2])
              for r in res), '1 and 2 threads: bit-identical energy, forces and stress')


def case_train(build, work):
    data = os.path.join(ROOT, 'data', 'al', 'al.xyz')
    keys = dict(radial=4, angular=2, zetas=[1, 4], hidden=[8, 8], epochs=20, force_weight=0.01,
                checkpoint_every=0, seed=3)
    lines = []
    m = annp.train(data=data, progress=lines.append, output=os.path.join(work, 'py'), **keys)
    check(any('epoch' in line for line in lines) and any('held-out' in line for line in lines),
          f'progress callback received {len(lines)} lines')
    check(m.elements == ['Al'] and os.path.exists(os.path.join(m.output_dir, 'errors.txt')), 'model and outputs written')
    args = [os.path.join(build, 'examples', 'annp-train'), f'data={data}', f'output={os.path.join(work, "cli")}']
    args += [f'{k}={" ".join(map(str, v)) if isinstance(v, list) else v}' for k, v in keys.items()]
    subprocess.run(args, check=True, capture_output=True)
    a = [line for line in open(os.path.join(work, 'py', 'model.annp')) if not line.startswith('meta data')]
    b = [line for line in open(os.path.join(work, 'cli', 'model.annp')) if not line.startswith('meta data')]
    check(a == b, 'the same model as annp-train with the same keys')
    frames = read(data, ':40')
    m2 = annp.train(data=frames, progress=False, output=os.path.join(work, 'atoms'), epochs=5, radial=4,
                    hidden=[5], validation=0.2, test=0)
    at = frames[0].copy()
    at.calc = annp.Calculator(m2)
    check(np.isfinite(at.get_potential_energy()), 'training from a list of Atoms, then predicting with it')


def main():
    run_case(globals(), __doc__)


if __name__ == '__main__':
    main()
