#!/usr/bin/python3
"""Every LAMMPS input in examples/md runs to completion with an annp model through KIM.

Usage: md_examples.py KIM_MODEL_NAME EXAMPLES_DIR

Each input is run with small cells and a few steps (its own -var knobs) and must exit cleanly
and print what it promises: a thermo table, the elastic constants, the coexistence
temperature. Physical results of the full-size runs are in docs/md.md and docs/validation.md.
"""
import os
import re
import subprocess
import sys
import tempfile

CASES = [
    ("nve.in", ["cells", "3", "steps", "20"], r"\n\s*20\s"),
    ("nvt.in", ["cells", "3", "steps", "20"], r"\n\s*20\s"),
    ("melt.in", ["cells", "3", "steps", "20"], r"\n\s*20\s"),
    ("elastic.in", [], r"C11 = [0-9.]+ GPa\nC12 = [0-9.]+ GPa\nC44 = [0-9.]+ GPa"),
    ("melt-coexistence.in",
     ["nx", "3", "nz", "4", "equil_steps", "20", "melt_steps", "20", "cool_steps", "20",
      "coexist_steps", "1000", "avg_repeat", "10"],
     r"\n *[1-9][0-9]* atoms in group liquid\n(.|\n)*"
     r"coexistence temperature \(mean of the last 0\.1 ps\): [0-9]+ K, "
     r"potential energy -[0-9.]+ eV/atom"),
]


def main():
    name, examples = sys.argv[1:3]
    failed = 0
    for script, knobs, expect in CASES:
        cmd = ["lmp", "-var", "model", name]
        for k in range(0, len(knobs), 2):
            cmd += ["-var", knobs[k], knobs[k + 1]]
        cmd += ["-in", os.path.join(os.path.abspath(examples), script), "-log", "none"]
        with tempfile.TemporaryDirectory() as work:
            p = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        ok = p.returncode == 0 and re.search(expect, p.stdout) is not None
        print(("ok   " if ok else "FAIL ") + script)
        if not ok:
            failed += 1
            print(p.stdout[-2000:], p.stderr[-2000:])
    print("FAIL" if failed else "PASS")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
