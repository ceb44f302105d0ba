"""Extended XYZ frames written whole and read back safely.

write_frame() formats one structure with every float in its shortest exact decimal form (so values
read back are the values computed, to the last bit) and appends it with a single write() on a file
opened with O_APPEND, followed by fsync: a process killed at any moment leaves either the whole
frame or none of it. complete_frames() checks a file frame by frame and repair_tail() cuts off a
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


def complete_frames(path):
    """Byte offset just past the last complete frame of an extended XYZ file, and the frame count.

    A frame is complete when its count line, comment line and that many atom lines, each ending
    in a newline, are all present and the atom lines have at least four columns."""
    if not os.path.exists(path):
        return 0, 0
    with open(path, 'rb') as fh:
        data = fh.read()
    pos, end, frames = 0, 0, 0
    while pos < len(data):
        nl = data.find(b'\n', pos)
        if nl < 0:
            break
        head = data[pos:nl].strip()
        if not head:  # blank line between frames
            pos = nl + 1
            end = pos
            continue
        try:
            n = int(head)
        except ValueError:
            break
        p = nl + 1
        ok = True
        for k in range(n + 1):
            q = data.find(b'\n', p)
            if q < 0 or (k > 0 and len(data[p:q].split()) < 4):
                ok = False
                break
            p = q + 1
        if not ok:
            break
        pos = end = p
        frames += 1
    return end, frames


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
