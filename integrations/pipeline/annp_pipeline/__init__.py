"""annp's reference-data pipeline: labelling with ASE calculators (annp-label), structure
generators (annp-generate) and the active-learning loop (annp-active).

Run with Debian's /usr/bin/python3 (python3-ase, and gpaw + gpaw-data for first-principles labels).
"""

import importlib.util as _util
import sys as _sys

# Say what to install instead of failing on the first import (a fresh machine has neither).
_MISSING = [pkg for module, pkg in (('numpy', 'python3-numpy'), ('ase', 'python3-ase'))
            if _util.find_spec(module) is None]
if _MISSING:
    _sys.exit(f'annp pipeline: {_sys.executable} lacks {", ".join(_MISSING)}; install the Debian '
              f'packages (apt-get install {" ".join(_MISSING)}) and run with /usr/bin/python3')
