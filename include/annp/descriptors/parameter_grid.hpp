#pragma once
// Standard parameter grids for symmetry functions, as n2p2 users generate them (n2p2's
// sfparamgen tool), so that a descriptor set is a few lines instead of forty.
//
// Radial (eta, r_s) grids of n points for a cutoff r_c:
//   rule imbalzano2018 (Imbalzano et al., JCP 148, 241730 (2018)):
//     centred:  r_s = 0,        eta_i = (n^(i/n) / r_c)^2,                      i = 0..n-1
//     shifted:  r_s,i = r_c / n^(i/n) for i = 1..n (ascending), eta_i = 1 / (r_s,i - r_s,i-1)^2
//   rule gastegger2018 (Gastegger et al., JCP 148, 241709 (2018)), grid r_i linear in
//   [r_lower, r_upper]:
//     centred:  r_s = 0,   eta_i = 1 / (2 r_i^2)
//     shifted:  r_s = r_i, eta = 1 / (2 dr^2), dr the grid spacing
//
// make_descriptor_functions() builds, for every central element, radial functions for every
// neighbour element and angular functions for every unordered neighbour pair.

#include <annp/core/error.hpp>
#include <annp/descriptors/symmetry_function.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace annp {

enum class grid_mode { centred, shifted };
enum class grid_rule { imbalzano2018, gastegger2018 };

struct radial_grid {
  std::vector<double> eta; ///< 1/Å²
  std::vector<double> rs;  ///< Å
};

[[nodiscard]] inline radial_grid make_radial_grid(double rc, std::size_t n, grid_mode mode,
                                                  grid_rule rule = grid_rule::imbalzano2018,
                                                  double r_lower = 0.5, double r_upper = 0.0) {
  if (!(rc > 0.0)) throw error("radial grid: the cutoff must be positive");
  if (n < 2) throw error("radial grid: need at least 2 points, got " + std::to_string(n));
  radial_grid g;
  const auto nd = static_cast<double>(n);
  if (rule == grid_rule::imbalzano2018) {
    if (mode == grid_mode::centred) {
      const double intervals = nd - 1.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = std::pow(intervals, static_cast<double>(i) / intervals) / rc;
        g.eta.push_back(v * v);
        g.rs.push_back(0.0);
      }
    } else {
      std::vector<double> ext(n + 1);
      for (std::size_t i = 0; i <= n; ++i) ext[i] = rc / std::pow(nd, static_cast<double>(i) / nd);
      for (std::size_t i = n; i >= 1; --i) {
        const double d = ext[i - 1] - ext[i];
        g.eta.push_back(1.0 / (d * d));
        g.rs.push_back(ext[i]);
      }
    }
  } else {
    if (r_upper <= 0.0) r_upper = rc;
    const bool ok = mode == grid_mode::centred
                        ? (0.0 < r_lower && r_lower < r_upper && r_upper <= rc)
                        : (0.0 <= r_lower && r_lower < r_upper && r_upper <= rc);
    if (!ok)
      throw error("radial grid (gastegger2018): need 0 < r_lower < r_upper <= r_c (r_lower may be "
                  "0 when shifted)");
    const double dr = (r_upper - r_lower) / (nd - 1.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double r = r_lower + dr * static_cast<double>(i);
      if (mode == grid_mode::centred) {
        g.eta.push_back(1.0 / (2.0 * r * r));
        g.rs.push_back(0.0);
      } else {
        g.eta.push_back(1.0 / (2.0 * dr * dr));
        g.rs.push_back(r);
      }
    }
  }
  return g;
}

/// What make_descriptor_functions builds.
struct descriptor_recipe {
  double rc = 6.0;
  // Radial functions: this grid for every (centre, neighbour) element pair.
  std::size_t radial_count = 8;
  grid_mode radial_mode = grid_mode::shifted;
  // Angular functions: (eta, r_s) grid x zetas x lambdas for every centre and neighbour pair.
  // chebyshev_angular instead makes aenet's Chebyshev set (Artrith, Urban, Ceder 2017): radial
  // orders 0 ... radial_count - 1 and angular orders 0 ... angular_count - 1 over all neighbours,
  // with more than one element each once more weighted by the element spins; the grids, zetas
  // and lambdas are then unused.
  sf_kind angular_kind =
      sf_kind_of<sf_kinds::angular_narrow>(); ///< angular_wide, chebyshev_angular
  std::size_t angular_count = 2;              ///< radial grid points of angular functions
  grid_mode angular_mode = grid_mode::centred;
  std::vector<double> zetas{1.0, 4.0};
  std::vector<double> lambdas{-1.0, 1.0};
  grid_rule rule = grid_rule::imbalzano2018;
  double r_lower = 0.5; ///< Å: first grid point of the gastegger2018 (linear) grids
  // A second angular family with a cutoff of its own (angular2_count = 0: none), built like the
  // first (grid of angular2_count points within angular2_rc x angular2_zetas x lambdas per
  // neighbour pair, same mode and rule): e.g. sharp narrow functions (zeta 16) over the first
  // neighbour shells beside wide ones over the whole cutoff. A narrow function's cost grows
  // with the triplets within its own r_c, about (r_c2 / r_c)^6 of the full cutoff's.
  std::size_t angular2_count = 0;
  sf_kind angular2_kind = sf_kind_of<sf_kinds::angular_narrow>(); ///< or angular_wide
  double angular2_rc = 0.0;                                       ///< Å, in (0, rc]
  std::vector<double> angular2_zetas{16.0};
};

/// Radial functions first (per centre, per neighbour element, per grid point), then angular
/// (per centre, per unordered neighbour pair, per grid point, zeta, lambda), then the second
/// angular family in the same order.
[[nodiscard]] inline std::vector<symmetry_function>
make_descriptor_functions(const std::vector<int>& elements, const descriptor_recipe& r) {
  if (r.angular_kind != sf_kind_of<sf_kinds::angular_narrow>() &&
      r.angular_kind != sf_kind_of<sf_kinds::angular_wide>() &&
      r.angular_kind != sf_kind_of<sf_kinds::chebyshev_angular>())
    throw error("descriptor recipe: angular_kind must be angular_narrow, angular_wide or "
                "chebyshev_angular");
  std::vector<symmetry_function> out;
  if (r.angular_kind == sf_kind_of<sf_kinds::chebyshev_angular>()) {
    if (r.angular2_count > 0)
      throw error("descriptor recipe: the Chebyshev set has no second angular family");
    const auto add = [&](int c, sf_kind kind, std::size_t count, bool weighted) {
      for (std::size_t a = 0; a < count; ++a) {
        symmetry_function f;
        f.kind = kind;
        f.center = c;
        f.rc = r.rc;
        f.order = static_cast<int>(a);
        f.weighted = weighted;
        out.push_back(f);
      }
    };
    const bool spins = elements.size() > 1;
    for (int c : elements) {
      add(c, sf_kind_of<sf_kinds::chebyshev_radial>(), r.radial_count, false);
      if (spins) add(c, sf_kind_of<sf_kinds::chebyshev_radial>(), r.radial_count, true);
      add(c, sf_kind_of<sf_kinds::chebyshev_angular>(), r.angular_count, false);
      if (spins) add(c, sf_kind_of<sf_kinds::chebyshev_angular>(), r.angular_count, true);
    }
    return out;
  }
  const auto rad = make_radial_grid(r.rc, r.radial_count, r.radial_mode, r.rule, r.r_lower);
  for (int c : elements) {
    for (int e : elements)
      for (std::size_t i = 0; i < rad.eta.size(); ++i) {
        symmetry_function f;
        f.kind = sf_kind_of<sf_kinds::radial>();
        f.center = c;
        f.e1 = e;
        f.rc = r.rc;
        f.eta = rad.eta[i];
        f.rs = rad.rs[i];
        out.push_back(f);
      }
  }
  const auto angular = [&](sf_kind kind, std::size_t count, double rc,
                           const std::vector<double>& zetas) {
    if (count == 0) return;
    const auto ang = make_radial_grid(rc, count, r.angular_mode, r.rule, r.r_lower);
    for (int c : elements)
      for (std::size_t a = 0; a < elements.size(); ++a)
        for (std::size_t b = a; b < elements.size(); ++b)
          for (std::size_t i = 0; i < ang.eta.size(); ++i)
            for (double zeta : zetas)
              for (double lambda : r.lambdas) {
                symmetry_function f;
                f.kind = kind;
                f.center = c;
                f.e1 = std::min(elements[a], elements[b]);
                f.e2 = std::max(elements[a], elements[b]);
                f.rc = rc;
                f.eta = ang.eta[i];
                f.rs = ang.rs[i];
                f.zeta = zeta;
                f.lambda = lambda;
                out.push_back(f);
              }
  };
  angular(r.angular_kind, r.angular_count, r.rc, r.zetas);
  if (r.angular2_count > 0) {
    if (r.angular2_kind != sf_kind_of<sf_kinds::angular_narrow>() &&
        r.angular2_kind != sf_kind_of<sf_kinds::angular_wide>())
      throw error("descriptor recipe: angular2_kind must be angular_narrow or angular_wide");
    if (!(r.angular2_rc > 0.0 && r.angular2_rc <= r.rc))
      throw error("descriptor recipe: the second angular family's cutoff must lie in (0, " +
                  std::to_string(r.rc) + "] Å, got " + std::to_string(r.angular2_rc));
    if (r.angular2_zetas.empty())
      throw error("descriptor recipe: the second angular family needs at least one zeta");
    angular(r.angular2_kind, r.angular2_count, r.angular2_rc, r.angular2_zetas);
  }
  return out;
}

} // namespace annp
