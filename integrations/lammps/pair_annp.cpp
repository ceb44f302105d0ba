// pair_style annp: see pair_annp.h.

#include "pair_annp.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neighbor.h"
#include "update.h"

#include <mpi.h>

#include <annp/potential/any_potential.hpp>
#include <annp/potential/committee.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <string>

using namespace LAMMPS_NS;

PairANNP::PairANNP(LAMMPS* lmp)
    : Pair(lmp), result_(std::make_unique<annp::host_result>()),
      member_result_(std::make_unique<annp::host_result>()) {
  nextra = 3;
  pvector = new double[3]{0.0, 0.0, 0.0};
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
  delete[] pvector;
  if (allocated_) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairANNP::settings(int narg, char** arg) {
  mean_ = false;
  for (int k = 0; k < narg; k += 2) {
    const std::string key = arg[k];
    if (key == "mean") {
      mean_ = true;
      --k; // a keyword without a value
      continue;
    }
    long value = -1;
    if (k + 1 >= narg || !annp::try_parse_integer(arg[k + 1], value) || value < 0 ||
        (key != "warn" && key != "stop"))
      error->all(FLERR, "pair_style annp [warn N] [stop N] [mean]: expected keyword and a count "
                        ">= 0, got '" +
                            key + "'" + (k + 1 < narg ? " '" + std::string(arg[k + 1]) + "'" : ""));
    (key == "warn" ? warn_limit_ : stop_atoms_) = value;
  }
  warnings_ = 0;
  nextra = 3; // compute pair annp: extrapolating atoms, committee deviation, energy spread
  delete[] pvector;
  pvector = new double[3]{0.0, 0.0, 0.0};
}

void PairANNP::coeff(int narg, char** arg) {
  const int ntypes = atom->ntypes;
  if (narg != 3 + ntypes)
    error->all(FLERR, "pair_coeff * * <model.annp> <element per type>: expected " +
                          std::to_string(ntypes) + " element symbol(s) after the model file");
  if (std::strcmp(arg[0], "*") != 0 || std::strcmp(arg[1], "*") != 0)
    error->all(FLERR, std::string("pair_coeff for annp must be 'pair_coeff * * <model> ...'"));
  try {
    const auto paths = annp::split_list(arg[2], ',');
    members_.clear();
    for (std::size_t k = 0; k < paths.size(); ++k) {
      if (paths[k].empty()) throw annp::error(std::string("'") + arg[2] + "': empty model path");
      auto m = annp::any_potential::from_file(paths[k]);
      if (k == 0)
        model_ = std::make_unique<annp::any_potential>(std::move(m));
      else if (m.elements() != model_->elements())
        throw annp::error(paths[k] + ": a committee's models must have the same elements");
      else if (m.cutoff() > model_->cutoff())
        throw annp::error(paths[k] + ": a committee member's cutoff may not exceed the first's");
      else
        members_.push_back(std::move(m));
    }
  } catch (const std::exception& e) {
    error->all(FLERR, std::string("annp: ") + e.what());
  }
  comm_reverse = comm_reverse_off = 3 * static_cast<int>(1 + members_.size());
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
  if (mean_ && members_.empty())
    error->all(FLERR, std::string("pair_style annp mean: the mean of a committee needs several "
                                  "models in pair_coeff (m1.annp,m2.annp,...)"));
  // No neighbour request: the style bins owned and ghost atoms itself when LAMMPS re-neighbours
  // (see pair_annp.h).
  listed_local_ = listed_all_ = -1;
}

double PairANNP::init_one(int, int) { return cutoff_; }

void PairANNP::build_neighbours(int nlocal, int nall, double range) {
  double** x = atom->x;
  double lo[3] = {x[0][0], x[0][1], x[0][2]}, hi[3] = {lo[0], lo[1], lo[2]};
  for (int i = 0; i < nall; ++i)
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], x[i][d]);
      hi[d] = std::max(hi[d], x[i][d]);
    }
  int n[3];
  for (int d = 0; d < 3; ++d) n[d] = std::max(1, static_cast<int>((hi[d] - lo[d]) / range));
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
  const double rc2 = range * range;
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
  listed_local_ = nlocal;
  listed_all_ = nall;
}

void PairANNP::compute(int eflag, int vflag) {
  ev_init(eflag, vflag);
  const int nlocal = atom->nlocal, nall = atom->nlocal + atom->nghost;
  element_.resize(nall);
  contributing_.resize(nall);
  for (int i = 0; i < nall; ++i) {
    element_[i] = element_of_type_[atom->type[i]];
    contributing_[i] = i < nlocal && element_[i] >= 0 ? 1 : 0;
  }
  // Candidates within cutoff + skin are found when LAMMPS re-neighbours (new ghosts, possibly a
  // new atom order) and kept until it next does: LAMMPS re-neighbours before any atom has moved
  // skin/2 (or on the user's fixed schedule), the guarantee its own lists rely on, so the
  // candidates hold every pair within the cutoff; the model keeps only those.
  if (neighbor->ago == 0 || nlocal != listed_local_ || nall != listed_all_)
    build_neighbours(nlocal, nall, cutoff_ + neighbor->skin);
  // Non-modelled types (NULL) get element 0 here but are neither centres nor neighbours.
  model_element_.resize(nall);
  for (int i = 0; i < nall; ++i) model_element_[i] = std::max(element_[i], 0);
  annp::host_system h;
  h.particles = static_cast<std::size_t>(nall);
  h.positions = nall > 0 ? atom->x[0] : nullptr;
  h.element = model_element_.data();
  h.contributing_mask = contributing_.data();
  h.neighbours = [&](std::size_t i, int& count, const int*& list) {
    count = offsets_[i + 1] - offsets_[i];
    list = neighbours_.data() + offsets_[i];
  };
  for (int i = 0; i < nlocal; ++i)
    if (!std::isfinite(atom->x[i][0]) || !std::isfinite(atom->x[i][1]) ||
        !std::isfinite(atom->x[i][2]))
      error->one(FLERR, "annp: atom " + std::to_string(atom->tag[i]) +
                            " has a non-finite position at step " +
                            std::to_string(update->ntimestep) + " (the run has blown up)");
  annp::compute_options options;
  options.atomic_energies = eflag_atom != 0;
  options.atomic_virials = vflag_atom != 0;
  int flag = 0, cols = 0;
  if (atom->find_custom("extrapolation", flag, cols) >= 0)
    options.max_extrapolation_records = std::numeric_limits<std::size_t>::max();
  try {
    model_->compute(h, *result_, options);
  } catch (const std::exception& e) {
    error->one(FLERR, std::string("annp: ") + e.what());
  }
  if (!std::isfinite(result_->energy))
    error->one(FLERR, "annp: non-finite energy at step " + std::to_string(update->ntimestep) +
                          " (overlapping atoms, or the run has blown up)");
  extrapolation_guard(nlocal);
  if (!members_.empty()) committee_deviation(nlocal, nall, &h, options);
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

void PairANNP::extrapolation_guard(int nlocal) {
  const auto& r = *result_;
  int flag = 0, cols = 0;
  const int index = atom->find_custom("extrapolation", flag, cols);
  if (index >= 0 && flag == 1 && cols == 0) {
    double* out = atom->dvector[index];
    for (int i = 0; i < nlocal; ++i) out[i] = 0.0;
    for (const auto& rec : r.extrapolations)
      if (rec.atom < static_cast<std::size_t>(nlocal)) out[rec.atom] += 1.0;
  }
  double mine = static_cast<double>(r.extrapolated_atoms), all = 0.0;
  MPI_Allreduce(&mine, &all, 1, MPI_DOUBLE, MPI_SUM, world);
  pvector[0] = comm->me == 0 ? all : 0.0; // compute pair sums over ranks
  if (all <= 0.0) return;
  const auto count = static_cast<long>(all);
  if (stop_atoms_ > 0 && count >= stop_atoms_)
    error->all(FLERR,
               "annp: step " + std::to_string(update->ntimestep) + ": " + std::to_string(count) +
                   " atom(s) have descriptors outside the training range (stop " +
                   std::to_string(stop_atoms_) + "): the model is extrapolating; stopped as asked");
  if (warnings_ < warn_limit_ && comm->me == 0) {
    ++warnings_;
    error->warning(FLERR, "annp: step " + std::to_string(update->ntimestep) + ": " +
                              std::to_string(count) +
                              " atom(s) with descriptors outside the training range" +
                              (warnings_ == warn_limit_ ? " (further warnings suppressed)" : ""));
  }
}

void PairANNP::committee_deviation(int nlocal, int nall, const void* system,
                                   const annp::compute_options& options) {
  const auto& h = *static_cast<const annp::host_system*>(system);
  const std::size_t K = 1 + members_.size(), n = static_cast<std::size_t>(nall);
  member_forces_.assign(3 * K * n, 0.0);
  std::vector<double> energies(K, 0.0);
  const auto store = [&](std::size_t k, const annp::host_result& r) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < 3; ++d) member_forces_[(i * K + k) * 3 + d] = r.forces[3 * i + d];
    energies[k] = r.energy;
  };
  store(0, *result_);
  try {
    for (std::size_t k = 1; k < K; ++k) {
      members_[k - 1].compute(h, *member_result_, mean_ ? options : annp::compute_options{});
      store(k, *member_result_);
      if (mean_) annp::add_outputs(*result_, *member_result_);
    }
  } catch (const std::exception& e) {
    error->one(FLERR, std::string("annp: committee member: ") + e.what());
  }
  if (mean_) annp::scale_outputs(*result_, 1.0 / static_cast<double>(K));
  // Forces on ghost atoms belong to their owners, whatever newton_pair says.
  reverse_members_ = true;
  comm->reverse_comm_pair(this);
  reverse_members_ = false;
  int index = -1, flag = 0, cols = 0;
  index = atom->find_custom("force_dev", flag, cols);
  double* out = index >= 0 && flag == 1 && cols == 0 ? atom->dvector[index] : nullptr;
  double largest = 0.0;
  const double k1 = static_cast<double>(K) - 1.0;
  for (int i = 0; i < nlocal; ++i) {
    if (element_[i] < 0) {
      if (out) out[i] = 0.0;
      continue;
    }
    double var = 0.0;
    for (std::size_t d = 0; d < 3; ++d) {
      double mean = 0.0;
      for (std::size_t k = 0; k < K; ++k) mean += member_forces_[(i * K + k) * 3 + d];
      mean /= static_cast<double>(K);
      for (std::size_t k = 0; k < K; ++k) {
        const double x = member_forces_[(i * K + k) * 3 + d] - mean;
        var += x * x / k1;
      }
    }
    const double dev = std::sqrt(var);
    if (out) out[i] = dev;
    largest = std::max(largest, dev);
  }
  std::vector<double> total(K, 0.0);
  MPI_Allreduce(energies.data(), total.data(), static_cast<int>(K), MPI_DOUBLE, MPI_SUM, world);
  MPI_Allreduce(&largest, &pvector[1], 1, MPI_DOUBLE, MPI_MAX, world);
  double mean = 0.0, var = 0.0;
  for (double e : total) mean += e / static_cast<double>(K);
  for (double e : total) var += (e - mean) * (e - mean) / k1;
  pvector[2] = std::sqrt(var);
  // compute pair sums pvector over ranks (it is meant for partial sums): rank 0 holds the values.
  if (comm->me != 0) pvector[1] = pvector[2] = 0.0;
}

// `mean`: the dynamics follow the committee's mean — energy, forces (ghosts included, before
// LAMMPS or the style sums them onto their owners), virial and per-atom values, each the
// derivative of the mean energy since averaging is linear.
int PairANNP::pack_reverse_comm(int n, int first, double* buf) {
  int m = 0;
  if (reverse_members_) {
    const std::size_t w = 3 * (1 + members_.size());
    for (int i = first; i < first + n; ++i)
      for (std::size_t c = 0; c < w; ++c)
        buf[m++] = member_forces_[static_cast<std::size_t>(i) * w + c];
    return m;
  }
  double** f = atom->f;
  for (int i = first; i < first + n; ++i) {
    buf[m++] = f[i][0];
    buf[m++] = f[i][1];
    buf[m++] = f[i][2];
  }
  return m;
}

void PairANNP::unpack_reverse_comm(int n, int* list, double* buf) {
  int m = 0;
  if (reverse_members_) {
    const std::size_t w = 3 * (1 + members_.size());
    for (int i = 0; i < n; ++i)
      for (std::size_t c = 0; c < w; ++c)
        member_forces_[static_cast<std::size_t>(list[i]) * w + c] += buf[m++];
    return;
  }
  double** f = atom->f;
  for (int i = 0; i < n; ++i) {
    const int j = list[i];
    f[j][0] += buf[m++];
    f[j][1] += buf[m++];
    f[j][2] += buf[m++];
  }
}
