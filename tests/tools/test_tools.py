#!/usr/bin/python3
"""The command-line tools under bad input and misuse: clear messages, bounded memory, runs that
own their output directory, round trips that keep the data. Only the standard library.

Usage: test_tools.py CASE BUILD_DIR WORK_DIR [--no-ulimit]

Cases:
  train-lock        a second annp-train into the same output directory is refused while the
                    first runs; the first finishes normally.
  train-checks      bad settings and data are refused before anything is written: an existing
                    train.log and split.txt stay byte-identical; each message names the problem;
                    split=content keeps the split when data is added or relabelled.
  train-resume      resume appends to train.log; a changed seed, data set or network is refused
                    with what changed; stale *.tmp.* files of a killed run are removed; select=last
                    keeps the last epoch (also on resuming a finished run), the default the best.
  predict-roundtrip annp-predict on its own output keeps the DFT labels (energy, forces, stress)
                    and writes every column once: a fixed point.
  input-errors      a directory, a UTF-8 byte-order mark, an empty file.
  kim-install       annp-kim-install refuses an empty or damaged model before compiling anything,
                    naming file and line; annp-summary --model describes a good one.
  select-split      scripts/select-split copies the frames a split lists, verbatim and in its
                    order, counting through several data files; a bad index names split file
                    and line, and nothing is written.
  properties-committee annp-properties on a committee of two copies of one model writes the
                    single model's report (the mean of equal members is that model, to the bit);
                    an empty path in the list is named.
  memory            a 0.01 A cell, fcc in nm, a 1000 A cutoff: a clear error well inside a 4 GB
                    address-space limit (ulimit -v), never an abort or the kernel's OOM killer.
Prints PASS at the end.
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
DATA = os.path.join(ROOT, 'data', 'al', 'al.xyz')
MODEL = os.path.join(ROOT, 'data', 'models', 'al.annp')
sys.path.insert(0, os.path.dirname(HERE))
from script_support import check, run_case  # noqa: E402

SMALL = ['radial=4', 'angular=0', 'hidden=4', 'checkpoint_every=2']


class Tools:
    def __init__(self, build, work, ulimit):
        self.bin = os.path.join(build, 'examples')
        self.work = work
        self.ulimit = ulimit

    def run(self, tool, *args, memory_gb=None, timeout=600):
        def limit():
            if memory_gb and self.ulimit:
                b = int(memory_gb * 2 ** 30)
                resource.setrlimit(resource.RLIMIT_AS, (b, b))
        return subprocess.run([os.path.join(self.bin, tool), *map(str, args)], cwd=self.work,
                              capture_output=True, text=True, preexec_fn=limit, timeout=timeout)


def expect_error(p, texts, what):
    out = p.stdout + p.stderr
    ok = p.returncode == 1 and all(t in out for t in texts)
    if not ok:
        print(out[-2000:])
    check(ok, f'{what}: exit 1 with "{out.strip().splitlines()[-1][:110] if out.strip() else ""}"')


def case_train_lock(t):
    first = subprocess.Popen([os.path.join(t.bin, 'annp-train'), f'data={DATA}', 'output=o', 'epochs=400',
                              'optimizer=adam', *SMALL], cwd=t.work, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(t.work, 'o', 'train.log')) and time.time() < deadline:
        time.sleep(0.05)
    second = t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=2', *SMALL)
    still = first.poll() is None
    first.wait()
    check(still, 'the first run was still running when the second started')
    expect_error(second, ['another annp-train is writing into this directory', 'train.lock'], 'second run')
    check(first.returncode == 0 and os.path.exists(os.path.join(t.work, 'o', 'model.annp')),
          'the first run finished and wrote its model')


def case_train_checks(t):
    p = t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=3', *SMALL)
    check(p.returncode == 0, 'a good run')
    keep = {f: open(os.path.join(t.work, 'o', f), 'rb').read() for f in ('train.log', 'split.txt', 'model.annp')}
    with open(os.path.join(t.work, 'zero.xyz'), 'w') as f:
        f.write('0\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3 energy=0\n')
        f.write(open(DATA).read())
    cases = [
        (['hidden=-4'], ["'hidden' must be positive whole numbers", "got '-4'"]),
        (['hidden=2.7'], ["'hidden' must be positive whole numbers", "got '2.7'"]),
        (['hidden=1e300'], ["'hidden' must be positive whole numbers", "got '1e300'"]),
        (['epochs=1e300'], ["'epochs' must be a whole number >= 0"]),
        (['seed=-1'], ["'seed' must be a whole number >= 0"]),
        (['split_seed=1.5'], ["'split_seed' must be a whole number >= 0", "got '1.5'"]),
        (['learning_rate=-1'], ["'learning_rate' must be positive"]),
        (['energy_weight=0'], ['all 0: nothing to fit']),
        (['angular=1'], ["'angular' must be 0 (no angular functions) or at least 2"]),
        (['radial=1'], ["'radial' must be at least 2"]),
        (['validation=0.5', 'test=0.5'], ['a sum below 1']),
        (['data=zero.xyz'], ['zero.xyz:1', 'structure 0 has no atoms']),
        (['data=missing.xyz'], ['missing.xyz', 'cannot open']),
        (['optimizer=newton'], ["unknown optimizer 'newton'"]),
        (['short_range=zbl 2 1'], ["'short_range' must be none", "need 0 < INNER < OUTER"]),
        (['short_range=zbl x 1'], ["'short_range' must be none", "not a number"]),
        (['short_range=lj'], ["'short_range' must be none, 'zbl auto' or 'zbl INNER OUTER'"]),
        (['short_range=zbl 1 7'], ["OUTER radius 7 Å lies beyond the cutoff"]),
        (['short_range=zbl 1.5 2.5'], ['Å apart, inside the short-range core', 'al.xyz:']),
        (['scaling_min_range=-1'], ["'scaling_min_range' must be >= 0"]),
        (['grid=cubic'], ["unknown grid 'cubic'"]),
        (['grid=linear', 'grid_lower=9'], ["'grid_lower' must lie between 0 and the cutoff"]),
        (['angular2=1', 'angular2_cutoff=4'], ["'angular2' must be 0 (no second angular family) or at least 2"]),
        (['angular2=2', 'angular2_cutoff=7'], ["'angular2_cutoff' must lie in (0, cutoff 6"]),
        (['angular2=2', 'angular2_cutoff=0'], ["'angular2_cutoff' must lie in (0, cutoff 6"]),
        (['angular2=2', 'angular2_cutoff=4', 'angular_kind=chebyshev'], ['has no second angular family']),
        (['angular2=2', 'angular2_cutoff=4', 'angular2_kind=chebyshev'], ["unknown angular2_kind 'chebyshev'"]),
        (['angular2=2', 'angular2_cutoff=3', 'grid=linear', 'grid_lower=3.5'],
         ["beyond 'angular2_cutoff' 3 Å"]),
        (['config_weights=fcc_volume'], ["expected config_type:weight with a weight >= 0, got 'fcc_volume'"]),
        (['config_weights=fcc_volume:-1'], ["expected config_type:weight", "got 'fcc_volume:-1'"]),
        (['config_weights=dimer:2 dimer:3'], ["config_type 'dimer' given twice"]),
        (['config_weights=fcc_volum:2'], ["no structure has config_type 'fcc_volum'"]),
    ]
    for extra, texts in cases:
        args = [f'data={DATA}', 'output=o', 'epochs=3', *SMALL, *extra]
        expect_error(t.run('annp-train', *args), texts, ' '.join(extra))
    same = all(open(os.path.join(t.work, 'o', f), 'rb').read() == v for f, v in keep.items())
    check(same, 'after every refused run the output directory is byte-identical')
    # Several data files are one set, read in order: split and model equal the single file's.
    frames, lines, k = [], open(DATA).read().splitlines(keepends=True), 0
    while k < len(lines):
        n = int(lines[k]) + 2
        frames.append(''.join(lines[k:k + n]))
        k += n
    half = len(frames) // 2
    open(os.path.join(t.work, 'first.xyz'), 'w').write(''.join(frames[:half]))
    open(os.path.join(t.work, 'second.xyz'), 'w').write(''.join(frames[half:]))
    p = t.run('annp-train', 'data=first.xyz second.xyz', 'output=two', 'epochs=3', *SMALL)
    body = lambda d, f: [l for l in open(os.path.join(t.work, d, f)).read().splitlines()
                         if not l.startswith('#') and not l.startswith('meta data ')]
    check(p.returncode == 0 and body('two', 'split.txt') == body('o', 'split.txt')
          and body('two', 'model.annp') == body('o', 'model.annp'),
          f'data = two files ({half} + {len(frames) - half} structures): same split and model as one file')
    # Structure weights: the same weight on every structure (a weight=2 key in the file) is the
    # unweighted run, bit for bit (only ratios matter); a config_type's weight changes the model
    # and is named in the log; a bad weight key names file and line.
    with open(os.path.join(t.work, 'weighted.xyz'), 'w') as f:
        for frame in frames:
            head, comment, rest = frame.split('\n', 2)
            f.write(f'{head}\n{comment} weight=2\n{rest}')
    p = t.run('annp-train', 'data=weighted.xyz', 'output=all2', 'epochs=3', *SMALL)
    check(p.returncode == 0 and body('all2', 'model.annp') == body('o', 'model.annp'),
          'every structure weighted 2: the model of the unweighted run')
    p = t.run('annp-train', f'data={DATA}', 'output=w', 'epochs=3', 'config_weights=fcc_volume:0.2 dimer:3',
              *SMALL)
    check(p.returncode == 0 and 'dimer x3; fcc_volume x0.2' in p.stdout
          and body('w', 'model.annp') != body('o', 'model.annp')
          and 'config_weights = fcc_volume:0.2 dimer:3' in open(os.path.join(t.work, 'w', 'run.identity')).read(),
          'config_weights: named in the log and the run identity, another model')
    with open(os.path.join(t.work, 'badweight.xyz'), 'w') as f:
        head, comment, rest = frames[1].split('\n', 2)
        f.write(frames[0] + f'{head}\n{comment} weight=-0.5\n{rest}' + ''.join(frames[2:]))
    expect_error(t.run('annp-train', 'data=badweight.xyz', 'output=o', 'epochs=3', *SMALL),
                 ['badweight.xyz:', 'weight=-0.5: expected a finite number >= 0'], 'a negative weight key')
    # split_seed: another initialisation on the same split (a committee member); seed alone
    # moves the split too.
    p = t.run('annp-train', f'data={DATA}', 'output=member', 'epochs=3', 'seed=2', 'split_seed=1', *SMALL)
    q = t.run('annp-train', f'data={DATA}', 'output=seed2', 'epochs=3', 'seed=2', *SMALL)
    check(p.returncode == 0 and q.returncode == 0
          and body('member', 'split.txt') == body('o', 'split.txt')
          and body('seed2', 'split.txt') != body('o', 'split.txt')
          and body('member', 'model.annp') != body('o', 'model.annp'),
          'seed=2 split_seed=1: the split of seed 1, weights of its own; seed=2 alone: another split')
    # split=content: a new config_type (first in name order) and a relabelled copy of the data leave
    # the split of the original structures as it was; the shuffled split moves
    def parts(d):
        lines = [l.split() for l in open(os.path.join(t.work, d, 'split.txt')) if not l.startswith('#')]
        return {l[0]: [int(k) for k in l[1:] if int(k) < len(frames)] for l in lines}
    with open(os.path.join(t.work, 'grown.xyz'), 'w') as f:
        f.write(''.join(frames) + ''.join(x.replace('config_type=', 'config_type=aaa_new_', 1) for x in frames[:12]))
    with open(os.path.join(t.work, 'relabelled.xyz'), 'w') as f:
        f.write(''.join(re.sub(r' energy=(-?[0-9.]+)', lambda m: f' energy={float(m.group(1)) + 0.01!r}', x, count=1)
                        for x in frames))
    runs = {}
    for name, data, kind in (('c', DATA, 'content'), ('c_grown', 'grown.xyz', 'content'),
                             ('c_relabelled', 'relabelled.xyz', 'content'), ('s_grown', 'grown.xyz', 'shuffle')):
        runs[name] = t.run('annp-train', f'data={data}', f'output={name}', 'epochs=1', f'split={kind}', *SMALL)
    check(all(p.returncode == 0 for p in runs.values()) and 'by content' in runs['c'].stdout
          and open(os.path.join(t.work, 'relabelled.xyz')).read() != open(DATA).read()
          and parts('c_grown') == parts('c') and parts('c_relabelled') == parts('c') and parts('c') != parts('o')
          and parts('s_grown') != parts('o')
          and 'split = content' in open(os.path.join(t.work, 'c', 'run.identity')).read()
          and 'meta split_kind content' in open(os.path.join(t.work, 'c', 'model.annp')).read(),
          'split=content: 12 structures of a new config_type and relabelled energies leave the split as it was '
          '(split=shuffle moves it); named in the log, the run identity and the model')
    expect_error(t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=3', 'split=random', *SMALL),
                 ["split", "random"], 'an unknown split kind')
    expect_error(t.run('annp-train', 'data=first.xyz missing.xyz', 'output=o', 'epochs=3', *SMALL),
                 ['missing.xyz', 'cannot open'], 'data = a good file and a missing one')
    expect_error(t.run('annp-train', 'data= ', 'output=o', 'epochs=3', *SMALL),
                 ["'data' must name at least one file"], 'data = nothing')
    same = all(open(os.path.join(t.work, 'o', f), 'rb').read() == v for f, v in keep.items())
    check(same, 'after the refused multi-file runs the output directory is byte-identical')
    # fcc at 0.85, 0.86 and 1.15 a0; seed 3 holds out the 0.85 cell, below the training range, so
    # no held-out error can be reported.
    lines = open(DATA).read().splitlines(keepends=True)
    with open(os.path.join(t.work, 'three.xyz'), 'w') as f:
        f.writelines(lines[0:3] + lines[3:6] + lines[90:93])
    p = t.run('annp-train', 'data=three.xyz', 'output=lim', 'epochs=3', 'validation=0', 'test=0.34', 'seed=3',
              *SMALL)
    out = p.stdout + p.stderr
    check(p.returncode == 0 and 'no structure is inside the training range' in out
          and 'energy RMSE 0.00' not in out, 'no fake 0.00 meV/atom for an empty held-out set')
    # The short-range core and linear grids reach the model file; the default geometric grid's
    # dead short-range functions are reported inactive.
    p = t.run('annp-train', f'data={DATA}', 'output=core', 'epochs=3', 'radial=12', 'angular=0',
              'hidden=4', 'short_range=zbl auto', 'grid=linear', 'grid_lower=2.0')
    model = open(os.path.join(t.work, 'core', 'model.annp')).read()
    check(p.returncode == 0 and 'short_range zbl inner=1.62333' in model and 'outer=2.02916667' in model
          and 'rs=2\n' in model and 'inactive descriptors' not in p.stdout,
          'zbl auto: outer = shortest training distance 2.029 Å, inner 0.8 of it; linear grid from 2 Å')
    # Two elements: each element pair gets the radius of its own shortest training distance (O-O
    # from the O2 dimer scan, Al-O from the most strongly rattled corundum cell).
    alo = [os.path.join(ROOT, 'data', 'alo', n) for n in ('molecules.xyz', 'corundum10.xyz')]
    p = t.run('annp-train', 'data=' + ' '.join(alo), 'output=core2', 'epochs=1', 'validation=0', 'test=0',
              *SMALL, 'short_range=zbl auto', 'grid=linear', 'grid_lower=1.0')
    model = open(os.path.join(t.work, 'core2', 'model.annp')).read() if p.returncode == 0 else ''
    check('short_range zbl inner=0.8400000000000003 outer=1.0500000000000003\n' in model
          and 'short_range_pair O O inner=0.8400000000000003 outer=1.0500000000000003\n' in model
          and 'short_range_pair O Al inner=0.9662064561286867 outer=1.2077580701608583\n' in model
          and 'short_range_pair Al Al inner=1.637070626187721 outer=2.0463382827346512\n' in model
          and 'by element pair: O-O 0.8400000000000003-1.0500000000000003 Å' in p.stdout,
          'zbl auto with two elements: O-O 1.05 Å, Al-O 1.208 Å, Al-Al 2.046 Å, each its own radius')
    # A second angular family: its own cutoff and zetas reach the model file, after the first.
    p = t.run('annp-train', f'data={DATA}', 'output=two_families', 'epochs=3', 'radial=4', 'angular=2',
              'angular_kind=wide', 'zetas=1', 'angular2=2', 'angular2_cutoff=4.5', 'hidden=4')
    model = open(os.path.join(t.work, 'two_families', 'model.annp')).read() if p.returncode == 0 else ''
    sf = [[l.split()[k] for k in (1, 4, 7)] for l in model.splitlines() if l.startswith('sf angular')]
    check(sf == [['angular_wide', 'rc=6', 'zeta=1']] * 4 + [['angular_narrow', 'rc=4.5', 'zeta=16']] * 4,
          f'angular2=2 angular2_cutoff=4.5: 4 wide functions at 6 Å, then 4 narrow ones at 4.5 Å, zeta 16 ({sf})')
    p = t.run('annp-train', f'data={DATA}', 'output=dead', 'epochs=3', 'radial=12', 'angular=0', 'hidden=4')
    check(p.returncode == 0 and 'inactive descriptors of Al: 5 of 12' in p.stdout
          and 'min_range=1e-04' in open(os.path.join(t.work, 'dead', 'model.annp')).read(),
          'geometric grid from 0.5 Å: 5 dead radial functions inactive, min_range in the model')


def case_train_resume(t):
    p = t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=4', *SMALL)
    check(p.returncode == 0, 'first run')
    log1 = open(os.path.join(t.work, 'o', 'train.log')).read()
    open(os.path.join(t.work, 'o', 'model.annp.tmp.99999'), 'w').write('stale')
    p = t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=6', 'resume=true', *SMALL)
    log2 = open(os.path.join(t.work, 'o', 'train.log')).read()
    check(p.returncode == 0 and log2.startswith(log1) and '==== resumed ====' in log2 and 'resumed from' in log2,
          'resume appends to train.log and continues from the checkpoint')
    check(not os.path.exists(os.path.join(t.work, 'o', 'model.annp.tmp.99999')), 'stale temporary file removed')
    expect_error(t.run('annp-train', f'data={DATA}', 'output=o', 'epochs=6', 'resume=true', *SMALL, 'seed=2'),
                 ["seed: was '1', now '2'", 'not the run that wrote the checkpoint'], 'resume with another seed')
    other = os.path.join(t.work, 'other.xyz')
    with open(DATA) as f:
        lines = f.readlines()
    open(other, 'w').writelines(lines[:len(lines) // 2 - (len(lines) // 2) % 3])
    args = [f'data={DATA}', 'output=o', 'epochs=6', 'resume=true', *SMALL]
    p = t.run('annp-train', *[a if not a.startswith('data=') else f'data={DATA}' for a in args], 'hidden=5')
    expect_error(p, ["hidden: was '4', now '5'"], 'resume with another network')
    shutil.copy(DATA, os.path.join(t.work, 'copy.xyz'))
    with open(os.path.join(t.work, 'copy.xyz'), 'a') as f:
        f.write(''.join(lines[:3]))
    p = t.run('annp-train', 'data=copy.xyz', 'output=o', 'epochs=6', 'resume=true', *SMALL)
    expect_error(p, ['data_fingerprint: was', 'data: was'], 'resume on other data')
    # select: the model kept is the lowest validation loss (default) or the last epoch; the train
    # table (computed from the kept parameters) matches that epoch's row of the learning curve.
    def kept_train_rmse(out_dir, log):
        rows = [r.split(',') for r in open(os.path.join(t.work, out_dir, 'learning_curve.csv')).read().split()[1:]]
        table = log[log.index('train ('):]
        total = next(line for line in table.splitlines() if line.startswith('total'))
        return rows, float(total.split()[2])
    sel = ['epochs=30', 'validation=0.2', *SMALL]  # lowest validation loss at epoch 28 here
    p = t.run('annp-train', f'data={DATA}', 'output=s', *sel)
    rows, kept = kept_train_rmse('s', p.stdout)
    best = int(re.search(r'best epoch (\d+) of 30', p.stdout).group(1))
    check(p.returncode == 0 and abs(1000 * float(rows[best - 1][5]) - kept) < 6e-3,
          f'select=validation keeps the best epoch ({best}): train E {kept} meV/atom')
    p = t.run('annp-train', f'data={DATA}', 'output=s', *sel, 'resume=true', 'select=last')
    rows, kept = kept_train_rmse('s', p.stdout)
    check(best < 30 and abs(float(rows[-1][5]) - float(rows[best - 1][5])) > 1e-4,
          'the last and the best epoch differ (the check below can fail)')
    check(p.returncode == 0 and f'kept the last epoch, 30 (lowest validation loss at epoch {best})' in p.stdout
          and abs(1000 * float(rows[-1][5]) - kept) < 6e-3,
          f'select=last on the finished run keeps epoch 30: train E {kept} meV/atom')
    expect_error(t.run('annp-train', f'data={DATA}', 'output=x', *sel, 'select=last', 'patience=3'),
                 ["'select = last' keeps the final epoch"], 'select=last with early stopping')
    expect_error(t.run('annp-train', f'data={DATA}', 'output=x', *sel, 'select=best'),
                 ["unknown select 'best' (validation, last)"], 'an unknown select')


def case_predict_roundtrip(t):
    p1 = t.run('annp-predict', MODEL, DATA, 'p1.xyz')
    p2 = t.run('annp-predict', MODEL, 'p1.xyz', 'p2.xyz')
    check(p1.returncode == 0 and p2.returncode == 0, 'predict on its own output runs')
    a, b = open(os.path.join(t.work, 'p1.xyz')).read(), open(os.path.join(t.work, 'p2.xyz')).read()
    check(a == b, 'its output is a fixed point: references kept, no column written twice')
    table = lambda out: out[out.index('errors against'):out.index('predictions written')]
    check(table(p1.stdout).split('\n', 1)[1] == table(p2.stdout).split('\n', 1)[1],
          'the error table against the DFT labels is the same')
    outside = int(re.search(r'; (\d+) with descriptors outside', p1.stdout).group(1))
    check(outside > 0 and f'the same without the {outside} structures outside' in p1.stdout,
          f'a second table without the {outside} structures outside the training range')
    head = a.splitlines()[1]
    check(head.count('ref_forces') == 1 and 'ref_energy=' in head and 'ref_stress=' in head,
          'ref_energy, ref_stress and ref_forces each once')


def case_input_errors(t):
    expect_error(t.run('annp-summary', t.work), ['is a directory, expected a file'], 'a directory')
    expect_error(t.run('annp-predict', MODEL, t.work), ['is a directory, expected a file'], 'a directory to predict')
    expect_error(t.run('annp-predict', MODEL, DATA, 'out.data'), ["'out.data'", 'extended XYZ', 'name it *.xyz'],
                 'an n2p2-named output for extended XYZ predictions')
    check(not os.path.exists(os.path.join(t.work, 'out.data')), 'nothing written under the n2p2 name')
    with open(os.path.join(t.work, 'bom.xyz'), 'wb') as f:
        f.write(b'\xef\xbb\xbf' + open(DATA, 'rb').read())
    p = t.run('annp-summary', 'bom.xyz')
    check(p.returncode == 0 and 'total' in p.stdout and ' 295 ' in p.stdout, 'a UTF-8 byte-order mark is accepted')
    open(os.path.join(t.work, 'empty.xyz'), 'w').close()
    expect_error(t.run('annp-summary', 'empty.xyz'), ['empty.xyz: contains no structures'], 'an empty file')


def case_kim_install(t):
    tool = os.path.join(ROOT, 'integrations', 'kim', 'annp-kim-install')
    env = dict(os.environ, ANNP_BUILD_DIR=os.path.dirname(t.bin))
    open(os.path.join(t.work, 'empty.annp'), 'w').close()
    with open(MODEL) as f:
        cut = f.read()[:300]  # ends inside the header: the error names the line it ends in
    open(os.path.join(t.work, 'cut.annp'), 'w').write(cut)
    for name, text in (('empty.annp', 'the model file is empty'), ('cut.annp', f'cut.annp:{cut.count(chr(10)) + 1}')):
        p = subprocess.run([tool, name, 'X', 'coll'], cwd=t.work, env=env, capture_output=True, text=True)
        check(p.returncode == 1 and text in p.stderr and not os.path.exists(os.path.join(t.work, 'coll')),
              f'{name}: refused before building ("{p.stderr.strip().splitlines()[0][:100]}")')
    p = t.run('annp-summary', '--model', MODEL)
    check(p.returncode == 0 and '30-20-20-1 tanh tanh linear' in p.stdout
          and 'short-range core: zbl repulsion alone below 1.623' in p.stdout
          and '(0 inactive)' in p.stdout, 'annp-summary --model describes the bundled model')


def case_select_split(t):
    tool = os.path.join(ROOT, 'scripts', 'select-split')
    split = os.path.join(t.work, 'split.txt')
    with open(split, 'w') as f:
        f.write('# structure indices\ntrain 0 2\nvalidation 4\ntest 3 1\n')
    out = os.path.join(t.work, 'test.xyz')
    p = subprocess.run([tool, DATA, split, 'test', out], capture_output=True, text=True)
    check(p.returncode == 0 and '2 test structures' in p.stdout, 'selects the test part')
    lines = open(DATA).read().splitlines(keepends=True)
    starts, at = [], 0
    while at < len(lines) and len(starts) < 5:
        starts.append(at)
        at += 2 + int(lines[at])
    frame = lambda i: ''.join(lines[starts[i]:starts[i] + 2 + int(lines[starts[i]])])
    check(open(out).read() == frame(3) + frame(1), 'frames 3 and 1, verbatim, in the split order')
    with open(split, 'a') as f:
        f.write('test 999999\n')
    os.remove(out)
    p = subprocess.run([tool, DATA, split, 'validation', out], capture_output=True, text=True)
    check(p.returncode == 0 and open(out).read() == frame(4), 'the validation part')
    with open(split, 'w') as f:
        f.write('train 0\ntest 999999\n')
    os.remove(out)
    p = subprocess.run([tool, DATA, split, 'test', out], capture_output=True, text=True)
    check(p.returncode == 1 and 'split.txt:2: index 999999 outside' in p.stderr
          and not os.path.exists(out), f'a bad index: "{p.stderr.strip()}", nothing written')
    p = subprocess.run([tool, DATA, split, 'validation', out], capture_output=True, text=True)
    check(p.returncode == 1 and 'no line "validation' in p.stderr, 'a missing part is named')
    p = subprocess.run([tool, DATA + '.missing', split, 'test', out], capture_output=True, text=True)
    check(p.returncode == 1 and 'cannot read' in p.stderr, 'a missing data file is named')
    count = 0  # frames in DATA: indices of a second file follow on from it
    at = 0
    while at < len(lines):
        if lines[at].strip():
            count += 1
            at += 2 + int(lines[at])
        else:
            at += 1
    with open(split, 'w') as f:
        f.write(f'train 0\ntest {count + 3} 2\n')
    p = subprocess.run([tool, DATA, DATA, split, 'test', out], capture_output=True, text=True)
    check(p.returncode == 0 and open(out).read() == frame(3) + frame(2),
          'two data files: indices counted through both, in the order named')
    os.remove(out)
    with open(split, 'w') as f:
        f.write(f'test {2 * count}\n')
    p = subprocess.run([tool, DATA, DATA, split, 'test', out], capture_output=True, text=True)
    check(p.returncode == 1 and f'({2 * count} structures)' in p.stderr and not os.path.exists(out),
          'an index past the last file is refused')


def case_properties_committee(t):
    reports = []
    for name, models in (('one', MODEL), ('two', f'{MODEL},{MODEL}')):
        p = t.run('annp-properties', models, DATA, name)
        check(p.returncode == 0, f'annp-properties {name} model(s): exit {p.returncode} {p.stderr[-300:]}')
        with open(os.path.join(t.work, name, 'report.md')) as f:
            reports.append(f.read().split('\n', 1))
    check(reports[0][0] != reports[1][0] and f'{MODEL},{MODEL}' in reports[1][0], 'the title names the committee')
    check(len(reports[0][1]) > 3000 and reports[0][1] == reports[1][1],
          'the committee of two equal members gives the single model\'s report, every number')
    p = t.run('annp-properties', f'{MODEL},', DATA, 'bad')
    expect_error(p, ['empty model path in the list'], 'a trailing comma')


def case_memory(t):
    with open(os.path.join(t.work, 'tiny.xyz'), 'w') as f:
        f.write('1\nLattice="0.01 0 0 0 0.01 0 0 0 0.01" Properties=species:S:1:pos:R:3 pbc="T T T"\nAl 0 0 0\n')
    with open(os.path.join(t.work, 'nm.xyz'), 'w') as f:  # fcc Al with a = 0.404 (nm, not Å)
        f.write('4\nLattice="0.404 0 0 0 0.404 0 0 0 0.404" Properties=species:S:1:pos:R:3 pbc="T T T" energy=-14\n'
                'Al 0 0 0\nAl 0 0.202 0.202\nAl 0.202 0 0.202\nAl 0.202 0.202 0\n')
    for args, texts, what in (
            (('annp-predict', MODEL, 'tiny.xyz'), ['tiny.xyz', 'its own periodic image', 'not nm or bohr'], '0.01 A cell'),
            (('annp-predict', MODEL, 'nm.xyz'), ['nm.xyz', 'atoms per Å³', 'not nm or bohr'], 'fcc in nm'),
            (('annp-summary', '--cutoff', '1000', DATA), ['cutoff 1e+03 Å would need', 'periodic images'],
             'cutoff 1000 A'),
            (('annp-train', 'data=nm.xyz', 'output=t'), ['nm.xyz', 'atoms per Å³'], 'training on nm')):
        start = time.time()
        p = t.run(*args, memory_gb=4, timeout=120)
        expect_error(p, texts, f'{what} under ulimit -v 4 GB' if t.ulimit else what)
        check(time.time() - start < 30, f'{what}: answered in {time.time() - start:.1f} s')


def main():
    run_case(globals(), __doc__, lambda build, work, flags: Tools(build, work, '--no-ulimit' not in flags))


if __name__ == '__main__':
    main()
