"""Writes melt30.in.xyz: 30-atom Al2O3 cells of the hot crystal and of the liquid, taken from MD
with a trained model and chosen by a committee of models, for labelling at the set's settings.

A model trained without liquid data binds O-O pairs at 1.05 A in a 3 000 K melt
(docs/validation-alumina.md, "Run I in MD"). As in the active-learning loop (annp-active), the
model's own MD explores and a committee picks the frames it disagrees on most:
  1. the 30-atom hexagonal corundum cell at the DFT lattice constants (a 4.8246 A, c 13.1673 A);
  2. three runs with annp's ASE calculator and MODEL (Langevin, friction 0.02/fs):
       corundum_hot   2 500 K, cell expanded 2 % along each axis, 6 ps at 1 fs;
       corundum_melt  heated at 5 000 K for 2 ps (0.5 fs), then 3 000 K for 6 ps (1 fs), at the
                      liquid's density near melting (2.93 g/cm3) and at 3.30 g/cm3 (two runs);
     the last 5 ps of each, a frame every 0.25 ps (20 per run);
  3. every frame scored by the committee: the largest per-atom standard deviation of the force
     over the models (eV/A);
  4. per run the highest-scoring frames at least 1 ps apart: 2 hot, 3 per melt density (8 in all).
Deterministic for given models and seed (velocities and Langevin noise seeded).

    PYTHONPATH=build/python /usr/bin/python3 data/alo/melt30.py MODEL COMMITTEE_MODEL... \
        [--seed 7] [--out data/alo/melt30.in.xyz] [--densities 2.93 3.30] [--no-hot]

--densities: the liquid runs' densities (g/cm3), three frames each; --no-hot: no hot-crystal run.
A later round asks a committee trained on the earlier frames about other densities (the liquid
of a model whose pressure is wrong drifts to densities no fixed-density run has shown it).

melt30.in.xyz is then labelled like the other files (annp-label, profile gpaw-pbe-600).
"""
import argparse
import os
import sys

import numpy as np
from ase import units
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.spacegroup import crystal

import annp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'integrations', 'pipeline'))
from annp_pipeline.generate import write_structures  # noqa: E402

A, C = 4.8246, 13.1673  # DFT (PBE, 600 eV) lattice constants of corundum, data/alo/README.md
AMU_A3_TO_G_CM3 = 1.66053906660
# One mesh for every 30-atom hexagonal cell (data/alo/README.md: pinned per family); without it a
# liquid cell would get the metal cells' k-point density, 14 x 14 x 5 or 15 x 15 x 5 points with no
# symmetry.
HEX_KPTS = (6, 6, 2)


def hexagonal_cell():
    return crystal(['Al', 'O'], basis=[(0, 0, 0.3522), (0.3064, 0, 0.25)], spacegroup=167,
                   cellpar=[A, A, C, 90, 90, 120])


def at_density(atoms, rho):
    mass = atoms.get_masses().sum()
    volume = mass * AMU_A3_TO_G_CM3 / rho
    scaled = atoms.copy()
    scaled.set_cell(atoms.cell * (volume / atoms.get_volume()) ** (1.0 / 3.0), scale_atoms=True)
    return scaled


def run(atoms, calc, stages, rng_seed, every_fs=250.0, keep_ps=5.0):
    """stages: (temperature K, ps, timestep fs). Frames every every_fs over the last keep_ps."""
    atoms = atoms.copy()
    atoms.calc = calc
    rng = np.random.RandomState(rng_seed)
    MaxwellBoltzmannDistribution(atoms, temperature_K=2 * stages[0][0], rng=rng)
    Stationary(atoms)
    total = sum(ps for _, ps, _ in stages)
    frames, t_fs = [], 0.0
    for temperature, ps, dt in stages:
        md = Langevin(atoms, dt * units.fs, temperature_K=temperature, friction=0.02 / units.fs,
                      rng=rng)
        steps = int(round(ps * 1000.0 / dt))
        stride = int(round(every_fs / dt))
        for k in range(steps):
            md.run(1)
            t_fs += dt
            if (k + 1) % stride == 0 and t_fs >= (total - keep_ps) * 1000.0 - 1e-6:
                f = atoms.copy()
                f.calc = None
                f.info['md_time_ps'] = round(t_fs / 1000.0, 4)
                f.info['md_temperature_K'] = temperature
                frames.append(f)
    return frames


def deviation(frame, committee):
    forces = []
    for calc in committee:
        a = frame.copy()
        a.calc = calc
        forces.append(a.get_forces())
    spread = np.std(np.array(forces), axis=0, ddof=1)  # per atom and component
    return float(np.max(np.linalg.norm(spread, axis=1)))


def pick(frames, scores, count, min_gap_ps=1.0):
    chosen = []
    for k in np.argsort(scores)[::-1]:
        t = frames[k].info['md_time_ps']
        if all(abs(t - frames[j].info['md_time_ps']) >= min_gap_ps for j in chosen):
            chosen.append(int(k))
        if len(chosen) == count:
            break
    return sorted(chosen)


def labelling_order(frames):
    """The liquid first (the data gap a melt falls into), its two densities in turn, then the hot
    crystal: each liquid cell takes an hour or more of DFT, so the order decides what lands first."""
    groups = {}
    for f in frames:
        groups.setdefault((f.info['config_type'] != 'corundum_melt', f.info['density_g_cm3']), []).append(f)
    liquid = [g for k, g in sorted(groups.items()) if not k[0]]
    rest = [f for k, g in sorted(groups.items()) if k[0] for f in g]
    turns = [g[i] for i in range(max(map(len, liquid), default=0)) for g in liquid if i < len(g)]
    return turns + rest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model', help='the model whose MD explores (annp model file)')
    ap.add_argument('committee', nargs='+', help='further models; the committee is all of them')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  'melt30.in.xyz'))
    ap.add_argument('--densities', type=float, nargs='+', default=[2.93, 3.30],
                    help='densities of the liquid runs, g/cm3')
    ap.add_argument('--no-hot', action='store_true', help='no hot-crystal run')
    a = ap.parse_args()
    if any(not 1.0 <= rho <= 5.0 for rho in a.densities):
        sys.exit(f'melt30.py: --densities: expected g/cm3 between 1 and 5, got {a.densities}')
    explorer = annp.Calculator(a.model)
    committee = [explorer] + [annp.Calculator(m) for m in a.committee]
    cell = hexagonal_cell()
    hot = cell.copy()
    hot.set_cell(cell.cell * 1.02, scale_atoms=True)
    runs = [] if a.no_hot else [('corundum_hot', hot, [(2500.0, 6.0, 1.0)], 2)]
    runs += [('corundum_melt', at_density(cell, rho), [(5000.0, 2.0, 0.5), (3000.0, 6.0, 1.0)], 3)
             for rho in a.densities]
    out = []
    for n, (kind, start, stages, count) in enumerate(runs):
        frames = run(start, explorer, stages, a.seed + n)
        scores = [deviation(f, committee) for f in frames]
        rho = start.get_masses().sum() * AMU_A3_TO_G_CM3 / start.get_volume()
        for k in pick(frames, scores, count):
            f = frames[k]
            d = f.get_all_distances(mic=True)
            np.fill_diagonal(d, np.inf)
            for key in ('spacegroup', 'unit_cell'):  # the prototype's, not the snapshot's
                f.info.pop(key, None)
            if 'spacegroup_kinds' in f.arrays:
                del f.arrays['spacegroup_kinds']
            f.info['config_type'] = kind
            f.info['committee_max_force_dev'] = round(scores[k], 4)
            f.info['density_g_cm3'] = round(rho, 3)
            f.info['kpts'] = list(HEX_KPTS)  # the 30-atom hexagonal family's mesh, pinned
            out.append(f)
            print(f'{kind} {rho:.2f} g/cm3: t {f.info["md_time_ps"]} ps, committee deviation '
                  f'{scores[k]:.3f} eV/A, shortest distance {d.min():.3f} A', flush=True)
        print(f'{kind} {rho:.2f} g/cm3: deviations of the {len(frames)} frames '
              f'{min(scores):.3f}-{max(scores):.3f} eV/A (median {np.median(scores):.3f})',
              flush=True)
    out = labelling_order(out)
    write_structures(a.out, out)
    print(f'{len(out)} structures -> {a.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
