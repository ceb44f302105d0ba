#pragma once
// Crystal structures for property calculations: primitive and conventional cells of the
// elemental lattices and corundum, supercells, homogeneous strains, vacancies and slabs.

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/structure/structure.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace annp::crystal {

namespace detail {
inline structure from_fractional(const mat3& cell, const std::vector<vec3>& fractional, int z) {
  structure s;
  s.cell = cell;
  s.pbc = {true, true, true};
  s.numbers.assign(fractional.size(), z);
  s.positions = xt::zeros<double>({fractional.size(), std::size_t{3}});
  for (std::size_t i = 0; i < fractional.size(); ++i) s.set_position(i, fractional[i] * cell);
  return s;
}
} // namespace detail

/// Primitive cells (one atom; hcp and diamond two) of lattice constant a (Å).
[[nodiscard]] inline structure fcc(int z, double a) {
  const double h = a / 2;
  return detail::from_fractional({{{0, h, h}, {h, 0, h}, {h, h, 0}}}, {{0, 0, 0}}, z);
}
[[nodiscard]] inline structure bcc(int z, double a) {
  const double h = a / 2;
  return detail::from_fractional({{{-h, h, h}, {h, -h, h}, {h, h, -h}}}, {{0, 0, 0}}, z);
}
[[nodiscard]] inline structure simple_cubic(int z, double a) {
  return detail::from_fractional({{{a, 0, 0}, {0, a, 0}, {0, 0, a}}}, {{0, 0, 0}}, z);
}
[[nodiscard]] inline structure diamond(int z, double a) {
  const double h = a / 2;
  return detail::from_fractional({{{0, h, h}, {h, 0, h}, {h, h, 0}}},
                                 {{0, 0, 0}, {0.25, 0.25, 0.25}}, z);
}
/// hcp with c = c_over_a * a, atoms at (1/3, 2/3, 1/4) and (2/3, 1/3, 3/4).
[[nodiscard]] inline structure hcp(int z, double a, double c_over_a = std::sqrt(8.0 / 3.0)) {
  const mat3 cell{{{a, 0, 0}, {-a / 2, a * std::sqrt(3.0) / 2, 0}, {0, 0, c_over_a * a}}};
  return detail::from_fractional(cell, {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}}, z);
}
/// The conventional cubic fcc cell (4 atoms).
[[nodiscard]] inline structure fcc_cubic(int z, double a) {
  return detail::from_fractional({{{a, 0, 0}, {0, a, 0}, {0, 0, a}}},
                                 {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}}, z);
}

/// Corundum (alpha-Al2O3, space group R-3c, also Cr2O3 and alpha-Fe2O3) in its hexagonal cell of
/// 30 atoms (12 metal, 18 oxygen), a1 along x, c along z: metal at 12c (0, 0, u), oxygen at
/// 18e (x, 0, 1/4), each with the rhombohedral centring translations (2/3, 1/3, 1/3) and
/// (1/3, 2/3, 2/3). Alumina at room temperature: a = 4.759, c = 12.991 Å, u = 0.3522, x = 0.3064.
[[nodiscard]] inline structure corundum(int z_metal, int z_oxygen, double a, double c, double u,
                                        double x) {
  const mat3 cell{{{a, 0, 0}, {-a / 2, a * std::sqrt(3.0) / 2, 0}, {0, 0, c}}};
  const std::vector<vec3> metal{{0, 0, u}, {0, 0, 0.5 - u}, {0, 0, -u}, {0, 0, 0.5 + u}};
  const std::vector<vec3> oxygen{{x, 0, 0.25},  {0, x, 0.25},  {-x, -x, 0.25},
                                 {-x, 0, 0.75}, {0, -x, 0.75}, {x, x, 0.75}};
  const vec3 centring[3] = {{0, 0, 0}, {2.0 / 3, 1.0 / 3, 1.0 / 3}, {1.0 / 3, 2.0 / 3, 2.0 / 3}};
  structure out;
  out.cell = cell;
  out.pbc = {true, true, true};
  for (const auto& [sites, z] : {std::pair{&metal, z_metal}, std::pair{&oxygen, z_oxygen}})
    for (const vec3& t : centring)
      for (const vec3& f : *sites) {
        vec3 g = f + t;
        for (std::size_t k = 0; k < 3; ++k) g[k] -= std::floor(g[k]);
        out.add_atom(z, g * cell);
      }
  return out;
}

/// A (0001) slab of corundum terminated by a single metal layer on both sides (the stoichiometric
/// termination), from a hexagonal corundum cell `bulk` (crystal::corundum, or one relaxed from
/// it: a1, a2 in the xy plane, c along z): `repeats` cells along c (6 O3 layers each), cut through
/// the middle of a metal double layer (fractional height 1/6), with `vacuum` Å between the
/// outermost atoms of neighbouring images. `area` receives the surface-cell area (Å²).
[[nodiscard]] inline structure corundum_0001_slab(const structure& bulk, std::size_t repeats,
                                                  double vacuum, double& area) {
  const vec3 c = bulk.cell[2];
  if (repeats == 0) throw error("corundum_0001_slab: need at least one cell along c");
  if (bulk.size() != 30 || std::abs(c[0]) + std::abs(c[1]) > 1e-6 * c[2] ||
      std::abs(bulk.cell[0][2]) + std::abs(bulk.cell[1][2]) > 1e-6 * c[2])
    throw error("corundum_0001_slab: expected the 30-atom hexagonal corundum cell with c along z");
  structure out;
  out.cell = bulk.cell;
  out.pbc = {true, true, true};
  double top = 0;
  for (std::size_t r = 0; r < repeats; ++r)
    for (std::size_t i = 0; i < bulk.size(); ++i) {
      vec3 p = bulk.position(i);
      double h = p[2] / c[2] - 1.0 / 6; // fractional height above the cut
      h -= std::floor(h);
      p[2] = (h + static_cast<double>(r)) * c[2];
      top = std::max(top, p[2]);
      out.add_atom(bulk.numbers[i], p);
    }
  double bottom = top;
  for (std::size_t i = 0; i < out.size(); ++i) bottom = std::min(bottom, out.positions(i, 2));
  for (std::size_t i = 0; i < out.size(); ++i) out.positions(i, 2) -= bottom;
  out.cell[2] = {0, 0, top - bottom + vacuum};
  area = norm(cross(out.cell[0], out.cell[1]));
  return out;
}

/// Lattice of a name: fcc, bcc, sc, diamond, hcp (ideal c/a).
[[nodiscard]] inline structure lattice(std::string_view name, int z, double a) {
  if (name == "fcc") return fcc(z, a);
  if (name == "bcc") return bcc(z, a);
  if (name == "sc") return simple_cubic(z, a);
  if (name == "diamond") return diamond(z, a);
  if (name == "hcp") return hcp(z, a);
  throw error("unknown lattice '" + std::string(name) + "' (fcc, bcc, sc, diamond, hcp)");
}

/// n1 x n2 x n3 supercell.
[[nodiscard]] inline structure repeat(const structure& s, std::size_t n1, std::size_t n2,
                                      std::size_t n3) {
  structure out;
  out.pbc = s.pbc;
  out.cell = {{static_cast<double>(n1) * s.cell[0], static_cast<double>(n2) * s.cell[1],
               static_cast<double>(n3) * s.cell[2]}};
  const std::size_t n = s.size() * n1 * n2 * n3;
  out.positions = xt::zeros<double>({n, std::size_t{3}});
  std::size_t k = 0;
  for (std::size_t a = 0; a < n1; ++a)
    for (std::size_t b = 0; b < n2; ++b)
      for (std::size_t c = 0; c < n3; ++c)
        for (std::size_t i = 0; i < s.size(); ++i, ++k) {
          const vec3 shift = static_cast<double>(a) * s.cell[0] +
                             static_cast<double>(b) * s.cell[1] +
                             static_cast<double>(c) * s.cell[2];
          out.set_position(k, s.position(i) + shift);
          out.numbers.push_back(s.numbers[i]);
        }
  return out;
}

/// The structure deformed by (I + eps): cell rows and positions r -> r (I + eps)^T, i.e.
/// r_a -> r_a + eps_ab r_b (eps need not be symmetric).
[[nodiscard]] inline structure strained(const structure& s, const mat3& eps) {
  structure out = s;
  const mat3 f = mat3::identity() + eps;
  const mat3 ft = transpose(f);
  for (std::size_t k = 0; k < 3; ++k) out.cell[k] = s.cell[k] * ft;
  for (std::size_t i = 0; i < s.size(); ++i) out.set_position(i, s.position(i) * ft);
  return out;
}

/// Uniformly scaled to a volume per atom (Å³).
[[nodiscard]] inline structure with_volume_per_atom(const structure& s, double v) {
  const double f = std::cbrt(v * static_cast<double>(s.size()) / s.volume()) - 1.0;
  return strained(s, f * mat3::identity());
}

/// Without atom i.
[[nodiscard]] inline structure without_atom(const structure& s, std::size_t i) {
  structure out;
  out.cell = s.cell;
  out.pbc = s.pbc;
  out.positions = xt::zeros<double>({s.size() - 1, std::size_t{3}});
  for (std::size_t k = 0, m = 0; k < s.size(); ++k) {
    if (k == i) continue;
    out.numbers.push_back(s.numbers[k]);
    out.set_position(m++, s.position(k));
  }
  return out;
}

/// A periodic fcc slab with `layers` atomic layers normal to z and `vacuum` Å between its
/// images: facet "100" (1x1 surface cell of side a/sqrt2) or "111" (side a/sqrt2, 60 degrees).
/// Returns the slab; `area` receives the surface-cell area (Å²).
[[nodiscard]] inline structure fcc_slab(int z, double a, std::string_view facet, std::size_t layers,
                                        double vacuum, double& area) {
  const double s = a / std::sqrt(2.0);
  structure out;
  out.pbc = {true, true, true};
  double spacing = 0;
  std::vector<vec3> in_plane; // in-plane offset of each layer (ABAB or ABCABC)
  if (facet == "100") {
    spacing = a / 2;
    out.cell = {{{s, 0, 0}, {0, s, 0}, {0, 0, 0}}};
    in_plane = {{0, 0, 0}, {s / 2, s / 2, 0}};
  } else if (facet == "111") {
    spacing = a / std::sqrt(3.0);
    out.cell = {{{s, 0, 0}, {s / 2, s * std::sqrt(3.0) / 2, 0}, {0, 0, 0}}};
    const vec3 b = (1.0 / 3) * (out.cell[0] + out.cell[1]);
    in_plane = {{0, 0, 0}, b, 2.0 * b};
  } else {
    throw error("fcc_slab: facet must be \"100\" or \"111\", got \"" + std::string(facet) + "\"");
  }
  out.cell[2] = {0, 0, static_cast<double>(layers - 1) * spacing + vacuum};
  out.positions = xt::zeros<double>({layers, std::size_t{3}});
  for (std::size_t l = 0; l < layers; ++l) {
    vec3 p = in_plane[l % in_plane.size()];
    p[2] = static_cast<double>(l) * spacing;
    out.set_position(l, p);
    out.numbers.push_back(z);
  }
  area = norm(cross(out.cell[0], out.cell[1]));
  return out;
}

/// A periodic stack of `layers` close-packed fcc (111) layers in ABC order, 1x1 in plane (side
/// a/sqrt2, 60 degrees), the third vector normal to the layers plus `shift` times the Shockley
/// partial b = (a1 + a2)/3 by which each layer is offset from the one below: with `layers` a
/// multiple of 3, shift 0 is perfect fcc and shift 1 puts one intrinsic stacking fault (two
/// layers in hcp-like stacking) in every period; 0.5 is the unstable fault of the generalised
/// stacking-fault path.
[[nodiscard]] inline structure fcc111_stack(int z, double a, std::size_t layers, double shift) {
  // The (111) slab with one layer spacing of "vacuum" is the periodic stack.
  double area = 0;
  structure out = fcc_slab(z, a, "111", layers, a / std::sqrt(3.0), area);
  out.cell[2] = out.cell[2] + (shift / 3) * (out.cell[0] + out.cell[1]);
  return out;
}

} // namespace annp::crystal
