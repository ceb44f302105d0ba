#!/usr/bin/env python3
"""Writes vacancy_model.in.xyz: the O and Al vacancy cells of references.py relaxed by a model
committee, for labelling at the set's settings (training data for the vacancy energies).

A committee fitted without vacancies can put the relaxed vacancy in a minimum that first principles
does not have (docs/validation-alumina.md: the 16-tail-cell committee relaxes the O vacancy by
0.37 eV where the DFT relaxation goes down ~0.1 eV). The DFT energies and forces at the geometry the
model relaxes to say exactly where it is wrong; a frame halfway along the model's path says how.
For each vacancy (the 30-atom hexagonal cell at the DFT-relaxed a, c, u, x of references.xyz, the
first O or the first Al removed, as references.py does) the script relaxes positions with the
committee mean (BFGS, --fmax, default 0.03 eV/A) and writes the last step (config_type
vacancy_model_relaxed) and, with --halfway, the step halfway through (vacancy_model_path). Each
frame records the models (relaxed_with) and its step. The k-point mesh is pinned at the vacancy
references' 6x6x2.

--cell rho80 takes instead the 10-atom rhombohedral cell of references.py's relaxed bulk repeated
2x2x2 (80 atoms less the vacancy; k-points 3x3x3, exactly the 10-atom cells' Gamma-centred 6x6x6
folded: the same k-points and plane waves as eight 10-atom cells): its vacancy images are 9.6 A
apart, where the 30-atom cell's are 4.8 A apart (an atom near the vacancy there always sees two).
--unrelaxed also writes each unrelaxed vacancy cell (config_type vacancy_unrelaxed), first; with
--unrelaxed the models may be left out (no relaxation, only those cells).

Usage: PYTHONPATH=build/python /usr/bin/python3 data/alo/vacancy_model.py [--fmax F] [--halfway]
           [--cell hex30|rho80] [--unrelaxed] [--out FILE] [M1.annp,M2.annp,...]
       OMP_NUM_THREADS=1 nohup integrations/pipeline/annp-label data/alo/vacancy_model.in.xyz \\
           data/alo/vacancy_model.xyz --profile gpaw-pbe-600 > data/alo/label-vacancy_model.log 2>&1 &
"""
import argparse
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
import references  # noqa: E402
from annp_pipeline import generate, refjobs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('models', nargs='?', help='annp model files, comma-separated (their committee mean)')
    ap.add_argument('--fmax', type=float, default=0.03, help='force criterion, eV/A (default 0.03)')
    ap.add_argument('--halfway', action='store_true', help='also write the step halfway along each path')
    ap.add_argument('--out', default=os.path.join(here, 'vacancy_model.in.xyz'))
    ap.add_argument('--cell', choices=('hex30', 'rho80'), default='hex30',
                    help='the 30-atom hexagonal cell (default) or the 2x2x2 rhombohedral one')
    ap.add_argument('--unrelaxed', action='store_true', help='also write the unrelaxed vacancy cells')
    a = ap.parse_args()
    if not a.models and not a.unrelaxed:
        sys.exit('vacancy_model.py: name the models (M1.annp,M2.annp,...) or ask for --unrelaxed cells only')
    if not 0.0 < a.fmax <= 1.0:
        sys.exit(f'--fmax: expected a force criterion in (0, 1] eV/A, got {a.fmax:g}')
    if a.models:
        try:
            import annp
        except ImportError:
            sys.exit('vacancy_model.py needs the annp Python module to relax: build with '
                     '-DANNP_BUILD_PYTHON=ON and set PYTHONPATH=build/python')
        from ase.optimize import BFGS
    have = refjobs.ReferenceRun(references.OUT, references.RELAX, references.PROFILE).done()
    if 'bulk' not in have:
        sys.exit(f'{references.OUT}: no relaxed bulk frame yet (references.py bulk)')
    if a.cell == 'hex30':
        a_, c, u, x = references.parameters(have['bulk'])
        perfect, kpts = references.corundum(a_, c, u, x, primitive=False), [6, 6, 2]
    else:
        perfect, kpts = have['bulk'].copy(), [3, 3, 3]
        perfect.calc, perfect.info = None, {}
        perfect = perfect.repeat(2)
    models = a.models.split(',') if a.models else []
    for m in models:
        if not os.path.isfile(m):
            sys.exit(f'{m}: no such model file')
    names = ','.join(os.path.relpath(m, os.path.join(here, '..', '..')) for m in models)
    frames = []
    for element in ('O', 'Al'):
        cell = references.vacancy_cell(perfect, element)
        if a.unrelaxed:
            out = cell.copy()
            out.info = {'kpts': kpts, 'config_type': 'vacancy_unrelaxed', 'vacancy': element, 'cell': a.cell}
            frames.append(out)
        if not models:
            continue
        path = []
        cell.calc = annp.Calculator(models)
        opt = BFGS(cell, logfile=None)
        opt.attach(lambda: path.append((cell.positions.copy(), cell.get_potential_energy())))
        converged = opt.run(fmax=a.fmax, steps=1000)
        if not converged:
            sys.exit(f'vacancy_{element}: the model relaxation did not reach {a.fmax} eV/A in 1000 steps')
        picks = [(len(path) - 1, 'vacancy_model_relaxed')]
        if a.halfway:
            picks.insert(0, ((len(path) - 1) // 2, 'vacancy_model_path'))
        for step, kind in picks:
            out = references.vacancy_cell(perfect, element)
            out.positions = path[step][0]
            out.info = {'kpts': kpts, 'config_type': kind, 'vacancy': element,
                        'relaxed_with': names, 'model_step': step, 'model_steps': len(path) - 1,
                        'relax_fmax': a.fmax}
            if a.cell != 'hex30':
                out.info['cell'] = a.cell
            frames.append(out)
        print(f'vacancy_{element}: {len(path) - 1} model steps, model relaxation '
              f'{path[0][1] - path[-1][1]:.3f} eV', flush=True)
    # The unrelaxed cells first, then the relaxed ones: what the vacancy energies depend on.
    order = ('vacancy_unrelaxed', 'vacancy_model_relaxed', 'vacancy_model_path')
    frames.sort(key=lambda f: order.index(f.info['config_type']))
    generate.write_structures(a.out, frames)
    print(f'{a.out}: {len(frames)} structures', flush=True)


if __name__ == '__main__':
    main()
