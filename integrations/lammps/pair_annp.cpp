// pair_style annp: see pair_annp.h.

#include "pair_annp.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "update.h"

#include <annp/potential/any_potential.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>

using namespace LAMMPS_NS;

PairANNP::PairANNP(LAMMPS* lmp) : Pair(lmp), result_(std::make_unique<annp::host_result>()) {
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  no_virial_fdotr_compute = 1;
  centroidstressflag = CENTROID_NOTAVAIL;
  comm_reverse = 3;
  comm_reverse_off = 3;
}

PairANNP::~PairANNP() {
  if (allocated_) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairANNP::settings(int narg, char**) {
  if (narg != 0) error->all(FLERR, std::string("pair_style annp takes no arguments"));
}

void PairANNP::coeff(int narg, char** arg) {
  const int ntypes = atom->ntypes;
  if (narg != 3 + ntypes)
    error->all(FLERR, "pair_coeff * * <model.annp> <element per type>: expected " +
                          std::to_string(ntypes) + " element symbol(s) after the model file");
  if (std::strcmp(arg[0], "*") != 0 || std::strcmp(arg[1], "*") != 0)
    error->all(FLERR, std::string("pair_coeff for annp must be 'pair_coeff * * <model> ...'"));
  try {
    model_ = std::make_unique<annp::any_potential>(annp::any_potential::from_file(arg[2]));
  } catch (const std::exception& e) {
    error->all(FLERR, std::string("annp: ") + e.what());
  }
  cutoff_ = model_->cutoff();
  element_of_type_.assign(ntypes + 1, -1);
  for (int t = 1; t <= ntypes; ++t) {
    const std::string symbol = arg[2 + t];
    if (symbol == "NULL") continue;
    const int z = annp::find_atomic_number(symbol);
    const int e = z > 0 ? model_->element_index(z) : -1;
    if (e < 0)
      error->all(FLERR, "annp: element '" + symbol + "' (atom type " + std::to_string(t) +
                            ") is not in the model " + arg[2]);
    element_of_type_[t] = e;
  }
  if (!allocated_) {
    memory->create(setflag, ntypes + 1, ntypes + 1, "pair:setflag");
    memory->create(cutsq, ntypes + 1, ntypes + 1, "pair:cutsq");
    allocated_ = true;
    allocated = 1;
  }
  for (int i = 1; i <= ntypes; ++i)
    for (int j = 1; j <= ntypes; ++j)
      setflag[i][j] = element_of_type_[i] >= 0 && element_of_type_[j] >= 0 ? 1 : 0;
}

void PairANNP::init_style() {
  if (!model_) error->all(FLERR, std::string("pair_style annp needs a pair_coeff line"));
  if (std::strcmp(update->unit_style, "metal") != 0)
    error->all(FLERR, std::string("pair_style annp needs 'units metal' (Å, eV)"));
  // No neighbour request: the style bins owned and ghost atoms itself (see pair_annp.h).
}

double PairANNP::init_one(int, int) { return cutoff_; }

void PairANNP::build_neighbours(int nlocal, int nall) {
  double** x = atom->x;
  double lo[3] = {x[0][0], x[0][1], x[0][2]}, hi[3] = {lo[0], lo[1], lo[2]};
  for (int i = 0; i < nall; ++i)
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], x[i][d]);
      hi[d] = std::max(hi[d], x[i][d]);
    }
  int n[3];
  for (int d = 0; d < 3; ++d) n[d] = std::max(1, static_cast<int>((hi[d] - lo[d]) / cutoff_));
  const auto bin = [&](const double* p, int d) {
    return std::min(n[d] - 1, static_cast<int>((p[d] - lo[d]) / (hi[d] - lo[d] + 1e-300) * n[d]));
  };
  bin_head_.assign(static_cast<std::size_t>(n[0]) * n[1] * n[2], -1);
  bin_next_.assign(nall, -1);
  bin_of_.assign(3 * nall, 0);
  for (int i = nall - 1; i >= 0; --i) {
    const int b[3] = {bin(x[i], 0), bin(x[i], 1), bin(x[i], 2)};
    for (int d = 0; d < 3; ++d) bin_of_[3 * i + d] = b[d];
    const std::size_t k = (static_cast<std::size_t>(b[2]) * n[1] + b[1]) * n[0] + b[0];
    bin_next_[i] = bin_head_[k];
    bin_head_[k] = i;
  }
  const double rc2 = cutoff_ * cutoff_;
  offsets_.assign(1, 0);
  neighbours_.clear();
  for (int i = 0; i < nlocal; ++i) {
    for (int bz = std::max(0, bin_of_[3 * i + 2] - 1);
         bz <= std::min(n[2] - 1, bin_of_[3 * i + 2] + 1); ++bz)
      for (int by = std::max(0, bin_of_[3 * i + 1] - 1);
           by <= std::min(n[1] - 1, bin_of_[3 * i + 1] + 1); ++by)
        for (int bx = std::max(0, bin_of_[3 * i] - 1); bx <= std::min(n[0] - 1, bin_of_[3 * i] + 1);
             ++bx)
          for (int j = bin_head_[(static_cast<std::size_t>(bz) * n[1] + by) * n[0] + bx]; j >= 0;
               j = bin_next_[j]) {
            if (j == i || element_[j] < 0) continue;
            const double dx = x[j][0] - x[i][0], dy = x[j][1] - x[i][1], dz = x[j][2] - x[i][2];
            if (dx * dx + dy * dy + dz * dz < rc2) neighbours_.push_back(j);
          }
    offsets_.push_back(static_cast<int>(neighbours_.size()));
  }
}

void PairANNP::compute(int eflag, int vflag) {
  ev_init(eflag, vflag);
  const int nlocal = atom->nlocal, nall = atom->nlocal + atom->nghost;
  element_.resize(nall);
  std::vector<int> contributing(nall, 0);
  for (int i = 0; i < nall; ++i) {
    element_[i] = element_of_type_[atom->type[i]];
    contributing[i] = i < nlocal && element_[i] >= 0 ? 1 : 0;
  }
  build_neighbours(nlocal, nall);
  // Non-modelled types (NULL) get element 0 here but are neither centres nor neighbours.
  std::vector<int> element(element_);
  for (int& e : element) e = std::max(e, 0);
  annp::host_system h;
  h.particles = static_cast<std::size_t>(nall);
  h.positions = nall > 0 ? atom->x[0] : nullptr;
  h.element = element.data();
  h.contributing_mask = contributing.data();
  h.neighbours = [&](std::size_t i, int& count, const int*& list) {
    count = offsets_[i + 1] - offsets_[i];
    list = neighbours_.data() + offsets_[i];
  };
  annp::compute_options options;
  options.atomic_energies = eflag_atom != 0;
  options.atomic_virials = vflag_atom != 0;
  try {
    model_->compute(h, *result_, options);
  } catch (const std::exception& e) {
    error->one(FLERR, std::string("annp: ") + e.what());
  }
  const auto& r = *result_;
  double** f = atom->f;
  if (!force->newton_pair)
    for (int i = nlocal; i < nall; ++i) f[i][0] = f[i][1] = f[i][2] = 0.0;
  for (int i = 0; i < nall; ++i)
    for (int d = 0; d < 3; ++d) f[i][d] += r.forces[3 * static_cast<std::size_t>(i) + d];
  if (!force->newton_pair) comm->reverse_comm_pair(this);
  if (eflag_global) eng_vdwl += r.energy;
  if (eflag_atom)
    for (int i = 0; i < nlocal; ++i) eatom[i] += r.atomic_energies[i];
  if (vflag_global) {
    // LAMMPS: xx yy zz xy xz yz, sum of r (x) f (the model's convention as well).
    const auto& v = r.virial;
    virial[0] += v[0][0];
    virial[1] += v[1][1];
    virial[2] += v[2][2];
    virial[3] += v[0][1];
    virial[4] += v[0][2];
    virial[5] += v[1][2];
  }
  if (vflag_atom)
    for (int i = 0; i < nlocal; ++i) {
      const auto& a = r.atomic_virials[i]; // xx yy zz yz xz xy
      vatom[i][0] += a[0];
      vatom[i][1] += a[1];
      vatom[i][2] += a[2];
      vatom[i][3] += a[5];
      vatom[i][4] += a[4];
      vatom[i][5] += a[3];
    }
}

int PairANNP::pack_reverse_comm(int n, int first, double* buf) {
  double** f = atom->f;
  int m = 0;
  for (int i = first; i < first + n; ++i) {
    buf[m++] = f[i][0];
    buf[m++] = f[i][1];
    buf[m++] = f[i][2];
  }
  return m;
}

void PairANNP::unpack_reverse_comm(int n, int* list, double* buf) {
  double** f = atom->f;
  int m = 0;
  for (int i = 0; i < n; ++i) {
    const int j = list[i];
    f[j][0] += buf[m++];
    f[j][1] += buf[m++];
    f[j][2] += buf[m++];
  }
}
