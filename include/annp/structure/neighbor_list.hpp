#pragma once
// annp::neighbor_list: all pairs (i, j, image) with |r_j + S·cell - r_i| < cutoff.
//
// Works for any cell: triclinic and strongly skewed cells, cutoffs larger than the cell (a one-atom
// fcc cell at 6 Å has ~55 neighbours, many of them images of the atom itself), mixed periodic and
// non-periodic axes (slabs, wires) and clusters without a cell. The cost is O(N):
//  1. atoms are wrapped into the cell along periodic axes;
//  2. periodic images ("ghosts") are generated only where they can be within the cutoff of the
//     cell: along periodic axis a, an image at fractional coordinate t can only be a neighbour if
//     -rc/d_a <= t < 1 + rc/d_a, where d_a is the distance between lattice planes;
//  3. atoms and ghosts are sorted into Cartesian bins of edge >= rc, and each atom searches the 27
//     bins around it.
// Displacements are recomputed from the caller's unwrapped positions as r_j - r_i + S·cell with
// the integer image vector S, so they are smooth functions of the positions (what finite
// differences and forces need).
//
// Storage is compressed-row (CSR) and structure-of-arrays: neighbours of atom i are entries
// begin(i) ... end(i)-1 of index(), dx(), dy(), dz(), r() and shift().

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/structure/structure.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace annp {

enum class list_kind {
  full, ///< every pair twice: j is a neighbour of i and i of j
  half  ///< every pair once: i < j, or i == j with the image vector lexicographically positive
};

struct neighbor_list_options {
  double cutoff = 6.0; ///< Å; pairs with r < cutoff are listed
  list_kind kind = list_kind::full;
  /// Pairs closer than this (Å) are reported as overlapping atoms (an annp::error); 0 disables.
  double min_distance = 0.1;
  /// Periodic cells denser than this (atoms per Å³) are refused as wrong units before any
  /// allocation: matter has at most ~0.2 (diamond 0.18); 0 disables.
  double max_density = 1.0;
};

class neighbor_list {
 public:
  using image = std::array<std::int32_t, 3>;

  neighbor_list() = default;
  neighbor_list(const structure& s, const neighbor_list_options& options) { build(s, options); }
  neighbor_list(const structure& s, double cutoff, list_kind kind = list_kind::full) {
    build(s, neighbor_list_options{cutoff, kind});
  }

  /// Builds the list for a structure (validated first; errors name s.source).
  void build(const structure& s, const neighbor_list_options& options) {
    s.validate();
    try {
      build(s.positions.data(), s.size(), s.cell, s.pbc, options);
    } catch (const error& e) {
      if (s.source.empty()) throw;
      throw error(s.source + ": " + e.what());
    }
  }

  /// Builds the list from raw data: positions is row-major {n, 3} in Å.
  void build(const double* positions, std::size_t n, const mat3& cell, std::array<bool, 3> pbc,
             const neighbor_list_options& options) {
    const double rc = options.cutoff;
    if (!(rc > 0.0) || !std::isfinite(rc))
      throw error("neighbour-list cutoff must be a positive finite distance in Å, got " +
                  std::to_string(rc));
    if (n > std::numeric_limits<std::uint32_t>::max())
      throw error("too many atoms for a neighbour list: " + std::to_string(n));
    m_cutoff = rc;
    m_kind = options.kind;
    m_atoms = n;
    m_offsets.assign(n + 1, 0);
    m_index.clear();
    m_dx.clear();
    m_dy.clear();
    m_dz.clear();
    m_r.clear();
    m_shift.clear();
    if (n == 0) return;

    make_points(positions, n, cell, pbc, rc, options);
    bin_points(rc);
    search(positions, n, cell, options);
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_atoms; }
  [[nodiscard]] std::size_t pairs() const noexcept { return m_index.size(); }
  [[nodiscard]] double cutoff() const noexcept { return m_cutoff; }
  [[nodiscard]] list_kind kind() const noexcept { return m_kind; }

  [[nodiscard]] std::size_t begin(std::size_t i) const noexcept { return m_offsets[i]; }
  [[nodiscard]] std::size_t end(std::size_t i) const noexcept { return m_offsets[i + 1]; }
  [[nodiscard]] std::size_t count(std::size_t i) const noexcept {
    return m_offsets[i + 1] - m_offsets[i];
  }
  /// Largest number of neighbours of any atom.
  [[nodiscard]] std::size_t max_count() const noexcept {
    std::size_t m = 0;
    for (std::size_t i = 0; i < m_atoms; ++i) m = std::max(m, count(i));
    return m;
  }

  [[nodiscard]] const std::vector<std::size_t>& offsets() const noexcept { return m_offsets; }
  /// Neighbour atom index of each entry.
  [[nodiscard]] const std::vector<std::uint32_t>& index() const noexcept { return m_index; }
  /// Displacement r_j + S·cell - r_i of each entry, by component, Å.
  [[nodiscard]] const std::vector<double>& dx() const noexcept { return m_dx; }
  [[nodiscard]] const std::vector<double>& dy() const noexcept { return m_dy; }
  [[nodiscard]] const std::vector<double>& dz() const noexcept { return m_dz; }
  /// Distance of each entry, Å.
  [[nodiscard]] const std::vector<double>& r() const noexcept { return m_r; }
  /// Image vector S of each entry (integer multiples of the lattice vectors).
  [[nodiscard]] const std::vector<image>& shift() const noexcept { return m_shift; }

 private:
  struct point {
    vec3 x;             // wrapped position plus ghost translation
    std::uint32_t atom; // original atom
    image n;            // ghost translation (0 for the atom itself)
  };

  // Basis used for fractional coordinates: the periodic lattice vectors, completed by unit
  // vectors orthogonal to them for the non-periodic axes (whose cell rows may be zero).
  static mat3 fractional_basis(const mat3& cell, std::array<bool, 3> pbc) {
    int periodic = 0;
    for (bool p : pbc) periodic += p ? 1 : 0;
    if (periodic == 0) return mat3::identity();
    mat3 basis = cell;
    if (periodic == 3) {
      if (!(std::abs(determinant(cell)) > 1e-10))
        throw error("periodic cell has zero volume (lattice vectors are linearly dependent)");
      return basis;
    }
    if (periodic == 2) {
      std::size_t a = 0, b = 0, c = 0;
      for (std::size_t k = 0, seen = 0; k < 3; ++k) {
        if (pbc[k])
          (seen++ == 0 ? a : b) = k;
        else
          c = k;
      }
      const vec3 normal = cross(cell[a], cell[b]);
      const double len = norm(normal);
      if (!(len > 1e-10)) throw error("the two periodic lattice vectors are zero or parallel");
      basis[c] = (1.0 / len) * normal;
      return basis;
    }
    std::size_t a = 0;
    for (std::size_t k = 0; k < 3; ++k)
      if (pbc[k]) a = k;
    const double len = norm(cell[a]);
    if (!(len > 1e-10)) throw error("the periodic lattice vector is zero");
    const vec3 u = (1.0 / len) * cell[a];
    const vec3 trial = std::abs(u[0]) < 0.9 ? vec3{1, 0, 0} : vec3{0, 1, 0};
    vec3 v = cross(u, trial);
    v *= 1.0 / norm(v);
    const vec3 w = cross(u, v);
    std::size_t filled = 0;
    for (std::size_t k = 0; k < 3; ++k)
      if (!pbc[k]) basis[k] = (filled++ == 0) ? v : w;
    return basis;
  }

  void make_points(const double* positions, std::size_t n, const mat3& cell,
                   std::array<bool, 3> pbc, double rc, const neighbor_list_options& options) {
    const mat3 basis = fractional_basis(cell, pbc);
    const mat3 inv = inverse(basis);
    const double volume = std::abs(determinant(basis));
    check_resources(n, cell, pbc, rc, options, volume);

    std::array<int, 3> images{0, 0, 0};
    std::array<double, 3> margin{0, 0, 0};
    for (std::size_t a = 0; a < 3; ++a) {
      if (!pbc[a]) continue;
      const double width = volume / norm(cross(basis[(a + 1) % 3], basis[(a + 2) % 3]));
      margin[a] = rc / width;
      const double m = std::ceil(margin[a]);
      if (m > 1000.0)
        throw error("cutoff " + std::to_string(rc) + " Å is more than 1000 times the cell width " +
                    std::to_string(width) + " Å along axis " + std::to_string(a));
      images[a] = static_cast<int>(m);
    }

    m_points.clear();
    m_wrap.resize(n);
    m_frac.resize(n);
    // Central points first: point i is atom i, wrapped into the cell.
    for (std::size_t i = 0; i < n; ++i) {
      const vec3 x{positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]};
      vec3 s = x * inv;
      image w{0, 0, 0};
      vec3 xw = x;
      for (std::size_t a = 0; a < 3; ++a) {
        if (!pbc[a]) continue;
        const double f = std::floor(s[a]);
        w[a] = static_cast<std::int32_t>(f);
        s[a] -= f;
        xw -= f * cell[a];
      }
      m_wrap[i] = w;
      m_frac[i] = s;
      m_points.push_back({xw, static_cast<std::uint32_t>(i), {0, 0, 0}});
    }
    if (images == std::array<int, 3>{0, 0, 0}) return;
    // Ghosts: images of the wrapped atoms that can lie within rc of the cell.
    for (std::size_t i = 0; i < n; ++i) {
      const vec3& s = m_frac[i];
      const vec3 xw = m_points[i].x;
      for (int n0 = -images[0]; n0 <= images[0]; ++n0) {
        const double t0 = s[0] + n0;
        if (pbc[0] && (t0 < -margin[0] || t0 >= 1.0 + margin[0])) continue;
        for (int n1 = -images[1]; n1 <= images[1]; ++n1) {
          const double t1 = s[1] + n1;
          if (pbc[1] && (t1 < -margin[1] || t1 >= 1.0 + margin[1])) continue;
          for (int n2 = -images[2]; n2 <= images[2]; ++n2) {
            if (n0 == 0 && n1 == 0 && n2 == 0) continue;
            const double t2 = s[2] + n2;
            if (pbc[2] && (t2 < -margin[2] || t2 >= 1.0 + margin[2])) continue;
            const vec3 x = xw + static_cast<double>(n0) * cell[0] +
                           static_cast<double>(n1) * cell[1] + static_cast<double>(n2) * cell[2];
            m_points.push_back({x, static_cast<std::uint32_t>(i), {n0, n1, n2}});
          }
        }
      }
    }
  }

  // Refuses input whose neighbour data could not fit in memory before anything is allocated:
  // most often positions and cell in nm or bohr instead of Å, or a cutoff far beyond the cell.
  static void check_resources(std::size_t n, const mat3& cell, std::array<bool, 3> pbc, double rc,
                              const neighbor_list_options& options, double volume) {
    const char* units = " (are the positions and the cell in Å, not nm or bohr?)";
    const auto g3 = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3g", v);
      return std::string(buf);
    };
    for (std::size_t a = 0; a < 3; ++a)
      if (pbc[a] && norm(cell[a]) < std::max(options.min_distance, 1e-300))
        throw error("lattice vector " + std::to_string(a + 1) + " is only " + g3(norm(cell[a])) +
                    " Å long: every atom overlaps its own periodic image" + units);
    if (pbc[0] && pbc[1] && pbc[2] && options.max_density > 0.0) {
      // Condensed matter has at most ~0.2 atoms per Å³ (diamond 0.18); 1 per Å³ means atoms
      // closer than ~1 Å everywhere.
      const double density = static_cast<double>(n) / volume;
      if (density > options.max_density)
        throw error(std::to_string(n) + " atom(s) in a cell of " + g3(volume) +
                    " Å³: " + g3(density) +
                    " atoms per Å³, where solids and liquids have at most ~0.2" + units);
    }
    double ghosts = static_cast<double>(n);
    for (std::size_t a = 0; a < 3; ++a)
      if (pbc[a]) {
        const double width = volume / norm(cross(cell[(a + 1) % 3], cell[(a + 2) % 3]));
        ghosts *= 1.0 + 2.0 * std::ceil(rc / width);
      }
    if (ghosts > max_points)
      throw error("the cutoff " + g3(rc) + " Å would need " + g3(ghosts) +
                  " periodic images of the atoms (more than " + g3(max_points) + ", about " +
                  g3(std::round(ghosts * 64.0 / 1e9)) +
                  " GB): cutoffs are a few Å (typically 4-8), and the cell must be in Å");
  }

 public:
  /// Atoms plus periodic images held while binning, at most (check_resources; ~3 GB).
  static constexpr double max_points = 5e7;

 private:
  void bin_points(double rc) {
    vec3 lo = m_points[0].x, hi = m_points[0].x;
    for (const auto& p : m_points)
      for (std::size_t a = 0; a < 3; ++a) {
        lo[a] = std::min(lo[a], p.x[a]);
        hi[a] = std::max(hi[a], p.x[a]);
      }
    // Bins of edge >= rc; coarsen when sparse data (a cluster with far-apart atoms) would need
    // more bins than points.
    const double limit = std::max(27.0, 2.0 * static_cast<double>(m_points.size()));
    double edge = rc;
    for (;;) {
      double total = 1.0;
      for (std::size_t a = 0; a < 3; ++a)
        total *= std::max(1.0, std::floor((hi[a] - lo[a]) / edge));
      if (total <= limit) break;
      edge *= 1.5;
    }
    for (std::size_t a = 0; a < 3; ++a) {
      const double extent = hi[a] - lo[a];
      m_nbins[a] = static_cast<std::size_t>(std::max(1.0, std::floor(extent / edge)));
      m_bin_width[a] = extent > 0.0 ? extent / static_cast<double>(m_nbins[a]) : 1.0;
      m_lo[a] = lo[a];
    }
    const std::size_t nbins = m_nbins[0] * m_nbins[1] * m_nbins[2];
    m_bin_start.assign(nbins + 1, 0);
    m_point_bin.resize(m_points.size());
    for (std::size_t p = 0; p < m_points.size(); ++p) {
      const std::size_t b = bin_of(m_points[p].x);
      m_point_bin[p] = b;
      ++m_bin_start[b + 1];
    }
    for (std::size_t b = 0; b < nbins; ++b) m_bin_start[b + 1] += m_bin_start[b];
    m_bin_points.resize(m_points.size());
    m_fill.assign(m_bin_start.begin(), m_bin_start.end() - 1);
    for (std::size_t p = 0; p < m_points.size(); ++p)
      m_bin_points[m_fill[m_point_bin[p]]++] = static_cast<std::uint32_t>(p);
  }

  [[nodiscard]] std::size_t bin_coordinate(double x, std::size_t a) const noexcept {
    const double f = std::floor((x - m_lo[a]) / m_bin_width[a]);
    if (!(f > 0.0)) return 0;
    return std::min(static_cast<std::size_t>(f), m_nbins[a] - 1);
  }
  [[nodiscard]] std::size_t bin_of(const vec3& x) const noexcept {
    return (bin_coordinate(x[2], 2) * m_nbins[1] + bin_coordinate(x[1], 1)) * m_nbins[0] +
           bin_coordinate(x[0], 0);
  }

  static bool positive_image(const image& s) noexcept {
    if (s[0] != 0) return s[0] > 0;
    if (s[1] != 0) return s[1] > 0;
    return s[2] > 0;
  }

  void search(const double* positions, std::size_t n, const mat3& cell,
              const neighbor_list_options& options) {
    const double rc = options.cutoff;
    // Candidates are selected on wrapped coordinates with a hair of slack; the final test uses
    // the displacement recomputed from the caller's positions.
    const double rc2_slack = rc * rc * (1.0 + 1e-10);
    const bool half = options.kind == list_kind::half;
    for (std::size_t i = 0; i < n; ++i) {
      const vec3 xi = m_points[i].x;
      const vec3 ri{positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]};
      const image wi = m_wrap[i];
      const std::size_t bx = bin_coordinate(xi[0], 0), by = bin_coordinate(xi[1], 1),
                        bz = bin_coordinate(xi[2], 2);
      for (std::size_t z = (bz > 0 ? bz - 1 : 0); z <= std::min(bz + 1, m_nbins[2] - 1); ++z) {
        for (std::size_t y = (by > 0 ? by - 1 : 0); y <= std::min(by + 1, m_nbins[1] - 1); ++y) {
          for (std::size_t x = (bx > 0 ? bx - 1 : 0); x <= std::min(bx + 1, m_nbins[0] - 1); ++x) {
            const std::size_t b = (z * m_nbins[1] + y) * m_nbins[0] + x;
            for (std::size_t k = m_bin_start[b]; k < m_bin_start[b + 1]; ++k) {
              const std::uint32_t p = m_bin_points[k];
              if (p == i) continue;
              const point& q = m_points[p];
              const vec3 d0 = q.x - xi;
              if (dot(d0, d0) >= rc2_slack) continue;
              const std::uint32_t j = q.atom;
              const image wj = m_wrap[j];
              const image s{q.n[0] - wj[0] + wi[0], q.n[1] - wj[1] + wi[1], q.n[2] - wj[2] + wi[2]};
              if (half && (j < i || (j == i && !positive_image(s)))) continue;
              const vec3 rj{positions[3 * j], positions[3 * j + 1], positions[3 * j + 2]};
              const vec3 d = rj - ri + static_cast<double>(s[0]) * cell[0] +
                             static_cast<double>(s[1]) * cell[1] +
                             static_cast<double>(s[2]) * cell[2];
              const double r = norm(d);
              if (!(r < rc)) continue;
              if (r < options.min_distance)
                throw error("atoms " + std::to_string(i) + " and " + std::to_string(j) +
                            " are only " + std::to_string(r) +
                            " Å apart (overlapping atoms; the minimum distance is " +
                            std::to_string(options.min_distance) + " Å)");
              m_index.push_back(j);
              m_dx.push_back(d[0]);
              m_dy.push_back(d[1]);
              m_dz.push_back(d[2]);
              m_r.push_back(r);
              m_shift.push_back(s);
            }
          }
        }
      }
      m_offsets[i + 1] = m_index.size();
    }
  }

  double m_cutoff = 0.0;
  list_kind m_kind = list_kind::full;
  std::size_t m_atoms = 0;
  std::vector<std::size_t> m_offsets{0};
  std::vector<std::uint32_t> m_index;
  std::vector<double> m_dx, m_dy, m_dz, m_r;
  std::vector<image> m_shift;

  // Scratch kept between builds so that rebuilding (every MD step) does not reallocate.
  std::vector<point> m_points;
  std::vector<image> m_wrap;
  std::vector<vec3> m_frac;
  std::array<std::size_t, 3> m_nbins{1, 1, 1};
  vec3 m_bin_width{1, 1, 1};
  vec3 m_lo{};
  std::vector<std::size_t> m_bin_start, m_point_bin, m_fill;
  std::vector<std::uint32_t> m_bin_points;
};

} // namespace annp
