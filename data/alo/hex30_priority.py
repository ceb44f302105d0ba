"""Writes hex30.priority.in.xyz: the structures of hex30.in.xyz (annp-generate
recipes/hex30.json) in the order they are labelled on the second lane, one of each kind in turn
(O vacancy, Al vacancy, rattled cell, (0001) slab, ...), so that every kind reaches the training
data early. The structures and their label_ids are those of hex30.in.xyz: hex30.xyz stays one
file whichever order labelled it, and the main run (label.sh) skips what is there.

    /usr/bin/python3 data/alo/hex30_priority.py
    OMP_NUM_THREADS=1 nohup integrations/pipeline/annp-label data/alo/hex30.priority.in.xyz \\
        data/alo/hex30.xyz --profile gpaw-pbe-600 --progress-every 600 \\
        > data/alo/label-hex30.log 2>&1 &
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import label  # noqa: E402
from ase.io import write  # noqa: E402

KINDS = ('corundum_vacancy_o', 'corundum_vacancy_al', 'corundum_hex_rattled', 'corundum0001_slab',
         'corundum_hex')

frames = label.read_input(os.path.join(here, 'hex30.in.xyz'))
by_kind = {}
for at in frames:
    by_kind.setdefault(at.info['config_type'], []).append(at)
unknown = set(by_kind) - set(KINDS)
if unknown:
    sys.exit(f'hex30_priority.py: hex30.in.xyz has kinds this order does not name: {sorted(unknown)}')
order = [by_kind[k][i] for i in range(max(map(len, by_kind.values()))) for k in KINDS
         if i < len(by_kind.get(k, []))]
out = os.path.join(here, 'hex30.priority.in.xyz')
tmp = os.path.join(here, '.hex30.priority.tmp.xyz')
write(tmp, order, format='extxyz')
check = label.read_input(tmp)
if [a.info['label_id'] for a in check] != [a.info['label_id'] for a in order]:
    sys.exit('hex30_priority.py: the written structures do not read back with the same label_ids')
os.replace(tmp, out)
print(f'{len(order)} structures -> {out}')
