"""annp-generate: seeded, reproducible structure sets from prototypes, for any elements.

    annp-generate RECIPE.json OUTPUT.xyz [--seed S]

A recipe names prototypes and the sets to make from them:

    {"seed": 1,
     "prototypes": {
        "fcc": {"bulk": {"name": "Al", "crystalstructure": "fcc", "a": 4.04}},
        "corundum": {"crystal": {"symbols": ["Al", "O"], "basis": [[0, 0, 0.352], [0.306, 0, 0.25]],
                                 "spacegroup": 167, "cellpar": [4.76, 4.76, 12.99, 90, 90, 120]}},
        "mine": {"file": "start.xyz", "index": 0}},
     "sets": [
        {"kind": "bulk", "prototype": "fcc", "scales": [0.85, 1.15, 31], "config_type": "fcc_volume"},
        {"kind": "bulk", "prototype": "fcc", "count": 20, "scale": [0.9, 1.1], "strain": 0.08},
        {"kind": "bulk", "prototype": "fcc", "count": 20, "repeat": [2, 2, 2], "sigma": [0.03, 0.2], "strain": 0.03},
        {"kind": "vacancy", "prototype": "fcc", "repeat": [3, 3, 3], "count": 4, "vacancies": 1, "sigma": [0, 0.05]},
        {"kind": "interstitial", "prototype": "fcc", "repeat": [2, 2, 2], "count": 4, "element": "Al"},
        {"kind": "surface", "prototype": "fcc", "miller": [1, 1, 1], "layers": 6, "vacuum": 6, "size": [2, 2],
         "count": 4, "sigma": [0, 0.1], "adatoms": 1},
        {"kind": "stacking_fault", "prototype": "fcc", "layers": 9, "size": [1, 1], "fractions": [0, 0.5, 1]},
        {"kind": "dimer", "elements": ["Al", "Al"], "distances": [1.9, 5.0, 25], "box": 10},
        {"kind": "liquid", "composition": {"Al": 32}, "volume_per_atom": 18.5, "min_distance": 2.3, "count": 2}]}

Every set draws from its own generator seeded by (seed, position of the set), so appending a set never
changes the structures of the others. Common options of the crystal kinds: "repeat" (supercell),
"scale" ([lo, hi] uniform) or "scales" ([lo, hi, n] evenly: a volume scan), "c_scale" ([lo, hi]: the
third cell vector alone, e.g. c/a), "strain" (largest component of a random symmetric strain: axis
lengths and angles), "strains" (bulk: a list of explicit strains, Voigt [xx, yy, zz, yz, xz, xy] with
engineering shears, one structure each, applied after "scale" and "repeat"),
"sigma" ([lo, hi]: Gaussian displacement width, A), "kpts" (a fixed k-point mesh
written into every frame, so that one family never changes mesh). Each frame carries config_type
(default: the prototype name and kind), gen_kind, gen_set and index.
"""
import argparse
import json
import sys

import numpy as np

from . import xyz


class RecipeError(Exception):
    pass


# ---- prototypes --------------------------------------------------------------------------------


def read_json(path, error=None):
    """The JSON document of a file; a missing file or invalid JSON raises `error` (RecipeError by
    default) naming the file (and the line)."""
    error = error or RecipeError
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise error(f'{path}: no such file') from None
    except json.JSONDecodeError as e:
        raise error(f'{path}:{e.lineno}: not valid JSON: {e.msg}') from None


def build_prototype(spec, where):
    from ase.build import bulk
    if not isinstance(spec, dict) or len(spec) != 1:
        raise RecipeError(f'{where}: a prototype is one of {{"bulk": ...}}, {{"crystal": ...}}, {{"file": ...}}')
    (how, args), = spec.items()
    try:
        if how == 'bulk':
            return bulk(**args)
        if how == 'crystal':
            from ase.spacegroup import crystal
            return crystal(**args)
        if how == 'file':
            from ase.io import read
            return read(args if isinstance(args, str) else args['path'],
                        0 if isinstance(args, str) else args.get('index', 0))
    except Exception as e:
        raise RecipeError(f'{where}: cannot build prototype ({type(e).__name__}: {e})') from None
    raise RecipeError(f'{where}: unknown prototype kind "{how}" (bulk, crystal, file)')


# ---- transformations ---------------------------------------------------------------------------


def _range(opt, rng, default):
    if opt is None:
        return default
    if isinstance(opt, (int, float)):
        return float(opt)
    lo, hi = opt
    return float(rng.uniform(lo, hi))


def random_strain(rng, amplitude):
    eps = rng.uniform(-amplitude, amplitude, (3, 3))
    return 0.5 * (eps + eps.T)


def deform(at, rng, s, scale=None):
    """Applies the common crystal options: scale, c_scale, strain, repeat, sigma."""
    at = at.copy()
    scale = _range(s.get('scale'), rng, 1.0) if scale is None else scale
    cell = np.array(at.cell) * scale
    if 'c_scale' in s:
        cell[2] *= _range(s['c_scale'], rng, 1.0)
    if s.get('strain'):
        cell = cell @ (np.eye(3) + random_strain(rng, float(s['strain'])))
    at.set_cell(cell, scale_atoms=True)
    if 'repeat' in s:
        at = at.repeat(tuple(s['repeat']))
    return at


def rattle(at, rng, s):
    sigma = _range(s.get('sigma'), rng, 0.0)
    if sigma > 0:
        at.positions += rng.normal(0.0, sigma, at.positions.shape)
    return at


def min_distance(at, point=None):
    """Shortest interatomic distance (or from point to any atom), periodic images included."""
    from ase.geometry import get_distances
    if point is not None:
        _, d = get_distances([point], at.positions, cell=at.cell, pbc=at.pbc)
        return float(d.min())
    if len(at) < 2:
        return np.inf
    _, d = get_distances(at.positions, cell=at.cell, pbc=at.pbc)
    d[np.diag_indices_from(d)] = np.inf
    return float(d.min())


def largest_void(at, rng, samples=4000):
    """A point far from every atom: the best of random trial points refined locally."""
    frac = rng.random((samples, 3))
    pts = frac @ np.array(at.cell)
    from ase.geometry import get_distances
    _, d = get_distances(pts, at.positions, cell=at.cell, pbc=at.pbc)
    best = pts[np.argmax(d.min(axis=1))]
    step = 0.3
    for _ in range(60):
        trial = best + rng.normal(0, step, 3)
        if min_distance(at, trial) > min_distance(at, best):
            best = trial
        else:
            step *= 0.95
    return best


# ---- kinds -------------------------------------------------------------------------------------


def voigt_strain(e, where='strains'):
    """The symmetric strain tensor of a Voigt vector [xx, yy, zz, yz, xz, xy] with engineering
    shears (yz = 2 e_yz), the convention of elastic constants: stress_yz = C44 * yz."""
    e = [float(x) for x in e]
    if len(e) != 6:
        raise RecipeError(f'{where}: a strain has 6 Voigt components [xx, yy, zz, yz, xz, xy], got {len(e)}')
    xx, yy, zz, yz, xz, xy = e
    return np.array([[xx, xy / 2, xz / 2], [xy / 2, yy, yz / 2], [xz / 2, yz / 2, zz]])


def gen_bulk(proto, s, rng):
    if 'strains' in s:  # explicit homogeneous strains (elastic constants), after scale and repeat
        if 'strain' in s or 'scales' in s:
            raise RecipeError('"strains" (explicit) takes neither "strain" (random) nor "scales" (a scan)')
        for e in s['strains']:
            at = deform(proto, rng, s)
            at.set_cell(np.array(at.cell) @ (np.eye(3) + voigt_strain(e)), scale_atoms=True)
            yield rattle(at, rng, s)
        return
    if 'scales' in s:
        lo, hi, n = s['scales']
        for sc in np.linspace(lo, hi, int(n)):
            yield rattle(deform(proto, rng, s, scale=float(sc)), rng, s)
        return
    for _ in range(int(s.get('count', 1))):
        yield rattle(deform(proto, rng, s), rng, s)


def gen_vacancy(proto, s, rng):
    for _ in range(int(s.get('count', 1))):
        at = deform(proto, rng, {**s, 'repeat': s.get('repeat', [2, 2, 2])})
        element = s.get('element')
        for _ in range(int(s.get('vacancies', 1))):
            choices = [i for i, a in enumerate(at) if element is None or a.symbol == element]
            if not choices:
                raise RecipeError(f'vacancy: no {element} atom left to remove')
            if s.get('cluster', True) and len(at) < len(proto) * np.prod(s.get('repeat', [2, 2, 2])):
                # next vacancy beside the previous one (divacancy, trivacancy): nearest candidate
                ref = at.info['_last_vacancy']
                from ase.geometry import get_distances
                _, d = get_distances([ref], at.positions[choices], cell=at.cell, pbc=at.pbc)
                k = choices[int(np.argmin(d[0]))]
            else:
                k = choices[int(rng.integers(len(choices)))]
            at.info['_last_vacancy'] = at.positions[k].copy()
            del at[k]
        at.info.pop('_last_vacancy', None)
        yield rattle(at, rng, s)


def gen_interstitial(proto, s, rng):
    if 'element' not in s:
        raise RecipeError('interstitial: needs "element"')
    for _ in range(int(s.get('count', 1))):
        at = deform(proto, rng, {**s, 'repeat': s.get('repeat', [2, 2, 2])})
        for _ in range(int(s.get('atoms', 1))):
            at.append(s['element'])
            at.positions[-1] = largest_void(at[:-1], rng)
        yield rattle(at, rng, s)


def _add_adatom(slab, element, rng):
    """An adatom in the most open site above the top layer, at a nearest-neighbour height."""
    z = slab.positions[:, 2]
    top = slab[z > z.max() - 0.5]
    cell = np.array(slab.cell)
    best, best_d = None, -1.0
    for u in np.linspace(0, 1, 13)[:-1]:
        for v in np.linspace(0, 1, 13)[:-1]:
            p = u * cell[0] + v * cell[1]
            p[2] = z.max()
            d = min_distance(top, p)
            if d > best_d:
                best, best_d = p, d
    bond = min_distance(slab) if len(slab) > 1 else 2.8
    h = np.sqrt(max(bond ** 2 - best_d ** 2, 0.25))
    slab.append(element)
    slab.positions[-1] = best + np.array([0, 0, h])
    return slab


def gen_surface(proto, s, rng):
    from ase.build import surface
    miller = tuple(s.get('miller', [1, 1, 1]))
    for _ in range(int(s.get('count', 1))):
        base = deform(proto, rng, {k: v for k, v in s.items() if k != 'repeat'})
        slab = surface(base, miller, int(s.get('layers', 5)), vacuum=float(s.get('vacuum', 6.0)), periodic=True)
        size = s.get('size', [1, 1])
        slab = slab.repeat((size[0], size[1], 1))
        for _ in range(int(s.get('adatoms', 0))):
            slab = _add_adatom(slab, s.get('element', slab.get_chemical_symbols()[0]), rng)
        yield rattle(slab, rng, s)


def gen_stacking_fault(proto, s, rng):
    """fcc (111) cell whose third vector is tilted by a fraction of the Shockley partial a/6<112>:
    fraction 1 gives one intrinsic stacking fault (a local hcp sequence) per cell, 0.5 the unstable
    fault of the generalised stacking-fault path."""
    from ase.build import fcc111
    if proto.cell.get_bravais_lattice().name != 'FCC' or len(proto) != 1:
        raise RecipeError('stacking_fault: needs a one-atom fcc prototype')
    a = float(np.sqrt(2.0) * np.linalg.norm(proto.cell[0]))
    sym = proto.get_chemical_symbols()[0]
    fractions = s.get('fractions', [1.0])
    for _ in range(int(s.get('count', 1))):
        for f in fractions:
            at = fcc111(sym, size=(*s.get('size', [1, 1]), int(s.get('layers', 9))), a=a,
                        orthogonal=False, periodic=True)
            cell = np.array(at.cell)
            cell[2] += float(f) * (cell[0] + cell[1]) / 3.0  # the Shockley partial, |a/6<112>| = a/sqrt(6)
            at.set_cell(cell, scale_atoms=False)
            at.wrap()
            at = deform(at, rng, {k: v for k, v in s.items() if k not in ('repeat', 'scale', 'scales')})
            at.info['sf_fraction'] = float(f)
            yield rattle(at, rng, s)


def gen_dimer(proto, s, rng):
    from ase import Atoms
    el = s.get('elements')
    if not el or len(el) != 2:
        raise RecipeError('dimer: needs "elements": [A, B]')
    lo, hi, n = s.get('distances', [1.5, 5.0, 20])
    box = s.get('box', 10.0)
    box = [box] * 3 if np.isscalar(box) else box
    for d in np.linspace(lo, hi, int(n)):
        at = Atoms(el, positions=[(0, 0, 0), (float(d), 0, 0)], cell=box, pbc=s.get('pbc', True))
        at.positions += 0.5 * np.array(box) - np.array([d / 2, 0, 0])
        if 'magmoms' in s:
            at.set_initial_magnetic_moments(s['magmoms'])
        yield at


def gen_liquid(proto, s, rng):
    """Random close packing by sequential insertion: a starting box for melts and amorphous cells."""
    from ase import Atoms
    comp = s.get('composition')
    if not comp:
        raise RecipeError('liquid: needs "composition": {"Al": 32, ...}')
    symbols = [e for e, n in comp.items() for _ in range(int(n))]
    n = len(symbols)
    dmin = float(s.get('min_distance', 2.0))
    for _ in range(int(s.get('count', 1))):
        vol = n * float(s.get('volume_per_atom', 18.0))
        L = vol ** (1.0 / 3.0)
        at = Atoms(cell=[L, L, L], pbc=True)
        order = rng.permutation(n)
        for k in order:
            for _try in range(20000):
                p = rng.random(3) * L
                if len(at) == 0 or min_distance(at, p) >= dmin:
                    break
            else:
                raise RecipeError(f'liquid: cannot place {n} atoms {dmin} A apart in {vol:.0f} A^3 '
                                  '(lower min_distance or raise volume_per_atom)')
            at.append(symbols[k])
            at.positions[-1] = p
        yield at


KINDS = {'bulk': gen_bulk, 'vacancy': gen_vacancy, 'interstitial': gen_interstitial, 'surface': gen_surface,
         'stacking_fault': gen_stacking_fault, 'dimer': gen_dimer, 'liquid': gen_liquid}
NEEDS_PROTOTYPE = {'bulk', 'vacancy', 'interstitial', 'surface', 'stacking_fault'}


def generate(recipe, seed=None, where='recipe'):
    """All structures of a recipe, in its order, each with config_type, gen_kind, gen_set, index."""
    seed = int(recipe.get('seed', 1) if seed is None else seed)
    protos = {name: build_prototype(spec, f'{where}: prototype "{name}"')
              for name, spec in recipe.get('prototypes', {}).items()}
    out = []
    for k, s in enumerate(recipe.get('sets', [])):
        here = f'{where}: set {k}'
        kind = s.get('kind')
        if kind not in KINDS:
            raise RecipeError(f'{here}: unknown kind {kind!r} ({", ".join(KINDS)})')
        proto = None
        if kind in NEEDS_PROTOTYPE:
            if s.get('prototype') not in protos:
                raise RecipeError(f'{here}: unknown prototype {s.get("prototype")!r} (defined: {", ".join(protos)})')
            proto = protos[s['prototype']]
        rng = np.random.default_rng([seed, k])
        ctype = s.get('config_type', f'{s.get("prototype", "")}_{kind}'.strip('_'))
        try:
            for at in KINDS[kind](proto, s, rng):
                at.info = {key: v for key, v in at.info.items()  # builder bookkeeping is not data
                           if not key.startswith('_') and isinstance(v, (str, int, float))}
                at.info.update(config_type=ctype, gen_kind=kind, gen_set=k, index=len(out))
                if 'kpts' in s:
                    at.info['kpts'] = list(s['kpts'])
                if min_distance(at) < float(s.get('check_distance', 0.5)):
                    raise RecipeError(f'{here}: made a structure with atoms {min_distance(at):.2f} A apart')
                out.append(at)
        except RecipeError as e:
            raise (RecipeError(f'{here}: {e}') if not str(e).startswith(where) else e) from None
        except (ValueError, TypeError, KeyError, IndexError) as e:
            raise RecipeError(f'{here} ({kind}): {type(e).__name__}: {e}') from None
    return out


def write_structures(path, frames):
    """Writes frames (no labels) with full-precision positions, atomically."""
    xyz.write_atomically(path, ''.join(xyz.format_frame(at) for at in frames))


def main(argv=None):
    p = argparse.ArgumentParser(prog='annp-generate', description=__doc__.split('\n\n')[0],
                                epilog='recipe format: see the module documentation or docs/data.md')
    p.add_argument('recipe', help='recipe (JSON)')
    p.add_argument('output', help='extended XYZ to write (unlabelled structures)')
    p.add_argument('--seed', type=int, default=None, help='overrides the recipe seed')
    a = p.parse_args(argv)
    try:
        frames = generate(read_json(a.recipe), a.seed, where=a.recipe)
        write_structures(a.output, frames)
        counts = {}
        for at in frames:
            c = counts.setdefault(at.info['config_type'], [0, 0])
            c[0] += 1
            c[1] += len(at)
        for name, (n, atoms) in counts.items():
            print(f'  {name:28s} {n:5d} structures {atoms:7d} atoms')
        print(f'annp-generate: {len(frames)} structures, {sum(len(f) for f in frames)} atoms -> {a.output}')
        return 0
    except RecipeError as e:
        print(f'annp-generate: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
