#!/usr/bin/python3
"""Writes the training pool of an Al-O committee: the frames of the listed data files, in order,
less the held-out structures (by label_id), each frame copied byte for byte.

    data/alo/pool.py OUT.xyz FILE[:N] [FILE[:N] ...] [--holdout LIST]

FILE[:N] takes the first N frames of FILE (all without :N). With --held-out OUT gets the held-out
frames instead (the test set of the committees, in the files' order). LIST (default:
splits/holdout-2026-12-05.txt beside this script) names the held-out structures, one label_id per
line (the rest of the line and lines starting with # are comments). Prints how many frames each
file gave and how many it held out; OUT is written whole or not at all. The committees in
tail28-models/ and later were trained on such pools (see their README.md).
"""
import argparse
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'integrations', 'pipeline'))
from annp_pipeline import xyz  # noqa: E402

LABEL = re.compile(r'(?:^|\s)label_id=(\S+)')


def frames(path):
    """(label_id, text) of every frame of an extended-XYZ file; clear errors on a bad one."""
    try:
        with open(path, 'rb') as fh:
            data = fh.read()
    except OSError as e:
        sys.exit(f'pool.py: {path}: cannot read ({e.strerror})')
    for start, end, line, problem in xyz.frame_spans(data):
        if problem:
            sys.exit(f'pool.py: {path}, line {problem[0]}: {problem[1]}')
        text = data[start:end].decode()
        head, comment = text.split('\n', 2)[:2]
        if int(head) < 1:
            sys.exit(f'pool.py: {path}, line {line}: expected a positive atom count, got {head.strip()!r}')
        m = LABEL.search(comment)
        if not m:
            sys.exit(f'pool.py: {path}, line {line + 1}: the frame has no label_id=')
        yield m.group(1), text


def read_holdout(path):
    """The label_ids of a held-out list, in its order (first word of each line; # comments)."""
    try:
        with open(path) as fh:
            return [line.split()[0] for line in fh if line.strip() and not line.startswith('#')]
    except OSError as e:
        sys.exit(f'pool.py: {path}: cannot read the held-out list ({e.strerror})')


HOLDOUT = os.path.join(here, 'splits', 'holdout-2026-12-05.txt')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('out')
    ap.add_argument('files', nargs='+', metavar='FILE[:N]')
    ap.add_argument('--holdout', default=HOLDOUT)
    ap.add_argument('--held-out', action='store_true', help='write the held-out frames instead of the pool')
    a = ap.parse_args()
    held = set(read_holdout(a.holdout))
    out, seen, found = [], set(), set()
    for spec in a.files:
        path, _, count = spec.partition(':')
        if count and not (count.isdigit() and int(count) > 0):
            sys.exit(f'pool.py: {spec}: expected FILE or FILE:N with N a positive integer')
        limit = int(count) if count else None
        taken = kept = 0
        for label, text in frames(path):
            if limit is not None and taken == limit:
                break
            taken += 1
            if label in seen:
                sys.exit(f'pool.py: {path}: label_id {label} appears twice among the inputs')
            seen.add(label)
            if label in held:
                found.add(label)
            if (label in held) == a.held_out:
                out.append(text)
            if label not in held:
                kept += 1
        if limit is not None and taken < limit:
            sys.exit(f'pool.py: {spec}: the file has only {taken} frames')
        print(f'{path}: {taken} frames, {taken - kept} held out, {kept} in the pool')
    xyz.write_atomically(a.out, ''.join(out))
    what = 'held-out structures' if a.held_out else 'structures'
    print(f'{a.out}: {len(out)} {what} ({len(found)} of the {len(held)} held-out ones met)')


if __name__ == '__main__':
    main()
