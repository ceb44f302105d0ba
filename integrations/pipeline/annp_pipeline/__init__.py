"""annp's reference-data pipeline: labelling with ASE calculators (annp-label), structure
generators (annp-generate) and the active-learning loop (annp-active).

Run with Debian's /usr/bin/python3 (python3-ase, and gpaw + gpaw-data for first-principles labels).
"""
