#!/usr/bin/env bash
# Labels the Al-O reference set (profile gpaw-pbe-600 with the meshes pinned per family in the
# recipes, data/alo/README.md), one core, resumable: rerun to continue. Order: the O2 dimers, the
# 10-atom corundum cells, the Al metal cells shared with data/al (relabelled at 600 eV), then the
# 30-atom cells (vacancies, slabs, rattled hexagonal cells).
#   nohup data/alo/label.sh > label.log 2>&1 &
# With a second core free, the 30-atom cells can run beside it:
#   nohup data/alo/label.sh hex30 > label-hex30.log 2>&1 &
# (the main run waits for that one before it reaches them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export OMP_NUM_THREADS=1
label() {
  "$root/integrations/pipeline/annp-label" "$here/$1.in.xyz" "$here/$1.xyz" \
    --profile gpaw-pbe-600 --progress-every 600
}
if [ "${1:-}" = hex30 ]; then
  "$root/integrations/pipeline/annp-generate" "$here/recipes/hex30.json" "$here/hex30.in.xyz"
  label hex30
  exit 0
fi
for name in molecules corundum10; do
  "$root/integrations/pipeline/annp-generate" "$here/recipes/$name.json" "$here/$name.in.xyz"
  label "$name"
done
# DFT references of the corundum properties (docs/validation-alumina.md): the relaxed crystal,
# its elastic constants, fcc Al and O2 first; the 30-atom vacancy and slab relaxations last.
/usr/bin/python3 "$here/references.py" bulk elastic formation
/usr/bin/python3 "$here/al_metal.py" "$root/data/al/al.xyz" "$here/al_metal.in.xyz"
label al_metal
# A second lane (label.sh hex30) may hold these: wait for it rather than fail on its lock.
[ -e "$here/hex30.xyz.lock" ] && flock "$here/hex30.xyz.lock" true
"$root/integrations/pipeline/annp-generate" "$here/recipes/hex30.json" "$here/hex30.in.xyz"
label hex30
/usr/bin/python3 "$here/references.py"
