#!/usr/bin/python3
"""Tests of the data pipeline (annp-label, annp-generate, annp-active) with ASE's EMT.

Usage: test_pipeline.py CASE BUILD_DIR WORK_DIR

Cases:
  label-emt       energies, forces and stress equal ASE's EMT to the last bit; provenance; resume
                  skips what is done; annp's own reader reads the output.
  label-kill      SIGKILL at random moments: every frame in the output is whole, none twice, and
                  the finished run equals an uninterrupted one; a torn last frame is cut off.
  label-failure   a failing calculator is recorded in OUTPUT.failures and skipped, never fatal;
                  --retry-failed tries again; a second labeller on the same output is refused.
  label-errors    missing input, overlapping atoms, unknown profile, --calc-log for a calculator
                  without a log: exit 2 with a clear message.
  generate        every kind; byte-identical reruns; appending a set changes no other; errors.
  active-al       two iterations from 10 Al seed structures: data grows, the committee deviation
                  of the explored frames shrinks, reports and histograms are written.
  active-resume   the driver killed (SIGKILL) mid-iteration twice and restarted ends with the same
                  data and models as an uninterrupted run.
  active-alo      two elements (Al, O): the loop runs and both elements are in every model.
  predict-committee annp-predict with a committee: mean of the members, force_dev = spread.
  references      data/al/v2/references.py with EMT: every job runs, a rerun computes nothing,
                  (C11 + 2 C12)/3 equals EMT's own bulk modulus, relaxing lowers every defect
                  energy, the stacking fault is positive; annp-properties computes the same
                  reference numbers from the frames; unknown jobs are refused.
  alo-references  data/alo/references.py with EMT: each of the 14 calculations runs once, a rerun computes nothing,
                  the 30-atom cell rebuilt from the relaxed 10-atom cell's a, c, u, x has its
                  energy per atom (so the parameters are read back right), the tensor's C31 = C13,
                  the chemical-potential limits differ by the formation energy; annp-corundum
                  --references computes every value of the report from the same frames.
  xyz-frames      xyz.frame_spans / complete_frames / repair_tail on whole, blank-separated and
                  torn files: the offset past the last whole frame, the frame count and the line
                  of each kind of damage (cut comment or atom line, short atom line, bad count).
  alo-vacancy-cells data/alo/vacancy_model.py --unrelaxed: the 30-atom cell's vacancies are
                  references.py's; --cell rho80 is the relaxed 10-atom bulk of references.xyz
                  repeated 2x2x2 less one O or one Al (the same volume per atom, k-points 3x3x3,
                  vacancy images 9.6 A apart).
  alo-rattled-round data/alo/rattled10.py --seed with the committed tail-40 committee writes the
                  committed rattled10b.in.xyz (the same cells in the same order): fresh candidates
                  (none of the first round's), no pair below 1.2 A, most uncertain first; with
                  --trust and the eq3 committee, the committed rattled10d.in.xyz.
  select          annp-select: the COUNT candidates of a recipe with the largest committee force
                  deviation (annp-predict's own, recomputed), none with a pair below the distance,
                  most uncertain first; byte-identical reruns, another --seed other candidates; one
                  model, a missing recipe or no candidate left: exit 2 and nothing written.
  alo-member-paths data/alo/member_paths.py with the committed tail-42-slab committee writes the
                  committed slab_paths.in.xyz and vacancy_paths.in.xyz (the same frames in order):
                  frames only from members whose relaxation strays from the mean's (none for
                  the O vacancy), each the committee's most uncertain steps; one model is refused.
  alo-evaluate    data/alo/evaluate.py on the committed tail-35 committee reproduces the errors
                  docs/validation-alumina.md gives for it (3.38 / 105 and 2.45 / 53).
  alo-pool        data/alo/pool.py: the frames of the listed files in order, byte for byte, less
                  the held-out label_ids (--held-out: those alone), FILE:N taking the first N; a missing frame count, a
                  malformed frame, a repeated label_id or too few frames are refused with the file
                  (and line) named, and nothing is written.
  pulay           profiles with pulay_dedecut: GPAW's dedecut is the sum of the per-element values
                  for periodic cells (none for molecules; unknown elements and non-GPAW profiles
                  refused); the post hoc correction adds (2/3) E_cut dE/dE_cut / V to the diagonal
                  stress and keeps every other number bit for bit, is idempotent (the file
                  unchanged by a second run) and refuses frames of another profile; the start-up line
                  names each config_type's k-point mesh (pinned, from the density, or Gamma).
  gpaw-smoke      (slow) one 1-atom Al cell with GPAW at the bundled set's settings (its GPAW log
                  written by --calc-log) equals the
                  bundled value to 1 meV/atom; GPAW's stress with a dedecut differs from the one
                  without by exactly the post hoc Pulay term; --scf-checkpoint: a run killed
                  mid-SCF resumes from the saved state (a stale state of other settings removed)
                  and gives the uninterrupted run's energy and stress to 1e-6; no state is left;
                  a state saved at the third iteration resumes from its saved density (GPAW's
                  own restart, from the wave functions, does not); a reference relaxation (refjobs, references.py --scf-checkpoint) killed
                  mid-SCF after two steps resumes the running step and ends where an
                  uninterrupted one ends (same steps, energy to 1e-5 eV).
Prints PASS at the end.
"""
import io
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
PIPE = os.path.join(ROOT, 'integrations', 'pipeline')
sys.path.insert(0, PIPE)

from ase.build import bulk  # noqa: E402
from ase.calculators.emt import EMT  # noqa: E402
from ase.io import read, write  # noqa: E402

from annp_pipeline import xyz  # noqa: E402

sys.path.insert(0, os.path.dirname(HERE))
from script_support import check, fail, run_case  # noqa: E402


def tool(name, *args, env=None, check_rc=True, **kw):
    e = dict(os.environ)
    e['PYTHONPATH'] = HERE + os.pathsep + e.get('PYTHONPATH', '')
    e.update(env or {})
    p = subprocess.run([os.path.join(PIPE, name), *map(str, args)], capture_output=True, text=True, env=e, **kw)
    if check_rc and p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])
        fail(f'{name} {" ".join(map(str, args))} exited with {p.returncode}')
    return p


def structures(n, seed=1, sizes=(2, 4)):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat((sizes[k % len(sizes)] // 2 + 1, 1, 1))
        at.positions += rng.normal(0, 0.05, at.positions.shape)
        at.info['config_type'] = f'rattled_{len(at)}'
        out.append(at)
    return out


def profile(path, calculator):
    with open(path, 'w') as fh:
        json.dump({'name': os.path.basename(path)[:-5], 'calculator': calculator, 'parameters': {}}, fh)
    return path


# ---- labeller ----------------------------------------------------------------------------------


def case_label_emt(build, work):
    inp = os.path.join(work, 'in.xyz')
    out = os.path.join(work, 'out.xyz')
    frames = structures(6)
    write(inp, frames)
    tool('annp-label', inp, out, '--profile', 'emt', '-j', '2')
    got = {a.info['label_id']: a for a in read(out, ':')}
    check(len(got) == 6, 'six structures labelled')
    for at in read(inp, ':'):
        ref = at.copy()
        ref.calc = EMT()
        g = got[xyz.structure_id(at)]
        if not (ref.get_potential_energy() == g.get_potential_energy()
                and np.array_equal(ref.get_forces(), g.get_forces())
                and np.array_equal(ref.get_stress(), g.get_stress())
                and np.array_equal(ref.positions, g.positions)):
            fail('labels differ from ASE EMT in the last digit')
        for key in ('label_id', 'label_profile', 'calculator', 'calculator_version', 'ase_version',
                    'label_settings', 'energy_zero_smearing', 'config_type'):
            if key not in g.info:
                fail(f'provenance key {key} missing')
    check(True, 'energies, forces, stress and positions bit-identical to ASE EMT; provenance present')
    p = tool('annp-label', inp, out, '--profile', 'emt')
    check('6 already labelled' in p.stderr and len(read(out, ':')) == 6, 'rerun skips the labelled structures')
    summary = subprocess.run([os.path.join(build, 'examples', 'annp-summary'), out], capture_output=True, text=True)
    check(summary.returncode == 0 and 'total' in summary.stdout, "annp's own reader reads the labelled file")
    # --first: the named config_types ahead of the rest, each group in file order
    first = os.path.join(work, 'first.xyz')
    tool('annp-label', inp, first, '--profile', 'emt', '--first', 'rattled_12')
    order = [a.info['config_type'] for a in read(first, ':')]
    ids = [a.info['label_id'] for a in read(first, ':')]
    by_file = [xyz.structure_id(a) for a in read(inp, ':')]
    check(order == ['rattled_12'] * 3 + ['rattled_8'] * 3
          and ids == [by_file[k] for k in (1, 3, 5, 0, 2, 4)], f'--first rattled_12 labels those first: {order}')
    p = tool('annp-label', inp, os.path.join(work, 'none.xyz'), '--profile', 'emt', '--first', 'vacancy',
             check_rc=False)
    check(p.returncode == 2 and 'no structure of' in p.stderr and 'config_type vacancy' in p.stderr
          and 'rattled_12, rattled_8' in p.stderr, 'an absent config_type in --first is named')


def case_label_kill(build, work):
    inp = os.path.join(work, 'in.xyz')
    write(inp, structures(24, seed=2))
    slow = profile(os.path.join(work, 'slow.json'), 'slow_calculators:SlowEMT')
    ref = os.path.join(work, 'ref.xyz')
    tool('annp-label', inp, ref, '--profile', slow, '-q')
    out = os.path.join(work, 'out.xyz')
    rnd = random.Random(5)
    e = dict(os.environ, PYTHONPATH=HERE)
    kills = 0
    for _ in range(6):
        p = subprocess.Popen([os.path.join(PIPE, 'annp-label'), inp, out, '--profile', slow, '-q', '-j', '2'],
                             env=e, start_new_session=True)
        # Kill at a random moment after this run has started writing (on a loaded machine the
        # interpreter can take longer to start than the whole random window).
        started = time.monotonic()
        size0 = os.path.getsize(out) if os.path.exists(out) else 0
        while p.poll() is None and time.monotonic() - started < 60 and \
                (os.path.getsize(out) if os.path.exists(out) else 0) == size0:
            time.sleep(0.02)
        time.sleep(rnd.uniform(0.1, 0.8))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            kills += 1
        p.wait()
        size = os.path.getsize(out) if os.path.exists(out) else 0
        end, n = xyz.complete_frames(out) if size else (0, 0)
        if end != size:
            fail(f'a killed run left a partial frame ({size - end} bytes)')
        ids = [a.info['label_id'] for a in read(out, ':')] if size else []
        if len(ids) != len(set(ids)):
            fail('a structure was written twice')
    check(kills >= 3, f'labeller killed {kills} times; after each kill every frame is whole and none is repeated')
    tool('annp-label', inp, out, '--profile', slow, '-q')
    a = {f.info['label_id']: f for f in read(out, ':')}
    b = {f.info['label_id']: f for f in read(ref, ':')}
    check(a.keys() == b.keys() and all(a[k].get_potential_energy() == b[k].get_potential_energy()
                                       and np.array_equal(a[k].get_forces(), b[k].get_forces()) for k in a),
          'resumed run equals the uninterrupted one')
    # A torn frame (from a full disk or an older writer) is cut off and labelled again.
    with open(out, 'rb') as fh:
        data = fh.read()
    with open(out, 'wb') as fh:
        fh.write(data[:len(data) - 40])
    p = tool('annp-label', inp, out, '--profile', slow)
    check('removed a partial last frame' in p.stderr and len(read(out, ':')) == 24, 'torn last frame cut off and relabelled')


def case_label_failure(build, work):
    inp = os.path.join(work, 'in.xyz')
    frames = structures(4, seed=3, sizes=(2, 4))
    odd = frames[0].copy()
    del odd[0]
    odd.info['config_type'] = 'odd'
    write(inp, frames + [odd])
    failing = profile(os.path.join(work, 'failing.json'), 'slow_calculators:FailingEMT')
    out = os.path.join(work, 'out.xyz')
    p = tool('annp-label', inp, out, '--profile', failing)
    check(len(read(out, ':')) == 4, 'the four good structures are labelled despite the failure')
    with open(out + '.failures') as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    check(len(recs) == 1 and recs[0]['config_type'] == 'odd' and 'SCF did not converge' in recs[0]['message']
          and recs[0]['error'] == 'RuntimeError', 'the failure is recorded with its type and message')
    check('failed' in p.stderr, 'the failure is reported on the terminal')
    p = tool('annp-label', inp, out, '--profile', failing)
    check('5 already labelled or failed' in p.stderr, 'a rerun does not retry a recorded failure')
    p = tool('annp-label', inp, out, '--profile', failing, '--retry-failed', check_rc=False)
    check('1 to label' in p.stderr and p.returncode == 1, '--retry-failed tries it again (and exits 1 when all fail)')
    # Two labellers on one output: the second is refused.
    slow = profile(os.path.join(work, 'slow.json'), 'slow_calculators:SlowEMT')
    out2 = os.path.join(work, 'out2.xyz')
    e = dict(os.environ, PYTHONPATH=HERE)
    first = subprocess.Popen([os.path.join(PIPE, 'annp-label'), inp, out2, '--profile', slow, '-q'], env=e)
    time.sleep(0.3)
    p = tool('annp-label', inp, out2, '--profile', slow, check_rc=False)
    first.wait()
    check(p.returncode == 2 and 'another annp-label is writing' in p.stderr, 'a second labeller on one output is refused')


def case_label_errors(build, work):
    p = tool('annp-label', os.path.join(work, 'missing.xyz'), os.path.join(work, 'o.xyz'), check_rc=False)
    check(p.returncode == 2 and 'missing.xyz: no such file' in p.stderr, 'missing input named')
    at = bulk('Al', 'fcc', a=4.05, cubic=True)
    at.positions[1] = at.positions[0] + 0.05
    write(os.path.join(work, 'overlap.xyz'), at)
    p = tool('annp-label', os.path.join(work, 'overlap.xyz'), os.path.join(work, 'o.xyz'), check_rc=False)
    check(p.returncode == 2 and 'overlapping atoms' in p.stderr and 'structure 0' in p.stderr, 'overlapping atoms refused')
    p = tool('annp-label', os.path.join(work, 'overlap.xyz'), os.path.join(work, 'o.xyz'), '--profile', 'nope',
             check_rc=False)
    check(p.returncode == 2 and 'no such settings profile' in p.stderr and 'gpaw-pbe' in p.stderr, 'unknown profile named')
    bad = os.path.join(work, 'bad.json')
    with open(bad, 'w') as fh:
        fh.write('{"name": "x",\n "calculator": }')
    p = tool('annp-label', os.path.join(work, 'overlap.xyz'), os.path.join(work, 'o.xyz'), '--profile', bad,
             check_rc=False)
    check(p.returncode == 2 and 'bad.json:2: not valid JSON' in p.stderr, 'malformed profile named with its line')
    good = os.path.join(work, 'good.xyz')
    write(good, bulk('Al', 'fcc', a=4.05))
    p = tool('annp-label', good, os.path.join(work, 'o.xyz'), '--calc-log', os.path.join(work, 'logs'),
             check_rc=False)
    check(p.returncode == 2 and '--calc-log: only GPAW' in p.stderr and not os.path.exists(os.path.join(work, 'o.xyz')),
          '--calc-log refused for a calculator without a log of its own, nothing labelled')
    from annp_pipeline import label
    for name in label.list_profiles():  # every built-in profile loads and names itself
        prof = label.load_profile(name)
        check(prof['name'] == name and prof['calculator'] in ('gpaw', 'emt'), f'built-in profile {name} is valid')
    check(label.load_profile('gpaw-pbe-600')['parameters']['mode']['ecut'] == 600.0, 'the Al-O profile is at 600 eV')


# ---- generators --------------------------------------------------------------------------------

RECIPE = {
    'seed': 3,
    'prototypes': {'fcc': {'bulk': {'name': 'Al', 'crystalstructure': 'fcc', 'a': 4.04}},
                   'corundum': {'crystal': {'symbols': ['Al', 'O'], 'basis': [[0, 0, 0.352], [0.306, 0, 0.25]],
                                            'spacegroup': 167, 'cellpar': [4.76, 4.76, 12.99, 90, 90, 120],
                                            'primitive_cell': True}}},
    'sets': [
        {'kind': 'bulk', 'prototype': 'fcc', 'scales': [0.85, 1.15, 5], 'config_type': 'fcc_volume'},
        {'kind': 'bulk', 'prototype': 'fcc', 'count': 3, 'scale': [0.9, 1.1], 'strain': 0.08},
        {'kind': 'bulk', 'prototype': 'fcc', 'count': 2, 'repeat': [2, 2, 2], 'sigma': [0.03, 0.2], 'strain': 0.03},
        {'kind': 'vacancy', 'prototype': 'fcc', 'repeat': [3, 3, 3], 'count': 2, 'vacancies': 2},
        {'kind': 'interstitial', 'prototype': 'fcc', 'repeat': [2, 2, 2], 'count': 1, 'element': 'Al'},
        {'kind': 'surface', 'prototype': 'fcc', 'miller': [1, 1, 1], 'layers': 5, 'vacuum': 6, 'size': [2, 2],
         'adatoms': 1},
        {'kind': 'stacking_fault', 'prototype': 'fcc', 'layers': 9, 'fractions': [0, 0.5, 1]},
        {'kind': 'dimer', 'elements': ['O', 'O'], 'distances': [1.1, 1.4, 2], 'magmoms': [1, 1],
         'config_type': 'o2_dimer'},
        {'kind': 'bulk', 'prototype': 'corundum', 'count': 2, 'sigma': [0.05, 0.1], 'kpts': [5, 5, 5]},
        {'kind': 'liquid', 'composition': {'Al': 8, 'O': 12}, 'volume_per_atom': 10, 'min_distance': 1.7},
    ]}


def case_generate(build, work):
    r = os.path.join(work, 'r.json')
    with open(r, 'w') as fh:
        json.dump(RECIPE, fh)
    a, b = os.path.join(work, 'a.xyz'), os.path.join(work, 'b.xyz')
    tool('annp-generate', r, a)
    tool('annp-generate', r, b)
    check(open(a).read() == open(b).read(), 'reruns are byte-identical')
    fr = read(a, ':')
    kinds = {f.info['gen_kind'] for f in fr}
    check(kinds == {'bulk', 'vacancy', 'interstitial', 'surface', 'stacking_fault', 'dimer', 'liquid'}, 'every kind made')
    by = {}
    for f in fr:
        by.setdefault(f.info['config_type'], []).append(f)
    check(len(by['fcc_vacancy'][0]) == 25, 'divacancy in a 27-atom cell has 25 atoms')
    v = by['fcc_volume']
    check(np.isclose(v[0].get_volume() / v[-1].get_volume(), (0.85 / 1.15) ** 3), 'volume scan spans 0.85..1.15 in a')
    sf = by['fcc_stacking_fault']
    check([f.info['sf_fraction'] for f in sf] == [0.0, 0.5, 1.0] and all(len(f) == 9 for f in sf),
          'stacking-fault path cells')
    check(all(np.allclose(f.get_initial_magnetic_moments(), 1) for f in by['o2_dimer']), 'O2 carries its moments')
    cor = by['corundum_bulk']
    check(len(cor[0]) == 10 and list(cor[0].info['kpts']) == [5, 5, 5], 'corundum primitive cell with a pinned mesh')
    check(all(xyz.structure_id(f) for f in fr) and min(
        min(np.min(f.get_all_distances(mic=True) + 9 * np.eye(len(f))) for f in fr if len(f) > 1), 10) > 0.9,
        'no overlapping atoms')
    # Appending a set does not change the structures of the others.
    more = dict(RECIPE, sets=RECIPE['sets'] + [{'kind': 'dimer', 'elements': ['Al', 'Al'], 'distances': [2, 3, 2]}])
    with open(r, 'w') as fh:
        json.dump(more, fh)
    tool('annp-generate', r, b)
    fb = read(b, ':')
    check(len(fb) == len(fr) + 2 and all(np.array_equal(x.positions, y.positions) for x, y in zip(fr, fb)),
          'appending a set leaves the others unchanged')
    # Errors
    with open(r, 'w') as fh:
        json.dump({'sets': [{'kind': 'bulk', 'prototype': 'nope'}]}, fh)
    p = tool('annp-generate', r, b, check_rc=False)
    check(p.returncode == 2 and "unknown prototype 'nope'" in p.stderr, 'unknown prototype named')
    with open(r, 'w') as fh:
        json.dump({'sets': [{'kind': 'melt'}]}, fh)
    p = tool('annp-generate', r, b, check_rc=False)
    check(p.returncode == 2 and "unknown kind 'melt'" in p.stderr, 'unknown kind named')
    # Explicit strains (Voigt, engineering shears) after the scale: cell = scale * cell0 (1 + eps).
    strains = [[0.01, 0, 0, 0, 0, 0], [0, 0, 0, 0.02, 0, 0], [0, 0, 0, 0, 0, -0.02]]
    fcc = {'bulk': {'name': 'Al', 'crystalstructure': 'fcc', 'a': 4.0}}
    with open(r, 'w') as fh:
        json.dump({'prototypes': {'fcc': fcc}, 'sets': [
            {'kind': 'bulk', 'prototype': 'fcc', 'scale': 1.01, 'strains': strains, 'kpts': [9, 9, 9]}]}, fh)
    tool('annp-generate', r, b)
    fb = read(b, ':')
    cell0 = 1.01 * np.array(bulk('Al', 'fcc', a=4.0).cell)
    eps = [np.array([[0.01, 0, 0], [0, 0, 0], [0, 0, 0]]), np.array([[0, 0, 0], [0, 0, 0.01], [0, 0.01, 0]]),
           np.array([[0, -0.01, 0], [-0.01, 0, 0], [0, 0, 0]])]
    check(len(fb) == 3 and all(np.allclose(f.cell, cell0 @ (np.eye(3) + e), atol=1e-12) for f, e in zip(fb, eps))
          and all(list(f.info['kpts']) == [9, 9, 9] for f in fb), 'explicit strains, engineering shears, one mesh')
    for bad, text in (({'strains': [[0.01, 0, 0]]}, '6 Voigt components'),
                      ({'strains': strains, 'strain': 0.02}, 'takes neither')):
        with open(r, 'w') as fh:
            json.dump({'prototypes': {'fcc': fcc}, 'sets': [dict({'kind': 'bulk', 'prototype': 'fcc'}, **bad)]}, fh)
        p = tool('annp-generate', r, b, check_rc=False)
        check(p.returncode == 2 and text in p.stderr, f'strains: "{text}" named')


# ---- active learning ---------------------------------------------------------------------------


def active_config(work, build, seed_recipe, name, iterations=2, extra=None):
    gen = os.path.join(work, f'{name}-seed.xyz')
    tool('annp-generate', os.path.join(HERE, seed_recipe), gen)
    cfg = {
        'workdir': os.path.join(work, name),
        'structures': gen,
        'profile': 'emt',
        'committee': 3,
        'train_config': os.path.join(HERE, 'train-small.conf'),
        'explore': {'conditions': [{'name': '300K', 'temperature': 300, 'steps': 400, 'dump_every': 20}],
                    'start_config_types': None, 'max_starts': 2, 'timestep_fs': 2.0},
        'select': {'lo': 0.02, 'hi': 2.0, 'max_per_iteration': 8},
        'iterations': iterations,
        'converged_fraction': 1.01,
        'bin': os.path.join(build, 'examples'),
        'kim_collection': os.path.join(build, 'pipeline-kim'),
    }
    for k, v in (extra or {}).items():
        if isinstance(v, dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    path = os.path.join(work, f'{name}.json')
    with open(path, 'w') as fh:
        json.dump(cfg, fh)
    return path, cfg['workdir']


def mean_dev(path):
    devs = [float(f.info['max_force_dev']) for f in read(path, ':')]
    return float(np.mean(devs)), len(devs)


def case_active_al(build, work):
    test_in, test = os.path.join(work, 'test-in.xyz'), os.path.join(work, 'test.xyz')
    tool('annp-generate', os.path.join(HERE, 'al_seed.json'), test_in, '--seed', 99)
    tool('annp-label', test_in, test, '-q')
    cfg, wd = active_config(work, build, 'al_seed.json', 'al',
                            extra={'explore': {'start_config_types': ['fcc_rattled']}, 'test_data': test})
    tool('annp-active', cfg)
    h = json.load(open(os.path.join(wd, 'history.json')))
    check(len(h) == 2, 'two iterations ran')
    check(h[1]['data_structures'] > h[0]['data_structures'] and h[1]['labelled'] > 0,
          f'data grows: {h[0]["data_structures"]} -> {h[1]["data_structures"]} structures')
    d0, n0 = mean_dev(os.path.join(wd, 'iter-000', 'scored.xyz'))
    d1, n1 = mean_dev(os.path.join(wd, 'iter-001', 'scored.xyz'))
    check(n0 > 10 and n1 > 10 and d1 < d0, f'committee deviation shrinks: mean max_force_dev {d0:.4f} -> {d1:.4f} eV/A')
    check(h[1]['conditions'][0]['accurate'] > h[0]['conditions'][0]['accurate'], 'accurate fraction grows')
    t0, t1 = h[0]['test'], h[1]['test']
    check(t0 and t1 and t0['structures'] == 10 and np.isfinite(t1['energy_rmse']) and np.isfinite(t1['force_rmse']),
          f'errors on the fixed test set reported: E {1000 * t0["energy_rmse"]:.1f} -> {1000 * t1["energy_rmse"]:.1f} '
          f'meV/atom, F {1000 * t0["force_rmse"]:.0f} -> {1000 * t1["force_rmse"]:.0f} meV/A')
    for f in ('report.md', 'iter-000/report.md', 'iter-001/deviation.svg', 'iter-000/summary.json'):
        check(os.path.getsize(os.path.join(wd, f)) > 0, f'{f} written')
    check('<svg' in open(os.path.join(wd, 'iter-000', 'deviation.svg')).read(), 'histogram is an SVG')
    lab = read(os.path.join(wd, 'iter-000', 'labelled.xyz'), ':')
    check(all(f.info['label_profile'] == 'emt' and 'active_iteration' in f.info for f in lab),
          'labelled frames carry provenance and their iteration')


def snapshot(wd):
    """Data and models of a run, with its own folder name taken out of the text."""
    out = {}
    for dirpath, _, files in os.walk(wd):
        for f in files:
            if f in ('model.annp', 'data.xyz', 'labelled.xyz', 'selected.xyz', 'scored.xyz', 'seed.xyz'):
                p = os.path.join(dirpath, f)
                out[os.path.relpath(p, wd)] = open(p).read().replace(wd, 'WORKDIR')
    return out


def case_active_resume(build, work):
    cfg_a, wd_a = active_config(work, build, 'al_seed.json', 'run-a',
                                extra={'explore': {'start_config_types': ['fcc_rattled']}})
    tool('annp-active', cfg_a)
    cfg_b, wd_b = active_config(work, build, 'al_seed.json', 'run-b',
                                extra={'explore': {'start_config_types': ['fcc_rattled']}})
    e = dict(os.environ, PYTHONPATH=HERE)
    for marker in (os.path.join(wd_b, 'iter-000', 'explore', '.md-0-0.done'),
                   os.path.join(wd_b, 'iter-001', '.train-2.done')):
        p = subprocess.Popen([os.path.join(PIPE, 'annp-active'), cfg_b], env=e, stdout=subprocess.DEVNULL)
        t = time.time()
        while not os.path.exists(marker) and p.poll() is None and time.time() - t < 300:
            time.sleep(0.05)
        if p.poll() is not None:
            fail(f'the driver ended before {marker}')
        p.send_signal(signal.SIGKILL)
        p.wait()
        print(f'  killed the driver after {os.path.relpath(marker, wd_b)}')
    tool('annp-active', cfg_b)
    a, b = snapshot(wd_a), snapshot(wd_b)
    check(a.keys() == b.keys() and len(a) >= 12, f'both runs made the same {len(a)} data and model files')
    diff = [k for k in a if a[k] != b[k]]
    check(not diff, 'killed-and-resumed run equals the uninterrupted run: ' + (', '.join(diff) or 'all files identical'))


def case_active_alo(build, work):
    cfg, wd = active_config(work, build, 'alo_seed.json', 'alo',
                            extra={'select': {'lo': 0.05, 'hi': 5.0, 'max_per_iteration': 8},
                                   'explore': {'start_config_types': ['alo_rattled'],
                                               'conditions': [{'name': '300K', 'temperature': 300, 'steps': 200,
                                                               'dump_every': 20, 'timestep_fs': 1.0}]}})
    tool('annp-active', cfg)
    h = json.load(open(os.path.join(wd, 'history.json')))
    check(len(h) == 2 and h[1]['data_structures'] > h[0]['data_structures'], 'two iterations, data grows')
    for k in (1, 2, 3):
        text = open(os.path.join(wd, 'iter-001', 'train', f'member-{k}', 'model.annp')).read()
        if 'Al' not in text or ' O' not in text:
            fail('a model lacks one of the elements')
    check(True, 'every committee model has Al and O networks')
    member = os.path.join(wd, 'iter-001', 'train', 'member-1')
    log = open(os.path.join(member, 'train.log')).read()
    check('force RMSE per element' in log and ' Al ' in log.split('force RMSE per element')[1].splitlines()[0]
          and all(os.path.exists(os.path.join(member, f'parity_forces_{el}.svg')) for el in ('Al', 'O')),
          'the held-out report gives force errors and parity plots per element')
    fr = read(os.path.join(wd, 'iter-001', 'scored.xyz'), ':')
    check(all(set(f.get_chemical_symbols()) == {'Al', 'O'} for f in fr) and all(
        np.isfinite(float(f.info['max_force_dev'])) for f in fr), 'explored frames keep both elements, finite deviations')


def case_predict_committee(build, work):
    cfg, wd = active_config(work, build, 'al_seed.json', 'pc', iterations=1,
                            extra={'explore': {'start_config_types': ['fcc_rattled'],
                                               'conditions': [{'name': '300K', 'temperature': 300, 'steps': 40,
                                                               'dump_every': 20}]}})
    tool('annp-active', cfg)
    models = [os.path.join(wd, 'iter-000', 'train', f'member-{k}', 'model.annp') for k in (1, 2, 3)]
    data = os.path.join(wd, 'seed.xyz')
    pred = os.path.join(build, 'examples', 'annp-predict')
    outs = []
    for k, m in enumerate(models):
        o = os.path.join(work, f'm{k}.xyz')
        subprocess.run([pred, m, data, o], check=True, capture_output=True)
        outs.append(read(o, ':'))
    o = os.path.join(work, 'c.xyz')
    p = subprocess.run([pred, ','.join(models), data, o], capture_output=True, text=True)
    check(p.returncode == 0 and 'committee of 3 models' in p.stdout, 'committee prediction runs')
    for s, frame in enumerate(read(o, ':')):
        F = np.array([outs[k][s].get_forces() for k in range(3)])
        E = np.array([outs[k][s].get_potential_energy() for k in range(3)])
        dev = np.linalg.norm(F.std(axis=0, ddof=1), axis=1)
        if not (np.isclose(frame.get_potential_energy(), E.mean(), rtol=0, atol=1e-10)
                and np.allclose(frame.get_forces(), F.mean(axis=0), rtol=0, atol=1e-10)
                and np.allclose(frame.arrays['force_dev'], dev, rtol=1e-9, atol=1e-12)
                and np.isclose(frame.info['max_force_dev'], dev.max(), rtol=1e-9, atol=1e-12)
                and np.isclose(frame.info['energy_std'], E.std(ddof=1), rtol=1e-9, atol=1e-12)):
            fail(f'structure {s}: committee mean/deviation differ from the members')
    check(True, 'mean energy and forces, force_dev, max_force_dev and energy_std equal those of the members')
    p = subprocess.run([pred, models[0] + ',', data], capture_output=True, text=True)
    check(p.returncode == 1 and 'empty model path' in p.stderr, 'an empty entry in the model list is an error')


def case_references(build, work):
    script = os.path.join(ROOT, 'data', 'al', 'v2', 'references.py')

    def run(*args, ok=True):
        p = subprocess.run([sys.executable, script, '--profile', 'emt', '--out', work, *args],
                           capture_output=True, text=True)
        if ok and p.returncode != 0:
            print(p.stdout[-3000:], p.stderr[-3000:])
            fail(f'references.py {" ".join(args)} exited with {p.returncode}')
        return p

    import shutil
    shutil.rmtree(os.path.join(work, 'references.relax'), ignore_errors=True)
    if os.path.exists(os.path.join(work, 'references.xyz')):
        os.remove(os.path.join(work, 'references.xyz'))
    run()
    frames = read(os.path.join(work, 'references.xyz'), ':')
    names = [a.info['ref_name'] for a in frames]
    check(len(names) == len(set(names)) == 15, f'15 calculations, each once: {names}')
    again = run()
    check(again.stdout.count(' atoms ') == 0, 'a rerun computes nothing')
    table = {}
    for line in run('--report').stdout.splitlines():
        cols = [c.strip() for c in line.strip('|').split('|')]
        if len(cols) == 3 and cols[1][:1] in set('-0123456789') and cols[1][:3] != '---':
            table[cols[0]] = float(cols[1].split()[0])
    a0 = table['fcc a0']
    # EMT's own bulk modulus at a0: V d2E/dV2 by central differences of its energy.
    def e(v):
        at = bulk('Al', 'fcc', a=(4 * v) ** (1 / 3))
        at.calc = EMT()
        return at.get_potential_energy()
    v0, h = a0 ** 3 / 4, 0.05
    b_emt = v0 * (e(v0 + h) - 2 * e(v0) + e(v0 - h)) / h ** 2 * 160.21766208
    b_cij = table['(C11 + 2 C12)/3']
    check(abs(b_cij / b_emt - 1) < 0.03, f'(C11 + 2 C12)/3 = {b_cij} GPa equals EMT\'s B = {b_emt:.1f} GPa to 3 %')
    for what in ('vacancy formation', 'γ(100)', 'γ(111)', 'intrinsic stacking fault'):
        check(table[f'{what}, relaxed'] < table[f'{what}, unrelaxed'], f'{what}: relaxing lowers it')
    check(table['intrinsic stacking fault, relaxed'] > 0, 'the stacking fault costs energy')
    # annp-properties computes the reference side from the same frames with its own code: the
    # two must agree (the model side is the bundled model's).
    props = os.path.join(build, 'examples', 'annp-properties')
    p = subprocess.run([props, os.path.join(ROOT, 'data', 'models', 'al.annp'),
                        os.path.join(ROOT, 'data', 'al', 'al.xyz'), os.path.join(work, 'props'),
                        os.path.join(work, 'references.xyz')], capture_output=True, text=True)
    check(p.returncode == 0, f'annp-properties with references runs: {p.stderr[-500:]}')
    section = p.stdout.split('## fcc properties against first-principles references')[1].split('\n## ')[0]
    compared = {}
    for line in section.splitlines():
        cols = [c.strip() for c in line.strip('|').split('|')]
        if len(cols) == 6 and cols[1][:1] in set('-0123456789') and cols[1][:3] != '---':
            compared[cols[0]] = float(cols[1])
    # (name in annp-properties, name in the report, tolerance: the two tables' rounding)
    pairs = [('C11', 'C11', 0.11), ('C12', 'C12', 0.11), ('C44', 'C44', 0.11),
             ('vacancy formation, relaxed (32 sites)', 'vacancy formation, relaxed', 0.0011),
             ('γ(100), unrelaxed', 'γ(100), unrelaxed', 0.0011), ('γ(111), relaxed', 'γ(111), relaxed', 0.0011),
             ('intrinsic stacking fault, relaxed', 'intrinsic stacking fault, relaxed', 0.56)]
    for ours, theirs, tol in pairs:
        check(abs(compared[ours] - table[theirs]) <= tol,
              f'{ours}: annp-properties {compared[ours]} = references.py {table[theirs]}')
    bad = run('elasticity', ok=False)
    check(bad.returncode != 0 and 'unknown job' in bad.stderr, 'an unknown job is refused by name')
    bad = run('--scf-checkpoint', os.path.join(work, 'states'), 'bulk', ok=False)
    check(bad.returncode != 0 and 'only GPAW states' in bad.stderr and 'emt' in bad.stderr,
          '--scf-checkpoint with a calculator other than GPAW is refused')


def case_references_resume(build, work):
    """A relaxation killed after some steps and resumed from its traj follows the path of one
    never interrupted (BFGS's Hessian rebuilt from the steps so far) and does not recompute the
    last step (its results are in the traj) — also when cut off after its first calculation,
    where its traj then holds each step once."""
    import shutil
    from ase.io import Trajectory
    from annp_pipeline import label, refjobs
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    computed = []  # positions of every calculation the real calculator did
    make = label.make_calculator

    def counting(at, prof):
        calc, params = make(at, prof)
        real = calc.calculate

        def calculate(atoms=None, *args, **kw):
            computed.append(atoms.positions.copy())
            return real(atoms, *args, **kw)
        calc.calculate = calculate
        return calc, params
    label.make_calculator = counting
    try:
        at = bulk('Al', 'fcc', a=4.05, cubic=True).repeat(2)
        del at[0]
        at.rattle(0.05, seed=3)
        whole = refjobs.ReferenceRun(os.path.join(work, 'a.xyz'), os.path.join(work, 'a.relax'), 'emt').run(
            'vac', at, relax=True)
        relax = os.path.join(work, 'b.relax')
        # The run "killed" after three steps: its traj holds them (the frame goes elsewhere).
        refjobs.ReferenceRun(os.path.join(work, 'cut.xyz'), relax, 'emt').run('vac', at, relax=True, max_steps=3)
        last = Trajectory(os.path.join(relax, 'vac.traj'))[-1].positions.copy()
        computed.clear()
        resumed = refjobs.ReferenceRun(os.path.join(work, 'b.xyz'), relax, 'emt').run('vac', at, relax=True)
        computed_b = list(computed)
        # Cut off after its first calculation (the traj holds the starting point only).
        early = os.path.join(work, 'c.relax')
        refjobs.ReferenceRun(os.path.join(work, 'cut0.xyz'), early, 'emt').run('vac', at, relax=True, max_steps=1)
        first = Trajectory(os.path.join(early, 'vac.traj'))[0]
        write(os.path.join(early, 'vac.traj'), first)  # killed before the second calculation ended
        start = first.positions.copy()
        computed.clear()
        resumed0 = refjobs.ReferenceRun(os.path.join(work, 'c.xyz'), early, 'emt').run('vac', at, relax=True)
    finally:
        label.make_calculator = make
    check(not any(np.array_equal(p, last) for p in computed_b) and len(computed_b) > 0,
          f'the resumed relaxation does not recompute its last step ({len(computed_b)} calculations)')
    steps = (whole.info['relax_steps'], resumed.info['relax_steps'])
    e = (whole.get_potential_energy(), resumed.get_potential_energy())
    check(steps[0] == steps[1] and abs(e[0] - e[1]) < 1e-9 and resumed.info['relax_converged'],
          f'it follows the uninterrupted path: {steps[1]} steps in all against {steps[0]}, E {e[1]:.9f} '
          f'against {e[0]:.9f} eV')
    frames = Trajectory(os.path.join(relax, 'vac.traj'))
    repeats = sum(np.array_equal(frames[i].positions, frames[i - 1].positions) for i in range(1, len(frames)))
    check(len(frames) == steps[1] + 1 and repeats == 0,
          f'its traj holds each step once: {len(frames)} frames for {steps[1]} steps, {repeats} repeated')
    frames0 = Trajectory(os.path.join(early, 'vac.traj'))
    repeats0 = sum(np.array_equal(frames0[i].positions, frames0[i - 1].positions) for i in range(1, len(frames0)))
    check(len(frames0) == steps[0] + 1 and repeats0 == 0 and resumed0.info['relax_steps'] == steps[0]
          and abs(resumed0.get_potential_energy() - e[0]) < 1e-9,
          f'resumed after its first calculation only: {len(frames0)} frames for {steps[0]} steps, '
          f'{repeats0} repeated, {resumed0.info["relax_steps"]} steps')
    check(not any(np.array_equal(p, start) for p in computed) and len(computed) > 0,
          f'nor does it recompute that first calculation ({len(computed)} calculations)')
    # A step as a training frame (data/alo/relax_frames.py): its energy and forces, no stress.
    step = frames[1]
    text = label.results_frame(step, 'step1', label.load_profile('emt'), {}, stress=False)
    got = read(io.StringIO(text), format='extxyz')
    check(abs(got.get_potential_energy() - step.get_potential_energy()) < 1e-9
          and np.allclose(got.get_forces(), step.get_forces(), atol=1e-9) and 'stress' not in got.calc.results,
          'a relaxation step as a labelled frame: its energy and forces, no stress')


def wait_for_saves(proc, folder, count, timeout, ready=lambda: True, ignore=None):
    """Watch `folder` while `proc` runs and count the saves of its SCF state (each save is a new
    .gpw renamed over the old one: a new inode), once `ready()` holds. Returns the number seen:
    `count` unless the process ended or `timeout` seconds passed first. `ignore`: a file name."""
    t0, saves, seen = time.monotonic(), 0, None
    while proc.poll() is None and time.monotonic() - t0 < timeout and saves < count:
        for f in os.listdir(folder) if os.path.isdir(folder) and ready() else []:
            if f.endswith('.gpw') and f != ignore:
                try:
                    ino = os.stat(os.path.join(folder, f)).st_ino
                except FileNotFoundError:
                    continue
                if ino != seen:
                    seen, saves = ino, saves + 1
        time.sleep(0.005)
    return saves


def case_gpaw_smoke(build, work):
    try:
        import gpaw  # noqa: F401
    except ImportError:
        print('SKIPPED: GPAW is not installed (Debian packages gpaw, gpaw-data)')
        sys.exit(77)
    # The bundled set's settings (data/al/README.md) for its first structure, fcc at 0.85 a0.
    ref = read(os.path.join(ROOT, 'data', 'al', 'al.xyz'), 0)
    prof = os.path.join(work, 'bundled.json')
    with open(prof, 'w') as fh:
        json.dump({'name': 'bundled-al-v1', 'calculator': 'gpaw',
                   'parameters': {'mode': {'name': 'pw', 'ecut': 450.0}, 'xc': 'PBE',
                                  'occupations': {'name': 'fermi-dirac', 'width': 0.1}},
                   'kpoints': {'density': 6.0, 'gamma': True}}, fh)
    one = os.path.join(work, 'one.xyz')
    at = ref.copy()
    at.calc = None
    write(one, at)
    out = os.path.join(work, 'one-labelled.xyz')
    logs = os.path.join(work, 'gpaw-logs')
    tool('annp-label', one, out, '--profile', prof, '--calc-log', logs, env={'OMP_NUM_THREADS': '1'})
    got = read(out)
    log = os.path.join(logs, f'{got.info["label_id"]}.txt')
    check(os.path.exists(log) and 'Free energy' in open(log).read(),
          "--calc-log: GPAW's own log of the structure, named by its label_id")
    diff = abs(got.get_potential_energy() - ref.get_potential_energy()) / len(ref)
    check(diff < 1e-3, f'GPAW energy equals the bundled value: difference {1000 * diff:.4f} meV/atom')
    check(np.abs(got.get_stress() - ref.get_stress()).max() < 1e-4, 'stress equals the bundled value')
    check(got.info['calculator'] == 'gpaw' and got.info['calculator_version'].startswith('22.8'),
          'provenance names GPAW 22.8')
    # GPAW's own Pulay term against the post hoc formula: the same cell with a dedecut.
    from annp_pipeline import label
    with open(prof) as fh:
        base = json.load(fh)
    with_pulay = dict(base, name='bundled-al-v1-pulay', pulay_dedecut={'Al': -0.01})
    prof2 = os.path.join(work, 'pulay.json')
    with open(prof2, 'w') as fh:
        json.dump(with_pulay, fh)
    out2 = os.path.join(work, 'one-pulay.xyz')
    tool('annp-label', one, out2, '--profile', prof2, env={'OMP_NUM_THREADS': '1'})
    got2 = read(out2)
    add = label.pulay_stress(-0.01, 450.0, got.get_volume())
    d = got2.get_stress(voigt=False) - got.get_stress(voigt=False)
    check(np.abs(d - add * np.eye(3)).max() < 1e-9 * abs(add),
          f'GPAW adds the post hoc Pulay term: {np.diag(d)} against {add:.9g} eV/A^3')
    # --scf-checkpoint: a run killed mid-SCF resumes from the saved state and ends where an
    # uninterrupted run ends (tight SCF criteria, so that both are converged far below the check).
    tight = dict(base, name='bundled-al-v1-tight')
    tight['parameters'] = dict(base['parameters'], convergence={'energy': 1e-8, 'density': 1e-7})
    prof3 = os.path.join(work, 'tight.json')
    with open(prof3, 'w') as fh:
        json.dump(tight, fh)
    env1 = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=HERE)
    whole, ckpt = os.path.join(work, 'one-whole.xyz'), os.path.join(work, 'scf-states')
    tool('annp-label', one, whole, '--profile', prof3, env={'OMP_NUM_THREADS': '1'})
    stopped = os.path.join(work, 'one-stopped.xyz')
    os.makedirs(ckpt, exist_ok=True)
    stale = os.path.join(ckpt, f'{got.info["label_id"]}-0000000000.gpw')  # another settings' state
    open(stale, 'w').close()
    p = subprocess.Popen([os.path.join(PIPE, 'annp-label'), one, stopped, '--profile', prof3, '-q',
                          '--scf-checkpoint', ckpt, '--scf-checkpoint-every', '1'], env=env1,
                         start_new_session=True)
    saves = wait_for_saves(p, ckpt, 6, 300, ignore=os.path.basename(stale))  # six saves: iteration 6
    check(p.poll() is None, f'the SCF is still running after {saves} saves of its state')
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    states = [f for f in os.listdir(ckpt) if f.endswith('.gpw')]
    check(len(states) == 1 and not os.path.exists(stale) and
          (not os.path.exists(stopped) or os.path.getsize(stopped) == 0),
          f'killed mid-SCF: one saved state left ({states}), the stale one removed, no frame written')
    logs3 = os.path.join(work, 'gpaw-logs-resumed')
    tool('annp-label', one, stopped, '--profile', prof3, '--scf-checkpoint', ckpt, '--calc-log', logs3,
         env={'OMP_NUM_THREADS': '1'})
    a, b = read(whole), read(stopped)
    check(b.info.get('scf_resumed') is True and 'scf_resumed' not in a.info,
          'the rerun resumed the saved SCF state (scf_resumed=T in its frame)')
    text = open(os.path.join(logs3, f'{b.info["label_id"]}.txt')).read()
    n_resumed = int(text.split('Converged after')[1].split()[0])
    tool('annp-label', one, os.path.join(work, 'one-whole-log.xyz'), '--profile', prof3, '--calc-log',
         os.path.join(work, 'gpaw-logs-whole'), env={'OMP_NUM_THREADS': '1'})
    text = open(os.path.join(work, 'gpaw-logs-whole', f'{b.info["label_id"]}.txt')).read()
    n_whole = int(text.split('Converged after')[1].split()[0])
    check(n_resumed < n_whole, f'the resumed SCF continued: {n_resumed} more iterations, {n_whole} from the start')
    check(abs(a.get_potential_energy() - b.get_potential_energy()) < 1e-6 and
          np.abs(a.get_stress() - b.get_stress()).max() < 1e-6 and a.info['label_settings'] == b.info['label_settings'],
          f'resumed and uninterrupted SCF agree: energy {a.get_potential_energy():.9f} / {b.get_potential_energy():.9f} eV, '
          f'stress difference {np.abs(a.get_stress() - b.get_stress()).max():.2e} eV/A^3')
    check(os.listdir(ckpt) == [], f'the state is removed once the frame is written: {os.listdir(ckpt)}')
    gpaw_resumed_density(one, prof3, os.path.join(work, 'scf-states-density'), a.get_potential_energy())
    gpaw_relaxation_checkpoint(work, tight)


def gpaw_resumed_density(one, profile_file, ckpt, e_whole):
    """A state saved mid-SCF (iteration 3) resumes from the density it saved. GPAW's own restart
    rebuilds the density from the saved wave functions (their unmixed output density), which
    mid-SCF is a different density: checked too, so that the comparison can fail."""
    from gpaw import GPAW
    from annp_pipeline import label
    profile = label.load_profile(profile_file)
    label.enable_scf_checkpoint(profile, ckpt, 1)

    def frame():
        at = read(one)
        at.calc = None
        at.info['label_id'] = 'mid-scf'
        return at

    class Stop(Exception):
        pass

    at = frame()
    calc, _, path, _ = label.checkpointed_calculator(at, profile)
    done = [0]

    def stop_at_third():
        done[0] += 1
        if done[0] == 3:
            raise Stop()

    calc.attach(stop_at_third, 1)  # after the save (attached first)
    at.calc = calc
    try:
        at.get_potential_energy()
        check(False, 'the SCF was stopped at its third iteration')
    except Stop:
        pass
    saved = GPAW(path, txt=None).density.nt_sG.copy()
    at, plain = frame(), GPAW(path, txt=None)
    next(plain.icalculate(at, ['energy'], plain.check_state(at)))  # initialised, before the SCF
    at = frame()
    calc, _, _, resumed = label.checkpointed_calculator(at, profile)
    run = calc.icalculate(at, ['energy'], calc.check_state(at))
    next(run)
    ours, gpaws = (np.abs(c.density.nt_sG - saved).max() / np.abs(saved).max() for c in (calc, plain))
    check(resumed and ours < 1e-4 < 1e-2 < gpaws,
          f'a state saved mid-SCF resumes from its saved density (largest relative difference {ours:.1e}; '
          f"GPAW's restart from the wave functions alone: {gpaws:.1e})")
    for _ in run:
        pass
    e = calc.results['free_energy']
    check(abs(e - e_whole) < 1e-6, f'and converges where an uninterrupted run does: {e:.9f} / {e_whole:.9f} eV')


def gpaw_relaxation_checkpoint(work, base):
    """refjobs with scf_checkpoint (references.py --scf-checkpoint): a relaxation killed mid-SCF,
    after some steps, resumes the running step's saved state and ends where an uninterrupted
    relaxation ends; so does one whose saved state is a step ahead of its trajectory (the state of
    a geometry other than the step to compute: GPAW moves it there). base: a GPAW profile (dict),
    made cheap here (300 eV, 2 x 3 x 3 k-points)."""
    from ase.io import Trajectory
    profile = os.path.join(work, 'relax.json')
    with open(profile, 'w') as fh:
        json.dump(dict(base, name='relax-check', parameters=dict(base['parameters'], mode={'name': 'pw', 'ecut': 300.0})),
                  fh)
    pair = bulk('Al', 'fcc', a=4.04).repeat((2, 1, 1))
    pair.positions[1] += [0.10, 0.06, 0.0]
    pair.info['kpts'] = [2, 3, 3]
    start = os.path.join(work, 'pair.xyz')
    write(start, pair)
    driver = os.path.join(work, 'relax_pair.py')
    with open(driver, 'w') as fh:
        fh.write('import sys\n'
                 f'sys.path.insert(0, {PIPE!r})\n'
                 'from ase.io import read\n'
                 'from annp_pipeline import refjobs\n'
                 'out, ckpt = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)\n'
                 f'refjobs.ReferenceRun(out + ".xyz", out + ".relax", {profile!r}, fmax=0.02, scf_checkpoint=ckpt,\n'
                 '                      scf_checkpoint_every=1).run("pair", read(' + repr(start) + '), relax=True)\n')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    whole = os.path.join(work, 'relax-whole')
    subprocess.run([sys.executable, driver, whole], check=True, env=env, stdout=subprocess.DEVNULL)
    a = read(whole + '.xyz')
    for variant in ('same step', 'state a step ahead'):
        stopped = os.path.join(work, 'relax-' + variant.replace(' ', '-'))
        ckpt = stopped + '-states'
        p = subprocess.Popen([sys.executable, driver, stopped, ckpt], env=env, stdout=subprocess.DEVNULL,
                             start_new_session=True)
        traj = os.path.join(stopped + '.relax', 'pair.traj')
        saves = wait_for_saves(p, ckpt, 3, 600, ready=lambda: os.path.exists(traj) and os.path.getsize(traj) > 0
                               and len(read(traj, ':')) >= 2)
        check(p.poll() is None, f'{variant}: the relaxation is still running after two steps and {saves} saves')
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        states = os.listdir(ckpt)
        check(len(states) == 1 and states[0].startswith('pair-') and not os.path.exists(stopped + '.xyz'),
              f'{variant}: killed mid-step, the state of the running step is left ({states}), no frame written')
        if variant != 'same step':  # the last finished step forgotten: the state is one step ahead
            frames = list(Trajectory(traj))
            with Trajectory(traj, 'w') as out:
                for f in frames[:-1]:
                    out.write(f)
        subprocess.run([sys.executable, driver, stopped, ckpt], check=True, env=env, stdout=subprocess.DEVNULL)
        b = read(stopped + '.xyz')
        check(b.info.get('scf_resumed') is True and 'scf_resumed' not in a.info,
              f'{variant}: the rerun resumed the saved SCF state (scf_resumed=T)')
        check(a.info['relax_converged'] and b.info['relax_converged'] and a.info['relax_steps'] == b.info['relax_steps'],
              f'{variant}: both relaxations converge, in the same number of steps '
              f'({a.info["relax_steps"]}, {b.info["relax_steps"]})')
        check(abs(a.get_potential_energy() - b.get_potential_energy()) < 1e-5 and
              np.abs(a.positions - b.positions).max() < 1e-3,
              f'{variant}: resumed and uninterrupted relaxations agree: energy {a.get_potential_energy():.7f} / '
              f'{b.get_potential_energy():.7f} eV, positions to {np.abs(a.positions - b.positions).max():.1e} A')
        check(os.listdir(ckpt) == [], f'{variant}: the state is removed once the frame is written: {os.listdir(ckpt)}')


def case_pulay(build, work):
    from annp_pipeline import label
    plain = label.load_profile('gpaw-pbe-600')
    check(plain['pulay_dedecut']['O'] < 0, 'the Al-O profile carries its measured Pulay values')
    plain.pop('pulay_dedecut')  # the profile as it was before it had them
    prof = dict(plain, pulay_dedecut={'O': -1.5e-3, 'Al': -2.0e-5})
    from ase.spacegroup import crystal
    cor = crystal(['Al', 'O'], basis=[(0, 0, 0.352), (0.306, 0, 0.25)], spacegroup=167,
                  cellpar=[4.78, 4.78, 13.04, 90, 90, 120], primitive_cell=True)
    cor.info = {'kpts': [6, 6, 6], 'config_type': 'corundum_volume'}
    got = label.frame_settings(cor, prof)['mode']['dedecut']
    check(abs(got - (6 * -1.5e-3 + 4 * -2.0e-5)) < 1e-17, f'dedecut of a 10-atom corundum cell is the sum: {got}')
    from ase import Atoms
    o2 = Atoms('O2', positions=[[0, 0, 0], [0, 0, 1.2]], cell=[9, 10, 11], pbc=True)
    o2.info = {'config_type': 'o2_dimer'}
    check('dedecut' not in label.frame_settings(o2, prof)['mode'], 'molecules get no dedecut')
    # The start-up line that shows which mesh each family gets (a missing pin falls back to the
    # profile's density: the 30-atom hexagonal cell would get 16 x 16 x 5 points instead of 6 x 6 x 2).
    from ase.calculators.calculator import kptdensity2monkhorstpack
    hexcell = crystal(['Al', 'O'], basis=[(0, 0, 0.352), (0.306, 0, 0.25)], spacegroup=167,
                      cellpar=[4.82, 4.82, 13.17, 90, 90, 120])
    hexcell.info = {'config_type': 'corundum_melt'}
    pinned = cor.copy()
    dense = ' x '.join(str(v) for v in kptdensity2monkhorstpack(hexcell, 10.0, False))
    check(prof['kpoints']['density'] == 10.0, 'the Al-O profile resolves unpinned cells at density 10')
    got = label.mesh_summary([pinned, pinned, hexcell, o2], prof)
    want = f"corundum_melt {dense.replace(' x ', 'x')} from density 10 x1; corundum_volume 6x6x6 pinned x2; o2_dimer gamma x1"
    check(got == want, f'k-point summary per config_type: {got!r}')
    try:
        label.frame_settings(bulk('Si', 'diamond', a=5.43), prof)
        fail('an element without a value was accepted')
    except label.LabelError as e:
        check('Si' in str(e), 'an element without a pulay_dedecut value is named')
    bad = os.path.join(work, 'emt-pulay.json')
    with open(bad, 'w') as fh:
        json.dump({'name': 'x', 'calculator': 'emt', 'pulay_dedecut': {'Al': 0.0}}, fh)
    try:
        label.load_profile(bad)
        fail('pulay_dedecut accepted for EMT')
    except label.LabelError as e:
        check('GPAW' in str(e), 'pulay_dedecut refused for a calculator that is not GPAW')
    # Frames as labelled before the profile had the values: a strained and a rattled corundum
    # cell with made-up results, an O2 frame without stress.
    rng = np.random.default_rng(5)
    frames = []
    for k in range(2):
        at = cor.copy()
        at.set_cell(np.array(at.cell) * (1 + 0.01 * k), scale_atoms=True)
        at.positions += rng.normal(0, 0.05, at.positions.shape)
        info = {'label_id': f'c{k}', 'label_profile': plain['name'],
                'label_settings': label.settings_text(label.frame_settings(at, plain))}
        frames.append((at, rng.normal(0, 0.01, (3, 3)), info))
    path = os.path.join(work, 'cells.xyz')
    text = ''
    for at, st, info in frames:
        text += xyz.format_frame(at, energy=-75.2 + rng.normal(), free_energy=-75.2,
                                 forces=rng.normal(0, 0.1, (len(at), 3)), stress=(st + st.T) / 2, info=info)
    o2.info['label_id'] = 'o2'
    o2.info['label_settings'] = label.settings_text(label.frame_settings(o2, plain))
    text += xyz.format_frame(o2, energy=-9.8, free_energy=-9.8, forces=np.zeros((2, 3)))
    with open(path, 'w') as fh:
        fh.write(text)
    before = read(path, ':')
    counts = label.correct_pulay_posthoc(path, prof)
    check(counts == (2, 0, 1), f'two frames corrected, the O2 frame without stress left alone: {counts}')
    after = read(path, ':')
    for a, b in zip(before[:2], after[:2]):
        add = label.pulay_stress(label.pulay_dedecut(a, prof), 600.0, a.get_volume())
        d = b.get_stress(voigt=False) - a.get_stress(voigt=False)
        check(np.array_equal(d - np.diag(np.diag(d)), np.zeros((3, 3))) and
              np.allclose(np.diag(d), add, rtol=0, atol=1e-15), f'diagonal stress moved by {add:.6g} eV/A^3 only')
        check(np.array_equal(a.positions, b.positions) and np.array_equal(a.get_forces(), b.get_forces()) and
              a.get_potential_energy() == b.get_potential_energy() and np.array_equal(a.cell, b.cell),
              'positions, cell, energy and forces unchanged bit for bit')
        check(b.info['label_settings'] == label.settings_text(label.frame_settings(b, prof)) and
              'mode.dedecut:' in b.info['label_settings'], 'label_settings now those of the profile')
    with open(path, 'rb') as fh:
        once = fh.read()
    check(label.correct_pulay_posthoc(path, prof) == (0, 2, 1), 'a second run corrects nothing')
    with open(path, 'rb') as fh:
        check(fh.read() == once, 'and leaves the file byte for byte')
    other = dict(prof, parameters=dict(plain['parameters'], mode={'name': 'pw', 'ecut': 500.0}))
    try:
        label.correct_pulay_posthoc(path, other)
        fail('frames of another profile were corrected')
    except label.LabelError as e:
        check('structure 0' in str(e), 'frames of another profile refused, the structure named')


def case_point_group(build, work):
    """A frame's point_group=F switches GPAW's point-group symmetry off (the stacking-fault
    references): the setting reaches the calculator and the settings text (so a saved SCF state of
    the other kind is never resumed), survives a round trip through extended XYZ; a value that is
    not T/F is refused, a calculator without such a setting ignores it."""
    from annp_pipeline import label
    prof = label.load_profile('gpaw-pbe')
    at = bulk('Al', 'fcc', a=4.04)
    plain = label.frame_settings(at, prof)
    check('symmetry' not in plain, 'no symmetry setting unless a frame asks')
    path = os.path.join(work, 'flag.xyz')
    at.info['point_group'] = False
    write(path, at)
    back = read(path)
    off = label.frame_settings(back, prof)
    check(off.get('symmetry') == {'point_group': False}, f'point_group=F read back from XYZ: {off.get("symmetry")}')
    check(label.settings_text(off) != label.settings_text(plain), 'and part of the settings text')
    at.info['point_group'] = True
    check('symmetry' not in label.frame_settings(at, prof), 'point_group=T is the default')
    at.info['point_group'] = 'no'
    try:
        label.frame_settings(at, prof)
        fail('point_group="no" accepted')
    except label.LabelError as e:
        check('point_group' in str(e) and "'no'" in str(e), f'a value that is not T/F is named: {e}')
    at.info['point_group'] = False
    emt = label.frame_settings(at, label.load_profile('emt'))
    check('symmetry' not in emt, f'a calculator without the setting computes the frame as it is: {emt}')
    # Why: the symmetry operations of the tilted (111) cell mix its third vector into the first two.
    sys.path.insert(0, os.path.join(ROOT, 'data', 'al', 'v2'))
    import references
    tilted = references.fault_cell(4.04, 1.0)
    check(tilted.info['point_group'] is False and references.fault_cell(4.04, 0.0).info['point_group'] is False,
          'both stacking-fault cells are computed without point-group symmetry')
    try:
        from gpaw.symmetry import Symmetry
    except ImportError:
        print('  (GPAW not installed: the grid check is skipped)')
        return
    sym = Symmetry(np.zeros(len(tilted), int), tilted.cell, tilted.pbc)
    sym.analyze(tilted.get_scaled_positions())
    check(not sym.check_grid(np.array([14, 14, 105])) and sym.check_grid(np.array([105, 105, 105])),
          'with its symmetry the tilted cell needs 105 grid points along every axis')


def case_xyz_frames(build, work):
    a = xyz.format_frame(bulk('Al', 'fcc', a=4.05), energy=-3.5, forces=np.zeros((1, 3)),
                         info={'label_id': 'a'}).encode()
    b = xyz.format_frame(bulk('Al', 'fcc', a=4.05, cubic=True), energy=-14.0, forces=np.ones((4, 3)),
                         info={'label_id': 'b'}).encode()
    check(a.count(b'\n') == 3 and b.count(b'\n') == 6, 'frames of 3 and 6 lines')
    cut_b = b[:b.index(b'\n', b.index(b'\n') + 1) + 5]  # count, comment and part of atom line 1
    cases = (  # data, expected end, expected whole frames, expected (line, words) of the damage
        (a + b, len(a + b), 2, None),
        (a + b'\n  \n' + b + b'\n', len(a + b) + 5, 2, None),
        (a + b[:-1], len(a), 1, (9, 'ends before atom line 4 of 4')),
        (a + cut_b, len(a), 1, (6, 'ends before atom line 1 of 4')),
        (a + b[:b.index(b'\n') + 4], len(a), 1, (5, 'ends before its comment line')),
        (a + b'\n' + b.replace(b'\nAl ', b'\nAl\n', 1)[:-1], len(a) + 1, 1, (7, 'expected an atom line')),
        (a + b'four\n' + b, len(a), 1, (4, "expected an atom count, got 'four'")),
        (a + b'-1\n', len(a), 1, (4, "expected an atom count, got '-1'")),
        (a + b'  ', len(a), 1, (4, 'the last line is cut off')),
        (b'', 0, 0, None),
    )
    path = os.path.join(work, 'frames.xyz')
    os.makedirs(work, exist_ok=True)
    for k, (data, end, count, damage) in enumerate(cases):
        spans = list(xyz.frame_spans(data))
        whole = [sp for sp in spans if sp[3] is None]
        check(len(whole) == count and all(data[s:e].lstrip(b'\n ').startswith(b'1\n') or
                                          data[s:e].startswith(b'4\n') for s, e, _, _ in whole),
              f'case {k}: {count} whole frames, each starting at its count line')
        bad = [sp[3] for sp in spans if sp[3] is not None]
        check(bad == ([] if damage is None else [bad[0]]) and
              (damage is None or (bad[0][0] == damage[0] and damage[1] in bad[0][1])),
              f'case {k}: damage {damage}, found {bad}')
        with open(path, 'wb') as fh:
            fh.write(data)
        check(xyz.complete_frames(path) == (end, count), f'case {k}: complete_frames {xyz.complete_frames(path)}, '
              f'expected {(end, count)}')
        check(xyz.repair_tail(path) == len(data) - end and os.path.getsize(path) == end,
              f'case {k}: repair_tail cuts {len(data) - end} bytes')
    check(xyz.complete_frames(os.path.join(work, 'missing.xyz')) == (0, 0), 'a missing file has no frames')
    print('xyz-frames: whole, blank-separated and torn files walked, counted and repaired')


def case_alo_vacancy_cells(build, work):
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, os.path.join(ROOT, 'data', 'alo'))
    import references
    from annp_pipeline import refjobs
    script = os.path.join(ROOT, 'data', 'alo', 'vacancy_model.py')
    env = dict(os.environ, PYTHONPATH=os.path.join(build, 'python'))
    bulk = refjobs.ReferenceRun(references.OUT, references.RELAX, references.PROFILE).done()['bulk']
    a_, c, u, x = references.parameters(bulk)
    hexcell = references.corundum(a_, c, u, x, primitive=False)
    for cell, natoms, kpts in (('hex30', 29, [6, 6, 2]), ('rho80', 79, [3, 3, 3])):
        out = os.path.join(work, f'{cell}.xyz')
        p = subprocess.run([sys.executable, script, '--cell', cell, '--unrelaxed', '--out', out],
                           capture_output=True, text=True, env=env)
        check(p.returncode == 0, f'vacancy_model.py --cell {cell} --unrelaxed: {p.stderr}')
        frames = read(out, ':')
        check([f.info['vacancy'] for f in frames] == ['O', 'Al'] and
              all(len(f) == natoms and list(f.info['kpts']) == kpts and f.info['config_type'] == 'vacancy_unrelaxed'
                  for f in frames), f'{cell}: the O and the Al vacancy, {natoms} atoms, k-points {kpts}')
        for f in frames:
            el = f.info['vacancy']
            if cell == 'hex30':
                ref = references.vacancy_cell(hexcell, el)
                check(np.allclose(ref.positions, f.positions, atol=1e-9) and np.allclose(ref.cell, f.cell, atol=1e-9),
                      f'hex30: the {el} vacancy cell is references.py\'s')
                continue
            big = bulk.repeat(2)
            missing = big.get_chemical_symbols().index(el)
            kept = [i for i in range(len(big)) if i != missing]
            check(np.allclose(big.positions[kept], f.positions, atol=1e-9) and np.allclose(big.cell, f.cell, atol=1e-9)
                  and abs(f.get_volume() / 80 - bulk.get_volume() / 10) < 1e-9,
                  f'rho80: the relaxed bulk of references.xyz repeated 2x2x2, less one {el}')
            shortest = min(np.linalg.norm(np.dot(np.array(n) - 1, f.cell)) for n in np.ndindex(3, 3, 3)
                           if any(np.array(n) - 1))  # the shortest lattice vector: image distance
            check(shortest > 9.6, f'rho80: vacancy images {shortest:.2f} A apart')
    p = subprocess.run([sys.executable, script, '--out', os.path.join(work, 'none.xyz')], capture_output=True,
                       text=True, env=env)
    check(p.returncode != 0 and 'name the models' in p.stderr and not os.path.exists(os.path.join(work, 'none.xyz')),
          'no models and no --unrelaxed is refused')


def case_alo_rattled_round(build, work):
    os.makedirs(work, exist_ok=True)
    here = os.path.join(ROOT, 'data', 'alo')
    models = [os.path.join(here, 'tail40-models', f'seed{s}.annp') for s in (1, 2, 3)]
    out = os.path.join(work, 'round2.xyz')
    p = subprocess.run([sys.executable, os.path.join(here, 'rattled10.py'), *models, '--seed', '20261206',
                        '--count', '24', '--out', out, '--build', build], capture_output=True, text=True)
    check(p.returncode == 0, f'rattled10.py: {p.stderr}')
    got, committed, first = read(out, ':'), read(os.path.join(here, 'rattled10b.in.xyz'), ':'), \
        read(os.path.join(here, 'rattled10.in.xyz'), ':')
    check(len(got) == len(committed) == 24 and
          all(np.allclose(g.positions, c.positions, atol=1e-9) and np.allclose(g.cell, c.cell, atol=1e-9)
              for g, c in zip(got, committed)), 'the documented command writes the committed cells, in order')
    dev = [g.info['committee_max_force_dev'] for g in got]
    check(all(a >= b - 1e-3 for a, b in zip(dev, dev[1:])), f'most uncertain first: {dev}')
    for g in got:
        d = g.get_all_distances(mic=True)
        np.fill_diagonal(d, np.inf)
        check(d.min() >= 1.2, f'no pair below 1.2 A ({d.min():.3f})')
    check(not any(np.allclose(g.positions, f.positions, atol=1e-6) for g in got for f in first),
          'another seed draws other candidates than the first round')
    # the fourth round: the trust window of the documented command
    eq3 = [os.path.join(here, 'tail42-slab-r24-eq3-models', f'seed{s}.annp') for s in range(1, 6)]
    out = os.path.join(work, 'round4.xyz')
    p = subprocess.run([sys.executable, os.path.join(here, 'rattled10.py'), *eq3, '--seed', '20261208',
                        '--count', '24', '--trust', '0.15', '0.3', '--out', out, '--build', build],
                       capture_output=True, text=True)
    check(p.returncode == 0, f'rattled10.py --trust: {p.stderr}')
    got, committed = read(out, ':'), read(os.path.join(here, 'rattled10d.in.xyz'), ':')
    dev = [g.info['committee_max_force_dev'] for g in got]
    check(len(got) == len(committed) == 24 and
          all(np.allclose(g.positions, c.positions, atol=1e-9) for g, c in zip(got, committed)) and
          all(0.15 <= d < 0.3 for d in dev),
          f'the fourth round: the committed cells, every deviation inside [0.15, 0.3) eV/A ({min(dev)}-{max(dev)})')


def case_select(build, work):
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, PIPE)
    from annp_pipeline.generate import min_distance
    recipe = os.path.join(work, 'recipe.json')
    with open(recipe, 'w') as f:
        json.dump({'seed': 3, 'prototypes': {'fcc': {'bulk': {'name': 'Al', 'crystalstructure': 'fcc', 'a': 4.04,
                                                                'cubic': True}},
                                             'bcc': {'bulk': {'name': 'Al', 'crystalstructure': 'bcc', 'a': 3.24,
                                                              'cubic': True}}},
                   'sets': [{'kind': 'bulk', 'prototype': 'fcc', 'count': 30, 'strain': 0.04, 'sigma': [0.03, 0.3]},
                            {'kind': 'bulk', 'prototype': 'bcc', 'count': 10, 'strain': 0.04, 'sigma': [0.03, 0.3]}]},
                  f)
    models = [os.path.join(ROOT, 'data', 'models', 'al-committee', f'member{k}.annp') for k in (1, 2, 3)]
    out, again, other = (os.path.join(work, n) for n in ('out.xyz', 'again.xyz', 'other.xyz'))
    dmin = 2.2
    p = tool('annp-select', recipe, out, *models, '--count', 8, '--min-distance', dmin, '--build', build)
    check('40 candidates' in p.stdout, f'the summary counts the candidates: {p.stdout}')
    got = read(out, ':')
    dev = [g.info['committee_max_force_dev'] for g in got]
    check(len(got) == 8 and all(a >= b for a, b in zip(dev, dev[1:])), f'8 structures, most uncertain first: {dev}')
    check(all(min_distance(g) >= dmin for g in got), f'no pair below {dmin} A')
    # independently: every candidate scored by annp-predict, the distance filter, the top 8
    cand, scored = os.path.join(work, 'all.xyz'), os.path.join(work, 'all-scored.xyz')
    tool('annp-generate', recipe, cand)
    subprocess.run([os.path.join(build, 'examples', 'annp-predict'), ','.join(models), cand, scored], check=True,
                   capture_output=True)
    ranked = sorted(((float(sc.info['max_force_dev']), k) for k, (c, sc) in
                     enumerate(zip(read(cand, ':'), read(scored, ':'))) if min_distance(c) >= dmin),
                    key=lambda x: (-x[0], x[1]))
    check(len(ranked) < 40, f'the distance check drops some candidates ({len(ranked)} of 40 kept)')
    check([g.info['index'] for g in got] == [k for _, k in ranked[:8]] and
          np.allclose(dev, [round(d, 4) for d, _ in ranked[:8]], atol=1e-12),
          'the chosen are the 8 with the largest deviation among the candidates that pass the distance check')
    tool('annp-select', recipe, again, *models, '--count', 8, '--min-distance', dmin, '--build', build)
    with open(out, 'rb') as a, open(again, 'rb') as b:
        check(a.read() == b.read(), 'a rerun writes the same bytes')
    tool('annp-select', recipe, other, *models, '--count', 8, '--seed', 4, '--build', build)
    check(not any(np.allclose(o.positions, g.positions) for o in read(other, ':') for g in got),
          'another --seed draws other candidates')
    # the trust window and the per-type cap, checked against the same independent ranking
    all_frames = read(cand, ':')
    lo, hi = ranked[len(ranked) // 2][0], ranked[2][0]
    window = os.path.join(work, 'window.xyz')
    tool('annp-select', recipe, window, *models, '--count', 5, '--min-distance', dmin, '--trust', lo, hi,
         '--build', build)
    inside = [k for d, k in ranked if lo <= d < hi]
    check(len(inside) > 5 and [g.info['index'] for g in read(window, ':')] == inside[:5],
          f'--trust keeps the 5 most uncertain with {lo:.3f} <= deviation < {hi:.3f}')
    kinds = [all_frames[k].info['config_type'] for _, k in ranked]
    check(kinds[:4].count('fcc_bulk') > 2, f'the top 4 are mostly fcc: {kinds[:4]}')
    capped = os.path.join(work, 'capped.xyz')
    tool('annp-select', recipe, capped, *models, '--count', 4, '--min-distance', dmin, '--per-type', 2,
         '--build', build)
    expect, taken = [], {}
    for (_, k), kind in zip(ranked, kinds):
        if taken.get(kind, 0) < 2:
            taken[kind] = taken.get(kind, 0) + 1
            expect.append(k)
    got_capped = read(capped, ':')
    check([g.info['index'] for g in got_capped] == expect[:4] and
          sorted(g.info['config_type'] for g in got_capped) == ['bcc_bulk', 'bcc_bulk', 'fcc_bulk', 'fcc_bulk'],
          f'--per-type 2 takes the 2 most uncertain of each config_type: {[g.info["config_type"] for g in got_capped]}')
    for args, text in (([recipe, os.path.join(work, 'x.xyz'), models[0]], 'at least two models'),
                       ([os.path.join(work, 'none.json'), os.path.join(work, 'x.xyz'), *models], 'none.json: no such file'),
                       ([recipe, os.path.join(work, 'x.xyz'), *models, '--min-distance', 9], 'every candidate has a pair'),
                       ([recipe, os.path.join(work, 'x.xyz'), *models, '--trust', 0.5, 0.1], 'needs 0 <= LO < HI'),
                       ([recipe, os.path.join(work, 'x.xyz'), *models, '--trust', 50, 60], 'inside the trust window'),
                       ([recipe, os.path.join(work, 'x.xyz'), *models, '--per-type', 0], 'at least 1')):
        p = tool('annp-select', *args, '--build', build, check_rc=False)
        check(p.returncode == 2 and text in p.stderr and not os.path.exists(os.path.join(work, 'x.xyz')),
              f'refused with "{text}": exit {p.returncode}, {p.stderr.strip()}')


def case_alo_member_paths(build, work):
    if not os.path.isdir(os.path.join(build, 'python', 'annp')):
        print('not checked: the annp Python module is not built (-DANNP_BUILD_PYTHON=ON)')
        return
    os.makedirs(work, exist_ok=True)
    here = os.path.join(ROOT, 'data', 'alo')
    models = [os.path.join(here, 'tail42-slab-models', f'seed{s}.annp') for s in (1, 2, 3)]
    env = dict(os.environ, PYTHONPATH=os.path.join(build, 'python'), OMP_NUM_THREADS='1')
    script = os.path.join(here, 'member_paths.py')
    for starts, committed in ((['slab0001'], 'slab_paths.in.xyz'),
                              (['vacancy_O', 'vacancy_Al'], 'vacancy_paths.in.xyz')):
        out = os.path.join(work, committed)
        p = subprocess.run([sys.executable, script, *models, '--start', *starts, '--out', out],
                           capture_output=True, text=True, env=env)
        check(p.returncode == 0, f'member_paths.py --start {" ".join(starts)}: {p.stderr}')
        got, ref = read(out, ':'), read(os.path.join(here, committed), ':')
        check(len(got) == len(ref) == 2 and
              all(np.allclose(g.positions, c.positions, atol=1e-6) and np.allclose(g.cell, c.cell, atol=1e-9)
                  and g.info['config_type'] == c.info['config_type'] for g, c in zip(got, ref)),
              f'the documented command writes the committed {committed} (positions to 1e-6 A: relaxation paths)')
        strays = {}
        for line in p.stdout.splitlines():  # "START: MODEL: N steps, relaxation D UNIT (mean M); ..."
            if ' steps, relaxation ' in line:
                name, model = line.split(': ')[:2]
                d, mean = line.split('relaxation ')[1].split()[0], line.split('(mean ')[1].split(')')[0]
                strays[(name, models.index(model) + 1)] = abs(float(d) - float(mean)) > 0.1
        picked = {(g.info['config_type'], g.info['member']) for g in got}
        kind = {'slab_member_path': 'slab0001', 'vacancy_O_member_path': 'vacancy_O',
                'vacancy_Al_member_path': 'vacancy_Al'}
        check(len(strays) == 3 * len(starts) and all(strays[(kind[t], m)] for t, m in picked),
              f'frames only from members that stray from the mean ({sorted(picked)})')
        check(not any(g.info['config_type'] == 'vacancy_O_member_path' for g in got),
              'no frames for the O vacancy, which every member relaxes alike')
        dev = [g.info['committee_max_force_dev'] for g in got]
        check(min(dev) > 1.0, f'the chosen steps are ones the committee disagrees on: {dev} eV/A')
    p = subprocess.run([sys.executable, script, models[0], '--out', os.path.join(work, 'one.xyz')],
                       capture_output=True, text=True, env=env)
    check(p.returncode != 0 and 'at least two models' in p.stderr and not os.path.exists(os.path.join(work, 'one.xyz')),
          f'one model is refused: {p.stderr.strip()}')


def case_alo_evaluate(build, work):
    if not os.path.isdir(os.path.join(build, 'python', 'annp')):
        print('not checked: the annp Python module is not built (-DANNP_BUILD_PYTHON=ON)')
        return
    models = ','.join(os.path.join(ROOT, 'data', 'alo', 'tail35-models', f'seed{s}.annp') for s in (1, 2, 3))
    p = subprocess.run([sys.executable, os.path.join(ROOT, 'data', 'alo', 'evaluate.py'), models],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(build, 'python')))
    check(p.returncode == 0, f'evaluate.py: {p.stderr}')
    line = [ln for ln in p.stdout.splitlines() if ln.startswith('committee mean')]
    words = line[0].split() if line else []
    check(words[2:] == ['3.38', '/', '105', '2.45', '/', '53'], f'the tail-35 committee mean as documented: {line}')
    check(p.stdout.count('seed') == 3, 'one line per member')


def case_alo_pool(build, work):
    import shutil
    script = os.path.join(ROOT, 'data', 'alo', 'pool.py')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    texts = {}
    for name, ids in (('a', ['a1', 'a2', 'a3']), ('b', ['b1', 'b2'])):
        frames = []
        for k, label in enumerate(ids):
            at = bulk('Al', 'fcc', a=4.0 + 0.01 * k, cubic=True)
            text = xyz.format_frame(at, energy=-3.0 - k, forces=np.zeros((len(at), 3)),
                                    info={'label_id': label, 'config_type': name})
            texts[label] = text
            frames.append(text)
        with open(os.path.join(work, f'{name}.xyz'), 'w') as fh:
            fh.write(''.join(frames))
    held = os.path.join(work, 'held.txt')
    with open(held, 'w') as fh:
        fh.write('# held out\na2 a\nb2 b\n')
    out = os.path.join(work, 'pool.xyz')

    def run(*args):
        return subprocess.run([sys.executable, script, out, *args, '--holdout', held],
                              capture_output=True, text=True, cwd=work)

    p = run('a.xyz', 'b.xyz')
    check(p.returncode == 0, f'pool.py failed: {p.stderr}')
    with open(out) as fh:
        check(fh.read() == texts['a1'] + texts['a3'] + texts['b1'],
              'the pool is a1, a3, b1 byte for byte')
    check('a.xyz: 3 frames, 1 held out, 2 in the pool' in p.stdout, p.stdout)
    p = run('a.xyz', 'b.xyz', '--held-out')
    with open(out) as fh:
        check(p.returncode == 0 and fh.read() == texts['a2'] + texts['b2'], '--held-out: a2, b2 byte for byte')
    p = run('b.xyz:1', 'a.xyz:2')
    with open(out) as fh:
        check(fh.read() == texts['b1'] + texts['a1'], 'FILE:N takes the first N frames')
    os.unlink(out)
    with open(os.path.join(work, 'bad.xyz'), 'w') as fh:
        fh.write(texts['a1'] + 'four\n')
    with open(os.path.join(work, 'torn.xyz'), 'w') as fh:
        fh.write(texts['a1'] + texts['a2'][:-20])
    with open(os.path.join(work, 'nolabel.xyz'), 'w') as fh:
        fh.write(texts['a1'] + texts['b1'].replace('label_id=b1', 'name=b1'))
    for args, expected in ((['a.xyz:4'], 'a.xyz:4: the file has only 3 frames'),
                           (['a.xyz', 'a.xyz'], 'a.xyz: label_id a1 appears twice'),
                           (['bad.xyz'], 'bad.xyz, line 7: expected an atom count'),
                           (['torn.xyz'], 'torn.xyz, line 12: the frame of 4 atoms from line 7 ends before atom line 4'),
                           (['nolabel.xyz'], 'nolabel.xyz, line 8: the frame has no label_id='),
                           (['a.xyz:x'], 'expected FILE or FILE:N'),
                           (['missing.xyz'], 'missing.xyz: cannot read')):
        p = run(*args)
        check(p.returncode != 0 and expected in p.stderr,
              f'pool.py {args}: expected an error with {expected!r}, got {p.returncode}: {p.stderr}')
        check(not os.path.exists(out), f'pool.py {args} wrote {out} although it failed')
    print('alo-pool: order, held-out ids, FILE:N and the errors checked')


def case_alo_references(build, work):
    import shutil
    script = os.path.join(ROOT, 'data', 'alo', 'references.py')
    out = os.path.join(work, 'alo')
    shutil.rmtree(out, ignore_errors=True)

    def run(*args):
        p = subprocess.run([sys.executable, script, '--profile', 'emt', '--out', out, *args],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stdout[-3000:], p.stderr[-3000:])
            fail(f'references.py {" ".join(args)} exited with {p.returncode}')
        return p.stdout

    run()
    frames = {a.info['ref_name']: a for a in read(os.path.join(out, 'references.xyz'), ':')}
    check(len(frames) == 14, f'14 calculations: {sorted(frames)}')
    check(run().count(' atoms ') == 0, 'a rerun computes nothing')
    e = {k: a.get_potential_energy() / len(a) for k, a in frames.items()}
    check(abs(e['perfect30'] - e['bulk']) < 1e-5,
          f'the hexagonal cell from the relaxed a, c, u, x: {e["perfect30"]:.6f} vs {e["bulk"]:.6f} eV/atom')
    table, rounding = {}, {}
    for line in run('--report').splitlines():
        cols = [c.strip() for c in line.strip('|').split('|')]
        if len(cols) == 3 and cols[1][:1] in set('-0123456789') and cols[1][:3] != '---':
            table[cols[0]] = float(cols[1])
            decimals = len(cols[1].split('.')[1]) if '.' in cols[1] else 0
            rounding[cols[0]] = 0.5 * 10 ** -decimals + 1e-9
    check(abs(table['C31 (check: = C13)'] - table['C13']) <= 0.01 * abs(table['C13']) + 0.1, 'C31 = C13')
    f = table['E_f(Al₂O₃) = E − 2 E(Al, fcc) − 3/2 E(O₂)']
    for el, k in (('O', -1 / 3), ('Al', 1 / 2)):
        d = table[f'V_{el}, 30-atom cell, relaxed, O-rich'] - table[f'V_{el}, 30-atom cell, relaxed, Al-rich']
        check(abs(d - k * f) < 2e-3, f'V_{el}: O-rich − Al-rich = {d:.3f} = {k:.3f} E_f')
    # annp-corundum reads the same frames (its own C++ for every formula, u and x included).
    p = subprocess.run([os.path.join(build, 'examples', 'annp-corundum'), '--references',
                        os.path.join(out, 'references.xyz')], capture_output=True, text=True)
    check(p.returncode == 0, f'annp-corundum --references runs: {p.stderr[-300:]}')
    cpp = dict((k, float(v)) for k, v in (line.split() for line in p.stdout.splitlines()))
    pairs = {'a': 'a', 'c': 'c', 'u': 'u (Al, 12c)', 'x': 'x (O, 18e)', 'V': 'volume per formula unit',
             'C11': 'C11', 'C12': 'C12', 'C13': 'C13', 'C14': 'C14', 'C33': 'C33', 'C44': 'C44', 'C66': 'C66',
             'B_Reuss': 'B Reuss (from Cij)', 'B_Voigt': 'B Voigt (from Cij)', 'E_f': 'E_f(Al₂O₃) = E − 2 E(Al, fcc) − 3/2 E(O₂)',
             'metal_a': 'fcc Al lattice constant', 'O2_bond': 'O₂ bond length',
             'V_O_metal_rich': 'V_O, 30-atom cell, relaxed, Al-rich', 'V_O_O_rich': 'V_O, 30-atom cell, relaxed, O-rich',
             'V_M_metal_rich': 'V_Al, 30-atom cell, relaxed, Al-rich', 'V_M_O_rich': 'V_Al, 30-atom cell, relaxed, O-rich',
             'gamma_unrelaxed': 'γ(0001), 6 O₃ layers, unrelaxed', 'gamma_relaxed': 'γ(0001), 6 O₃ layers, relaxed'}
    bad = [k for k, name in pairs.items()
           if k not in cpp or abs(cpp[k] - table[name]) > rounding[name]]
    check(not bad, f'annp-corundum --references equals references.py --report on all {len(pairs)} values '
          f'(to the report\'s rounding){": differ " + str(bad) if bad else ""}')
    # --prerelax: the vacancy relaxations start from a committee's minimum. (The models are fitted
    # to DFT, not to EMT, so the EMT relaxation that follows has its own minimum; what is checked
    # is where it starts and what the frame records.)
    if not os.path.isdir(os.path.join(build, 'python', 'annp')):
        print('--prerelax not checked: the annp Python module is not built (-DANNP_BUILD_PYTHON=ON)')
        return
    sys.path.insert(0, os.path.join(build, 'python'))
    import annp
    from ase.io import Trajectory
    names = [os.path.join(ROOT, 'data', 'alo', 'melt30-models', f'run-I-s{k}.annp') for k in (2, 3)]
    pre = os.path.join(work, 'alo-prerelax')
    shutil.rmtree(pre, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(build, 'python'))
    # An empty traj (a run killed before its first step) counts as not started.
    os.makedirs(os.path.join(pre, 'references.relax'))
    open(os.path.join(pre, 'references.relax', 'vacancy_O.traj'), 'w').close()
    # --fmax sets this call's criterion (prerelaxation included); every frame records it.
    p = subprocess.run([sys.executable, script, '--profile', 'emt', '--out', pre, '--prerelax', ','.join(names),
                        '--fmax', '0.02', 'vacancy'], capture_output=True, text=True, env=env)
    check(p.returncode == 0, f'references.py --prerelax M1,M2 --fmax 0.02 vacancy runs: {p.stderr[-500:]}')
    with_model = {a.info['ref_name']: a for a in read(os.path.join(pre, 'references.xyz'), ':')}
    calc = annp.Calculator(names)
    for name in ('vacancy_O', 'vacancy_Al'):
        a = with_model[name]
        first = Trajectory(os.path.join(pre, 'references.relax', f'{name}.traj'))[0]
        first.calc = calc
        fmax = np.sqrt((first.get_forces() ** 2).sum(axis=1)).max()
        last = np.sqrt((a.get_forces() ** 2).sum(axis=1)).max()
        check(a.info['relax_fmax'] == 0.02 and last <= 0.02 and frames[name].info['relax_fmax'] == 0.01,
              f'{name}: relaxed to --fmax 0.02 (largest force {last:.4f} eV/Å; relax_fmax recorded, 0.01 by default)')
        check(a.info.get('prerelaxed_with') == 'run-I-s2.annp,run-I-s3.annp' and a.info['prerelax_steps'] > 0
              and 'prerelaxed_with' not in frames[name].info and fmax <= 0.02,
              f'{name}: the first EMT step is at the committee\'s minimum (its largest force there {fmax:.4f} eV/Å, '
              f'after {a.info.get("prerelax_steps")} model steps)')
    check('prerelaxed_with' not in with_model['perfect30'].info and 'prerelaxed_with' not in with_model['bulk'].info,
          'single points and cell relaxations are not prerelaxed')
    p = subprocess.run([sys.executable, script, '--profile', 'emt', '--out', pre, '--prerelax', 'missing.annp'],
                       capture_output=True, text=True, env=env)
    check(p.returncode != 0 and "no such model file 'missing.annp'" in p.stderr, 'a missing prerelax model is refused')
    for bad in ('0', '-0.1', 'fast'):
        p = subprocess.run([sys.executable, script, '--profile', 'emt', '--out', pre, '--fmax', bad, 'vacancy'],
                           capture_output=True, text=True)
        check(p.returncode != 0 and 'expected a force criterion in (0, 1] eV/A' in p.stderr,
              f'--fmax {bad} is refused: {p.stderr.strip()[-120:]}')


def main():
    run_case(globals(), __doc__)


if __name__ == '__main__':
    main()
