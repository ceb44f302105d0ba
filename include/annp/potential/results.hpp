#pragma once
// What annp::potential::compute takes and gives: the options of one evaluation, its result for a
// structure, and the host interface for codes that own their particles and neighbour lists
// (LAMMPS, KIM: ghosts included, full lists).

#include <annp/core/geometry.hpp>
#include <annp/structure/neighbor_list.hpp>

#include <xtensor/xtensor.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace annp {

/// What to do when an atom's descriptors leave the range seen in training.
enum class extrapolation_policy {
  count, ///< count them in the result (default)
  warn,  ///< count, and write one line per extrapolating atom to the warning sink
  error  ///< throw annp::error naming the first extrapolating atom and descriptor
};

struct compute_options {
  bool forces = true;           ///< forces (and virial/stress)
  bool atomic_energies = false; ///< per-atom energies in the result
  bool atomic_virials = false;  ///< per-atom virials (6 Voigt components, eV; with forces)
  extrapolation_policy extrapolation = extrapolation_policy::count;
  std::size_t max_extrapolation_records = 1000; ///< detailed records kept (counts are exact)
  /// Where warn-policy messages go (default: std::cerr).
  std::function<void(const std::string&)> warning_sink;
};

struct extrapolation_record {
  std::size_t atom = 0;       ///< atom (or particle) index
  std::size_t descriptor = 0; ///< index in the atom's element's descriptor vector
  double value = 0.0, min = 0.0, max = 0.0;
};

/// A host's particles and neighbour lists (LAMMPS, KIM). Particles include ghosts; the first
/// `contributing` particles (or those with a non-zero entry in contributing_mask) are the atoms
/// whose energy counts. Neighbour lists are full lists of particle indices, which may include
/// particles beyond the cutoff (they are filtered by distance).
struct host_system {
  std::size_t particles = 0;
  const double* positions = nullptr; ///< 3 * particles, Å
  const int* element = nullptr;      ///< model element index per particle
  std::size_t contributing = 0;      ///< used when contributing_mask is null
  const int* contributing_mask = nullptr;
  /// neighbours(i, count, list): fills the neighbour list of contributing particle i.
  std::function<void(std::size_t, int&, const int*&)> neighbours;
};

namespace detail {
/// The working arrays of one evaluation over a host's particles (the distance-filtered pair list,
/// the centres of each element in blocks, per-centre energies, per-pair derivatives, the
/// transposed list of the force assembly; a block's network inputs are per thread).
/// host_result keeps them between calls: an MD step reuses the previous step's capacity instead
/// of allocating, and page-faulting, several fresh megabytes (measured in LAMMPS: about a third
/// of a step of a cheap model).
struct evaluation_buffers {
  std::vector<std::size_t> centre_particle, offsets;
  std::vector<std::uint32_t> target;
  std::vector<double> dx, dy, dz, r;
  std::vector<std::vector<std::size_t>> members;  // the centres of each element
  std::vector<std::array<std::size_t, 2>> blocks; // (element, first member) of each block
  std::vector<std::uint32_t> bad;
  std::vector<double> atomic, lambda, excess, pf; // atomic: energy of every centre
  std::vector<mat3> centre_virial;
  std::vector<std::size_t> in_offset, incoming, fill;
  std::vector<std::ptrdiff_t> centre_of;
};

/// Working storage that an evaluation keeps in its result for the next call into the same
/// object (capacity kept: no fresh megabytes to page-fault in on every step). Copies of a
/// result start with empty storage, so results stored in containers carry none.
template <class T> struct kept_storage {
  T value;
  kept_storage() = default;
  kept_storage(const kept_storage&) noexcept {}
  kept_storage(kept_storage&&) noexcept = default;
  kept_storage& operator=(const kept_storage&) noexcept { return *this; }
  kept_storage& operator=(kept_storage&&) noexcept = default;
  ~kept_storage() = default;
};

/// The working arrays of one evaluation of a structure: its neighbour list, the per-atom
/// forces before they become the result's tensor, and the evaluation's own arrays.
struct structure_buffers {
  neighbor_list neighbours;
  std::vector<double> forces;
  evaluation_buffers evaluation;
};
} // namespace detail

struct potential_result {
  double energy = 0.0;                               ///< eV
  xt::xtensor<double, 2> forces;                     ///< {atoms, 3}, eV/Å
  mat3 virial{};                                     ///< sum over pairs of r_ij (x) f_ij, eV
  std::optional<mat3> stress;                        ///< -virial / V, eV/Å³ (periodic structures)
  std::vector<double> atomic_energies;               ///< eV (when requested)
  std::vector<std::array<double, 6>> atomic_virials; ///< xx yy zz yz xz xy, eV (when requested)
  std::size_t extrapolated_atoms = 0;  ///< atoms with at least one descriptor out of range
  std::size_t extrapolated_values = 0; ///< descriptor values out of range
  std::vector<extrapolation_record> extrapolations;
  /// Reused by the next compute into this result (not copied with it).
  detail::kept_storage<detail::structure_buffers> buffers;
};

struct host_result {
  double energy = 0.0;
  std::vector<double> forces;                        ///< 3 * particles (ghosts included)
  std::vector<double> atomic_energies;               ///< per particle (0 for non-contributing)
  std::vector<std::array<double, 6>> atomic_virials; ///< per particle (xx yy zz yz xz xy)
  mat3 virial{};
  std::size_t extrapolated_atoms = 0, extrapolated_values = 0;
  std::vector<extrapolation_record> extrapolations;
  detail::evaluation_buffers buffers; ///< reused by the next compute into this result
};

} // namespace annp
