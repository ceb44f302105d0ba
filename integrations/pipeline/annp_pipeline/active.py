"""annp-active: the active-learning loop - train a committee, explore with MD, select, label, repeat.

    annp-active CONFIG.json

Each iteration, in its own folder WORKDIR/iter-NNN/:
  1. data.xyz     the training data: the seed data and everything labelled in earlier iterations;
  2. train/       a committee of K models (annp-train, seeds 1..K: different splits and initial
                  weights), warm-started from the previous iteration's members;
  3. explore/     MD with member 1 in LAMMPS through the annp KIM model driver, for every condition
                  (temperature, pressure, ensemble, steps) and starting structure; frames dumped;
  4. scored.xyz   every frame scored by the committee (annp-predict M1,...,MK): max_force_dev, the
                  largest per-atom force standard deviation, and the descriptor extrapolation count;
  5. selected.xyz frames with lo <= max_force_dev < hi (or outside the descriptor range and below
                  hi) are candidates; at most max_per_iteration of them, chosen by farthest-point
                  sampling on a structural fingerprint (diversity), highest deviation first;
  6. labelled.xyz the selection labelled by annp-label with the configured profile;
  7. report.md, deviation.svg: accurate / candidate / failed fractions per condition, the
                  deviation histograms, data added, errors of the committee on the fixed test set.
The loop stops when at every condition at least converged_fraction of the frames are accurate
(max_force_dev < lo), or after `iterations`. Every stage leaves a marker file when it is complete;
a killed run restarts at the first incomplete stage and, since every stage is deterministic,
ends with the same data and models as an uninterrupted run.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from . import label as labeller
from . import xyz
from .generate import read_json

DEFAULTS = {
    'workdir': 'active',
    'data': None,              # labelled seed data (extended XYZ)
    'structures': None,        # or unlabelled seed structures, labelled first with `profile`
    'test_data': None,         # labelled structures never trained on: errors reported each iteration
    'profile': 'emt',
    'label_jobs': 1,
    'committee': 4,
    'train_config': None,      # an annp-train configuration file
    'train': {},               # annp-train keys overriding it
    'warm_start': True,
    'threads': 1,
    'explore': {
        'starts': None,        # starting structures (default: the seed structures)
        'start_config_types': None,
        'max_starts': 4,
        'conditions': [{'name': '300K', 'temperature': 300.0, 'steps': 1000, 'dump_every': 50}],
        'timestep_fs': 2.0,
        'seed': 1,
    },
    'select': {'lo': 0.05, 'hi': 0.5, 'max_per_iteration': 20, 'fingerprint_cutoff': 6.0},
    'iterations': 5,
    'converged_fraction': 0.95,
    'bin': None,               # folder with annp-train and annp-predict (default: build/examples)
    'lmp': 'lmp',
    'kim_collection': None,    # default: WORKDIR/kim
}

ROOT = Path(__file__).resolve().parents[3]


class ActiveError(Exception):
    pass


def log(msg):
    print(f'annp-active: {msg}', flush=True)


# ---- configuration -----------------------------------------------------------------------------


def load_config(path):
    user = read_json(path, ActiveError)
    unknown = set(user) - set(DEFAULTS)
    if unknown:
        raise ActiveError(f'{path}: unknown keys {sorted(unknown)} (known: {", ".join(DEFAULTS)})')
    cfg = json.loads(json.dumps(DEFAULTS))
    for k, v in user.items():
        if isinstance(cfg.get(k), dict) and isinstance(v, dict) and k != 'train':
            bad = set(v) - set(cfg[k])
            if bad:
                raise ActiveError(f'{path}: unknown keys in "{k}": {sorted(bad)} (known: {", ".join(cfg[k])})')
            cfg[k].update(v)
        else:
            cfg[k] = v
    base = Path(path).resolve().parent
    for k in ('workdir', 'data', 'structures', 'test_data', 'train_config', 'bin', 'kim_collection'):
        if cfg[k] is not None:
            cfg[k] = str((base / cfg[k]).resolve())
    if cfg['explore']['starts'] is not None:
        cfg['explore']['starts'] = str((base / cfg['explore']['starts']).resolve())
    if (cfg['data'] is None) == (cfg['structures'] is None):
        raise ActiveError(f'{path}: give exactly one of "data" (labelled) or "structures" (to label)')
    if int(cfg['committee']) < 2:
        raise ActiveError(f'{path}: "committee" must be at least 2, got {cfg["committee"]}')
    sel = cfg['select']
    if not 0 <= sel['lo'] < sel['hi']:
        raise ActiveError(f'{path}: the trust window needs 0 <= lo < hi, got lo={sel["lo"]} hi={sel["hi"]}')
    for c in cfg['explore']['conditions']:
        if 'temperature' not in c:
            raise ActiveError(f'{path}: every exploration condition needs a "temperature" (K)')
    cfg['bin'] = cfg['bin'] or str(ROOT / 'build' / 'examples')
    for tool in ('annp-train', 'annp-predict'):
        if not os.access(os.path.join(cfg['bin'], tool), os.X_OK):
            raise ActiveError(f'{os.path.join(cfg["bin"], tool)}: not found; build annp first or set "bin"')
    cfg['kim_collection'] = cfg['kim_collection'] or os.path.join(cfg['workdir'], 'kim')
    cfg['profile_data'] = labeller.load_profile(cfg['profile'])
    return cfg


# ---- stages ------------------------------------------------------------------------------------


write_atomically = xyz.write_atomically


def stage(folder, name, fn):
    """Runs fn() unless folder/.NAME.done exists; writes the marker when fn returns."""
    marker = os.path.join(folder, f'.{name}.done')
    if os.path.exists(marker):
        return False
    os.makedirs(folder, exist_ok=True)
    t = time.time()
    fn()
    write_atomically(marker, f'{time.time() - t:.1f} s\n')
    return True


def _die_with_parent():
    """In a child process: be killed when the driver dies (even by SIGKILL), so that a restarted
    driver never races an orphaned annp-train or LAMMPS writing into the folder it starts again."""
    import ctypes
    import signal
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run(cmd, cwd=None, env=None, what=None, allow_failure=False):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=e, capture_output=True, text=True,
                       preexec_fn=_die_with_parent)
    if p.returncode != 0 and not allow_failure:
        tail = (p.stdout[-2000:] + '\n' + p.stderr[-2000:]).strip()
        raise ActiveError(f'{what or cmd[0]} failed (exit {p.returncode}):\n{tail}')
    return p


def read_frames(path):
    from ase.io import read
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    return read(path, ':')


def write_frames(path, frames):
    write_atomically(path, ''.join(xyz.format_frame(
        at, energy=_get(at, 'energy'), free_energy=_get(at, 'free_energy'),
        forces=_get(at, 'forces'), stress=_get(at, 'stress')) for at in frames))


def _get(at, name):
    calc = at.calc
    if calc is None or name not in getattr(calc, 'results', {}):
        return None
    v = calc.results[name]
    if name == 'stress' and np.shape(v) == (6,):
        from ase.constraints import voigt_6_to_full_3x3_stress
        v = voigt_6_to_full_3x3_stress(v)
    return v


def concatenate(out, parts, order_by=None):
    """Writes the whole frames of parts into out; order_by maps a file to the label_id order."""
    text = []
    for p in parts:
        if not os.path.exists(p):
            continue
        if order_by and p in order_by:
            frames = {str(at.info['label_id']): at for at in read_frames(p)}
            for i in order_by[p]:
                if i in frames:
                    at = frames[i]
                    text.append(xyz.format_frame(at, energy=_get(at, 'energy'), free_energy=_get(at, 'free_energy'),
                                                 forces=_get(at, 'forces'), stress=_get(at, 'stress')))
        else:
            end, _ = xyz.complete_frames(p)
            with open(p) as fh:
                text.append(fh.read(end))
    write_atomically(out, ''.join(text))


class Loop:
    def __init__(self, cfg):
        self.cfg = cfg
        self.work = cfg['workdir']
        os.makedirs(self.work, exist_ok=True)
        self.seed_path = os.path.join(self.work, 'seed.xyz')

    # -- seed
    def seed(self):
        def make():
            if self.cfg['data']:
                frames = read_frames(self.cfg['data'])
                if not frames:
                    raise ActiveError(f'{self.cfg["data"]}: no structures')
                for at in frames:
                    if _get(at, 'energy') is None:
                        raise ActiveError(f'{self.cfg["data"]}: a structure has no energy label; use "structures" to label')
                    at.info.setdefault('label_id', xyz.structure_id(at))
                write_frames(self.seed_path, frames)
            else:
                out = os.path.join(self.work, 'seed-labelled.xyz')
                labeller.label(self.cfg['structures'], out, self.cfg['profile_data'], jobs=self.cfg['label_jobs'],
                               quiet=True)
                order = [str(at.info['label_id']) for at in labeller.read_input(self.cfg['structures'])]
                concatenate(self.seed_path, [out], {out: order})
        if stage(self.work, 'seed', make):
            log(f'seed data: {len(read_frames(self.seed_path))} labelled structures in {self.seed_path}')

    def elements(self):
        els = set()
        for at in read_frames(self.seed_path):
            els.update(at.get_chemical_symbols())
        from ase.data import atomic_numbers
        return sorted(els, key=lambda e: atomic_numbers[e])

    def iter_dir(self, i):
        return os.path.join(self.work, f'iter-{i:03d}')

    # -- 1. data
    def data(self, i):
        d = self.iter_dir(i)
        path = os.path.join(d, 'data.xyz')

        def make():
            parts, order = [self.seed_path], {}
            for j in range(i):
                lab = os.path.join(self.iter_dir(j), 'labelled.xyz')
                sel = os.path.join(self.iter_dir(j), 'selected.xyz')
                parts.append(lab)
                order[lab] = [str(at.info['label_id']) for at in read_frames(sel)]
            concatenate(path, parts, order)
        stage(d, 'data', make)
        return path

    # -- 2. committee
    def train(self, i, data):
        d = self.iter_dir(i)
        models = []
        for k in range(int(self.cfg['committee'])):
            out = os.path.join(d, 'train', f'member-{k + 1}')
            models.append(os.path.join(out, 'model.annp'))

            def make(k=k, out=out):
                if os.path.exists(out):
                    shutil.rmtree(out)  # a run killed half-way starts again from the same state
                cmd = [os.path.join(self.cfg['bin'], 'annp-train')]
                if self.cfg['train_config']:
                    cmd.append(self.cfg['train_config'])
                keys = {**{kk: str(v) for kk, v in self.cfg['train'].items()},
                        'data': data, 'output': out, 'seed': str(k + 1), 'threads': str(self.cfg['threads'])}
                prev = os.path.join(self.iter_dir(i - 1), 'train', f'member-{k + 1}', 'model.annp')
                if self.cfg['warm_start'] and i > 0 and os.path.exists(prev):
                    keys['init_model'] = prev
                cmd += [f'{kk}={v}' for kk, v in keys.items()]
                log(f'iteration {i}: training committee member {k + 1}/{self.cfg["committee"]}')
                run(cmd, what=f'annp-train (member {k + 1})')
            stage(d, f'train-{k + 1}', make)
        return models

    # -- 3. exploration
    def starts(self):
        e = self.cfg['explore']
        frames = read_frames(e['starts']) if e['starts'] else read_frames(self.seed_path)
        if e['start_config_types']:
            frames = [f for f in frames if f.info.get('config_type') in e['start_config_types']]
        frames = [f for f in frames if f.pbc.all()]
        if not frames:
            raise ActiveError('exploration: no periodic starting structure (set explore.starts)')
        step = max(1, len(frames) // max(1, int(e['max_starts'])))
        return frames[::step][:int(e['max_starts'])]

    def explore(self, i, model):
        d = self.iter_dir(i)
        exp = os.path.join(d, 'explore')
        name = f'ANNP_active_{i:03d}'
        coll = self.cfg['kim_collection']
        env = {'KIM_API_CONFIGURATION_FILE': os.path.join(coll, 'kim-api.config'), 'OMP_NUM_THREADS': str(self.cfg['threads'])}

        def install():
            log(f'iteration {i}: installing member 1 as KIM model {name}')
            run([ROOT / 'integrations' / 'kim' / 'annp-kim-install', model, name, coll], what='annp-kim-install')
        stage(d, 'kim', install)
        elements = self.elements()
        starts = self.starts()
        e = self.cfg['explore']
        for c, cond in enumerate(e['conditions']):
            for s, start in enumerate(starts):
                folder = os.path.join(exp, f'cond-{c}-start-{s}')

                def md(folder=folder, cond=cond, start=start, c=c, s=s):
                    if os.path.exists(folder):
                        shutil.rmtree(folder)
                    os.makedirs(folder)
                    self.run_md(folder, name, elements, start, cond, seed=int(e['seed']) + 1000 * i + 37 * c + s,
                                env=env, condition=c, start_index=s)
                if not os.path.exists(os.path.join(exp, f'.md-{c}-{s}.done')):
                    log(f'iteration {i}: MD condition {c} ({cond.get("name", "")}) start {s}')
                stage(exp, f'md-{c}-{s}', md)
        frames_path = os.path.join(d, 'explored.xyz')

        def collect():
            parts = [os.path.join(exp, f'cond-{c}-start-{s}', 'frames.xyz')
                     for c in range(len(e['conditions'])) for s in range(len(starts))]
            concatenate(frames_path, parts)
        stage(d, 'explored', collect)
        return frames_path

    def run_md(self, folder, name, elements, start, cond, seed, env, condition, start_index):
        from ase.io import write
        at = start.copy()
        at.calc = None
        write(os.path.join(folder, 'start.data'), at, format='lammps-data', specorder=elements, atom_style='atomic')
        T = float(cond['temperature'])
        steps = int(cond.get('steps', 1000))
        every = int(cond.get('dump_every', 50))
        dt = float(cond.get('timestep_fs', self.cfg['explore']['timestep_fs'])) / 1000.0
        if 'pressure' in cond:
            P = float(cond['pressure']) * 10000.0  # GPa -> bar
            shape = 'aniso' if np.allclose(at.cell.angles(), 90.0) else 'tri'  # tri needs a tilted box
            ens = f'fix md all npt temp {T} {T} {100 * dt} {shape} {P} {P} {1000 * dt}'
        else:
            ens = f'fix md all nvt temp {T} {T} {100 * dt}'
        from ase.data import atomic_masses, atomic_numbers
        masses = [f'mass {t + 1} {atomic_masses[atomic_numbers[el]]:.6f}' for t, el in enumerate(elements)]
        text = '\n'.join([
            f'kim init {name} metal',
            'atom_style atomic',
            'boundary p p p',
            'read_data start.data'] + masses + [
            f'kim interactions {" ".join(elements)}',
            f'velocity all create {T} {seed} mom yes rot no dist gaussian',
            ens,
            f'timestep {dt}',
            'thermo 100',
            f'dump frames all custom {every} dump.lammpstrj id type x y z',
            'dump_modify frames sort id',
            'thermo_modify lost error',
            f'run {steps}',
            ''])
        Path(folder, 'in.lammps').write_text(text)
        p = run([self.cfg['lmp'], '-in', 'in.lammps', '-log', 'log.lammps', '-screen', 'none'], cwd=folder, env=env,
                allow_failure=True)
        failed = p.returncode != 0
        frames = []
        dump = os.path.join(folder, 'dump.lammpstrj')
        if os.path.exists(dump):
            from ase.io import read
            try:
                frames = read(dump, ':', format='lammps-dump-text', specorder=elements)
            except Exception:
                frames = []  # a dump cut by a crash: the frames before it were read by nobody
        out = []
        for k, f in enumerate(frames):
            f.calc = None
            f.pbc = True
            f.info = {'config_type': f'md_{cond.get("name", condition)}', 'condition': condition,
                      'start': start_index, 'step': k * every, 'md_failed': failed}
            out.append(f)
        write_frames(os.path.join(folder, 'frames.xyz'), out)
        Path(folder, 'status').write_text('failed\n' if failed else 'ok\n')

    # -- 4. scoring
    def score(self, i, models, frames_path):
        d = self.iter_dir(i)
        out = os.path.join(d, 'scored.xyz')

        def make():
            if not read_frames(frames_path):
                write_atomically(out, '')
                return
            run([os.path.join(self.cfg['bin'], 'annp-predict'), '--threads', self.cfg['threads'],
                 ','.join(models), frames_path, out], what='annp-predict (committee)')
        stage(d, 'scored', make)
        return out

    # -- 5. selection
    def select(self, i, scored):
        d = self.iter_dir(i)
        out = os.path.join(d, 'selected.xyz')
        sel = self.cfg['select']

        def make():
            frames = read_frames(scored)
            cand = [f for f in frames if classify(f, sel) == 'candidate']
            chosen = farthest_point(cand, int(sel['max_per_iteration']), float(sel['fingerprint_cutoff']))
            clean = []
            for f in chosen:
                g = f.copy()
                g.calc = None
                g.info = {'config_type': f.info['config_type'], 'active_iteration': i,
                          'max_force_dev': float(f.info['max_force_dev'])}
                g.info['label_id'] = xyz.structure_id(g)
                clean.append(g)
            write_frames(out, clean)
        stage(d, 'selected', make)
        return out

    # -- 6. labelling
    def label(self, i, selected):
        d = self.iter_dir(i)
        out = os.path.join(d, 'labelled.xyz')

        def make():
            if not read_frames(selected):
                write_atomically(out, '')
                return
            log(f'iteration {i}: labelling {len(read_frames(selected))} structures with {self.cfg["profile"]}')
            labeller.label(selected, out, self.cfg['profile_data'], jobs=int(self.cfg['label_jobs']), quiet=True)
        stage(d, 'labelled', make)
        return out

    # -- 7. report
    def report(self, i, models, scored, selected, labelled, data):
        d = self.iter_dir(i)
        sel = self.cfg['select']
        frames = read_frames(scored)
        conds = self.cfg['explore']['conditions']
        rows, devs = [], {}
        converged = True
        for c, cond in enumerate(conds):
            fs = [f for f in frames if int(f.info.get('condition', -1)) == c]
            kinds = [classify(f, sel) for f in fs]
            n = max(1, len(fs))
            acc = kinds.count('accurate') / n
            converged &= bool(fs) and acc >= float(self.cfg['converged_fraction'])
            extr = sum(1 for f in fs if np.any(f.arrays.get('extrapolations', 0)))
            crashed = len({int(f.info['start']) for f in fs if f.info.get('md_failed')})
            converged &= crashed == 0
            rows.append((cond.get('name', str(c)), len(fs), acc, kinds.count('candidate') / n,
                         kinds.count('failed') / n, extr, crashed))
            devs[cond.get('name', str(c))] = [float(f.info['max_force_dev']) for f in fs]
        test = self.test_errors(i, models)
        n_sel = len(read_frames(selected))
        lab = read_frames(labelled)
        ndata = read_frames(data)
        lines = [f'# Active learning, iteration {i}', '',
                 f'Training data: {len(ndata)} structures, {sum(len(a) for a in ndata)} atoms '
                 f'(committee of {len(models)}). Trust window: lo = {sel["lo"]} eV/A, hi = {sel["hi"]} eV/A.', '',
                 '| condition | frames | accurate | candidate | failed | extrapolating frames | MD runs stopped |',
                 '| --- | --- | --- | --- | --- | --- | --- |']
        for name, n, a, cnd, fl, ex, cr in rows:
            lines.append(f'| {name} | {n} | {100 * a:.1f} % | {100 * cnd:.1f} % | {100 * fl:.1f} % | {ex} | {cr} |')
        lines += ['', f'Selected {n_sel} structures; labelled {len(lab)} '
                      f'({sum(len(a) for a in lab)} atoms) with profile {self.cfg["profile"]}.']
        if test:
            lines.append(f'Committee on the fixed test set ({test["structures"]} structures): energy RMSE '
                         f'{test["energy_rmse"] * 1000:.2f} meV/atom, force RMSE {test["force_rmse"] * 1000:.1f} meV/A.')
        lines += ['', 'Deviation histograms: deviation.svg', '']
        write_atomically(os.path.join(d, 'report.md'), '\n'.join(lines))
        write_atomically(os.path.join(d, 'deviation.svg'), histogram_svg(devs, sel['lo'], sel['hi'], f'iteration {i}'))
        summary = {'iteration': i, 'data_structures': len(ndata), 'data_atoms': sum(len(a) for a in ndata),
                   'conditions': [{'name': r[0], 'frames': r[1], 'accurate': r[2], 'candidate': r[3],
                                   'failed': r[4], 'extrapolating': r[5], 'md_stopped': r[6],
                                   'mean_max_force_dev': float(np.mean(devs[r[0]])) if devs[r[0]] else None}
                                  for r in rows],
                   'selected': n_sel, 'labelled': len(lab), 'test': test, 'converged': converged}
        write_atomically(os.path.join(d, 'summary.json'), json.dumps(summary, indent=1) + '\n')
        return summary

    def test_errors(self, i, models):
        if not self.cfg['test_data']:
            return None
        out = os.path.join(self.iter_dir(i), 'test-predicted.xyz')
        run([os.path.join(self.cfg['bin'], 'annp-predict'), '--threads', self.cfg['threads'], ','.join(models),
             self.cfg['test_data'], out], what='annp-predict (test set)')
        ref = read_frames(self.cfg['test_data'])
        pred = read_frames(out)
        de, df = [], []
        for r, p in zip(ref, pred):
            de.append((_get(p, 'energy') - _get(r, 'energy')) / len(r))
            df.extend((np.asarray(_get(p, 'forces')) - np.asarray(_get(r, 'forces'))).ravel())
        return {'structures': len(ref), 'energy_rmse': float(np.sqrt(np.mean(np.square(de)))),
                'force_rmse': float(np.sqrt(np.mean(np.square(df))))}

    def run(self):
        self.seed()
        history = []
        for i in range(int(self.cfg['iterations'])):
            data = self.data(i)
            models = self.train(i, data)
            frames = self.explore(i, models[0])
            scored = self.score(i, models, frames)
            summary_path = os.path.join(self.iter_dir(i), 'summary.json')
            selected = self.select(i, scored)
            labelled = self.label(i, selected)
            stage(self.iter_dir(i), 'report', lambda: self.report(i, models, scored, selected, labelled, data))
            with open(summary_path) as fh:
                s = json.load(fh)
            history.append(s)
            acc = ', '.join(f'{c["name"]} {100 * c["accurate"]:.0f} %' for c in s['conditions'])
            log(f'iteration {i}: accurate {acc}; selected {s["selected"]}, labelled {s["labelled"]}; '
                f'data {s["data_structures"]} structures' + (
                    f'; test E {1000 * s["test"]["energy_rmse"]:.2f} meV/atom F {1000 * s["test"]["force_rmse"]:.1f} meV/A'
                    if s['test'] else ''))
            if s['converged']:
                log(f'converged after iteration {i}: at every condition at least '
                    f'{100 * self.cfg["converged_fraction"]:.0f} % of the frames are accurate')
                break
        write_summary(self.work, history)
        return history


def classify(frame, sel):
    dev = float(frame.info.get('max_force_dev', math.inf))
    extrapolating = bool(np.any(frame.arrays.get('extrapolations', 0)))
    if not math.isfinite(dev) or dev >= sel['hi']:
        return 'failed'
    if dev >= sel['lo'] or extrapolating:
        return 'candidate'
    return 'accurate'


def fingerprint(at, rc, bins=48, sigma=0.15):
    """Per-element-pair radial distribution, Gaussian-smeared and divided by the atom count."""
    from ase.neighborlist import neighbor_list
    i, j, d = neighbor_list('ijd', at, rc)
    z = at.get_atomic_numbers()
    pairs = sorted({(min(a, b), max(a, b)) for a in set(z) for b in set(z)})
    grid = np.linspace(0.5, rc, bins)
    out = []
    for a, b in pairs:
        m = ((z[i] == a) & (z[j] == b)) | ((z[i] == b) & (z[j] == a))
        h = np.exp(-0.5 * ((grid[None, :] - d[m][:, None]) / sigma) ** 2).sum(axis=0) if m.any() else np.zeros(bins)
        out.append(h / len(at))
    return np.concatenate(out)


def farthest_point(frames, n, rc):
    """Up to n frames: the most uncertain first, then each the farthest from those chosen."""
    if len(frames) <= n:
        return sorted(frames, key=lambda f: -float(f.info['max_force_dev']))
    fps = [fingerprint(f, rc) for f in frames]
    width = max(len(v) for v in fps)
    X = np.array([np.pad(v, (0, width - len(v))) for v in fps])
    first = int(np.argmax([float(f.info['max_force_dev']) for f in frames]))
    chosen = [first]
    dist = np.linalg.norm(X - X[first], axis=1)
    while len(chosen) < n:
        k = int(np.argmax(dist))
        chosen.append(k)
        dist = np.minimum(dist, np.linalg.norm(X - X[k], axis=1))
    return [frames[k] for k in chosen]


def histogram_svg(devs, lo, hi, title):
    """Histograms of max_force_dev per condition on a log axis, with the trust window."""
    W, H, L, R, T, B = 640, 360, 60, 20, 30, 50
    allv = [v for vs in devs.values() for v in vs if v > 0 and math.isfinite(v)]
    x0 = math.log10(min(allv + [lo]) / 2)
    x1 = math.log10(max(allv + [hi]) * 2)
    edges = np.linspace(x0, x1, 41)
    colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
    hists = {k: np.histogram(np.log10([v for v in vs if v > 0 and math.isfinite(v)]), bins=edges)[0]
             for k, vs in devs.items()}
    ymax = max([h.max() for h in hists.values() if len(h)] + [1])
    X = lambda v: L + (v - x0) / (x1 - x0) * (W - L - R)
    Y = lambda c: H - B - c / ymax * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle">committee force deviation, {title}</text>',
           f'<rect x="{X(math.log10(lo)):.1f}" y="{T}" width="{X(math.log10(hi)) - X(math.log10(lo)):.1f}" '
           f'height="{H - T - B}" fill="#f3e6b0"/>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    for p in range(math.floor(x0), math.ceil(x1) + 1):
        if x0 <= p <= x1:
            out.append(f'<line x1="{X(p):.1f}" y1="{H - B}" x2="{X(p):.1f}" y2="{H - B + 5}" stroke="black"/>')
            out.append(f'<text x="{X(p):.1f}" y="{H - B + 18}" text-anchor="middle">1e{p}</text>')
    out.append(f'<text x="{W / 2}" y="{H - 10}" text-anchor="middle">max over atoms of the force deviation (eV/Å); '
               f'shaded: trust window</text>')
    out.append(f'<text x="15" y="{H / 2}" transform="rotate(-90 15 {H / 2})" text-anchor="middle">frames</text>')
    for k, (name, h) in enumerate(hists.items()):
        col = colors[k % len(colors)]
        pts = []
        for b in range(len(h)):
            pts += [f'{X(edges[b]):.1f},{Y(h[b]):.1f}', f'{X(edges[b + 1]):.1f},{Y(h[b]):.1f}']
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{col}" stroke-width="1.5"/>')
        out.append(f'<text x="{W - R - 5}" y="{T + 15 + 15 * k}" text-anchor="end" fill="{col}">{name}</text>')
    out.append('</svg>\n')
    return '\n'.join(out)


def write_summary(work, history):
    lines = ['# Active-learning run', '', '| iteration | data structures | data atoms | ' +
             ' | '.join(f'accurate {c["name"]}' for c in history[0]['conditions']) + ' | selected | test E (meV/atom) | test F (meV/Å) |',
             '| --- ' * (5 + len(history[0]['conditions'])) + '| --- |']
    for s in history:
        t = s['test']
        lines.append(f'| {s["iteration"]} | {s["data_structures"]} | {s["data_atoms"]} | ' +
                     ' | '.join(f'{100 * c["accurate"]:.1f} %' for c in s['conditions']) +
                     f' | {s["selected"]} | ' + (f'{1000 * t["energy_rmse"]:.2f} | {1000 * t["force_rmse"]:.1f}' if t else '- | -') + ' |')
    write_atomically(os.path.join(work, 'report.md'), '\n'.join(lines) + '\n')
    write_atomically(os.path.join(work, 'history.json'), json.dumps(history, indent=1) + '\n')


def main(argv=None):
    p = argparse.ArgumentParser(prog='annp-active', description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='active-learning configuration (JSON; keys in docs/data.md)')
    a = p.parse_args(argv)
    try:
        cfg = load_config(a.config)
        Loop(cfg).run()
        log(f'report: {os.path.join(cfg["workdir"], "report.md")}')
        return 0
    except (ActiveError, labeller.LabelError) as e:
        print(f'annp-active: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('\nannp-active: interrupted; rerun the same command to continue', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
