"""Extended XYZ frames written whole and read back safely.

write_frame() formats one structure with every float in its shortest exact decimal form (so values
read back are the values computed, to the last bit) and appends it with a single write() on a file
opened with O_APPEND, followed by fsync: a process killed at any moment leaves either the whole
frame or none of it. frame_spans() walks a file frame by frame (complete_frames() counts the whole
frames it finds, data/alo/pool.py names the line of a bad one) and repair_tail() cuts off a
partial last frame left by an older writer or a full disk.
"""
import hashlib
import os

import numpy as np

# info keys written by annp tools themselves; everything else in Atoms.info is kept as it is
_RESULT_KEYS = ('energy', 'free_energy', 'stress')


def _num(x):
    """Shortest decimal text that reads back as the same double."""
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f'non-finite value {x!r}')
    return repr(x)


def _info_value(key, value):
    if isinstance(value, (bool, np.bool_)):
        return 'T' if value else 'F'
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _num(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value).ravel()
        return '"' + ' '.join(_info_value(key, v) for v in arr) + '"'
    text = str(value)
    if any(c in text for c in '"\\\n'):
        raise ValueError(f'info value of {key!r} may not contain quotes, backslashes or newlines')
    if text == '' or any(c in text for c in ' =\t'):
        return '"' + text + '"'
    return text


def format_frame(atoms, energy=None, free_energy=None, forces=None, stress=None, info=None):
    """One extended XYZ frame as text. stress is the 3x3 or Voigt stress in eV/A^3 (ASE sign)."""
    n = len(atoms)
    fields = []
    if atoms.cell.rank == 3 or atoms.pbc.any():
        fields.append('Lattice="' + ' '.join(_num(v) for v in np.asarray(atoms.cell).ravel()) + '"')
    props = 'species:S:1:pos:R:3'
    magmoms = atoms.get_initial_magnetic_moments() if atoms.has('initial_magmoms') else None
    if magmoms is not None:
        props += ':initial_magmoms:R:1'
    if forces is not None:
        props += ':forces:R:3'
    fields.append('Properties=' + props)
    if energy is not None:
        fields.append('energy=' + _num(energy))
    if free_energy is not None:
        fields.append('free_energy=' + _num(free_energy))
    if stress is not None:
        s = np.asarray(stress, dtype=float)
        if s.shape == (6,):
            xx, yy, zz, yz, xz, xy = s
            s = np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
        fields.append('stress="' + ' '.join(_num(v) for v in s.ravel()) + '"')
    fields.append('pbc="' + ' '.join('T' if p else 'F' for p in atoms.pbc) + '"')
    merged = dict(atoms.info)
    merged.update(info or {})
    for key, value in merged.items():
        if key in _RESULT_KEYS or key in ('pbc', 'Lattice', 'Properties'):
            continue
        if not key or any(c in key for c in ' ="\n'):
            raise ValueError(f'info key {key!r} is not a plain word')
        fields.append(f'{key}={_info_value(key, value)}')
    lines = [str(n), ' '.join(fields)]
    pos = atoms.get_positions()
    sym = atoms.get_chemical_symbols()
    f = None if forces is None else np.asarray(forces, dtype=float).reshape(n, 3)
    for i in range(n):
        cols = [sym[i]] + [_num(v) for v in pos[i]]
        if magmoms is not None:
            cols.append(_num(magmoms[i]))
        if f is not None:
            cols += [_num(v) for v in f[i]]
        lines.append(' '.join(cols))
    return '\n'.join(lines) + '\n'


def write_atomically(path, text):
    """Writes a whole file through a temporary one (fsynced) renamed over it: never half-written."""
    tmp = f'{path}.tmp.{os.getpid()}'
    try:
        with open(tmp, 'w') as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):  # a write that failed leaves nothing behind
            os.unlink(tmp)


def append_text(path, text):
    """Appends text with one write() on an O_APPEND descriptor and fsyncs it."""
    data = text.encode('utf-8')
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a short write (full disk, signal): finish it or fail loudly
            more = os.write(fd, data[written:])
            if more <= 0:
                raise OSError(f'{path}: short write ({written} of {len(data)} bytes)')
            written += more
        os.fsync(fd)
    finally:
        os.close(fd)


def frame_spans(data):
    """Walks the bytes of an extended XYZ file frame by frame, skipping blank lines between frames.

    Yields (start, end, line, problem) per frame: the byte offsets of its count line and just past
    its last atom line, and the count line's number (from 1). problem is None for a complete frame:
    a count line, a comment line and that many atom lines of at least four columns, each ending in
    a newline. Otherwise it is (line, what is wrong) for the first line found wrong, end is None,
    and the walk stops there."""
    pos, line = 0, 1
    while pos < len(data):
        nl = data.find(b'\n', pos)
        head = data[pos:nl if nl >= 0 else len(data)].strip()
        if nl >= 0 and not head:  # blank line between frames
            pos, line = nl + 1, line + 1
            continue
        if nl < 0:
            yield pos, None, line, (line, 'the last line is cut off (no newline)')
            return
        try:
            n = int(head)
        except ValueError:
            n = -1
        if n < 0:
            yield pos, None, line, (line, f'expected an atom count, got {head.decode(errors="replace")!r}')
            return
        p = nl + 1
        for k in range(n + 1):
            q = data.find(b'\n', p)
            if q < 0:
                what = 'its comment line' if k == 0 else f'atom line {k} of {n}'
                yield pos, None, line, (line + k + 1, f'the frame of {n} atoms from line {line} ends before {what}')
                return
            if k > 0 and len(data[p:q].split()) < 4:
                yield pos, None, line, (line + k + 1, f'expected an atom line (species x y z ...), got '
                                        f'{data[p:q].strip().decode(errors="replace")!r}')
                return
            p = q + 1
        yield pos, p, line, None
        pos, line = p, line + n + 2


def complete_frames(path):
    """Byte offset just past the last complete frame of an extended XYZ file (and the blank lines
    after it), and the number of complete frames (see frame_spans)."""
    if not os.path.exists(path):
        return 0, 0
    with open(path, 'rb') as fh:
        data = fh.read()
    frames = 0
    for start, _, _, problem in frame_spans(data):
        if problem:
            return start, frames
        frames += 1
    return len(data), frames


def repair_tail(path):
    """Cuts a partial last frame off path; returns the number of bytes removed."""
    if not os.path.exists(path):
        return 0
    end, _ = complete_frames(path)
    size = os.path.getsize(path)
    if end < size:
        with open(path, 'r+b') as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    return size - end


def structure_id(atoms):
    """A stable id of a structure: species, positions, cell and pbc rounded to 1e-6 A."""
    h = hashlib.sha1()
    h.update(' '.join(atoms.get_chemical_symbols()).encode())
    h.update((np.round(atoms.get_positions(), 6) + 0.0).astype('<f8').tobytes())
    h.update((np.round(np.asarray(atoms.cell), 6) + 0.0).astype('<f8').tobytes())
    h.update(np.asarray(atoms.pbc, dtype='u1').tobytes())
    if atoms.has('initial_magmoms'):
        h.update((np.round(atoms.get_initial_magnetic_moments(), 6) + 0.0).astype('<f8').tobytes())
    return h.hexdigest()[:16]
