#!/usr/bin/env bash
# Labels the Al-O reference set (profile gpaw-pbe with the meshes pinned per family in the
# recipes, data/alo/README.md), one core, resumable: rerun to continue. Order: the O2 dimers, the
# 10-atom corundum cells, then the 30-atom cells (vacancies, slabs, rattled hexagonal cells).
#   nohup data/alo/label.sh > label.log 2>&1 &
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export OMP_NUM_THREADS=1
for name in molecules corundum10 hex30; do
  "$root/integrations/pipeline/annp-generate" "$here/recipes/$name.json" "$here/$name.in.xyz"
  "$root/integrations/pipeline/annp-label" "$here/$name.in.xyz" "$here/$name.xyz" \
    --profile gpaw-pbe --progress-every 600
done
