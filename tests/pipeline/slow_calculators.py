"""Calculators for the pipeline tests: ASE's EMT made slow (so a run can be killed mid-way), or
failing on some structures (so the failure log can be checked). Used through profiles
{"calculator": "slow_calculators:SlowEMT"} with this folder on PYTHONPATH."""
import time

from ase.calculators.emt import EMT


class SlowEMT(EMT):
    """EMT that takes 0.15 s per structure."""

    def calculate(self, *args, **kwargs):
        time.sleep(0.15)
        super().calculate(*args, **kwargs)


class FailingEMT(EMT):
    """EMT that fails on structures with an odd number of atoms, as a crashed SCF would."""

    def calculate(self, atoms=None, *args, **kwargs):
        if atoms is not None and len(atoms) % 2 == 1:
            raise RuntimeError(f'SCF did not converge (test calculator, {len(atoms)} atoms)')
        super().calculate(atoms, *args, **kwargs)
