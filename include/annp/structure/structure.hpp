#pragma once
// annp::structure: one atomic configuration with optional reference labels.
//
// Units: positions and cell in Å, energy in eV, forces in eV/Å, stress in eV/Å³ with ASE's sign
// convention (stress = (1/V) dE/dstrain, so a compressed crystal has negative stress).
// The cell's rows are the lattice vectors (as in ASE); pbc says which axes are periodic.

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>

#include <xtensor/xtensor.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace annp {

/// An extra per-atom column of an extended XYZ file ("Properties=...:name:R:3"), kept so that
/// files round-trip. type is 'R' (real), 'I' (integer), 'L' (logical) or 'S' (string).
struct atom_property {
  std::string name;
  char type = 'R';
  std::size_t columns = 1;
  std::vector<double> real;       ///< type 'R': atoms x columns, row-major
  std::vector<long long> integer; ///< type 'I' and 'L' (0 or 1): atoms x columns
  std::vector<std::string> text;  ///< type 'S': atoms x columns

  [[nodiscard]] std::size_t values() const noexcept {
    switch (type) {
    case 'R': return real.size();
    case 'I':
    case 'L': return integer.size();
    default: return text.size();
    }
  }
  friend bool operator==(const atom_property&, const atom_property&) = default;
};

class structure {
 public:
  std::vector<int> numbers;         ///< atomic numbers, one per atom
  xt::xtensor<double, 2> positions; ///< shape {atoms, 3}, Å
  mat3 cell{};                      ///< rows are lattice vectors, Å
  std::array<bool, 3> pbc{false, false, false};

  std::optional<double> energy;                 ///< total energy label, eV
  std::optional<xt::xtensor<double, 2>> forces; ///< shape {atoms, 3}, eV/Å
  std::optional<mat3> stress;                   ///< eV/Å³, ASE sign convention
  std::string config_type;                      ///< category, e.g. "fcc_volume"
  /// Other key=value pairs of the source file, in file order, values unquoted.
  std::vector<std::pair<std::string, std::string>> info;
  std::vector<atom_property> properties; ///< other per-atom columns

  /// Where the structure came from ("file:line" of its first line), for messages. Not compared.
  std::string source;

  [[nodiscard]] std::size_t size() const noexcept { return numbers.size(); }
  [[nodiscard]] bool any_periodic() const noexcept { return pbc[0] || pbc[1] || pbc[2]; }
  [[nodiscard]] bool fully_periodic() const noexcept { return pbc[0] && pbc[1] && pbc[2]; }

  [[nodiscard]] vec3 position(std::size_t i) const noexcept {
    return {positions(i, 0), positions(i, 1), positions(i, 2)};
  }
  void set_position(std::size_t i, const vec3& x) noexcept {
    for (std::size_t k = 0; k < 3; ++k) positions(i, k) = x[k];
  }

  /// |det(cell)|, Å³ (0 for a cell with a zero or degenerate lattice vector).
  [[nodiscard]] double volume() const noexcept { return std::abs(determinant(cell)); }

  /// The value of an info key, or nullptr.
  [[nodiscard]] const std::string* find_info(std::string_view key) const noexcept {
    for (const auto& [k, v] : info)
      if (k == key) return &v;
    return nullptr;
  }
  void set_info(std::string key, std::string value) {
    for (auto& [k, v] : info)
      if (k == key) {
        v = std::move(value);
        return;
      }
    info.emplace_back(std::move(key), std::move(value));
  }

  /// Removes an info key (no-op when absent).
  void remove_info(std::string_view key) {
    std::erase_if(info, [&](const auto& kv) { return kv.first == key; });
  }

  [[nodiscard]] const atom_property* find_property(std::string_view name) const noexcept {
    for (const auto& p : properties)
      if (p.name == name) return &p;
    return nullptr;
  }

  /// Appends an atom (resizes positions, and forces when present with zero force).
  void add_atom(int z, const vec3& x) {
    const std::size_t n = size();
    xt::xtensor<double, 2> grown = xt::zeros<double>({n + 1, std::size_t{3}});
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < 3; ++k) grown(i, k) = positions(i, k);
    for (std::size_t k = 0; k < 3; ++k) grown(n, k) = x[k];
    positions = std::move(grown);
    numbers.push_back(z);
    if (forces) {
      xt::xtensor<double, 2> f = xt::zeros<double>({n + 1, std::size_t{3}});
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < 3; ++k) f(i, k) = (*forces)(i, k);
      forces = std::move(f);
    }
  }

  /// The first violated invariant a calculation relies on, or an empty string when the
  /// structure is valid.
  [[nodiscard]] std::string problem() const {
    const std::size_t n = size();
    if (positions.shape()[0] != n || (n > 0 && positions.shape()[1] != 3))
      return "positions must have shape {" + std::to_string(n) + ", 3}";
    for (std::size_t i = 0; i < n; ++i) {
      if (!is_atomic_number(numbers[i]))
        return "atom " + std::to_string(i) + " has unknown atomic number " +
               std::to_string(numbers[i]);
      for (std::size_t k = 0; k < 3; ++k)
        if (!std::isfinite(positions(i, k)))
          return "atom " + std::to_string(i) + " has a non-finite position";
    }
    if (auto cell_problem = cell_problem_of(cell, pbc); !cell_problem.empty()) return cell_problem;
    if (forces) {
      if (forces->shape()[0] != n || (n > 0 && forces->shape()[1] != 3))
        return "forces must have shape {" + std::to_string(n) + ", 3}";
      for (double f : *forces)
        if (!std::isfinite(f)) return "forces contain a non-finite value";
    }
    if (energy && !std::isfinite(*energy)) return "the energy is not finite";
    if (stress)
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b)
          if (!std::isfinite((*stress)[a][b])) return "the stress contains a non-finite value";
    for (const auto& p : properties)
      if (p.values() != n * p.columns)
        return "per-atom property '" + p.name + "' has " + std::to_string(p.values()) +
               " values, expected " + std::to_string(n * p.columns);
    return {};
  }

  /// Throws annp::error (prefixed with source) when problem() finds something.
  void validate() const {
    if (auto p = problem(); !p.empty()) throw error(source.empty() ? p : source + ": " + p);
  }

  /// What is wrong with a cell for the given periodicity, or an empty string: the periodic
  /// lattice vectors must be finite, non-zero and linearly independent.
  [[nodiscard]] static std::string cell_problem_of(const mat3& cell, std::array<bool, 3> pbc) {
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b)
        if (!std::isfinite(cell[a][b])) return "the cell has a non-finite component";
    std::vector<vec3> periodic;
    for (std::size_t a = 0; a < 3; ++a)
      if (pbc[a]) periodic.push_back(cell[a]);
    const double tiny = 1e-10;
    bool degenerate = false;
    if (periodic.size() == 1) degenerate = norm(periodic[0]) < tiny;
    if (periodic.size() == 2) degenerate = norm(cross(periodic[0], periodic[1])) < tiny;
    if (periodic.size() == 3) degenerate = std::abs(determinant(cell)) < tiny;
    if (degenerate) return "periodic axes need non-zero, linearly independent lattice vectors";
    return {};
  }

  /// Bit-for-bit equality of everything but source (used by round-trip checks).
  friend bool operator==(const structure& a, const structure& b) {
    return a.numbers == b.numbers && a.positions == b.positions && a.cell == b.cell &&
           a.pbc == b.pbc && a.energy == b.energy && a.forces == b.forces && a.stress == b.stress &&
           a.config_type == b.config_type && a.info == b.info && a.properties == b.properties;
  }
};

/// Number of atoms of each atomic number present, as (Z, count) sorted by Z.
[[nodiscard]] inline std::vector<std::pair<int, std::size_t>> composition(const structure& s) {
  std::array<std::size_t, max_atomic_number + 1> counts{};
  for (int z : s.numbers)
    if (is_atomic_number(z)) ++counts[static_cast<std::size_t>(z)];
  std::vector<std::pair<int, std::size_t>> out;
  for (int z = 1; z <= max_atomic_number; ++z)
    if (counts[static_cast<std::size_t>(z)] > 0)
      out.emplace_back(z, counts[static_cast<std::size_t>(z)]);
  return out;
}

/// Chemical formula with elements in order of atomic number, e.g. "Al4", "O2Ti".
[[nodiscard]] inline std::string formula(const structure& s) {
  std::string out;
  for (auto [z, count] : composition(s)) {
    out += symbol(z);
    if (count > 1) out += std::to_string(count);
  }
  return out;
}

} // namespace annp
