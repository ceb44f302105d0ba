#pragma once
// annp::short_range: an optional repulsive core for the range no training data covers.
//
// Reference data of a metal or an oxide never contain two atoms 1 Å apart, so a network is free
// to do anything there, and in MD atoms that collide hard enough pass through each other. With a
// core, below r_inner the network's interaction energy is switched off and the Ziegler-Biersack-
// Littmark universal screened Coulomb repulsion (as in LAMMPS's pair_style zbl) takes over:
//
//   E_i      = E0_e + (1 - lambda_i) (E_NN,i - E0_e) + 1/2 sum_j S(r_ij) V(r_ij)
//   lambda_i = 1 - prod_j (1 - S(r_ij))                      (all neighbours j of atom i)
//   V(r)     = Z1 Z2 e^2 / (4 pi eps0 r) phi(r / a),   a = 0.46850 Å / (Z1^0.23 + Z2^0.23)
//   phi(x)   = 0.18175 e^-3.19980x + 0.50986 e^-0.94229x + 0.28022 e^-0.40290x
//              + 0.02817 e^-0.20162x
//   S(r)     = 1 for r <= r_inner, 0 for r >= r_outer, and 1 - t^3 (10 - 15 t + 6 t^2) between,
//              t = (r - r_inner) / (r_outer - r_inner)  (value, slope and curvature continuous)
//
// E_NN,i is atom i's energy from its network and E0_e that of an isolated atom of its element
// (the network at zero descriptors), so a colliding pair has the energy of two free atoms plus
// the repulsion, whatever the network would have extrapolated to. An atom with no neighbour
// closer than r_outer has lambda = 0 and no pair term: there the potential is exactly the
// network. Training therefore needs r_outer at or below the shortest interatomic distance of the
// training data (annp-train checks it), and the networks fit the labels unchanged.
//
// The radii may differ by element pair (`pairs`; the others use inner and outer): the data of an
// oxide reach much closer for O-O (the O2 bond, 1.21 Å) than for metal-oxygen or metal-metal
// pairs, and one radius for all would leave an Al-O pair at 1.1 Å to the network alone.

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace annp {

struct short_range {
  enum class kind { none, zbl };
  /// The radii of one element pair (atomic numbers z1 <= z2), in place of inner and outer.
  struct pair_radii {
    int z1 = 0, z2 = 0;
    double inner = 0.0, outer = 0.0;
    friend bool operator==(const pair_radii&, const pair_radii&) = default;
  };
  kind type = kind::none;
  double inner = 0.0;            ///< Å: the full repulsion below (element pairs not in `pairs`)
  double outer = 0.0;            ///< Å: no baseline at and beyond (element pairs not in `pairs`)
  std::vector<pair_radii> pairs; ///< per element pair, sorted by (z1, z2), each pair once

  [[nodiscard]] bool enabled() const noexcept { return type != kind::none; }

  /// A ZBL baseline switched off between inner and outer (Å).
  [[nodiscard]] static short_range zbl(double inner, double outer) {
    short_range s{kind::zbl, inner, outer, {}};
    s.validate();
    return s;
  }

  /// Gives the element pair (atomic numbers, either order) its own radii.
  void set_pair(int z1, int z2, double pair_inner, double pair_outer) {
    if (z1 > z2) std::swap(z1, z2);
    const pair_radii p{z1, z2, pair_inner, pair_outer};
    check_radii(pair_inner, pair_outer, z1, z2);
    const auto at = std::lower_bound(pairs.begin(), pairs.end(), p, before);
    if (at != pairs.end() && at->z1 == z1 && at->z2 == z2)
      *at = p;
    else
      pairs.insert(at, p);
  }

  /// The (inner, outer) radii of an element pair (atomic numbers, either order).
  [[nodiscard]] std::pair<double, double> radii(int z1, int z2) const noexcept {
    if (z1 > z2) std::swap(z1, z2);
    for (const auto& p : pairs)
      if (p.z1 == z1 && p.z2 == z2) return {p.inner, p.outer};
    return {inner, outer};
  }

  /// The largest outer radius over all element pairs: no pair term at and beyond it.
  [[nodiscard]] double reach() const noexcept {
    if (type == kind::none) return 0.0;
    double r = outer;
    for (const auto& p : pairs) r = std::max(r, p.outer);
    return r;
  }

  void validate() const {
    if (type == kind::none) {
      if (!pairs.empty()) throw error("short-range baseline: per-pair radii without a baseline");
      return;
    }
    check_radii(inner, outer, 0, 0);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const auto& p = pairs[k];
      if (!(0 < p.z1 && p.z1 <= p.z2 && p.z2 <= 118))
        throw error("short-range baseline: element pair " + std::to_string(p.z1) + "-" +
                    std::to_string(p.z2) + " is not two atomic numbers z1 <= z2");
      check_radii(p.inner, p.outer, p.z1, p.z2);
      if (k > 0 && !before(pairs[k - 1], p))
        throw error("short-range baseline: element pair " + pair_name(p.z1, p.z2) +
                    " appears twice or out of order");
    }
  }

  [[nodiscard]] static std::string_view kind_name(kind k) noexcept {
    return k == kind::zbl ? "zbl" : "none";
  }
  [[nodiscard]] static kind kind_from_name(std::string_view s) {
    if (s == "zbl") return kind::zbl;
    if (s == "none") return kind::none;
    throw error("unknown short-range baseline '" + std::string(s) + "' (expected zbl or none)");
  }

  /// The switch S(r) between radii ri and ro and dS/dr (in ds): 1 below ri, 0 from ro on.
  [[nodiscard]] static double switch_between(double ri, double ro, double r, double& ds) noexcept {
    ds = 0.0;
    if (!(r < ro)) return 0.0;
    if (r <= ri) return 1.0;
    const double w = ro - ri, t = (r - ri) / w;
    ds = -30.0 * t * t * (1.0 - t) * (1.0 - t) / w;
    return 1.0 - t * t * t * (10.0 + t * (-15.0 + 6.0 * t));
  }

  /// S(r) and dS/dr (in ds) of an element pair: 1 below its inner radius, 0 from its outer on.
  [[nodiscard]] double switching(int z1, int z2, double r, double& ds) const noexcept {
    ds = 0.0;
    if (type == kind::none) return 0.0;
    const auto [ri, ro] = radii(z1, z2);
    return switch_between(ri, ro, r, ds);
  }

  /// The unswitched ZBL repulsion V(r) (eV) between atomic numbers z1 and z2, dV/dr in dv.
  [[nodiscard]] static double zbl_energy(int z1, int z2, double r, double& dv) noexcept {
    constexpr double coulomb = 14.399645; // e^2 / (4 pi eps0), eV Å
    constexpr double c[4] = {0.18175, 0.50986, 0.28022, 0.02817};
    constexpr double d[4] = {3.19980, 0.94229, 0.40290, 0.20162};
    const double a = 0.46850 / (std::pow(z1, 0.23) + std::pow(z2, 0.23));
    double phi = 0.0, dphi = 0.0; // phi(r/a) and d phi / dr
    for (int k = 0; k < 4; ++k) {
      const double term = c[k] * std::exp(-d[k] * r / a);
      phi += term;
      dphi -= term * d[k] / a;
    }
    const double q = coulomb * z1 * z2;
    dv = q * (dphi / r - phi / (r * r));
    return q * phi / r;
  }

  /// The switched pair term S(r) V(r) and its derivative (in dvdr), given S and dS/dr; 0 where
  /// S is.
  [[nodiscard]] static double switched_pair(int z1, int z2, double r, double s, double ds,
                                            double& dvdr) noexcept {
    dvdr = 0.0;
    if (s == 0.0 || !(r > 0.0)) return 0.0;
    double dv = 0.0;
    const double v = zbl_energy(z1, z2, r, dv);
    dvdr = dv * s + v * ds;
    return v * s;
  }

  /// The switched pair term S(r) V(r) and its derivative (in dvdr); 0 from outer on.
  [[nodiscard]] double pair(int z1, int z2, double r, double& dvdr) const noexcept {
    double ds = 0.0;
    const double s = switching(z1, z2, r, ds);
    return switched_pair(z1, z2, r, s, ds, dvdr);
  }

  friend bool operator==(const short_range&, const short_range&) = default;

 private:
  static bool before(const pair_radii& a, const pair_radii& b) noexcept {
    return a.z1 != b.z1 ? a.z1 < b.z1 : a.z2 < b.z2;
  }
  static std::string pair_name(int z1, int z2) {
    return std::string(symbol(z1)) + "-" + std::string(symbol(z2));
  }
  static void check_radii(double ri, double ro, int z1, int z2) {
    if (!(std::isfinite(ri) && std::isfinite(ro) && 0.0 < ri && ri < ro))
      throw error("short-range baseline" +
                  (z1 > 0 ? " of element pair " + pair_name(z1, z2) : std::string()) +
                  ": need 0 < inner < outer (Å), got inner " + std::to_string(ri) + ", outer " +
                  std::to_string(ro));
  }
};

} // namespace annp
