#pragma once
// What every optimiser uses: the training concepts (training/concepts.hpp), the state
// serialisation helpers (training/state.hpp), small vector helpers, portable random deviates and
// the line-search policies. Contracts: docs/concepts.md.
//
// An optimiser is a regular value type with its hyper-parameters as public members and its
// per-run state inside. step(f, rng) advances one unit (an epoch for stochastic methods, an
// iteration for deterministic ones) and reports the loss; save_state/load_state serialise the
// run state exactly (checkpoints resume bit for bit).

#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/training/concepts.hpp>
#include <annp/training/state.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <istream>
#include <limits>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace annp {

namespace vec {
inline double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}
inline double norm(std::span<const double> a) { return std::sqrt(dot(a, a)); }
/// y += a x
inline void axpy(double a, std::span<const double> x, std::span<double> y) {
  for (std::size_t k = 0; k < x.size(); ++k) y[k] += a * x[k];
}
inline void copy(std::span<const double> x, std::span<double> y) {
  std::copy(x.begin(), x.end(), y.begin());
}
} // namespace vec

/// Standard normal deviates from raw engine bits (portable: same numbers with every standard
/// library), by the Box-Muller transform.
inline double gaussian(std::mt19937_64& rng) {
  const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.141592653589793 * u2);
}
inline double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

namespace line_search {

/// Backtracking with the Armijo condition f(x + a d) <= f(x) + c1 a g.d.
struct backtracking {
  static constexpr std::string_view name = "backtracking";
  double c1 = 1e-4, shrink = 0.5;
  int max_steps = 40;

  /// Moves f's parameters from x0 along d; returns the accepted step (0 if none) and leaves
  /// f0 = loss and g = gradient at the new point.
  template <loss_objective F>
  double search(F& f, std::span<const double> x0, double& f0, std::span<double> g,
                std::span<const double> d, double alpha0, std::size_t& evals) const {
    const double slope = vec::dot(g, d);
    double a = alpha0;
    auto x = f.parameters();
    for (int k = 0; k < max_steps; ++k) {
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = x0[i] + a * d[i];
      const double fa = f.value();
      ++evals;
      if (fa <= f0 + c1 * a * slope) {
        f0 = f.value_and_gradient(g);
        ++evals;
        return a;
      }
      a *= shrink;
    }
    vec::copy(x0, x);
    f0 = f.value_and_gradient(g);
    ++evals;
    return 0.0;
  }
};

/// Strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and 3.6, cubic interpolation):
/// f(x + a d) <= f + c1 a g.d and |g(x + a d).d| <= c2 |g.d|.
struct strong_wolfe {
  static constexpr std::string_view name = "strong_wolfe";
  double c1 = 1e-4, c2 = 0.1;
  int max_evaluations = 25;
  double max_step = 1e10;

  template <loss_objective F>
  double search(F& f, std::span<const double> x0, double& f0, std::span<double> g,
                std::span<const double> d, double alpha0, std::size_t& evals) const {
    const double phi0 = f0, dphi0 = vec::dot(g, d);
    if (!(dphi0 < 0.0)) return 0.0;
    auto x = f.parameters();
    const auto phi = [&](double a, double& dphi) {
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = x0[i] + a * d[i];
      const double v = f.value_and_gradient(g);
      ++evals;
      dphi = vec::dot(g, d);
      return v;
    };
    const auto cubic = [](double a, double fa, double da, double b, double fb, double db) {
      const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
      const double disc = d1 * d1 - da * db;
      if (disc < 0.0) return 0.5 * (a + b);
      const double d2 = std::copysign(std::sqrt(disc), b - a);
      const double t = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
      const double lo = std::min(a, b), hi = std::max(a, b);
      if (!(t > lo + 0.1 * (hi - lo) && t < hi - 0.1 * (hi - lo))) return 0.5 * (a + b);
      return t;
    };
    double a_prev = 0.0, f_prev = phi0, d_prev = dphi0;
    double a = std::min(alpha0, max_step);
    int it = 0;
    const auto zoom = [&](double lo, double flo, double dlo, double hi, double fhi,
                          double dhi) -> double {
      while (it < max_evaluations) {
        const double aj = cubic(lo, flo, dlo, hi, fhi, dhi);
        double dj = 0.0;
        const double fj = phi(aj, dj);
        ++it;
        if (fj > phi0 + c1 * aj * dphi0 || fj >= flo) {
          hi = aj;
          fhi = fj;
          dhi = dj;
        } else {
          if (std::abs(dj) <= -c2 * dphi0) {
            f0 = fj;
            return aj;
          }
          if (dj * (hi - lo) >= 0.0) {
            hi = lo;
            fhi = flo;
            dhi = dlo;
          }
          lo = aj;
          flo = fj;
          dlo = dj;
        }
        if (std::abs(hi - lo) < 1e-14 * std::max(1.0, std::abs(lo))) break;
      }
      // Best point seen (lo always satisfies sufficient decrease).
      double dd = 0.0;
      f0 = phi(lo, dd);
      return lo;
    };
    while (it < max_evaluations) {
      double da = 0.0;
      const double fa = phi(a, da);
      ++it;
      if (fa > phi0 + c1 * a * dphi0 || (it > 1 && fa >= f_prev))
        return zoom(a_prev, f_prev, d_prev, a, fa, da);
      if (std::abs(da) <= -c2 * dphi0) {
        f0 = fa;
        return a;
      }
      if (da >= 0.0) return zoom(a, fa, da, a_prev, f_prev, d_prev);
      a_prev = a;
      f_prev = fa;
      d_prev = da;
      a = std::min(2.0 * a, max_step);
    }
    f0 = f_prev;
    double dd = 0.0;
    if (a_prev == 0.0) {
      vec::copy(x0, x);
      f0 = f.value_and_gradient(g);
      ++evals;
      return 0.0;
    }
    f0 = phi(a_prev, dd);
    return a_prev;
  }
};

} // namespace line_search

namespace detail {
/// Base of the optimiser-specific views of an objective (optim::residual_view,
/// optim::kalman_view): forwards the parameters and the loss to the viewed objective, which must
/// outlive the view.
template <class F> class objective_view {
 public:
  explicit objective_view(F& f) noexcept : m_f(&f) {}
  [[nodiscard]] std::size_t size() const { return m_f->size(); }
  [[nodiscard]] std::span<double> parameters() { return m_f->parameters(); }
  [[nodiscard]] double value() { return m_f->value(); }
  double value_and_gradient(std::span<double> g) { return m_f->value_and_gradient(g); }
  [[nodiscard]] std::size_t sample_count() const { return m_f->sample_count(); }
  [[nodiscard]] std::size_t element_count() const { return m_f->element_count(); }
  [[nodiscard]] std::size_t group_begin(std::size_t e) const { return m_f->group_begin(e); }

 protected:
  F& objective() const noexcept { return *m_f; }

 private:
  F* m_f;
};
} // namespace detail

static_assert(line_search_policy<line_search::backtracking>);
static_assert(line_search_policy<line_search::strong_wolfe>);

} // namespace annp
