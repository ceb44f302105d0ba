"""annp-select: the candidates of a recipe that a committee of models disagrees on most.

    annp-select RECIPE.json OUTPUT.xyz MODEL1 MODEL2 ... [--count N] [--min-distance D]
                [--trust LO HI] [--per-type K] [--seed S] [--build DIR]

The active-learning loop's selection without the MD: the recipe (annp-generate) draws the
candidates; annp-predict with the committee scores each by its largest per-atom force deviation
(the norm of the standard deviation of the force over the models, eV/A); candidates with two atoms
closer than --min-distance (periodic images included) are dropped (a pair inside a model's
short-range core says nothing about the network); with --trust only those with LO <= deviation < HI
stay (the active-learning loop's trust window: below LO the committee agrees; the deviation grows
with a cell's distance from the data, so without HI a round is all of the most extreme kind); with
--per-type at most K of one config_type are taken, so that one kind of cell cannot fill the round;
the COUNT highest-scoring are written, most uncertain first (the labelling order), each with
`committee_max_force_dev`. Deterministic for given models and seed: the written input is committed
beside the models it was scored with, and a later round draws fresh candidates with another --seed.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from .generate import RecipeError, generate, min_distance, read_json, write_structures

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def select_uncertain(recipe_path, models, count, out, build=None, seed=None, min_dist=0.0, trust=None,
                     per_type=None):
    """Writes the `count` candidates of the recipe with the largest committee force deviation to
    `out` (inside the trust window (lo, hi) if given, at most `per_type` of one config_type if
    given); returns (candidates, kept after the distance check and the window, deviations of the
    kept, written)."""
    from ase.io import read
    if len(models) < 2:
        raise RecipeError('a committee needs at least two models')
    if count < 1:
        raise RecipeError(f'--count must be at least 1, got {count}')
    lo, hi = trust if trust is not None else (0.0, float('inf'))
    if not 0 <= lo < hi:
        raise RecipeError(f'the trust window needs 0 <= LO < HI, got LO={lo} HI={hi}')
    if per_type is not None and per_type < 1:
        raise RecipeError(f'--per-type must be at least 1, got {per_type}')
    recipe = read_json(recipe_path)
    build = build or os.path.join(ROOT, 'build')
    with tempfile.TemporaryDirectory() as tmp:
        cand, pred = os.path.join(tmp, 'candidates.xyz'), os.path.join(tmp, 'predicted.xyz')
        write_structures(cand, generate(recipe, seed, where=recipe_path))
        p = subprocess.run([os.path.join(build, 'examples', 'annp-predict'), ','.join(models), cand, pred],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RecipeError(f'annp-predict failed: {p.stderr.strip()}')
        frames, scored = read(cand, ':'), read(pred, ':')
    if len(frames) != len(scored):
        raise RecipeError('annp-predict returned another number of structures')
    keep = [(float(s.info['max_force_dev']), k) for k, (f, s) in enumerate(zip(frames, scored))
            if min_distance(f) >= min_dist]
    if not keep:
        raise RecipeError(f'every candidate has a pair closer than {min_dist} A')
    keep = [(dev, k) for dev, k in keep if lo <= dev < hi]
    if not keep:
        raise RecipeError(f'no candidate has a committee deviation inside the trust window [{lo}, {hi}) eV/A')
    keep.sort(key=lambda x: (-x[0], x[1]))
    chosen, taken = [], {}
    for dev, k in keep:
        if len(chosen) == count:
            break
        f = frames[k]
        kind = f.info.get('config_type', '')
        if per_type is not None and taken.get(kind, 0) >= per_type:
            continue
        taken[kind] = taken.get(kind, 0) + 1
        f.info['committee_max_force_dev'] = round(dev, 4)
        chosen.append(f)
    write_structures(out, chosen)
    return len(frames), len(keep), [x[0] for x in keep], chosen


def run(recipe_path, models, count, out, build=None, seed=None, min_dist=0.0, prog='annp-select', trust=None,
        per_type=None):
    """select_uncertain with a summary on stdout and errors on stderr; the exit status."""
    try:
        n, kept, devs, chosen = select_uncertain(recipe_path, models, count, out, build, seed, min_dist, trust,
                                                 per_type)
    except RecipeError as e:
        print(f'{prog}: {e}', file=sys.stderr)
        return 2
    window = f' and inside the trust window [{trust[0]}, {trust[1]}) eV/A' if trust is not None else ''
    written = sorted(float(f.info['committee_max_force_dev']) for f in chosen)
    print(f'{n} candidates, {kept} without pairs below {min_dist} A{window}; committee deviation median '
          f'{np.median(devs):.2f} eV/A, kept {len(chosen)} from {written[0]:.2f} to {written[-1]:.2f} eV/A')
    print(f'{len(chosen)} structures -> {out}')
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog='annp-select', description=__doc__.split('\n\n')[0])
    p.add_argument('recipe', help='annp-generate recipe (JSON) that draws the candidates')
    p.add_argument('output', help='extended XYZ to write (unlabelled, most uncertain first)')
    p.add_argument('models', nargs='+', help='the committee: two or more annp model files')
    p.add_argument('--count', type=int, default=40, help='structures to keep (40)')
    p.add_argument('--min-distance', type=float, default=0.0, help='drop candidates with a closer pair (A)')
    p.add_argument('--trust', type=float, nargs=2, metavar=('LO', 'HI'), default=None,
                   help='keep only candidates with LO <= deviation < HI (eV/A)')
    p.add_argument('--per-type', type=int, default=None, metavar='K', help='at most K of one config_type')
    p.add_argument('--seed', type=int, default=None, help="candidates' seed (default: the recipe's)")
    p.add_argument('--build', default=None, help='the build directory with examples/annp-predict')
    a = p.parse_args(argv)
    return run(a.recipe, a.models, a.count, a.output, a.build, a.seed, a.min_distance, trust=a.trust,
               per_type=a.per_type)


if __name__ == '__main__':
    sys.exit(main())
