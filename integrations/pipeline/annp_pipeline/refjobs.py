"""Resumable first-principles reference calculations (data/al/v2/references.py,
data/alo/references.py): each finished calculation is appended whole to an extended-XYZ file as a
labelled frame (config_type reference_NAME, ref_name NAME, plus the script's own info keys) and
skipped when rerun; a relaxation writes its steps to DIR/NAME.traj and restarts from the last one.

With prerelax (annp model files, several: their committee mean) a positions-only relaxation that
has no steps yet first relaxes with the model, at no first-principles cost, and the
first-principles relaxation starts from there: it ends at the same minimum (the same force
criterion, first-principles forces) in fewer expensive steps when the model is close. The frame
records the model (prerelaxed_with) and its steps (prerelax_steps).

A relaxation resumed from its traj neither recomputes the last step (its energy and forces are in
the traj: a first-principles step of a 30-atom oxide cell is half an hour here) nor forgets its
curvature (a positions-only BFGS rebuilds its Hessian from the steps so far). The one exception is
the stress of a periodic cell that a positions-only relaxation ends in: its steps store none, so
the frame's stress costs one more SCF at the final positions (from the saved state, where there
is one).
With scf_checkpoint (GPAW, the labeller's --scf-checkpoint) the step that was running is not lost
either: its SCF state is saved every few iterations as DIR/NAME-SETTINGS.gpw and a rerun resumes
it (for a relaxation, whichever step's state is there: GPAW moves it to the step's geometry as it
does between steps); the frame records scf_resumed and the state is deleted once it is written.
"""
import os
import sys
import time

from . import label, xyz


def _resumed_calculator(calc, last):
    """A calculator that returns `last`'s stored results (a traj frame) for the atoms at exactly
    its positions and cell, and asks `calc` for everything else."""
    import numpy as np
    from ase.calculators.calculator import Calculator, all_changes

    class Resumed(Calculator):
        implemented_properties = ['energy', 'free_energy', 'forces', 'stress']

        def __init__(self):
            super().__init__()
            self.real = calc
            self.known = dict(last.calc.results)
            self.where = (last.positions.copy(), np.array(last.cell))

        def calculate(self, atoms=None, properties=('energy',), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            if (self.known and np.array_equal(atoms.positions, self.where[0])
                    and np.array_equal(np.array(atoms.cell), self.where[1])
                    and all(p in self.known for p in properties)):
                self.results = dict(self.known)
                return
            self.known = {}  # moved on: never again
            for p in properties:
                self.real.get_property(p, atoms)
            self.results = dict(self.real.results)

    return Resumed()


class ReferenceRun:
    def __init__(self, out, relax_dir, profile_name, fmax=0.01, prerelax=None, scf_checkpoint=None,
                 scf_checkpoint_every=2):
        self.out, self.relax_dir, self.fmax = out, relax_dir, fmax
        self.profile = label.load_profile(profile_name)
        self.prerelax = prerelax  # model file(s), comma-separated, or None
        if scf_checkpoint:  # GPAW's SCF state saved mid-calculation (DIR/NAME-SETTINGS.gpw)
            label.enable_scf_checkpoint(self.profile, scf_checkpoint, scf_checkpoint_every)

    def _prerelax(self, at):
        """Relaxes the positions of `at` in place with the prerelax model; returns the steps."""
        try:
            import annp
        except ImportError:
            sys.exit('--prerelax needs the annp Python module: build with -DANNP_BUILD_PYTHON=ON and '
                     'set PYTHONPATH=build/python')
        from ase.optimize import BFGS
        model = at.copy()
        model.calc = annp.Calculator(self.prerelax.split(','))
        opt = BFGS(model, logfile=None)
        opt.run(fmax=self.fmax, steps=1000)
        at.positions = model.positions
        return opt.get_number_of_steps()

    def done(self):
        """ref_name -> frame of every finished calculation."""
        from ase.io import read
        if not os.path.exists(self.out):
            return {}
        xyz.repair_tail(self.out)
        return {a.info['ref_name']: a for a in read(self.out, ':')}

    def run(self, name, at, relax=False, cell=False, info=None, max_steps=200):
        """Computes `at` (positions relaxed if `relax`; positions and cell together if `cell`),
        appends the labelled frame and returns it."""
        at = at.copy()
        at.info.update(config_type=f'reference_{name}', ref_name=name, **(info or {}))
        state = None
        if self.profile.get('_scf_checkpoint'):
            # One state per calculation, named by it: a relaxation's state is of whichever step was
            # running, so any geometry of the same atoms is resumed (GPAW moves it to the step's).
            at.calc, params, state, resumed = label.checkpointed_calculator(
                at, self.profile, name=name, same_geometry=not (relax or cell))
            if resumed:
                at.info['scf_resumed'] = True
        else:
            at.calc, params = label.make_calculator(at, self.profile)
        t = time.time()
        steps = 0
        if relax or cell:
            import numpy as np
            from ase.io import Trajectory
            from ase.optimize import BFGS
            os.makedirs(self.relax_dir, exist_ok=True)
            traj = os.path.join(self.relax_dir, f'{name}.traj')
            last, done_steps = None, 0
            if os.path.exists(traj) and os.path.getsize(traj) > 0:
                try:
                    frames = Trajectory(traj)
                    last = frames[-1]
                    # Steps taken so far (a frame that repeats its predecessor is not a step).
                    done_steps = sum(not np.array_equal(frames[i].positions, frames[i - 1].positions)
                                     for i in range(1, len(frames)))
                    at.set_cell(last.cell, scale_atoms=False)
                    at.positions = last.positions
                except Exception:  # a step cut off by a kill: start again from the start
                    os.remove(traj)
                    last, done_steps = None, 0
            if last is not None and last.calc is not None:
                at.calc = _resumed_calculator(at.calc, last)
            # No step yet: no file, an empty one a kill left before the first step, or a damaged one.
            if self.prerelax and not cell and last is None:
                at.info['prerelax_steps'] = self._prerelax(at)
                at.info['prerelaxed_with'] = ','.join(os.path.basename(m) for m in self.prerelax.split(','))
            target = at
            if cell:
                from ase.constraints import ExpCellFilter
                target = ExpCellFilter(at)
            opt = BFGS(target, logfile=None)
            if last is not None and not cell:
                # (A cell relaxation steps in the filter's coordinates, which the traj does not
                # hold: it restarts with the initial Hessian.)
                opt.replay_trajectory(traj)
                # Counting on from the steps taken: the last one is neither logged to the traj
                # again nor recomputed, and max_steps bounds the whole relaxation.
                opt.nsteps = done_steps
            with Trajectory(traj, 'a', at) as steps_file:
                def log_step():
                    # ASE logs the starting point again when the optimiser's step count is 0 (a
                    # run cut off after its first calculation): that step is on file already.
                    if (last is not None and np.array_equal(at.positions, last.positions)
                            and np.array_equal(np.array(at.cell), np.array(last.cell))):
                        return
                    steps_file.write()
                opt.attach(log_step)
                converged = opt.run(fmax=self.fmax, steps=max_steps)
            steps = opt.get_number_of_steps()
            at.info['relax_converged'] = bool(converged)
            if not converged:
                print(f'{name}: WARNING: not converged to {self.fmax} eV/A in {max_steps} steps; the frame '
                      'says so (relax_converged = F)', flush=True)
            at.info['relax_fmax'] = self.fmax
            at.info['relax_steps'] = int(steps)
            at.info['relax_cell'] = bool(cell)
        frame = label.results_frame(at, xyz.structure_id(at), self.profile, params)
        xyz.append_text(self.out, frame)
        if state and os.path.exists(state):
            os.unlink(state)
        print(f'{name:20s} {len(at):3d} atoms  E {at.get_potential_energy(force_consistent=True):.6f} eV  '
              f'{time.time() - t:7.1f} s{f"  ({steps} steps)" if relax or cell else ""}', flush=True)
        return at


def parse_args(argv, jobs, out_dir, profile, script='references.py'):
    """The command line of a reference script: [--profile NAME] [--out DIR] [--prerelax MODELS]
    [--fmax F] [--scf-checkpoint DIR] (--report | JOB ...). Returns (profile, out xyz path,
    relaxation folder, 'report' or the list of jobs to run, the prerelax model files or None, the
    force criterion in eV/A or None for the script's own, the SCF checkpoint folder or None)."""
    args = list(argv)
    prerelax = fmax = checkpoint = None
    while args[:1] and args[0] in ('--profile', '--out', '--prerelax', '--fmax', '--scf-checkpoint'):
        if len(args) < 2:
            sys.exit(f'{script}: {args[0]} needs a value')
        if args[0] == '--profile':
            profile = args[1]
        elif args[0] == '--scf-checkpoint':
            checkpoint = args[1]
        elif args[0] == '--prerelax':
            missing = [m for m in args[1].split(',') if not os.path.isfile(m)]
            if missing:
                sys.exit(f'{script}: --prerelax: no such model file {missing[0]!r}')
            prerelax = args[1]
        elif args[0] == '--fmax':
            try:
                fmax = float(args[1])
            except ValueError:
                fmax = float('nan')
            if not 0 < fmax <= 1:
                sys.exit(f'{script}: --fmax: expected a force criterion in (0, 1] eV/A, got {args[1]!r}')
        else:
            os.makedirs(args[1], exist_ok=True)
            out_dir = args[1]
        args = args[2:]
    if checkpoint:
        try:
            calculator = label.load_profile(profile)['calculator']
        except label.LabelError as e:
            sys.exit(f'{script}: {e}')
        if calculator != 'gpaw':
            sys.exit(f'{script}: --scf-checkpoint: only GPAW states can be saved and resumed, not {calculator}')
    out, relax = os.path.join(out_dir, 'references.xyz'), os.path.join(out_dir, 'references.relax')
    if args == ['--report']:
        return profile, out, relax, 'report', prerelax, fmax, checkpoint
    unknown = [j for j in args if j not in jobs]
    if unknown:
        sys.exit(f'{script}: unknown job(s) {unknown}; expected some of {list(jobs)} or --report')
    return profile, out, relax, args or list(jobs), prerelax, fmax, checkpoint
