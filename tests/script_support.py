"""Shared by the Python test scripts (tests/*/test_*.py, tests/integration/lammps_kim.py)."""
import os
import sys


def fail(msg):
    """Reports a failed check the way CTest's PASS/FAIL expressions read it, and stops."""
    print('FAIL:', msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print('  ok:', msg)


def committee_members(model, work):
    """The model and two distinct variants of it (energy outputs rescaled by 1.02 and 0.97): a
    committee whose deviation is known without training anything."""
    members = [model]
    for k, factor in ((2, 1.02), (3, 0.97)):
        path = os.path.join(work, f'member{k}.annp')
        with open(model) as src, open(path, 'w') as dst:
            for line in src:
                if line.startswith('energy_scale '):
                    line = f'energy_scale {float(line.split()[1]) * factor!r}\n'
                dst.write(line)
        members.append(path)
    return members


def run_case(namespace, doc, make_context=None):
    """The command line of a test script: CASE BUILD_DIR WORK_DIR [flags]. Runs the function
    case_<CASE> of namespace (dashes become underscores) in a fresh WORK_DIR with
    (BUILD_DIR, WORK_DIR), or with make_context(BUILD_DIR, WORK_DIR, flags) when given, and
    prints PASS when it returns."""
    import shutil
    if len(sys.argv) < 4:
        print(doc)
        sys.exit(2)
    case, build, work = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    fn = namespace.get('case_' + case.replace('-', '_'))
    if fn is None:
        fail(f'unknown case {case}')
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    print(f'{case}:')
    if make_context:
        fn(make_context(build, work, sys.argv[4:]))
    else:
        fn(build, work)
    print('PASS')
