"""annp-label: labels structures with energies, forces and stress from any ASE calculator.

    annp-label [options] INPUT.xyz OUTPUT.xyz

INPUT is any file ASE reads (extended XYZ, n2p2 input.data via annp's reader is not needed here).
OUTPUT receives one extended XYZ frame per labelled structure, appended whole as soon as it is done:
    energy, free_energy   force-consistent (Mermin) free energy, eV - forces are its gradient
    energy_zero_smearing  the same extrapolated to zero smearing, eV (not force-consistent)
    forces                eV/A;   stress  eV/A^3, ASE sign (periodic cells only)
and provenance: label_id (stable structure id), label_profile, calculator, calculator_version,
ase_version, label_settings (the settings actually used for this frame, including its k-points).
Structures already in OUTPUT (by label_id) are skipped: rerunning continues a stopped run. A
calculator exception or SCF failure is recorded in OUTPUT.failures (JSON lines) and skipped.
"""
import argparse
import datetime
import fcntl
import hashlib
import importlib
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import xyz

PROFILE_DIR = Path(__file__).resolve().parent / 'profiles'


class LabelError(Exception):
    """A problem with the input or the settings: reported with the file it concerns."""


# ---- profiles ----------------------------------------------------------------------------------


def list_profiles():
    return sorted(p.stem for p in PROFILE_DIR.glob('*.json'))


def load_profile(name_or_path):
    """A profile by name (integrations/pipeline/annp_pipeline/profiles/NAME.json) or path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = PROFILE_DIR / f'{name_or_path}.json'
    if not path.exists():
        raise LabelError(f'{name_or_path}: no such settings profile (built in: {", ".join(list_profiles())})')
    try:
        profile = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise LabelError(f'{path}:{e.lineno}: not valid JSON: {e.msg}') from None
    for key in ('name', 'calculator'):
        if key not in profile:
            raise LabelError(f'{path}: the profile needs a "{key}" entry')
    unknown = set(profile) - {'name', 'description', 'calculator', 'parameters', 'kpoints',
                              'molecule_config_types', 'stress', 'spin_polarized_config_types',
                              'pulay_dedecut'}
    if unknown:
        raise LabelError(f'{path}: unknown profile entries {sorted(unknown)}')
    if 'pulay_dedecut' in profile and profile['calculator'] != 'gpaw':
        raise LabelError(f'{path}: pulay_dedecut is a GPAW plane-wave setting, the calculator is '
                         f'{profile["calculator"]}')
    profile.setdefault('parameters', {})
    profile['_path'] = str(path)
    return profile


def _calculator_class(spec):
    """'gpaw', 'emt', or 'package.module:Class' for any other ASE calculator."""
    builtin = {'gpaw': 'gpaw:GPAW', 'emt': 'ase.calculators.emt:EMT'}
    spec = builtin.get(spec, spec)
    if ':' not in spec:
        raise LabelError(f'calculator "{spec}": expected gpaw, emt or module:Class')
    module, cls = spec.split(':', 1)
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise LabelError(f'calculator "{spec}": cannot import {module} ({e}); for gpaw install the '
                         'Debian packages gpaw and gpaw-data and run with /usr/bin/python3') from None
    return getattr(mod, cls), mod


def calculator_version(profile):
    _, mod = _calculator_class(profile['calculator'])
    top = importlib.import_module(mod.__name__.split('.')[0])
    return str(getattr(top, '__version__', 'unknown'))


def is_molecule(atoms, profile):
    return (not atoms.pbc.any()) or atoms.info.get('config_type') in profile.get('molecule_config_types', [])


def frame_settings(atoms, profile):
    """The calculator keyword arguments for one structure (k-points resolved)."""
    params = json.loads(json.dumps(profile['parameters']))
    kp = profile.get('kpoints')
    if 'kpts' in atoms.info:  # a frame may pin its mesh (one mesh for a whole family)
        mesh = [int(v) for v in np.ravel(atoms.info['kpts'])]
        if len(mesh) != 3 or min(mesh) < 1:
            raise LabelError(f'kpts info must be three positive integers, got {atoms.info["kpts"]!r}')
        params['kpts'] = {'size': mesh, 'gamma': True}
    elif kp is not None:
        params['kpts'] = [1, 1, 1] if is_molecule(atoms, profile) else dict(kp)
    if 'pulay_dedecut' in profile and not is_molecule(atoms, profile):
        params.setdefault('mode', {})['dedecut'] = pulay_dedecut(atoms, profile)
    if 'point_group' in atoms.info:
        # A frame may switch the point-group symmetry off (GPAW). A cell whose symmetry operations
        # mix its third vector into the first two (a (111) cell tilted by a Shockley partial) makes
        # GPAW raise the grid along those two to the third's: 105 x 105 x 105 points where the
        # untilted cell has 14 x 14 x 105. Without point-group operations the grid stays that of
        # the plane-wave cutoff, and k-points are reduced by time reversal only.
        flag = atoms.info['point_group']
        if not isinstance(flag, (bool, np.bool_)):
            raise LabelError(f'point_group info must be T or F, got {flag!r}')
        # Other calculators compute the frame as it is (symmetry changes the cost, not the result).
        if not flag and profile['calculator'] == 'gpaw':
            params['symmetry'] = {'point_group': False}
    if atoms.info.get('config_type') in profile.get('spin_polarized_config_types', []) or (
            atoms.has('initial_magmoms') and np.any(atoms.get_initial_magnetic_moments() != 0)):
        if profile['calculator'] == 'gpaw':
            params['spinpol'] = True
    return params


def kpoint_mesh(atoms, profile):
    """The k-point mesh a structure is labelled with, as text: '6x6x2 pinned', '14x14x6 from
    density 10', 'gamma' (molecules), or '' for calculators without k-points."""
    kpts = frame_settings(atoms, profile).get('kpts')
    if kpts is None:
        return ''
    if isinstance(kpts, dict) and 'size' in kpts:
        return 'x'.join(str(v) for v in kpts['size']) + ' pinned'
    if isinstance(kpts, dict) and 'density' in kpts:
        from ase.calculators.calculator import kptdensity2monkhorstpack
        mesh = kptdensity2monkhorstpack(atoms, kpts['density'], bool(kpts.get('even', False)))
        return 'x'.join(str(int(v)) for v in mesh) + f' from density {kpts["density"]:g}'
    return 'gamma' if list(np.ravel(kpts)) == [1, 1, 1] else 'x'.join(str(v) for v in np.ravel(kpts))


def mesh_summary(frames, profile):
    """One line: how many structures get which k-point mesh, per config_type, so that a family
    falling back to the density (a missing pin) shows before hours of DFT."""
    counts = {}
    for at in frames:
        key = (str(at.info.get('config_type', 'unknown')), kpoint_mesh(at, profile))
        counts[key] = counts.get(key, 0) + 1
    parts = [f'{ct} {mesh} x{n}' for (ct, mesh), n in sorted(counts.items()) if mesh]
    return '; '.join(parts)


def pulay_dedecut(atoms, profile):
    """dE/d(cutoff) of a structure from the profile's per-element values (eV per eV per atom).

    GPAW's plane-wave stress is the derivative at a fixed set of plane waves; at a cutoff where the
    total energy still falls with the cutoff it misses the Pulay stress (2/3) E_cut (dE/dE_cut) / V
    on the diagonal, and the stresses disagree with the energies of strained cells. GPAW adds that
    term when given dE/dE_cut (PW(..., dedecut=...)); the profile's values are measured by central
    differences of the energy in the cutoff (data/alo/README.md)."""
    table = profile['pulay_dedecut']
    total = 0.0
    for symbol in atoms.get_chemical_symbols():
        if symbol not in table:
            raise LabelError(f'profile {profile["name"]}: no pulay_dedecut value for {symbol}')
        total += float(table[symbol])
    return total


def pulay_stress(dedecut, ecut, volume):
    """The Pulay term on each diagonal stress component (eV/A^3, ASE sign), as GPAW adds it:
    (2/3) E_cut (dE/dE_cut) / V, E_cut in eV, dE/dE_cut in eV per eV, V in A^3."""
    return 2.0 / 3.0 * ecut * dedecut / volume


def correct_pulay_posthoc(path, profile):
    """Adds the Pulay stress to the frames of `path` labelled with `profile` before it had its
    pulay_dedecut values; everything else of every frame is kept bit for bit. A frame must carry
    the label_settings the profile now gives it less the dedecut entry (so only frames of this
    profile are touched); frames that have it already or have no stress are left alone. The file
    is rewritten atomically. Returns (corrected, already, without stress)."""
    from ase.io import read
    if 'pulay_dedecut' not in profile:
        raise LabelError(f'profile {profile["name"]}: no pulay_dedecut values')
    ecut = float(profile['parameters']['mode']['ecut'])
    counts = [0, 0, 0]
    texts = []
    for i, at in enumerate(read(path, ':')):
        calc, info = at.calc, dict(at.info)
        stress = calc.results.get('stress') if calc is not None else None
        now = settings_text(frame_settings(at, profile))
        before = ';'.join(w for w in now.split(';') if not w.startswith('mode.dedecut:'))
        forces = calc.results.get('forces') if calc is not None else None
        energy = calc.results.get('energy') if calc is not None else None
        free = calc.results.get('free_energy', energy) if calc is not None else None
        if stress is None:
            counts[2] += 1
        elif info.get('label_settings') == now:
            counts[1] += 1
        elif info.get('label_settings') == before:
            add = pulay_stress(pulay_dedecut(at, profile), ecut, at.get_volume())
            s = np.array(stress, dtype=float)
            if s.shape == (6,):
                s[:3] += add
            else:
                s = s + add * np.eye(3)
            stress = s
            info['label_settings'] = now
            info['pulay_posthoc'] = add
            counts[0] += 1
        else:
            raise LabelError(f'{path}: structure {i} was labelled with {info.get("label_settings")}, '
                             f'not with profile {profile["name"]} ({before})')
        clean = at.copy()
        clean.calc = None
        clean.info = {}
        texts.append(xyz.format_frame(clean, energy=energy, free_energy=free, forces=forces,
                                      stress=stress, info=info))
    xyz.write_atomically(path, ''.join(texts))
    return tuple(counts)


def _flatten(value, prefix=''):
    if isinstance(value, dict):
        out = []
        for k in sorted(value):
            out += _flatten(value[k], f'{prefix}{k}.')
        return out
    if isinstance(value, (list, tuple)):
        return [f'{prefix[:-1]}:' + ','.join(str(v) for v in value)]
    return [f'{prefix[:-1]}:{value}']


def settings_text(params):
    """Settings as one word (no spaces or quotes) for the frame's provenance."""
    return ';'.join(_flatten(params)).replace(' ', '').replace('"', '') or 'defaults'


# ---- one structure -----------------------------------------------------------------------------


def make_calculator(atoms, profile):
    """The profile's calculator for one structure, and its keyword arguments (k-points resolved)."""
    params = frame_settings(atoms, profile)
    cls, kwargs = make_calculator_kwargs(atoms, profile, params)
    return cls(**kwargs), params


def make_calculator_kwargs(atoms, profile, params):
    """The calculator class of the profile and the keyword arguments of one structure's calculator."""
    cls, _ = _calculator_class(profile['calculator'])
    kwargs = dict(params)
    if profile['calculator'] == 'gpaw':
        # GPAW's own log (SCF iterations, k-points, timings): only with --calc-log, one file per
        # structure, so that a calculation of hours can be followed while it runs.
        log_dir, label_id = profile.get('_calc_log'), atoms.info.get('label_id')
        kwargs.setdefault('txt', os.path.join(log_dir, f'{label_id}.txt') if log_dir and label_id else None)
    return cls, kwargs


def checkpoint_path(atoms, profile, params, name=None):
    """Where --scf-checkpoint keeps the SCF state of one structure: DIR/NAME-SETTINGS.gpw (NAME:
    the structure's label_id unless given), with SETTINGS a hash of the frame's settings, so that
    a state is only ever resumed with the settings it was computed with."""
    digest = hashlib.sha1(settings_text(params).encode()).hexdigest()[:10]
    return os.path.join(profile['_scf_checkpoint'], f'{name or atoms.info["label_id"]}-{digest}.gpw')


def _keep_saved_density(calc):
    """Make a calculator read from a state saved mid-SCF start from the density it saved.
    GPAW (22.8) rebuilds the density of a restarted calculation from its wave functions: for a
    converged state that is the same density, but mid-SCF it is the output density of the saved
    iteration, unmixed — an undamped step away from the mixed density the SCF had reached. In a
    liquid oxide cell that step undid most of the progress (density change 10^-1.8 before a stop,
    10^-0.7 at the first iteration after it). Instead the saved density (pseudo-density and
    atomic density matrices, as read from the file) is put back once, when GPAW first asks for
    it; the mixer's history is not in the file and starts afresh. Only for a state of the same
    geometry: a state of other positions (a relaxation's next step) is moved as GPAW does."""
    d = calc.density
    nt_xG = d.nt_xG.copy()
    D_asp = {a: D_p.copy() for a, D_p in d.D_asp.items()}

    def restore(wfs):
        del d.initialize_from_wavefunctions  # once: later steps use GPAW's own
        d.log('Density restored from the saved SCF state')
        d.nt_xG = nt_xG
        d.update_atomic_density_matrices(d.setups.empty_atomic_matrix(d.ncomponents, wfs.atom_partition))
        for a, D_p in D_asp.items():
            if a in d.D_asp:
                d.D_asp[a][:] = D_p
        d.calculate_normalized_charges_and_mix()

    d.initialize_from_wavefunctions = restore


def _checkpointed_gpaw(atoms, profile, kwargs, path, same_geometry=True):
    """A GPAW calculator that saves its SCF state (density, wave functions, convergence flag) to
    path every --scf-checkpoint-every iterations and once converged, each save written whole
    (a temporary file renamed over the last); resumed from path when a stopped run left one for
    the same structure and settings. same_geometry=False (a relaxation, whose geometry moves
    between saves): a state of the same atoms at any positions and cell is resumed, GPAW moving
    its wave functions and density to the geometry asked for, as between two relaxation steps.
    Returns (calculator, resumed)."""
    from gpaw import GPAW
    prefix = os.path.basename(path).rsplit('-', 1)[0] + '-'
    for old in os.listdir(os.path.dirname(path)):  # states of this structure with other settings
        if old.startswith(prefix) and os.path.join(os.path.dirname(path), old) != path:
            os.unlink(os.path.join(os.path.dirname(path), old))
    calc, resumed = None, False
    if os.path.exists(path):
        try:
            calc = GPAW(path, txt=kwargs.get('txt'))
            same = (len(calc.atoms) == len(atoms) and np.array_equal(calc.atoms.numbers, atoms.numbers)
                    and (not same_geometry or
                         (np.allclose(calc.atoms.positions, atoms.positions, rtol=0, atol=1e-9)
                          and np.allclose(calc.atoms.cell, atoms.cell, rtol=0, atol=1e-9))))
            if not same:
                raise ValueError('the saved state is of another structure')
            resumed = True
            if (np.allclose(calc.atoms.positions, atoms.positions, rtol=0, atol=1e-9)
                    and np.allclose(calc.atoms.cell, atoms.cell, rtol=0, atol=1e-9)):
                _keep_saved_density(calc)
        except Exception as e:  # an unreadable or foreign state is discarded, never trusted
            print(f'annp-label: {path}: SCF state not resumed ({type(e).__name__}: {e}); starting afresh',
                  file=sys.stderr)
            calc = None
            os.unlink(path)
    if calc is None:
        calc = GPAW(**kwargs)
    tmp = f'{path}.tmp.{os.getpid()}'

    def save():
        calc.write(tmp, mode='all')
        os.replace(tmp, path)

    calc.attach(save, profile.get('_scf_checkpoint_every', 2))
    return calc, resumed


def enable_scf_checkpoint(profile, directory, every=2):
    """--scf-checkpoint DIR [--scf-checkpoint-every N] on a loaded profile (GPAW only)."""
    if profile['calculator'] != 'gpaw':
        raise LabelError(f'--scf-checkpoint: only GPAW states can be saved and resumed, not {profile["calculator"]}')
    if every < 1:
        raise LabelError(f'--scf-checkpoint-every must be at least 1, got {every}')
    os.makedirs(directory, exist_ok=True)
    profile['_scf_checkpoint'] = os.path.abspath(directory)
    profile['_scf_checkpoint_every'] = every


def checkpointed_calculator(atoms, profile, name=None, same_geometry=True):
    """make_calculator for a profile with an SCF checkpoint folder: the calculator (resumed from a
    saved state where there is one, see _checkpointed_gpaw), its settings, the state's path (to
    delete once the result is written) and whether it was resumed."""
    params = frame_settings(atoms, profile)
    _, kwargs = make_calculator_kwargs(atoms, profile, params)
    path = checkpoint_path(atoms, profile, params, name)
    calc, resumed = _checkpointed_gpaw(atoms, profile, kwargs, path, same_geometry)
    return calc, params, path, resumed


def compute(atoms, profile):
    """Labels one structure; returns the frame text. Raises on any calculator failure."""
    at = atoms.copy()
    if profile.get('_scf_checkpoint') and profile['calculator'] == 'gpaw':
        at.calc, params, path, resumed = checkpointed_calculator(atoms, profile)
        if resumed:
            at.info['scf_resumed'] = True
        text = results_frame(at, atoms.info['label_id'], profile, params)
        os.unlink(path)
        return text
    at.calc, params = make_calculator(atoms, profile)
    return results_frame(at, atoms.info['label_id'], profile, params)


def results_frame(at, label_id, profile, params, stress=True):
    """The labelled frame of `at` (which carries its calculator, or a step's stored results)
    with its provenance. stress=False: none even where the profile computes it (the steps of a
    positions-only relaxation have energies and forces only)."""
    energy = at.get_potential_energy()
    try:
        free = at.get_potential_energy(force_consistent=True)
    except Exception:  # calculators without a free energy (EMT): no smearing, the same number
        free = energy
    forces = at.get_forces()
    want_stress = (stress and profile.get('stress', 'periodic') == 'periodic' and at.pbc.all()
                   and not is_molecule(at, profile))
    stress = at.get_stress(voigt=False) if want_stress else None
    for name, v in (('energy', free), ('forces', forces), ('stress', stress)):
        if v is not None and not np.all(np.isfinite(v)):
            raise FloatingPointError(f'the calculator returned a non-finite {name}')
    info = {
        'energy_zero_smearing': float(energy),
        'label_id': label_id,
        'label_profile': profile['name'],
        'calculator': profile['calculator'],
        'calculator_version': calculator_version(profile),
        'ase_version': importlib.import_module('ase').__version__,
        'label_settings': settings_text(params),
    }
    clean = at.copy()
    clean.calc = None
    for k in ('energy', 'free_energy', 'stress', 'energy_zero_smearing'):
        clean.info.pop(k, None)
    return xyz.format_frame(clean, energy=free, free_energy=free, forces=forces, stress=stress, info=info)


def _worker(args):
    """Runs in a worker process: (label_id, frame text or None, error record or None, seconds)."""
    atoms, profile = args
    t = time.time()
    try:
        return atoms.info['label_id'], compute(atoms, profile), None, time.time() - t
    except Exception as e:  # any calculator failure is recorded, never fatal to the run
        return atoms.info['label_id'], None, {
            'label_id': atoms.info['label_id'],
            'config_type': atoms.info.get('config_type'),
            'index': atoms.info.get('index'),
            'natoms': len(atoms),
            'error': type(e).__name__,
            'message': str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__,
            'traceback': traceback.format_exc(limit=3),
            'profile': profile['name'],
            'time': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        }, time.time() - t


# ---- the run -----------------------------------------------------------------------------------


def _hms(seconds):
    if seconds is None or not math.isfinite(seconds):
        return '--:--:--'
    s = int(round(seconds))
    return f'{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}'


def read_input(path):
    from ase.io import read
    if not os.path.exists(path):
        raise LabelError(f'{path}: no such file')
    try:
        frames = read(path, ':')
    except Exception as e:
        raise LabelError(f'{path}: cannot read structures ({type(e).__name__}: {e})') from None
    for k, at in enumerate(frames):
        if len(at) == 0:
            raise LabelError(f'{path}: structure {k} has no atoms')
        if not np.all(np.isfinite(at.positions)):
            raise LabelError(f'{path}: structure {k} has non-finite positions')
        d = at.get_all_distances(mic=at.pbc.any()) if len(at) > 1 else None
        if d is not None:
            d[np.diag_indices_from(d)] = np.inf
            if d.min() < 0.3:
                raise LabelError(f'{path}: structure {k} ({at.info.get("config_type", "no config_type")}) has atoms '
                                 f'{d.min():.3f} A apart: overlapping atoms (wrong units?)')
        at.info.setdefault('label_id', xyz.structure_id(at))
    return frames


def labelled_ids(path):
    """label_ids already present in an output file (after cutting off a partial last frame)."""
    from ase.io import read
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return set()
    return {str(at.info.get('label_id')) for at in read(path, ':')}


def failed_ids(path):
    out = set()
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        out.add(json.loads(line)['label_id'])
                    except (json.JSONDecodeError, KeyError):
                        pass  # a torn last line of a killed run: that structure is retried
    return out


class Progress:
    def __init__(self, total, stream=sys.stderr, every=30.0):
        self.total, self.stream, self.every = total, stream, every
        self.done = self.failed = 0
        self.start = time.time()
        self.busy = 0.0
        self.last_print = 0.0
        self.tty = stream.isatty()

    def update(self, label, natoms, seconds, ok, jobs):
        self.done += 1
        self.failed += 0 if ok else 1
        self.busy += seconds
        elapsed = time.time() - self.start
        eta = (self.total - self.done) * elapsed / self.done if self.done else None
        line = (f'annp-label: {self.done}/{self.total} ({100.0 * self.done / max(1, self.total):.0f} %), '
                f'{self.failed} failed | last {label} ({natoms} atoms) {seconds:.1f} s | '
                f'elapsed {_hms(elapsed)} | ETA {_hms(eta)}')
        if self.tty:
            self.stream.write('\r\033[K' + line + ('\n' if self.done == self.total else ''))
        elif self.done == self.total or time.time() - self.last_print >= self.every or self.done <= 3:
            self.stream.write(line + '\n')
            self.last_print = time.time()
        self.stream.flush()


def label(input_path, output_path, profile, jobs=1, retry_failed=False, limit=0, quiet=False,
          progress_every=30.0, first=()):
    """Labels the structures of input_path not yet in output_path, those whose config_type is in
    first ahead of the rest (in the order named, each in file order). Returns (labelled, failed,
    skipped)."""
    frames = read_input(input_path)
    types = {str(at.info.get('config_type', '')) for at in frames}
    unknown = [t for t in first if t not in types]
    if unknown:
        raise LabelError(f'--first: no structure of {input_path} has config_type {", ".join(unknown)} '
                         f'(present: {", ".join(sorted(types))})')
    out_dir = os.path.dirname(os.path.abspath(output_path))
    os.makedirs(out_dir, exist_ok=True)
    lock = open(output_path + '.lock', 'w')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise LabelError(f'{output_path}: another annp-label is writing this file (lock {output_path}.lock)') from None
    try:
        cut = xyz.repair_tail(output_path)
        if cut and not quiet:
            print(f'annp-label: {output_path}: removed a partial last frame ({cut} bytes) left by a stopped run',
                  file=sys.stderr)
        done = labelled_ids(output_path)
        failures_path = output_path + '.failures'
        failed = set() if retry_failed else failed_ids(failures_path)
        todo, seen = [], set()
        for at in frames:
            i = str(at.info['label_id'])
            if i in done or i in failed or i in seen:
                continue
            seen.add(i)
            todo.append(at)
        skipped = len(frames) - len(todo)
        rank = {t: k for k, t in enumerate(first)}  # a stable sort: file order within each group
        todo.sort(key=lambda at: rank.get(str(at.info.get('config_type', '')), len(rank)))
        if limit:
            todo = todo[:limit]
        if not quiet:
            print(f'annp-label: {input_path}: {len(frames)} structures, {skipped} already labelled or failed '
                  f'before, {len(todo)} to label with profile {profile["name"]} '
                  f'({profile["calculator"]} {calculator_version(profile)}), {jobs} job(s)', file=sys.stderr)
            meshes = mesh_summary(todo, profile)
            if meshes:
                print(f'annp-label: k-points: {meshes}', file=sys.stderr)
        progress = Progress(len(todo), every=progress_every)
        n_ok = n_fail = 0

        def handle(result, at):
            nonlocal n_ok, n_fail
            label_id, text, err, seconds = result
            if text is not None:
                xyz.append_text(output_path, text)
                n_ok += 1
            else:
                xyz.append_text(failures_path, json.dumps(err) + '\n')
                n_fail += 1
                if not quiet:
                    print(f'\nannp-label: structure {label_id} ({err["config_type"]}) failed: {err["error"]}: '
                          f'{err["message"]} (recorded in {failures_path})', file=sys.stderr)
            if not quiet:
                progress.update(at.info.get('config_type', '?'), len(at), seconds, text is not None, jobs)

        args = [(at, profile) for at in todo]
        if jobs <= 1:
            for a in args:
                handle(_worker(a), a[0])
        else:
            import multiprocessing as mp
            by_id = {a[0].info['label_id']: a[0] for a in args}
            with mp.get_context('fork').Pool(jobs, maxtasksperchild=1) as pool:
                for result in pool.imap_unordered(_worker, args):
                    handle(result, by_id[result[0]])
        return n_ok, n_fail, skipped
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def main(argv=None):
    p = argparse.ArgumentParser(prog='annp-label', description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog='built-in profiles: ' + ', '.join(list_profiles()))
    p.add_argument('input', help='structures to label (any format ASE reads)')
    p.add_argument('output', help='labelled extended XYZ (appended; rerun to continue)')
    p.add_argument('--profile', default='emt', help='settings profile: a built-in name or a JSON file (default emt)')
    p.add_argument('-j', '--jobs', type=int, default=1, help='parallel calculations (one process each)')
    p.add_argument('--retry-failed', action='store_true', help='try the structures of OUTPUT.failures again')
    p.add_argument('--limit', type=int, default=0, help='label at most this many structures this run')
    p.add_argument('--first', metavar='TYPES', default='',
                   help='comma-separated config_types to label ahead of the others (in that order)')
    p.add_argument('--progress-every', type=float, default=30.0, help='seconds between progress lines when not on a terminal')
    p.add_argument('--calc-log', metavar='DIR',
                   help="write the calculator's own log of each structure to DIR/LABEL_ID.txt (GPAW)")
    p.add_argument('--scf-checkpoint', metavar='DIR',
                   help='save the SCF state of each structure in DIR while it runs and resume a stopped '
                        "structure's SCF from it (GPAW; for cells that take hours)")
    p.add_argument('--scf-checkpoint-every', type=int, default=2, metavar='N',
                   help='SCF iterations between two saves of the state (default 2)')
    p.add_argument('--show-settings', action='store_true', help='print the resolved profile and exit')
    p.add_argument('-q', '--quiet', action='store_true')
    a = p.parse_args(argv)
    try:
        if a.jobs < 1:
            raise LabelError(f'--jobs must be at least 1, got {a.jobs}')
        profile = load_profile(a.profile)
        if a.show_settings:
            print(json.dumps({k: v for k, v in profile.items() if not k.startswith('_')}, indent=2))
            return 0
        os.environ.setdefault('OMP_NUM_THREADS', '1')
        if a.calc_log:
            if profile['calculator'] != 'gpaw':
                raise LabelError(f'--calc-log: only GPAW writes a log of its own, not {profile["calculator"]}')
            os.makedirs(a.calc_log, exist_ok=True)
            profile['_calc_log'] = os.path.abspath(a.calc_log)
        if a.scf_checkpoint:
            enable_scf_checkpoint(profile, a.scf_checkpoint, a.scf_checkpoint_every)
        ok, failed, skipped = label(a.input, a.output, profile, jobs=a.jobs, retry_failed=a.retry_failed,
                                    limit=a.limit, quiet=a.quiet, progress_every=a.progress_every,
                                    first=[t for t in a.first.split(',') if t])
        if not a.quiet:
            print(f'annp-label: labelled {ok}, failed {failed}, skipped {skipped}; output {a.output}', file=sys.stderr)
        return 1 if failed and not ok else 0
    except LabelError as e:
        print(f'annp-label: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('\nannp-label: interrupted; every finished structure is saved, rerun to continue', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
