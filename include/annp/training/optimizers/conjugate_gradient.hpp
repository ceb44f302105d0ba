#pragma once
// Nonlinear conjugate gradient with a beta policy and a line-search policy, and L-BFGS.
//
//   conjugate_gradient<fletcher_reeves | polak_ribiere_plus | hestenes_stiefel,
//                      line_search::strong_wolfe | line_search::backtracking>
//   lbfgs<line_search::strong_wolfe>
//
// One step = one iteration (one line search). CG restarts along -g when the direction is not a
// descent direction, and every `restart` iterations (0: never). Both report convergence by the
// same convergence_settings (relative loss decrease below `tolerance` for `patience` iterations,
// or gradient norm below `gradient_tolerance`).

#include <annp/training/optimizer.hpp>

#include <algorithm>
#include <cmath>
#include <deque>

namespace annp::optim {

namespace beta {
struct fletcher_reeves {
  static constexpr std::string_view name = "fletcher_reeves";
  [[nodiscard]] double operator()(std::span<const double> g, std::span<const double> g_old,
                                  std::span<const double>) const {
    return vec::dot(g, g) / vec::dot(g_old, g_old);
  }
};
/// Polak-Ribiere with the max(0, .) restart ("PR+").
struct polak_ribiere_plus {
  static constexpr std::string_view name = "polak_ribiere_plus";
  [[nodiscard]] double operator()(std::span<const double> g, std::span<const double> g_old,
                                  std::span<const double>) const {
    double num = 0.0;
    for (std::size_t k = 0; k < g.size(); ++k) num += g[k] * (g[k] - g_old[k]);
    return std::max(0.0, num / vec::dot(g_old, g_old));
  }
};
struct hestenes_stiefel {
  static constexpr std::string_view name = "hestenes_stiefel";
  [[nodiscard]] double operator()(std::span<const double> g, std::span<const double> g_old,
                                  std::span<const double> d_old) const {
    double num = 0.0, den = 0.0;
    for (std::size_t k = 0; k < g.size(); ++k) {
      num += g[k] * (g[k] - g_old[k]);
      den += d_old[k] * (g[k] - g_old[k]);
    }
    return den != 0.0 ? num / den : 0.0;
  }
};
} // namespace beta

/// When the deterministic optimisers (CG, L-BFGS) call a run converged: the relative loss
/// decrease of an iteration below `tolerance` for `patience` iterations in a row, or the gradient
/// norm below `gradient_tolerance`.
struct convergence_settings {
  double tolerance = 1e-7;
  double gradient_tolerance = 1e-10;
  std::size_t patience = 5;
};

namespace detail {
// Counts stalled iterations against convergence_settings.
class stall_counter {
 public:
  [[nodiscard]] bool check(const convergence_settings& c, double before, double after,
                           double gnorm) {
    const double rel = (before - after) / std::max(std::abs(before), 1e-300);
    m_stalled = rel < c.tolerance ? m_stalled + 1 : 0;
    return m_stalled >= c.patience || gnorm < c.gradient_tolerance;
  }
  [[nodiscard]] std::size_t stalled() const noexcept { return m_stalled; }
  void set(std::size_t stalled) noexcept { m_stalled = stalled; }

 private:
  std::size_t m_stalled = 0;
};
} // namespace detail

/// The line search a quasi-Newton method starts with: strong Wolfe with the curvature constant
/// c2 = 0.9 that quasi-Newton steps need (Nocedal & Wright 3.6; CG keeps 0.1); any other search
/// with its own defaults.
template <line_search_policy L> [[nodiscard]] constexpr L quasi_newton_line_search() {
  if constexpr (std::same_as<L, line_search::strong_wolfe>)
    return L{.c1 = 1e-4, .c2 = 0.9};
  else
    return L{};
}

template <beta_policy Beta = beta::polak_ribiere_plus,
          line_search_policy LineSearch = line_search::strong_wolfe>
struct conjugate_gradient {
  static constexpr std::string_view name = "conjugate_gradient";
  Beta beta{};
  LineSearch line_search{};
  std::size_t restart = 0; ///< restart along -g every n iterations (0: never)
  convergence_settings convergence{};

  template <loss_objective F> step_report step(F& f, std::mt19937_64&) {
    static_assert(line_search_for<LineSearch, F>);
    const std::size_t n = f.size();
    step_report r;
    if (m_g.size() != n) reset_state(f, r);
    const double before = m_f;
    const bool restart_now = m_d.empty() || (restart > 0 && m_iter % restart == 0);
    if (restart_now) {
      m_d.assign(n, 0.0);
      for (std::size_t k = 0; k < n; ++k) m_d[k] = -m_g[k];
      r.note = "restart";
    }
    if (vec::dot(m_d, m_g) >= 0.0) { // not a descent direction
      for (std::size_t k = 0; k < n; ++k) m_d[k] = -m_g[k];
      r.note = "restart";
    }
    const std::vector<double> x0(f.parameters().begin(), f.parameters().end());
    std::vector<double> g = m_g;
    // Initial step: as long as the last accepted one (scaled), 1/|g| on the first iteration.
    const double alpha0 =
        m_alpha > 0.0 ? std::min(m_alpha * 2.0, 1e6) : 1.0 / std::max(vec::norm(m_g), 1e-12);
    double fx = m_f;
    const double a = line_search.search(f, x0, fx, g, m_d, alpha0, r.evaluations);
    if (a == 0.0) {
      // The line search failed: restart from the steepest descent next time.
      m_d.clear();
      m_alpha = 0.0;
      ++m_failures;
      r.note = "line search failed";
    } else {
      m_alpha = a;
      m_failures = 0;
      const double b = beta(g, m_g, m_d);
      for (std::size_t k = 0; k < n; ++k) m_d[k] = -g[k] + b * m_d[k];
    }
    m_g = g;
    m_f = fx;
    ++m_iter;
    r.loss = m_f;
    r.converged = m_conv.check(convergence, before, m_f, vec::norm(m_g)) || m_failures >= 2;
    return r;
  }

  /// Forgets direction and convergence history (the next step starts along -g).
  void reset() {
    m_g.clear();
    m_d.clear();
    m_alpha = 0.0;
    m_conv.set(0);
    m_failures = 0;
  }

  void save_state(std::ostream& os) const {
    state::write(os, "iter", m_iter);
    state::write(os, "f", m_f);
    state::write(os, "alpha", m_alpha);
    state::write(os, "stalled", m_conv.stalled());
    state::write(os, "failures", m_failures);
    state::write(os, "g", m_g);
    state::write(os, "d", m_d);
  }
  void load_state(std::istream& is) {
    m_iter = state::read_count(is, "iter");
    m_f = state::read_number(is, "f");
    m_alpha = state::read_number(is, "alpha");
    m_conv.set(state::read_count(is, "stalled"));
    m_failures = state::read_count(is, "failures");
    m_g = state::read_vector(is, "g");
    m_d = state::read_vector(is, "d");
  }

 private:
  template <class F> void reset_state(F& f, step_report& r) {
    m_g.assign(f.size(), 0.0);
    m_f = f.value_and_gradient(m_g);
    ++r.evaluations;
    m_d.clear();
    m_conv.set(0);
  }

  std::vector<double> m_g, m_d;
  double m_f = 0.0, m_alpha = 0.0;
  std::size_t m_iter = 0, m_failures = 0;
  detail::stall_counter m_conv;
};

template <line_search_policy LineSearch = line_search::strong_wolfe> struct lbfgs {
  static constexpr std::string_view name = "lbfgs";
  LineSearch line_search = quasi_newton_line_search<LineSearch>();
  std::size_t memory = 10; ///< (s, y) pairs kept
  convergence_settings convergence{};

  template <loss_objective F> step_report step(F& f, std::mt19937_64&) {
    const std::size_t n = f.size();
    step_report r;
    if (m_g.size() != n) {
      m_g.assign(n, 0.0);
      m_f = f.value_and_gradient(m_g);
      ++r.evaluations;
      m_s.clear();
      m_y.clear();
      m_conv.set(0);
    }
    const double before = m_f;
    // Two-loop recursion: d = -H g.
    std::vector<double> q = m_g, alpha(m_s.size());
    for (std::size_t k = m_s.size(); k-- > 0;) {
      alpha[k] = vec::dot(m_s[k], q) / vec::dot(m_y[k], m_s[k]);
      vec::axpy(-alpha[k], m_y[k], q);
    }
    if (!m_s.empty()) {
      const double gamma = vec::dot(m_s.back(), m_y.back()) / vec::dot(m_y.back(), m_y.back());
      for (double& v : q) v *= gamma;
    } else {
      const double gn = std::max(vec::norm(m_g), 1e-12);
      for (double& v : q) v /= gn;
    }
    for (std::size_t k = 0; k < m_s.size(); ++k) {
      const double b = vec::dot(m_y[k], q) / vec::dot(m_y[k], m_s[k]);
      vec::axpy(alpha[k] - b, m_s[k], q);
    }
    std::vector<double> d(n);
    for (std::size_t k = 0; k < n; ++k) d[k] = -q[k];
    if (vec::dot(d, m_g) >= 0.0) {
      for (std::size_t k = 0; k < n; ++k) d[k] = -m_g[k] / std::max(vec::norm(m_g), 1e-12);
      m_s.clear();
      m_y.clear();
      r.note = "restart";
    }
    const std::vector<double> x0(f.parameters().begin(), f.parameters().end());
    std::vector<double> g = m_g;
    double fx = m_f;
    const double a = line_search.search(f, x0, fx, g, d, 1.0, r.evaluations);
    if (a > 0.0) {
      std::vector<double> s(n), y(n);
      for (std::size_t k = 0; k < n; ++k) {
        s[k] = a * d[k];
        y[k] = g[k] - m_g[k];
      }
      if (vec::dot(s, y) > 1e-16 * vec::norm(s) * vec::norm(y)) {
        m_s.push_back(std::move(s));
        m_y.push_back(std::move(y));
        if (m_s.size() > memory) {
          m_s.erase(m_s.begin());
          m_y.erase(m_y.begin());
        }
      }
    } else {
      m_s.clear();
      m_y.clear();
      r.note = "line search failed";
    }
    m_g = g;
    m_f = fx;
    r.loss = m_f;
    r.converged = m_conv.check(convergence, before, m_f, vec::norm(m_g));
    return r;
  }

  void save_state(std::ostream& os) const {
    state::write(os, "f", m_f);
    state::write(os, "stalled", m_conv.stalled());
    state::write(os, "g", m_g);
    state::write(os, "pairs", m_s.size());
    for (std::size_t k = 0; k < m_s.size(); ++k) {
      state::write(os, "s", m_s[k]);
      state::write(os, "y", m_y[k]);
    }
  }
  void load_state(std::istream& is) {
    m_f = state::read_number(is, "f");
    m_conv.set(state::read_count(is, "stalled"));
    m_g = state::read_vector(is, "g");
    const std::size_t pairs = state::read_count(is, "pairs");
    m_s.clear();
    m_y.clear();
    for (std::size_t k = 0; k < pairs; ++k) {
      m_s.push_back(state::read_vector(is, "s"));
      m_y.push_back(state::read_vector(is, "y"));
    }
  }

 private:
  std::vector<double> m_g;
  std::vector<std::vector<double>> m_s, m_y;
  double m_f = 0.0;
  detail::stall_counter m_conv;
};

static_assert(beta_policy<beta::fletcher_reeves> && beta_policy<beta::polak_ribiere_plus> &&
              beta_policy<beta::hestenes_stiefel>);
static_assert(
    restartable_optimizer<conjugate_gradient<>> &&
    restartable_optimizer<conjugate_gradient<beta::fletcher_reeves, line_search::backtracking>>);
static_assert(loss_optimizer<lbfgs<>> && loss_optimizer<lbfgs<line_search::backtracking>>);

} // namespace annp::optim
