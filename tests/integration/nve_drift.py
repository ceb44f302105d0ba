#!/usr/bin/python3
"""NVE energy conservation of an annp model in LAMMPS through KIM.

Usage: nve_drift.py KIM_MODEL_NAME NVE_INPUT CELLS STEPS [RANKS]

Runs examples/md/nve.in (fcc Al, 1 fs, starting at 600 K so that it equilibrates near 300 K),
fits a straight line to the total energy per atom against time and reports the drift in
eV/atom/ps and the timing; fails if |drift| > 1e-5 eV/atom/ps.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    name, nve, cells, steps = sys.argv[1:5]
    ranks = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    cmd = ["lmp", "-var", "model", name, "-var", "cells", cells, "-var", "steps", steps,
           "-in", os.path.abspath(nve)]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(ranks)] + cmd
    with tempfile.TemporaryDirectory() as work:
        p = subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                           env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1")))
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])
        print("FAIL: lmp exited with", p.returncode)
        sys.exit(1)
    lines = p.stdout.splitlines()
    k = next(i for i, l in enumerate(lines) if l.split()[:3] == ["Step", "Time", "Temp"])
    rows = []
    for line in lines[k + 1:]:
        parts = line.split()
        if not parts or not parts[0].isdigit():
            break
        rows.append([float(v) for v in parts])
    rows = np.array(rows)
    time, temp, etot_atom = rows[:, 1], rows[:, 2], rows[:, 7]
    slope, intercept = np.polyfit(time, etot_atom, 1)
    fluct = np.std(etot_atom - (slope * time + intercept))
    loop = next((l for l in lines if l.startswith("Loop time")), "")
    atoms = int(loop.split("with")[1].split()[0]) if "with" in loop else 0
    seconds = float(loop.split()[3]) if loop else float("nan")
    print(f"atoms {atoms}, {len(rows) - 1} thermo intervals over {time[-1]:.3f} ps, "
          f"mean T {temp[len(temp) // 2:].mean():.1f} K")
    print(f"drift {slope:.3e} eV/atom/ps, fluctuation {fluct:.2e} eV/atom (rms about the fit)")
    if atoms:
        print(f"timing: {seconds:.2f} s, {1e6 * seconds / (atoms * int(steps)):.2f} us/atom-step "
              f"({ranks} rank(s))")
    if not abs(slope) <= 1e-5:
        print("FAIL: energy drift above 1e-5 eV/atom/ps")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
