#!/usr/bin/env bash
# Labels the Al reference set at the v2 settings (profile gpaw-pbe, data/al/README.md), one core,
# resumable: rerun to continue. Order: the bundled v1 structures (relabelled, same structures),
# then the sets of the recipes here (supercells.json), then references.py.
#   nohup data/al/v2/label.sh > label.log 2>&1 &
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
label="$root/integrations/pipeline/annp-label"
export OMP_NUM_THREADS=1
"$label" "$root/data/al/al.xyz" "$here/bundled.xyz" --profile gpaw-pbe --progress-every 600
for recipe in "$here"/*.json; do
  [ -e "$recipe" ] || continue
  name=$(basename "$recipe" .json)
  "$root/integrations/pipeline/annp-generate" "$recipe" "$here/$name.in.xyz"
  # supercells take hours each on one core: their SCF state is saved every two iterations
  # (scf-states/, not committed) so that a stopped run resumes mid-SCF
  # the vacancy cells first: no vacancy is in the bundled data (data/al/README.md)
  first=()
  if grep -q 'config_type=fcc_vacancy' "$here/$name.in.xyz"; then
    first=(--first fcc_vacancy,fcc_divacancy)
  fi
  "$label" "$here/$name.in.xyz" "$here/$name.xyz" --profile gpaw-pbe --progress-every 600 \
    --scf-checkpoint "$here/scf-states" "${first[@]}"
done
# DFT references of the properties (references.py) after the training supercells: its slab and
# vacancy relaxations take hours and resume from references.relax/ (committed with the data)
/usr/bin/python3 "$here/references.py"
