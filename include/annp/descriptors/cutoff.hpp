#pragma once
// Cutoff functions f_c(r) and the "core" functions of compact (polynomial) symmetry functions,
// with exactly n2p2's definitions (CutoffFunction, CoreFunction, CompactFunction), so that n2p2
// models are reproduced to rounding.
//
// With an inner cutoff r_ci = alpha * r_c (n2p2's cutoff_type <n> <alpha>), f_c = 1 for r < r_ci,
// f_c = f(x) with x = (r - r_ci) / (r_c - r_ci) for r_ci <= r < r_c, and 0 beyond r_c.
//
//   policy                      n2p2 cutoff_type   f(x) or f_c(r)
//   cutoff::hard                0                  1
//   cutoff::cosine              1                  (cos(pi x) + 1) / 2
//   cutoff::tanh_unnormalized   2                  tanh^3(1 - r/r_c)               (no alpha)
//   cutoff::tanh                3                  coth^3(1) tanh^3(1 - r/r_c)     (no alpha)
//   cutoff::exponential         4                  exp(1 - 1/(1 - x^2))
//   cutoff::polynomial<1..4>    5..8               (2x - 3)x^2 + 1, ((15 - 6x)x - 10)x^3 + 1, ...
//
// Every policy evaluates on double and on simd::batch with the same source, returns the value and
// dr-derivative, and returns exactly 0 and 0 for r >= r_c.

#include <annp/core/concepts.hpp>
#include <annp/core/error.hpp>
#include <annp/core/registry.hpp>
#include <annp/core/simd.hpp>

#include <cmath>
#include <numbers>
#include <string>
#include <string_view>

namespace annp {

/// Core function of polynomial/exponential cutoffs and compact symmetry functions, on x in [0, 1]:
/// f(0) = 1, f(1) = 0, with vanishing derivatives at both ends (to order 1..4 for poly1..poly4).
enum class core_kind { poly1 = 1, poly2 = 2, poly3 = 3, poly4 = 4, exp = 5 };

namespace detail {

template <class T> void core_poly1(const T& x, T& f, T& df) {
  f = (2.0 * x - 3.0) * x * x + 1.0;
  df = x * (6.0 * x - 6.0);
}
template <class T> void core_poly2(const T& x, T& f, T& df) {
  const T x2 = x * x;
  f = ((15.0 - 6.0 * x) * x - 10.0) * x * x2 + 1.0;
  df = x2 * ((60.0 - 30.0 * x) * x - 30.0);
}
template <class T> void core_poly3(const T& x, T& f, T& df) {
  const T x2 = x * x;
  f = (x * (x * (20.0 * x - 70.0) + 84.0) - 35.0) * x2 * x2 + 1.0;
  df = x2 * x * (x * (x * (140.0 * x - 420.0) + 420.0) - 140.0);
}
template <class T> void core_poly4(const T& x, T& f, T& df) {
  const T x2 = x * x;
  const T x4 = x2 * x2;
  f = (x * (x * ((315.0 - 70.0 * x) * x - 540.0) + 420.0) - 126.0) * x * x4 + 1.0;
  df = x4 * (x * (x * ((2520.0 - 630.0 * x) * x - 3780.0) + 2520.0) - 630.0);
}
// e * exp(1 / (x^2 - 1)); valid for |x| < 1 (callers keep x in [0, 1)).
template <class T> void core_exp(const T& x, T& f, T& df) {
  using std::exp;
  using xsimd::exp;
  const T t = 1.0 / (x * x - 1.0);
  const T e = std::numbers::e * exp(t);
  f = e;
  df = -2.0 * x * t * t * e;
}

template <class T> T clamp01(const T& x) {
  using std::max;
  using std::min;
  using xsimd::max;
  using xsimd::min;
  return min(max(x, T(0.0)), T(1.0));
}

} // namespace detail

/// A core function chosen at run time (compact symmetry functions carry their own, per function).
/// asymmetric: n2p2's "a" variants, f(x) -> f((2 - x) x).
struct core_function {
  core_kind kind = core_kind::poly2;
  bool asymmetric = false;

  /// Value and derivative at x in [0, 1]; x is clamped into [0, 1] (and just below 1 for exp).
  template <class T> void evaluate(T x, T& f, T& df) const {
    x = detail::clamp01(x);
    T chain(1.0);
    if (asymmetric) {
      chain = 2.0 - 2.0 * x;
      x = (2.0 - x) * x;
    }
    switch (kind) {
    case core_kind::poly1: detail::core_poly1(x, f, df); break;
    case core_kind::poly2: detail::core_poly2(x, f, df); break;
    case core_kind::poly3: detail::core_poly3(x, f, df); break;
    case core_kind::poly4: detail::core_poly4(x, f, df); break;
    case core_kind::exp: {
      // x = 1 is the support boundary where f = 0; keep exp() finite there.
      const T safe = select(x < T(1.0), x, T(0.0));
      detail::core_exp(safe, f, df);
      f = select(x < T(1.0), f, T(0.0));
      df = select(x < T(1.0), df, T(0.0));
      break;
    }
    }
    df *= chain;
  }

  /// n2p2's subtype string: "p1".."p4" (+"a" when asymmetric) or "e".
  [[nodiscard]] std::string n2p2_name() const {
    if (kind == core_kind::exp) return "e";
    return "p" + std::to_string(static_cast<int>(kind)) + (asymmetric ? "a" : "");
  }
  static core_function from_n2p2_name(std::string_view s) {
    core_function c;
    if (s == "e") {
      c.kind = core_kind::exp;
      return c;
    }
    if ((s.size() == 2 || (s.size() == 3 && s[2] == 'a')) && s[0] == 'p' && s[1] >= '1' &&
        s[1] <= '4') {
      c.kind = static_cast<core_kind>(s[1] - '0');
      c.asymmetric = s.size() == 3;
      return c;
    }
    throw error("unknown compact function type '" + std::string(s) +
                "' (expected p1, p2, p3, p4, p1a ... p4a or e)");
  }
  friend bool operator==(const core_function&, const core_function&) = default;
};

/// n2p2's CompactFunction: C(a) = core(|a - center| / half_width) on [left, right]. The caller
/// zeroes values outside the support (the symmetry functions test the range themselves).
struct compact_function {
  double center = 0.0;
  double scale = 1.0; // 1 / half width
  core_function core;

  compact_function() = default;
  compact_function(double left, double right, core_function c)
      : center((right + left) / 2.0), scale(1.0 / ((right - left) / 2.0)), core(c) {}

  template <class T> void evaluate(const T& a, T& f, T& df) const {
    using std::abs;
    using xsimd::abs;
    const T d = (a - center) * scale;
    core.evaluate(abs(d), f, df);
    df *= select(d < T(0.0), T(-scale), T(scale));
  }
};

namespace cutoff {

namespace detail {
// Shared by the policies with an inner cutoff r_ci = alpha * r_c.
struct inner_cutoff {
  double rc = 0.0, alpha = 0.0, rci = 0.0, iw = 0.0;
  inner_cutoff() = default;
  inner_cutoff(double rc_, double alpha_) : rc(rc_), alpha(alpha_) {
    if (!(rc_ > 0.0) || !std::isfinite(rc_))
      throw error("cutoff radius must be positive and finite, got " + std::to_string(rc_));
    if (!(alpha_ >= 0.0 && alpha_ < 1.0))
      throw error("inner cutoff fraction alpha must satisfy 0 <= alpha < 1, got " +
                  std::to_string(alpha_));
    rci = rc_ * alpha_;
    iw = 1.0 / (rc_ - rci);
  }
  // Applies f(x) on [r_ci, r_c), 1 below r_ci, 0 from r_c on.
  template <class T, class F> ANNP_INLINE void apply(const T& r, T& f, T& df, F&& core) const {
    const auto inside = r < T(rc);
    const auto inner = r < T(rci);
    const T x = ::annp::detail::clamp01((r - rci) * iw);
    core(x, f, df);
    df *= iw;
    f = select(inner, T(1.0), f);
    df = select(inner, T(0.0), df);
    f = select(inside, f, T(0.0));
    df = select(inside, df, T(0.0));
  }
};
} // namespace detail

struct hard : detail::inner_cutoff {
  static constexpr std::string_view name = "hard";
  static constexpr int n2p2_type = 0;
  using inner_cutoff::inner_cutoff;
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    f = select(r < T(rc), T(1.0), T(0.0));
    df = T(0.0);
  }
};

struct cosine : detail::inner_cutoff {
  static constexpr std::string_view name = "cosine";
  static constexpr int n2p2_type = 1;
  using inner_cutoff::inner_cutoff;
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    apply(r, f, df, [](const T& x, T& v, T& d) ANNP_INLINE_LAMBDA { half_cos_pi(x, v, d); });
  }
};

/// tanh^3(1 - r/r_c); n2p2 ignores alpha for this type and so does annp (it must be 0).
struct tanh_unnormalized : detail::inner_cutoff {
  static constexpr std::string_view name = "tanh_unnormalized";
  static constexpr int n2p2_type = 2;
  static constexpr double prefactor = 1.0;
  tanh_unnormalized() = default;
  tanh_unnormalized(double rc_, double alpha_) : inner_cutoff(rc_, 0.0) {
    if (alpha_ != 0.0) throw error("the tanh cutoff functions have no inner cutoff (alpha = 0)");
  }
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    evaluate_scaled(r, f, df, prefactor);
  }
  template <class T> void evaluate_scaled(const T& r, T& f, T& df, double pre) const {
    using std::tanh;
    using xsimd::tanh;
    const T t = tanh(1.0 - r * (1.0 / rc));
    const T t2 = t * t;
    f = pre * t * t2;
    df = (3.0 * pre / rc) * t2 * (t2 - 1.0);
    f = select(r < T(rc), f, T(0.0));
    df = select(r < T(rc), df, T(0.0));
  }
};

/// coth^3(1) tanh^3(1 - r/r_c), so that f_c(0) = 1.
struct tanh : tanh_unnormalized {
  static constexpr std::string_view name = "tanh";
  static constexpr int n2p2_type = 3;
  using tanh_unnormalized::tanh_unnormalized;
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    const double c = std::cosh(1.0) / std::sinh(1.0);
    evaluate_scaled(r, f, df, c * c * c);
  }
};

struct exponential : detail::inner_cutoff {
  static constexpr std::string_view name = "exponential";
  static constexpr int n2p2_type = 4;
  using inner_cutoff::inner_cutoff;
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    apply(r, f, df, [](const T& x, T& v, T& d) ANNP_INLINE_LAMBDA {
      core_function{core_kind::exp}.evaluate(x, v, d);
    });
  }
};

template <int Degree> struct polynomial : detail::inner_cutoff {
  static_assert(Degree >= 1 && Degree <= 4, "annp::cutoff::polynomial<D>: D must be 1, 2, 3 or 4");
  static constexpr std::string_view name = Degree == 1   ? "poly1"
                                           : Degree == 2 ? "poly2"
                                           : Degree == 3 ? "poly3"
                                                         : "poly4";
  static constexpr int n2p2_type = 4 + Degree;
  using inner_cutoff::inner_cutoff;
  template <class T> ANNP_INLINE void evaluate(const T& r, T& f, T& df) const {
    apply(r, f, df, [](const T& x, T& v, T& d) ANNP_INLINE_LAMBDA {
      if constexpr (Degree == 1) ::annp::detail::core_poly1(x, v, d);
      if constexpr (Degree == 2) ::annp::detail::core_poly2(x, v, d);
      if constexpr (Degree == 3) ::annp::detail::core_poly3(x, v, d);
      if constexpr (Degree == 4) ::annp::detail::core_poly4(x, v, d);
    });
  }
};

using poly1 = polynomial<1>;
using poly2 = polynomial<2>;
using poly3 = polynomial<3>;
using poly4 = polynomial<4>;

} // namespace cutoff

/// The cutoff functions, listed once: run-time kinds, model-file names, n2p2's cutoff_type
/// numbers and any_potential's variant are generated from this list. A new cutoff function is a
/// policy type above and one entry here.
using cutoff_list =
    type_list<cutoff::hard, cutoff::cosine, cutoff::tanh_unnormalized, cutoff::tanh,
              cutoff::exponential, cutoff::poly1, cutoff::poly2, cutoff::poly3, cutoff::poly4>;

static_assert(
    []<class... C>(type_list<C...>) { return (cutoff_function<C> && ...); }(cutoff_list{}),
    "every listed cutoff satisfies annp::cutoff_function");

/// Run-time identifier of a cutoff function (models read from files): its position in
/// cutoff_list; cosine by default.
using cutoff_kind = registry::kind<cutoff_list, cutoff::cosine>;

/// The kind of cutoff policy C.
template <class C> [[nodiscard]] constexpr cutoff_kind cutoff_kind_of() noexcept {
  static_assert(registry::contains<C, cutoff_list>, "the cutoff is not listed in cutoff_list");
  return cutoff_kind::of<C>();
}

/// Calls fn with a default-constructed cutoff policy of the run-time kind.
template <class Fn> decltype(auto) with_cutoff(cutoff_kind k, Fn&& fn) {
  return registry::visit<cutoff_list>(k.index(), std::forward<Fn>(fn));
}

[[nodiscard]] inline std::string_view cutoff_kind_name(cutoff_kind k) noexcept {
  return registry::names<cutoff_list>[k.index()];
}

[[nodiscard]] inline cutoff_kind cutoff_kind_from_name(std::string_view s) {
  return cutoff_kind::named(s, "cutoff function");
}

/// n2p2's cutoff_type number of a kind (a cutoff n2p2 lacks has n2p2_type = -1: throws), and the
/// kind of a number (throws for unknown numbers).
[[nodiscard]] inline int cutoff_kind_n2p2_type(cutoff_kind k) {
  const int type = with_cutoff(k, []<class C>(C) { return C::n2p2_type; });
  if (type < 0)
    throw error("the cutoff function " + std::string(cutoff_kind_name(k)) +
                " has no n2p2 equivalent");
  return type;
}
[[nodiscard]] inline cutoff_kind cutoff_kind_from_n2p2(int type) {
  return cutoff_kind::coded([]<class C>(C) { return C::n2p2_type; }, type, -1, "n2p2 cutoff_type");
}

} // namespace annp
