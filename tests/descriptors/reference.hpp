#pragma once
// A deliberately naive, independent implementation of every descriptor kind, for the tests:
// direct loops over all atoms and periodic images, all neighbour pairs, formulas written
// straight from docs/descriptors.md. Slow and obvious on purpose; shares no code with the
// library's engine except the parameter struct.

#include <annp/core/elements.hpp>
#include <annp/core/geometry.hpp>
#include <annp/descriptors/symmetry_function.hpp>
#include <annp/structure/structure.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace annp::test {

/// Cutoff function by n2p2 type number (0 hard, 1 cos, 2 tanhu, 3 tanh, 4 exp, 5..8 poly1..4).
inline double ref_cutoff(int type, double r, double rc, double alpha) {
  if (r >= rc) return 0.0;
  if (type == 2 || type == 3) {
    const double t = std::tanh(1.0 - r / rc);
    const double pre = type == 3 ? std::pow(1.0 / std::tanh(1.0), 3) : 1.0;
    return pre * t * t * t;
  }
  const double rci = alpha * rc;
  if (r < rci) return 1.0;
  const double x = (r - rci) / (rc - rci);
  switch (type) {
  case 0: return 1.0;
  case 1: return 0.5 * (std::cos(std::numbers::pi * x) + 1.0);
  case 4: return std::exp(1.0 - 1.0 / (1.0 - x * x));
  case 5: return 2 * x * x * x - 3 * x * x + 1;
  case 6: return -6 * std::pow(x, 5) + 15 * std::pow(x, 4) - 10 * std::pow(x, 3) + 1;
  case 7:
    return 20 * std::pow(x, 7) - 70 * std::pow(x, 6) + 84 * std::pow(x, 5) - 35 * std::pow(x, 4) +
           1;
  case 8:
    return -70 * std::pow(x, 9) + 315 * std::pow(x, 8) - 540 * std::pow(x, 7) +
           420 * std::pow(x, 6) - 126 * std::pow(x, 5) + 1;
  }
  return 0.0;
}

inline double ref_core(const core_function& c, double x) {
  if (c.asymmetric) x = (2.0 - x) * x;
  switch (c.kind) {
  case core_kind::poly1: return 2 * x * x * x - 3 * x * x + 1;
  case core_kind::poly2: return -6 * std::pow(x, 5) + 15 * std::pow(x, 4) - 10 * std::pow(x, 3) + 1;
  case core_kind::poly3:
    return 20 * std::pow(x, 7) - 70 * std::pow(x, 6) + 84 * std::pow(x, 5) - 35 * std::pow(x, 4) +
           1;
  case core_kind::poly4:
    return -70 * std::pow(x, 9) + 315 * std::pow(x, 8) - 540 * std::pow(x, 7) +
           420 * std::pow(x, 6) - 126 * std::pow(x, 5) + 1;
  case core_kind::exp: return x >= 1.0 ? 0.0 : std::exp(1.0 - 1.0 / (1.0 - x * x));
  }
  return 0.0;
}

/// C(a) on the support [left, right] (0 outside).
inline double ref_compact(const core_function& c, double a, double left, double right) {
  if (a < left || a > right) return 0.0;
  const double centre = 0.5 * (left + right), half = 0.5 * (right - left);
  return ref_core(c, std::abs(a - centre) / half);
}

inline double ref_chebyshev(int order, double x) { return std::cos(order * std::acos(x)); }

struct ref_neighbour {
  vec3 d;
  double r;
  int z;
};

/// Every neighbour of atom i within rc, over enough periodic images.
inline std::vector<ref_neighbour> ref_neighbours(const structure& s, std::size_t i, double rc) {
  std::array<int, 3> range{0, 0, 0};
  const double volume = std::abs(determinant(s.cell));
  for (std::size_t a = 0; a < 3; ++a)
    if (s.pbc[a]) {
      const double width = volume / norm(cross(s.cell[(a + 1) % 3], s.cell[(a + 2) % 3]));
      range[a] = static_cast<int>(std::ceil(rc / width)) + 3;
    }
  std::vector<ref_neighbour> out;
  for (std::size_t j = 0; j < s.size(); ++j)
    for (int a = -range[0]; a <= range[0]; ++a)
      for (int b = -range[1]; b <= range[1]; ++b)
        for (int c = -range[2]; c <= range[2]; ++c) {
          if (j == i && a == 0 && b == 0 && c == 0) continue;
          const vec3 d = s.position(j) - s.position(i) + static_cast<double>(a) * s.cell[0] +
                         static_cast<double>(b) * s.cell[1] + static_cast<double>(c) * s.cell[2];
          const double r = norm(d);
          if (r < rc) out.push_back({d, r, s.numbers[j]});
        }
  return out;
}

/// One descriptor value of atom i; cutoff_type and alpha as n2p2's cutoff_type keyword; spins
/// maps atomic number -> spin for weighted Chebyshev functions.
inline double ref_descriptor(const structure& s, std::size_t i, const symmetry_function& f,
                             int cutoff_type, double alpha,
                             const std::vector<std::pair<int, double>>& spins = {}) {
  const auto nb = ref_neighbours(s, i, f.rc);
  const auto fc = [&](double r) { return ref_cutoff(cutoff_type, r, f.rc, alpha); };
  const auto spin = [&](int z) {
    for (auto [zz, v] : spins)
      if (zz == z) return v;
    return 1.0;
  };
  const bool resolved = is_element_resolved(f.kind);
  double g = 0.0;
  if (!is_angular(f.kind)) {
    for (const auto& n : nb) {
      if (resolved && n.z != f.e1) continue;
      const double wz = is_z_weighted(f.kind) ? n.z : 1.0;
      if (is_chebyshev(f.kind))
        g += (f.weighted ? spin(n.z) : 1.0) * ref_chebyshev(f.order, 2.0 * n.r / f.rc - 1.0) *
             fc(n.r);
      else if (is_compact(f.kind)) {
        if (n.r > f.rl) g += wz * ref_compact(f.core, n.r, f.rl, f.rc);
      } else
        g += wz * std::exp(-f.eta * (n.r - f.rs) * (n.r - f.rs)) * fc(n.r);
    }
    return g;
  }
  for (std::size_t j = 0; j < nb.size(); ++j)
    for (std::size_t k = j + 1; k < nb.size(); ++k) {
      const auto &a = nb[j], &b = nb[k];
      if (resolved && !((a.z == f.e1 && b.z == f.e2) || (a.z == f.e2 && b.z == f.e1))) continue;
      const double cos_t = dot(a.d, b.d) / (a.r * b.r);
      const double rjk = norm(b.d - a.d);
      const double wz = is_z_weighted(f.kind) ? static_cast<double>(a.z * b.z) : 1.0;
      if (is_chebyshev(f.kind)) {
        g += (f.weighted ? spin(a.z) * spin(b.z) : 1.0) * ref_chebyshev(f.order, cos_t) * fc(a.r) *
             fc(b.r);
      } else if (is_compact(f.kind)) {
        if (!(a.r > f.rl) || !(b.r > f.rl) || std::abs(cos_t) >= 1.0) continue;
        const double theta = std::acos(cos_t);
        const double pi = std::numbers::pi;
        double term =
            ref_compact(f.core, a.r, f.rl, f.rc) * ref_compact(f.core, b.r, f.rl, f.rc) *
            ref_compact(f.core, theta, f.angle_left * pi / 180.0, f.angle_right * pi / 180.0);
        if (is_narrow(f.kind))
          term *= (rjk > f.rl && rjk < f.rc) ? ref_compact(f.core, rjk, f.rl, f.rc) : 0.0;
        g += wz * term;
      } else {
        const double base = 1.0 + f.lambda * cos_t;
        if (base <= 0.0) continue;
        const bool narrow = is_narrow(f.kind);
        double ex = (a.r - f.rs) * (a.r - f.rs) + (b.r - f.rs) * (b.r - f.rs);
        if (narrow) ex += (rjk - f.rs) * (rjk - f.rs);
        double term = std::pow(2.0, 1.0 - f.zeta) * std::pow(base, f.zeta) * std::exp(-f.eta * ex) *
                      fc(a.r) * fc(b.r);
        if (narrow) term *= fc(rjk);
        g += wz * term;
      }
    }
  return g;
}

} // namespace annp::test
