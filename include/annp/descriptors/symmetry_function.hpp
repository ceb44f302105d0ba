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
#include <annp/core/registry.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/cutoff.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace annp {

/// A parameter of a symmetry function: model files (key=value) and n2p2's symfunction_short
/// lines (fields in a kind's own order) name them.
enum class sf_field { e1, e2, rc, eta, rs, zeta, lambda, rl, left, right, core, order, weighted };

namespace sf_kinds {

/// How a kind's functions are built (the descriptor engine's families derive from it).
enum class radial_form { gaussian, compact, chebyshev };

/// What a symmetry-function kind is: angular or radial, narrow (with the r_jk factors) or wide,
/// its radial form, and weighted by atomic numbers Z (all neighbour elements at once) or
/// resolved by neighbour element. Chebyshev kinds are neither (optional element spins).
template <bool Angular, bool Narrow, radial_form Form, bool ZWeighted> struct shape {
  static constexpr bool angular = Angular;
  static constexpr bool narrow = Narrow;
  static constexpr bool compact = Form == radial_form::compact;
  static constexpr bool chebyshev = Form == radial_form::chebyshev;
  static constexpr bool z_weighted = ZWeighted;
  static constexpr bool element_resolved = !ZWeighted && Form != radial_form::chebyshev;
};

using enum sf_field;

// Each kind: its name in model files, n2p2's type number (-1: none), its n2p2 fields in order
// (the last n2p2_optional of them may be absent when reading) and n2p2's sort key within a type
// (SymFnc*::operator<), so imported models keep n2p2's function order.

struct radial : shape<false, false, radial_form::gaussian, false> {
  static constexpr std::string_view name = "radial";
  static constexpr int n2p2_type = 2;
  static constexpr std::array n2p2_fields{e1, eta, rs, rc};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{rc, eta, rs, e1};
};
struct angular_narrow : shape<true, true, radial_form::gaussian, false> {
  static constexpr std::string_view name = "angular_narrow";
  static constexpr int n2p2_type = 3;
  static constexpr std::array n2p2_fields{e1, e2, eta, lambda, zeta, rc, rs};
  static constexpr std::size_t n2p2_optional = 1;
  static constexpr std::array n2p2_order{rc, eta, rs, zeta, lambda, e1, e2};
};
struct angular_wide : shape<true, false, radial_form::gaussian, false> {
  static constexpr std::string_view name = "angular_wide";
  static constexpr int n2p2_type = 9;
  static constexpr std::array n2p2_fields{e1, e2, eta, lambda, zeta, rc, rs};
  static constexpr std::size_t n2p2_optional = 1;
  static constexpr std::array n2p2_order{rc, eta, rs, zeta, lambda, e1, e2};
};
struct radial_weighted : shape<false, false, radial_form::gaussian, true> {
  static constexpr std::string_view name = "radial_weighted";
  static constexpr int n2p2_type = 12;
  static constexpr std::array n2p2_fields{eta, rs, rc};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{rc, eta, rs};
};
struct angular_narrow_weighted : shape<true, true, radial_form::gaussian, true> {
  static constexpr std::string_view name = "angular_narrow_weighted";
  static constexpr int n2p2_type = 13;
  static constexpr std::array n2p2_fields{eta, rs, lambda, zeta, rc};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{rc, eta, rs, zeta, lambda};
};
struct radial_compact : shape<false, false, radial_form::compact, false> {
  static constexpr std::string_view name = "radial_compact";
  static constexpr int n2p2_type = 20;
  static constexpr std::array n2p2_fields{e1, rl, rc, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, e1, rc, rl};
};
struct angular_narrow_compact : shape<true, true, radial_form::compact, false> {
  static constexpr std::string_view name = "angular_narrow_compact";
  static constexpr int n2p2_type = 21;
  static constexpr std::array n2p2_fields{e1, e2, rl, rc, left, right, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, e1, e2, rc, rl, left, right};
};
struct angular_wide_compact : shape<true, false, radial_form::compact, false> {
  static constexpr std::string_view name = "angular_wide_compact";
  static constexpr int n2p2_type = 22;
  static constexpr std::array n2p2_fields{e1, e2, rl, rc, left, right, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, e1, e2, rc, rl, left, right};
};
struct radial_compact_weighted : shape<false, false, radial_form::compact, true> {
  static constexpr std::string_view name = "radial_compact_weighted";
  static constexpr int n2p2_type = 23;
  static constexpr std::array n2p2_fields{rl, rc, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, rc, rl};
};
struct angular_narrow_compact_weighted : shape<true, true, radial_form::compact, true> {
  static constexpr std::string_view name = "angular_narrow_compact_weighted";
  static constexpr int n2p2_type = 24;
  static constexpr std::array n2p2_fields{rl, rc, left, right, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, rc, rl, left, right};
};
struct angular_wide_compact_weighted : shape<true, false, radial_form::compact, true> {
  static constexpr std::string_view name = "angular_wide_compact_weighted";
  static constexpr int n2p2_type = 25;
  static constexpr std::array n2p2_fields{rl, rc, left, right, core};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{core, rc, rl, left, right};
};
struct chebyshev_radial : shape<false, false, radial_form::chebyshev, false> {
  static constexpr std::string_view name = "chebyshev_radial";
  static constexpr int n2p2_type = -1;
  static constexpr std::array<sf_field, 0> n2p2_fields{};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{rc, order};
};
struct chebyshev_angular : shape<true, false, radial_form::chebyshev, false> {
  static constexpr std::string_view name = "chebyshev_angular";
  static constexpr int n2p2_type = -1;
  static constexpr std::array<sf_field, 0> n2p2_fields{};
  static constexpr std::size_t n2p2_optional = 0;
  static constexpr std::array n2p2_order{rc, order};
};

} // namespace sf_kinds

/// The symmetry-function kinds, listed once: run-time kinds, model-file names, n2p2 type
/// numbers and field layouts, the properties the engine dispatches on, and the compile-time
/// descriptor kinds (radial_g2<N>, ...) are generated from this list. A new kind is a type in
/// sf_kinds:: and one entry here (plus its formula in the descriptor engine).
using sf_kind_list =
    type_list<sf_kinds::radial, sf_kinds::angular_narrow, sf_kinds::angular_wide,
              sf_kinds::radial_weighted, sf_kinds::angular_narrow_weighted,
              sf_kinds::radial_compact, sf_kinds::angular_narrow_compact,
              sf_kinds::angular_wide_compact, sf_kinds::radial_compact_weighted,
              sf_kinds::angular_narrow_compact_weighted, sf_kinds::angular_wide_compact_weighted,
              sf_kinds::chebyshev_radial, sf_kinds::chebyshev_angular>;

/// Run-time identifier of a symmetry-function kind: its position in sf_kind_list.
using sf_kind = registry::kind<sf_kind_list, sf_kinds::radial>;

/// The kind of type K (a member of sf_kind_list).
template <class K> [[nodiscard]] constexpr sf_kind sf_kind_of() noexcept {
  static_assert(registry::contains<K, sf_kind_list>, "the kind is not listed in sf_kind_list");
  return sf_kind::of<K>();
}

namespace detail {
struct sf_kind_row {
  bool angular, narrow, compact, chebyshev, z_weighted, element_resolved;
  int n2p2_type;
};
template <class... K> constexpr auto sf_kind_rows(type_list<K...>) {
  return std::array<sf_kind_row, sizeof...(K)>{
      {{K::angular, K::narrow, K::compact, K::chebyshev, K::z_weighted, K::element_resolved,
        K::n2p2_type}...}};
}
inline constexpr auto sf_kind_table = sf_kind_rows(sf_kind_list{});
} // namespace detail

[[nodiscard]] constexpr bool is_angular(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].angular;
}
/// Narrow angular functions include the r_jk factors.
[[nodiscard]] constexpr bool is_narrow(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].narrow;
}
[[nodiscard]] constexpr bool is_compact(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].compact;
}
/// Weighted by atomic numbers Z_j (n2p2 types 12, 13, 23, 24, 25).
[[nodiscard]] constexpr bool is_z_weighted(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].z_weighted;
}
[[nodiscard]] constexpr bool is_chebyshev(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].chebyshev;
}
/// Whether the function is resolved by neighbour element (e1, and e2 for angular functions).
[[nodiscard]] constexpr bool is_element_resolved(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].element_resolved;
}
/// n2p2's type number (-1: no n2p2 equivalent).
[[nodiscard]] constexpr int n2p2_type(sf_kind k) noexcept {
  return detail::sf_kind_table[k.index()].n2p2_type;
}

[[nodiscard]] inline std::string_view kind_name(sf_kind k) noexcept {
  return registry::names<sf_kind_list>[k.index()];
}

[[nodiscard]] inline sf_kind kind_from_name(std::string_view name) {
  return sf_kind::named(name, "descriptor kind");
}

/// Calls fn with the kind type (a default-constructed sf_kinds:: object) of a run-time kind.
template <class Fn> decltype(auto) with_sf_kind(sf_kind k, Fn&& fn) {
  return registry::visit<sf_kind_list>(k.index(), std::forward<Fn>(fn));
}

namespace detail {
struct sf_field_info {
  std::string_view key;  ///< model-file key and n2p2 form name
  std::string_view what; ///< for messages
};
inline constexpr std::array<sf_field_info, 13> sf_field_infos{{
    {"e1", "the neighbour element e1"},
    {"e2", "the neighbour element e2"},
    {"rc", "rc"},
    {"eta", "eta"},
    {"rs", "rs"},
    {"zeta", "zeta"},
    {"lambda", "lambda"},
    {"rl", "rl"},
    {"left", "the left angle (degrees)"},
    {"right", "the right angle (degrees)"},
    {"core", "the core function (p1..p4[a] or e)"},
    {"order", "the Chebyshev order"},
    {"weighted", "weighted (T or F)"},
}};
} // namespace detail

/// The model-file key of a field.
[[nodiscard]] constexpr std::string_view sf_field_key(sf_field f) noexcept {
  return detail::sf_field_infos[static_cast<std::size_t>(f)].key;
}
/// What a field is, for messages ("eta", "the left angle (degrees)", ...).
[[nodiscard]] constexpr std::string_view sf_field_what(sf_field f) noexcept {
  return detail::sf_field_infos[static_cast<std::size_t>(f)].what;
}

struct symmetry_function {
  sf_kind kind{};  ///< radial by default
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

namespace detail {
// The number field f of a symmetry function (nullptr for the others).
template <class S> auto* sf_number(S& s, sf_field f) noexcept {
  switch (f) {
  case sf_field::rc: return &s.rc;
  case sf_field::eta: return &s.eta;
  case sf_field::rs: return &s.rs;
  case sf_field::zeta: return &s.zeta;
  case sf_field::lambda: return &s.lambda;
  case sf_field::rl: return &s.rl;
  case sf_field::left: return &s.angle_left;
  case sf_field::right: return &s.angle_right;
  default: return static_cast<decltype(&s.rc)>(nullptr);
  }
}
template <class T> int three_way(const T& a, const T& b) { return a < b ? -1 : b < a ? 1 : 0; }
// Orders two functions by field f.
inline int sf_field_compare(const symmetry_function& a, const symmetry_function& b, sf_field f) {
  switch (f) {
  case sf_field::e1: return three_way(a.e1, b.e1);
  case sf_field::e2: return three_way(a.e2, b.e2);
  case sf_field::core: return three_way(a.core.n2p2_name(), b.core.n2p2_name());
  case sf_field::order: return three_way(a.order, b.order);
  case sf_field::weighted: return three_way(a.weighted, b.weighted);
  default: return three_way(*sf_number(a, f), *sf_number(b, f));
  }
}
} // namespace detail

/// Field f of a function as text: numbers in shortest round-trip form, element symbols, the core
/// function's n2p2 name, T/F.
[[nodiscard]] inline std::string sf_field_text(const symmetry_function& s, sf_field f) {
  switch (f) {
  case sf_field::e1: return std::string(symbol(s.e1));
  case sf_field::e2: return std::string(symbol(s.e2));
  case sf_field::core: return s.core.n2p2_name();
  case sf_field::order: return std::to_string(s.order);
  case sf_field::weighted: return s.weighted ? "T" : "F";
  default: return format_double(*detail::sf_number(s, f));
  }
}

/// Sets field f of a function from text; throws annp::error saying what was expected.
inline void set_sf_field(symmetry_function& s, sf_field f, std::string_view text) {
  switch (f) {
  case sf_field::e1: s.e1 = atomic_number(text); return;
  case sf_field::e2: s.e2 = atomic_number(text); return;
  case sf_field::core: s.core = core_function::from_n2p2_name(text); return;
  case sf_field::order: s.order = parse_number<int>(text, sf_field_what(f)); return;
  case sf_field::weighted:
    if (!try_parse_bool(text, s.weighted))
      throw error("expected " + std::string(sf_field_what(f)) + ", got " +
                  detail::quote_token(text));
    return;
  default: *detail::sf_number(s, f) = parse_number<double>(text, sf_field_what(f));
  }
}

/// n2p2's order of symmetry functions within an element (SymFnc*::operator<): by type, then the
/// type's parameters (each kind's n2p2_order). Models imported from n2p2 keep this order so that
/// scaling data and weights line up. (Elements compare by atomic number, as n2p2 sorts elements
/// by Z.)
[[nodiscard]] inline bool n2p2_order_less(const symmetry_function& a, const symmetry_function& b) {
  if (a.center != b.center) return a.center < b.center;
  if (a.kind != b.kind)
    return std::pair(n2p2_type(a.kind), a.kind.index()) <
           std::pair(n2p2_type(b.kind), b.kind.index());
  return with_sf_kind(a.kind, [&]<class K>(K) {
    for (const sf_field f : K::n2p2_order)
      if (const int c = detail::sf_field_compare(a, b, f); c != 0) return c < 0;
    return false;
  });
}

} // namespace annp
