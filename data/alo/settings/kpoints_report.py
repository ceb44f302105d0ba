#!/usr/bin/env python3
"""Table of the k-point study (kpoints.jsonl): free energy per atom of every cell at every mesh
relative to the densest mesh of that cell, the spread of that error over the 10-atom cells (what
a fixed mesh adds as noise to differences within the family), and the 30-atom hexagonal cell
against the 10-atom one at the same k-point density.

Meshes are Gamma-centred unless marked MP (the Monkhorst-Pack mesh without Gamma, kpoints.py
--shifted); the reference is the densest Gamma-centred mesh done for every 10-atom cell.

Usage: /usr/bin/python3 kpoints_report.py [kpoints.jsonl]
"""
import collections
import json
import os
import sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          'kpoints.jsonl')
def table(records, title):
    """Error of every 10-atom cell and mesh against the densest Gamma-centred mesh done for all."""
    runs = collections.defaultdict(dict)  # cell -> (n (10-atom mesh), shifted) -> record
    for rec in records:
        n = rec['mesh'][0] if rec['cell'] != 'hex' else None
        key = n if n is not None else round(rec['density'] * 1.5858, 3)  # hex: the 10-atom n
        runs[rec['cell']][(round(key), not rec.get('gamma', True))] = rec
    prim_cells = [c for c in runs if c != 'hex']
    meshes = sorted({n for c in prim_cells for n in runs[c]})
    full = [n for n in meshes if not n[1] and all(n in runs[c] for c in prim_cells)]
    if not full:
        return runs
    ref = max(full)
    print(f'{title}: reference the {ref[0]} x {ref[0]} x {ref[0]} mesh of every 10-atom cell (meV/atom)\n')
    print('| cell | ' + ' | '.join(f'{n}×{n}×{n}{" MP" if sh else ""}' for n, sh in meshes) + ' |')
    print('| --- |' + ' --- |' * len(meshes))
    errors = collections.defaultdict(list)
    for c in prim_cells:
        row = []
        for n in meshes:
            r = runs[c].get(n)
            if r is None:
                row.append('')
                continue
            d = 1000 * (r['free_energy_per_atom'] - runs[c][ref]['free_energy_per_atom'])
            errors[n].append(d)
            row.append(f'{d:+.3f} ({r["nk_irr"]} k, {r["seconds"]:.0f} s)')
        print(f'| {c} | ' + ' | '.join(row) + ' |')
    print('| spread (max − min) | ' + ' | '.join(
        f'{max(errors[n]) - min(errors[n]):.3f}' if len(errors[n]) > 1 else '' for n in meshes) + ' |\n')
    return runs


records = [json.loads(line) for line in open(path)]
by_ecut = collections.defaultdict(list)
for rec in records:
    by_ecut[rec.get('ecut', 450.0)].append(rec)
all_runs = {450.0: table(by_ecut.pop(450.0, []), 'plane waves 450 eV (the profile)')}
# the densest mesh that every cell has, then the same with only the cells that have a denser one
dense = collections.defaultdict(list)
for rec in records:
    if rec.get('ecut', 450.0) == 450.0 and rec['cell'] != 'hex' and rec.get('gamma', True):
        dense[rec['mesh'][0]].append(rec['cell'])
top = max(dense) if dense else None
if top is not None and len(dense[top]) < len({c for v in dense.values() for c in v}):
    table([r for r in records if r.get('ecut', 450.0) == 450.0 and r['cell'] in dense[top]],
          f'plane waves 450 eV, the cells done at {top} x {top} x {top}')
for ecut, recs in sorted(by_ecut.items()):
    all_runs[ecut] = table(recs, f'plane waves {ecut:.0f} eV')
print('\n30-atom hexagonal cell − 10-atom cell at the same k-point density (meV/atom):\n')
print('| cutoff | 10-atom mesh | hexagonal mesh | hex − prim |')
print('| --- | --- | --- | --- |')
for ecut, runs in sorted(all_runs.items()):
    if 'hex' not in runs or 'prim' not in runs:
        continue
    for n in sorted(runs['hex']):
        if n in runs['prim']:
            h, p = runs['hex'][n], runs['prim'][n]
            print(f'| {ecut:.0f} eV | {n[0]}×{n[0]}×{n[0]}{" MP" if n[1] else ""} | '
                  f'{"×".join(map(str, h["mesh"]))} ({h["nk_irr"]} k, {h["seconds"]:.0f} s) | '
                  f'{1000 * (h["free_energy_per_atom"] - p["free_energy_per_atom"]):+.3f} |')

# Plane-wave cutoff: what matters for fitting are energy differences within the family, so the
# energy of every cell relative to the equilibrium cell, at each cutoff, on the same mesh.
cut = collections.defaultdict(dict)  # (mesh n) -> cell -> ecut -> energy per atom
for rec in records:
    if rec['cell'] != 'hex' and rec.get('gamma', True):
        cut[rec['mesh'][0]].setdefault(rec['cell'], {})[rec.get('ecut', 450.0)] = rec['free_energy_per_atom']
for n, cells in sorted(cut.items()):
    ecuts = sorted({e for v in cells.values() for e in v})
    if len(ecuts) < 2 or 'prim' not in cells:
        continue
    print(f'\nplane-wave cutoff, {n} x {n} x {n}: free energy per atom of each cell minus that of the '
          'equilibrium cell (meV/atom)\n')
    print('| cell | ' + ' | '.join(f'{e:.0f} eV' for e in ecuts) + ' |')
    print('| --- |' + ' --- |' * len(ecuts))
    for c in cells:
        if c == 'prim':
            continue
        row = [f'{1000 * (cells[c][e] - cells["prim"][e]):+.3f}' if e in cells[c] and e in cells['prim'] else ''
               for e in ecuts]
        print(f'| {c} | ' + ' | '.join(row) + ' |')
    print('| equilibrium cell, absolute (eV/atom) | ' + ' | '.join(
        f'{cells["prim"][e]:.6f}' if e in cells['prim'] else '' for e in ecuts) + ' |')
