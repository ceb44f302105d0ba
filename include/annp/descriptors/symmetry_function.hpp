#pragma once
// Parameters of one atom-centred descriptor function (a "symmetry function"), in n2p2's naming.
// Formulas: docs/descriptors.md. Summary (sums over neighbours j, k of the central atom i within
// r_c; angular sums over unordered pairs j < k; f_c the cutoff function):
//
//   radial (n2p2 type 2)            G = sum_j exp(-eta (r_ij - r_s)^2) f_c(r_ij)
//   angular_narrow (3)              G = 2^(1-zeta) sum_{j<k} (1 + lambda cos t)^zeta
//                                       exp(-eta [(r_ij-r_s)^2 + (r_ik-r_s)^2 + (r_jk-r_s)^2])
//                                       f_c(r_ij) f_c(r_ik) f_c(r_jk)
//   angular_wide (9, Behler G5)     as narrow without the r_jk factors
//   radial_weighted (12)            radial with a factor Z_j, over all neighbour elements
//   angular_narrow_weighted (13)    narrow with a factor Z_j Z_k, over all neighbour elements
//   radial_compact (20)             G = sum_j C(r_ij; r_l, r_c)
//   angular_narrow_compact (21)     G = sum_{j<k} C(r_ij) C(r_ik) C(r_jk) C(t; t_l, t_r)
//   angular_wide_compact (22)       G = sum_{j<k} C(r_ij) C(r_ik) C(t; t_l, t_r)
//   23, 24, 25                      20, 21, 22 with factors Z_j (Z_j Z_k), all elements
//   chebyshev_radial                G_a = sum_j T_a(2 r_ij / r_c - 1) f_c(r_ij) [s_j]
//   chebyshev_angular               G_a = sum_{j<k} T_a(cos t) f_c(r_ij) f_c(r_ik) [s_j s_k]
//
// C is n2p2's compact function: a core polynomial (p1..p4, or exp) centred on its support. The
// Chebyshev functions follow aenet (Artrith, Urban, Ceder 2017): not element-resolved, and
// optionally weighted by per-element "type spins" s (annp::element_spins).

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/cutoff.hpp>

#include <cmath>
#include <string>
#include <tuple>

namespace annp {

enum class sf_kind : int {
  radial = 2,
  angular_narrow = 3,
  angular_wide = 9,
  radial_weighted = 12,
  angular_narrow_weighted = 13,
  radial_compact = 20,
  angular_narrow_compact = 21,
  angular_wide_compact = 22,
  radial_compact_weighted = 23,
  angular_narrow_compact_weighted = 24,
  angular_wide_compact_weighted = 25,
  chebyshev_radial = 100,
  chebyshev_angular = 101,
};

[[nodiscard]] constexpr bool is_angular(sf_kind k) noexcept {
  switch (k) {
  case sf_kind::angular_narrow:
  case sf_kind::angular_wide:
  case sf_kind::angular_narrow_weighted:
  case sf_kind::angular_narrow_compact:
  case sf_kind::angular_wide_compact:
  case sf_kind::angular_narrow_compact_weighted:
  case sf_kind::angular_wide_compact_weighted:
  case sf_kind::chebyshev_angular: return true;
  default: return false;
  }
}
/// Narrow angular functions include the r_jk factors.
[[nodiscard]] constexpr bool is_narrow(sf_kind k) noexcept {
  return k == sf_kind::angular_narrow || k == sf_kind::angular_narrow_weighted ||
         k == sf_kind::angular_narrow_compact || k == sf_kind::angular_narrow_compact_weighted;
}
[[nodiscard]] constexpr bool is_compact(sf_kind k) noexcept {
  const int t = static_cast<int>(k);
  return t >= 20 && t <= 25;
}
/// Weighted by atomic numbers Z_j (n2p2 types 12, 13, 23, 24, 25).
[[nodiscard]] constexpr bool is_z_weighted(sf_kind k) noexcept {
  const int t = static_cast<int>(k);
  return t == 12 || t == 13 || (t >= 23 && t <= 25);
}
[[nodiscard]] constexpr bool is_chebyshev(sf_kind k) noexcept {
  return k == sf_kind::chebyshev_radial || k == sf_kind::chebyshev_angular;
}
/// Whether the function is resolved by neighbour element (e1, and e2 for angular functions).
[[nodiscard]] constexpr bool is_element_resolved(sf_kind k) noexcept {
  return !is_z_weighted(k) && !is_chebyshev(k);
}

[[nodiscard]] inline std::string_view kind_name(sf_kind k) noexcept {
  switch (k) {
  case sf_kind::radial: return "radial";
  case sf_kind::angular_narrow: return "angular_narrow";
  case sf_kind::angular_wide: return "angular_wide";
  case sf_kind::radial_weighted: return "radial_weighted";
  case sf_kind::angular_narrow_weighted: return "angular_narrow_weighted";
  case sf_kind::radial_compact: return "radial_compact";
  case sf_kind::angular_narrow_compact: return "angular_narrow_compact";
  case sf_kind::angular_wide_compact: return "angular_wide_compact";
  case sf_kind::radial_compact_weighted: return "radial_compact_weighted";
  case sf_kind::angular_narrow_compact_weighted: return "angular_narrow_compact_weighted";
  case sf_kind::angular_wide_compact_weighted: return "angular_wide_compact_weighted";
  case sf_kind::chebyshev_radial: return "chebyshev_radial";
  case sf_kind::chebyshev_angular: return "chebyshev_angular";
  }
  return "unknown";
}

[[nodiscard]] inline sf_kind kind_from_name(std::string_view name) {
  for (int t : {2, 3, 9, 12, 13, 20, 21, 22, 23, 24, 25, 100, 101})
    if (kind_name(static_cast<sf_kind>(t)) == name) return static_cast<sf_kind>(t);
  throw error("unknown descriptor kind '" + std::string(name) + "'");
}

struct symmetry_function {
  sf_kind kind = sf_kind::radial;
  int center = 0;  ///< atomic number of the central atom
  int e1 = 0;      ///< neighbour element (Z) for element-resolved kinds
  int e2 = 0;      ///< second neighbour element (Z) of angular element-resolved kinds, e1 <= e2
  double rc = 6.0; ///< cutoff radius, Å
  double eta = 0.0, rs = 0.0;      ///< Gaussian width (1/Å²) and shift (Å): exponential kinds
  double zeta = 1.0, lambda = 1.0; ///< angular exponential kinds
  double rl = 0.0;                 ///< compact kinds: lower end of the radial support (Å)
  double angle_left = 0.0, angle_right = 180.0; ///< compact angular kinds: support, degrees
  core_function core;                           ///< compact kinds: core function
  int order = 0;                                ///< Chebyshev kinds: polynomial order a >= 0
  bool weighted = false;                        ///< Chebyshev kinds: multiply by the element spins

  friend bool operator==(const symmetry_function&, const symmetry_function&) = default;

  /// Checks parameters for the kind; throws annp::error describing the function otherwise.
  void validate() const {
    const auto fail = [&](const std::string& why) { throw error(describe() + ": " + why); };
    if (!is_atomic_number(center)) fail("unknown central element");
    if (!(rc > 0.0) || !std::isfinite(rc)) fail("the cutoff radius must be positive");
    if (is_element_resolved(kind)) {
      if (!is_atomic_number(e1)) fail("unknown neighbour element");
      if (is_angular(kind) && (!is_atomic_number(e2) || e1 > e2))
        fail("angular neighbour elements must be known and ordered (e1 <= e2)");
    }
    if (!is_compact(kind) && !is_chebyshev(kind)) {
      if (!(eta >= 0.0) || !std::isfinite(eta)) fail("eta must be >= 0");
      if (!std::isfinite(rs) || rs < 0.0) fail("r_s must be >= 0");
      if (is_angular(kind)) {
        if (!(zeta >= 1.0) || !std::isfinite(zeta)) fail("zeta must be >= 1");
        if (lambda != 1.0 && lambda != -1.0) fail("lambda must be +1 or -1");
      }
    }
    if (is_compact(kind)) {
      if (!std::isfinite(rl) || !(rl < rc)) fail("the compact support needs r_l < r_c");
      if (is_angular(kind)) {
        if (!(angle_left < angle_right)) fail("the angular support needs left < right");
        const double centre = (angle_left + angle_right) / 2.0;
        if ((angle_left < 0.0 && centre != 0.0) || (angle_right > 180.0 && centre != 180.0))
          fail("an angular support beyond [0, 180] degrees must be centred on 0 or 180");
        if (angle_right - angle_left > 360.0) fail("the angular support spans more than 360");
      }
    }
    if (is_chebyshev(kind) && (order < 0 || order > 200)) fail("Chebyshev order must be 0..200");
  }

  /// One-line description for messages and tables, e.g. "Al radial (Al) eta=0.01 rs=0 rc=6".
  [[nodiscard]] std::string describe() const {
    std::string s = (is_atomic_number(center) ? std::string(symbol(center)) : "?") + " " +
                    std::string(kind_name(kind));
    if (is_element_resolved(kind)) {
      s += " (" + (is_atomic_number(e1) ? std::string(symbol(e1)) : std::string("?"));
      if (is_angular(kind)) s += "," + (is_atomic_number(e2) ? std::string(symbol(e2)) : "?");
      s += ")";
    }
    if (is_chebyshev(kind)) {
      s += " order=" + std::to_string(order) + (weighted ? " weighted" : "");
    } else if (is_compact(kind)) {
      s += " rl=" + format_double(rl) + " " + core.n2p2_name();
      if (is_angular(kind))
        s += " angles=" + format_double(angle_left) + ".." + format_double(angle_right);
    } else {
      s += " eta=" + format_double(eta) + " rs=" + format_double(rs);
      if (is_angular(kind))
        s += " zeta=" + format_double(zeta) + " lambda=" + format_double(lambda);
    }
    return s + " rc=" + format_double(rc);
  }
};

/// n2p2's order of symmetry functions within an element (SymFnc*::operator<): by type, then the
/// type's parameters. Models imported from n2p2 keep this order so that scaling data and weights
/// line up. (Elements compare by atomic number, as n2p2 sorts elements by Z.)
[[nodiscard]] inline bool n2p2_order_less(const symmetry_function& a, const symmetry_function& b) {
  const auto ta = static_cast<int>(a.kind), tb = static_cast<int>(b.kind);
  if (a.center != b.center) return a.center < b.center;
  if (ta != tb) return ta < tb;
  switch (a.kind) {
  case sf_kind::radial:
    return std::tie(a.rc, a.eta, a.rs, a.e1) < std::tie(b.rc, b.eta, b.rs, b.e1);
  case sf_kind::angular_narrow:
  case sf_kind::angular_wide:
    return std::tie(a.rc, a.eta, a.rs, a.zeta, a.lambda, a.e1, a.e2) <
           std::tie(b.rc, b.eta, b.rs, b.zeta, b.lambda, b.e1, b.e2);
  case sf_kind::radial_weighted: return std::tie(a.rc, a.eta, a.rs) < std::tie(b.rc, b.eta, b.rs);
  case sf_kind::angular_narrow_weighted:
    return std::tie(a.rc, a.eta, a.rs, a.zeta, a.lambda) <
           std::tie(b.rc, b.eta, b.rs, b.zeta, b.lambda);
  default: {
    // Compact kinds: subtype, elements, rc, rl, angles.
    const auto sa = a.core.n2p2_name(), sb = b.core.n2p2_name();
    return std::tie(sa, a.e1, a.e2, a.rc, a.rl, a.angle_left, a.angle_right, a.order) <
           std::tie(sb, b.e1, b.e2, b.rc, b.rl, b.angle_left, b.angle_right, b.order);
  }
  }
}

} // namespace annp
