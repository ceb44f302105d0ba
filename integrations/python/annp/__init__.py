"""annp: atomic neural-network potentials from Python.

    import annp
    atoms.calc = annp.Calculator("data/models/al.annp")            # an ASE calculator
    atoms.calc = annp.Calculator(["m1.annp", "m2.annp", "m3.annp"])  # a committee
    model = annp.read_model("data/models/al.annp")
    results = model.predict([atoms1, atoms2])                     # energies, forces, stress
    model = annp.train("examples/al.conf", epochs=100, output="run")   # annp-train's keys

Energies in eV, lengths in Å, forces in eV/Å, stress in eV/Å³ with ASE's sign convention (the
same as annp-predict). Errors of the library are raised as annp.Error (a RuntimeError) with
annp's message.
"""
import os
import sys
import tempfile

import numpy as np

from ._annp import Error, NativeModel, set_threads
from ._annp import train_command as _train_command

__all__ = ['Calculator', 'Error', 'Model', 'read_model', 'set_threads', 'train']


class Model:
    """A trained potential (annp model file or n2p2 model directory), or a committee of them."""

    def __init__(self, paths):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        for p in paths:
            if not os.path.exists(p):
                raise Error(f'{p}: no such model file')
        self._native = NativeModel(paths)
        self.output_dir = None

    @property
    def elements(self):
        """Element symbols, in the model's order."""
        return self._native.elements

    @property
    def cutoff(self):
        return self._native.cutoff

    @property
    def committee_size(self):
        return self._native.size

    @property
    def paths(self):
        return self._native.paths

    @property
    def metadata(self):
        return dict(self._native.metadata)

    def compute(self, atoms, forces=True, energies=False):
        """Energy, forces, stress (periodic cells), per-atom energies for one ASE Atoms; with a
        committee also energy_std, force_dev (per atom) and max_force_dev. A dict of NumPy arrays."""
        return self._native.compute(atoms.numbers, atoms.positions, np.asarray(atoms.cell),
                                    [bool(p) for p in atoms.pbc], forces, energies)

    def predict(self, atoms_list, forces=True, energies=False):
        """compute() for every structure of a list (or one Atoms)."""
        if hasattr(atoms_list, 'positions'):
            atoms_list = [atoms_list]
        return [self.compute(a, forces, energies) for a in atoms_list]

    def __repr__(self):
        kind = f'committee of {self.committee_size}' if self.committee_size > 1 else 'model'
        return f'<annp.Model {kind} {", ".join(self.elements)} cutoff {self.cutoff:g} A: {self.paths[0]}>'


def read_model(path):
    """Reads an annp model file (or n2p2 model directory); a list of paths gives a committee."""
    return Model(path)


try:
    from ase.calculators.calculator import Calculator as _AseCalculator
    from ase.calculators.calculator import PropertyNotImplementedError, all_changes
except ImportError:  # the module works without ASE; only the calculator needs it
    _AseCalculator = object
    all_changes = None
    PropertyNotImplementedError = NotImplementedError


class Calculator(_AseCalculator):
    """ASE calculator: energy, free_energy, forces, stress (periodic cells), energies (per atom);
    for a committee also force_dev (per atom), max_force_dev and energy_std.

        atoms.calc = annp.Calculator("model.annp", threads=2)
    """

    implemented_properties = ['energy', 'free_energy', 'forces', 'stress', 'energies']

    def __init__(self, model, threads=None, **kwargs):
        if _AseCalculator is object:
            raise ImportError('annp.Calculator needs ASE (Debian: python3-ase)')
        super().__init__(**kwargs)
        self.model = model if isinstance(model, Model) else Model(model)
        if threads is not None:
            set_threads(int(threads))
        if self.model.committee_size > 1:
            self.implemented_properties = Calculator.implemented_properties + [
                'force_dev', 'max_force_dev', 'energy_std']

    def calculate(self, atoms=None, properties=('energy',), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        a = self.atoms
        if 'stress' in properties and not a.pbc.all():
            raise PropertyNotImplementedError('stress needs a cell periodic along all three axes')
        r = self.model.compute(a, forces=True, energies='energies' in properties)
        self.results = {'energy': r['energy'], 'free_energy': r['energy'], 'forces': r['forces']}
        if 'stress' in r:
            s = r['stress']
            self.results['stress'] = np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
        if 'energies' in r:
            self.results['energies'] = r['energies']
        for key in ('force_dev', 'max_force_dev', 'energy_std'):
            if key in r:
                self.results[key] = r[key]
        self.results['extrapolated_atoms'] = r['extrapolated_atoms']


def _value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (list, tuple, np.ndarray)):
        return ' '.join(str(x) for x in v)
    return str(v)


def train(config=None, data=None, progress=None, **keys):
    """Trains a potential exactly as annp-train does and returns the model.

    config    an annp-train configuration file (optional)
    data      a path (extended XYZ or n2p2 input.data) or a list of labelled ASE Atoms
    progress  None: print annp-train's lines to stdout; False: silent; a callable: called with
              each line (e.g. to update a progress bar)
    keys      any annp-train key (annp-train --help), e.g. epochs=300, hidden=[20, 20],
              force_weight=0.01, output="run" (default: a new temporary folder)
    The returned Model has output_dir, where train.log, errors.txt, plots and curves are.
    """
    args = [os.fspath(config)] if config is not None else []
    output = keys.pop('output', None) or tempfile.mkdtemp(prefix='annp-train-')
    os.makedirs(output, exist_ok=True)
    if data is not None:
        if isinstance(data, (str, os.PathLike)):
            keys['data'] = os.fspath(data)
        else:
            from ase.io import write
            path = os.path.join(output, 'training-data.xyz')
            write(path, list(data), format='extxyz')
            keys['data'] = path
    args += [f'{k}={_value(v)}' for k, v in keys.items()] + [f'output={output}']
    if progress is None:
        def progress(line):
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
    elif progress is False:
        def progress(line):
            pass
    _train_command(args, progress)
    model = Model(os.path.join(output, 'model.annp'))
    model.output_dir = output
    return model
