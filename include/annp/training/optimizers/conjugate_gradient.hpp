#pragma once
// Nonlinear conjugate gradient with a beta policy and a line-search policy, and L-BFGS.
//
//   conjugate_gradient<fletcher_reeves | polak_ribiere_plus | hestenes_stiefel,
//                      line_search::strong_wolfe | line_search::backtracking>
//   lbfgs<line_search::strong_wolfe>
//
// One step = one iteration (one line search). CG restarts along -g when the direction is not a
// descent direction, and every `restart` iterations (0: never). Both report convergence when the
// relative loss decrease stays below `tolerance` for `patience` iterations or the gradient norm
// falls below `gradient_tolerance`.

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

template <class B>
concept beta_policy = requires(const B b, std::span<const double> x) {
  { B::name } -> std::convertible_to<std::string_view>;
  { b(x, x, x) } -> std::convertible_to<double>;
};

namespace detail {
// Shared convergence bookkeeping of the deterministic optimisers.
struct convergence {
  double tolerance = 1e-7; ///< relative loss decrease per iteration
  double gradient_tolerance = 1e-10;
  std::size_t patience = 5;
  std::size_t stalled = 0;
  bool check(double before, double after, double gnorm) {
    const double rel = (before - after) / std::max(std::abs(before), 1e-300);
    stalled = rel < tolerance ? stalled + 1 : 0;
    return stalled >= patience || gnorm < gradient_tolerance;
  }
};
} // namespace detail

template <beta_policy Beta = beta::polak_ribiere_plus, class LineSearch = line_search::strong_wolfe>
struct conjugate_gradient {
  static constexpr std::string_view name = "conjugate_gradient";
  Beta beta{};
  LineSearch line_search{};
  std::size_t restart = 0; ///< restart along -g every n iterations (0: never)
  double tolerance = 1e-7; ///< relative loss decrease counted as a stall
  double gradient_tolerance = 1e-10;
  std::size_t patience = 5; ///< stalls in a row = converged

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
    r.converged = m_conv.check(before, m_f, vec::norm(m_g)) || m_failures >= 2;
    return r;
  }

  /// Forgets direction and convergence history (the next step starts along -g).
  void reset() {
    m_g.clear();
    m_d.clear();
    m_alpha = 0.0;
    m_conv.stalled = 0;
    m_failures = 0;
  }

  void save_state(std::ostream& os) const {
    ::annp::detail::put(os, "iter", static_cast<double>(m_iter));
    ::annp::detail::put(os, "f", m_f);
    ::annp::detail::put(os, "alpha", m_alpha);
    ::annp::detail::put(os, "stalled", static_cast<double>(m_conv.stalled));
    ::annp::detail::put(os, "failures", static_cast<double>(m_failures));
    ::annp::detail::put(os, "g", m_g);
    ::annp::detail::put(os, "d", m_d);
  }
  void load_state(std::istream& is) {
    m_iter = static_cast<std::size_t>(::annp::detail::get_double(is, "iter"));
    m_f = ::annp::detail::get_double(is, "f");
    m_alpha = ::annp::detail::get_double(is, "alpha");
    m_conv = {tolerance, gradient_tolerance, patience,
              static_cast<std::size_t>(::annp::detail::get_double(is, "stalled"))};
    m_failures = static_cast<std::size_t>(::annp::detail::get_double(is, "failures"));
    m_g = ::annp::detail::get_vector(is, "g");
    m_d = ::annp::detail::get_vector(is, "d");
  }

 private:
  template <class F> void reset_state(F& f, step_report& r) {
    m_g.assign(f.size(), 0.0);
    m_f = f.value_and_gradient(m_g);
    ++r.evaluations;
    m_d.clear();
    m_conv = {tolerance, gradient_tolerance, patience, 0};
  }

  std::vector<double> m_g, m_d;
  double m_f = 0.0, m_alpha = 0.0;
  std::size_t m_iter = 0, m_failures = 0;
  detail::convergence m_conv;
};

template <class LineSearch = line_search::strong_wolfe> struct lbfgs {
  static constexpr std::string_view name = "lbfgs";
  LineSearch line_search{0.0001, 0.9};
  std::size_t memory = 10;
  double tolerance = 1e-7, gradient_tolerance = 1e-10;
  std::size_t patience = 5;

  template <loss_objective F> step_report step(F& f, std::mt19937_64&) {
    const std::size_t n = f.size();
    step_report r;
    if (m_g.size() != n) {
      m_g.assign(n, 0.0);
      m_f = f.value_and_gradient(m_g);
      ++r.evaluations;
      m_s.clear();
      m_y.clear();
      m_conv = {tolerance, gradient_tolerance, patience, 0};
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
    r.converged = m_conv.check(before, m_f, vec::norm(m_g));
    return r;
  }

  void save_state(std::ostream& os) const {
    ::annp::detail::put(os, "f", m_f);
    ::annp::detail::put(os, "stalled", static_cast<double>(m_conv.stalled));
    ::annp::detail::put(os, "g", m_g);
    ::annp::detail::put(os, "pairs", static_cast<double>(m_s.size()));
    for (std::size_t k = 0; k < m_s.size(); ++k) {
      ::annp::detail::put(os, "s", m_s[k]);
      ::annp::detail::put(os, "y", m_y[k]);
    }
  }
  void load_state(std::istream& is) {
    m_f = ::annp::detail::get_double(is, "f");
    m_conv = {tolerance, gradient_tolerance, patience,
              static_cast<std::size_t>(::annp::detail::get_double(is, "stalled"))};
    m_g = ::annp::detail::get_vector(is, "g");
    const auto pairs = static_cast<std::size_t>(::annp::detail::get_double(is, "pairs"));
    m_s.clear();
    m_y.clear();
    for (std::size_t k = 0; k < pairs; ++k) {
      m_s.push_back(::annp::detail::get_vector(is, "s"));
      m_y.push_back(::annp::detail::get_vector(is, "y"));
    }
  }

 private:
  std::vector<double> m_g;
  std::vector<std::vector<double>> m_s, m_y;
  double m_f = 0.0;
  detail::convergence m_conv;
};

} // namespace annp::optim
