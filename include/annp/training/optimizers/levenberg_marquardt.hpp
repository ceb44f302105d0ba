#pragma once
// Levenberg-Marquardt for least-squares objectives (L = |r|^2).
//
// One step: residuals r and Jacobian J at x, then the damped Gauss-Newton system
//   (J^T J + mu D) delta = -J^T r,   D = diag(J^T J) (Marquardt) or I,
// solved by Cholesky. A step that lowers the loss is taken and mu shrinks by `decrease`; one that
// does not is undone and mu grows by `increase` (up to `max_tries` times per step).
// With fewer residuals m than parameters n (a network fitted to few labels) the same step can
// come from the m x m system in residual space (solve_in = system::residuals; the default,
// system::automatic, takes it whenever m < n),
//   delta = -D^-1 J^T y,   (J D^-1 J^T + mu I) y = r,
// (the identity (J^T J + mu D) D^-1 J^T = J^T (J D^-1 J^T + mu I)): m^2 n + m^3/3 operations
// per step instead of n^2 m + n^3/3. The products are built entry by entry in a fixed order, so
// the result does not depend on the number of threads. Memory: the Jacobian (m x n) and two
// min(m, n)^2 matrices.
//
// Runs on any least_squares_objective; a training objective (structure_objective) is seen through
// residual_view, defined here: the residuals of its loss and their exact Jacobian.

#include <annp/core/parallel.hpp>
#include <annp/training/evaluator.hpp>
#include <annp/training/optimizer.hpp>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace annp::optim {

namespace detail {
/// In-place Cholesky factorisation A = L L^T of a symmetric n x n matrix (row-major; the lower
/// triangle is overwritten with L). Returns false when A is not positive definite.
inline bool cholesky(std::vector<double>& a, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0.0) || !std::isfinite(d)) return false;
    const double ljj = std::sqrt(d);
    a[j * n + j] = ljj;
    const auto nn = static_cast<std::ptrdiff_t>(n);
    ANNP_OMP("omp parallel for schedule(static) if (n - j > 256)")
    for (std::ptrdiff_t ii = static_cast<std::ptrdiff_t>(j) + 1; ii < nn; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}
/// Solves L L^T x = b with the factor from cholesky(); b is overwritten with x.
inline void cholesky_solve(const std::vector<double>& l, std::size_t n, std::vector<double>& b) {
  for (std::size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (std::size_t k = 0; k < i; ++k) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t k = i + 1; k < n; ++k) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}
} // namespace detail

/// The least-squares view of a training objective: its loss as L = |r|^2 with, per structure in
/// index order, r = sqrt(w_E o_s/N_E) dE_s/N_s, then sqrt(w_F o_s/N_F) dF_sja (when w_F > 0),
/// then sqrt(w_S o_s/N_S) dS_sab (when w_S > 0), and after all structures sqrt(w_R/P) theta_k
/// (when w_R > 0); d = prediction - reference, o_s the structure's weight, the N the weighted
/// label counts of the whole set (training_objective).
template <structure_objective F> class residual_view : public ::annp::detail::objective_view<F> {
 public:
  explicit residual_view(F& f) noexcept : ::annp::detail::objective_view<F>(f) {}

  [[nodiscard]] std::size_t residual_count() const {
    const auto& f = this->objective();
    const auto n = f.count_labels();
    const auto& w = f.weights();
    return n.energy + (w.forces > 0 ? n.forces : 0) + (w.stress > 0 ? n.stress : 0) +
           (w.regularization > 0 ? f.size() : 0);
  }

  /// Residuals (size residual_count()) and, when J is non-null, the Jacobian (row-major,
  /// residual_count() x size()).
  void residuals(std::span<double> r, double* J) {
    auto& f = this->objective();
    f.sync();
    const auto& ev = f.evaluator();
    const auto& data = f.data();
    const auto& w = f.weights();
    const auto n = f.count_labels();
    // Row offsets per structure (in order: energy, forces, stress).
    std::vector<std::size_t> row(data.size() + 1, 0);
    for (std::size_t s = 0; s < data.size(); ++s) {
      const auto& ref = data.source(s);
      row[s + 1] = row[s] + (ref.energy ? 1 : 0) +
                   (w.forces > 0 && ref.forces ? 3 * ref.size() : 0) +
                   (w.stress > 0 && ref.stress && data[s].periodic ? 9 : 0);
    }
    const auto ns = static_cast<std::ptrdiff_t>(data.size());
    const std::size_t np = f.size();
    const auto clear = [&](std::size_t k) {
      std::fill(J + k * np, J + (k + 1) * np, 0.0);
      return J + k * np;
    };
    ANNP_OMP("omp parallel")
    {
      typename std::remove_cvref_t<decltype(ev)>::workspace ws;
      ANNP_OMP("omp for schedule(dynamic, 1)")
      for (std::ptrdiff_t si = 0; si < ns; ++si) {
        const auto s = static_cast<std::size_t>(si);
        const auto& ref = data.source(s);
        const auto& t = data[s];
        structure_prediction p;
        ev.predict(s, ws, p, w.forces > 0 || w.stress > 0);
        std::size_t k = row[s];
        const double natoms = static_cast<double>(t.atoms);
        const auto factors = f.factors(s, n);
        const double fe = std::sqrt(factors.energy), ff = std::sqrt(factors.forces),
                     fs = std::sqrt(factors.stress);
        if (ref.energy) {
          r[k] = fe * (p.energy - *ref.energy) / natoms;
          if (J) ev.add_output_row(s, ws, clear(k), fe * ev.energy_scale() / natoms);
          ++k;
        }
        if (w.forces > 0 && ref.forces)
          for (std::size_t c = 0; c < 3 * t.atoms; ++c, ++k) {
            r[k] = ff * (p.forces[c] - (*ref.forces)(c / 3, c % 3));
            if (J) ev.add_force_row(s, c, ws, clear(k), ff);
          }
        if (w.stress > 0 && ref.stress && p.stress)
          for (std::size_t ab = 0; ab < 9; ++ab, ++k) {
            r[k] = fs * ((*p.stress)[ab / 3][ab % 3] - (*ref.stress)[ab / 3][ab % 3]);
            if (J) ev.add_stress_row(s, ab, ws, clear(k), fs);
          }
      }
    }
    if (w.regularization > 0) {
      const double fr = std::sqrt(w.regularization / static_cast<double>(np));
      const auto theta = f.parameters();
      for (std::size_t q = 0, k = row.back(); q < np; ++q, ++k) {
        r[k] = fr * theta[q];
        if (J) clear(k)[q] = fr;
      }
    }
  }
};

/// What Levenberg-Marquardt runs on: a least_squares_objective, or a structure_objective through
/// its residual_view.
template <class F>
concept least_squares_input = least_squares_objective<F> || structure_objective<F>;

struct levenberg_marquardt {
  static constexpr std::string_view name = "levenberg_marquardt";
  double mu = 1e-2; ///< initial damping
  double increase = 10.0, decrease = 0.3;
  double min_mu = 1e-12, max_mu = 1e12;
  bool marquardt_scaling = true; ///< D = diag(J^T J) (true) or I
  /// Which system to solve: the parameter-space normal equations, or the residual-space system
  /// (cheaper with fewer residuals than parameters; the same step in exact arithmetic; near an
  /// exact fit of rank-deficient data it needs `refinements` to be as exact: docs/results.md).
  /// `automatic` takes the smaller of the two, decided at every step (m < n: residuals).
  enum class system { automatic, parameters, residuals } solve_in = system::automatic;
  /// Residual space only: steps of iterative refinement of y, each with the residual
  /// r - J D^-1 J^T y - mu y computed from J itself (not from the formed m x m matrix) and the
  /// same Cholesky factor; O(m n) each.
  std::size_t refinements = 1;
  std::size_t max_tries = 12;
  double tolerance = 1e-7; ///< relative decrease counted as a stall
  std::size_t patience = 5;

  template <least_squares_input F> step_report step(F& f, std::mt19937_64&) {
    if constexpr (least_squares_objective<F>) {
      return solve(f);
    } else {
      residual_view<F> view(f);
      return solve(view);
    }
  }

  void save_state(std::ostream& os) const {
    state::write(os, "mu", m_mu);
    state::write(os, "stalled", m_stalled);
  }
  void load_state(std::istream& is) {
    m_mu = state::read_number(is, "mu");
    m_stalled = state::read_count(is, "stalled");
  }

 private:
  template <least_squares_objective F> step_report solve(F& f) {
    const std::size_t np = f.size(), nr = f.residual_count();
    if (m_mu <= 0.0) m_mu = mu;
    const bool dual = solve_in == system::residuals || (solve_in == system::automatic && nr < np);
    step_report r;
    std::vector<double> res(nr), J(nr * np);
    f.residuals(res, J.data());
    ++r.evaluations;
    const double before = vec::dot(res, res);
    // The scaling D (the diagonal of J^T J, or 1).
    std::vector<double> d(np, 1.0);
    if (marquardt_scaling) {
      std::fill(d.begin(), d.end(), 0.0);
      for (std::size_t i = 0; i < nr; ++i)
        for (std::size_t a = 0; a < np; ++a) d[a] += J[i * np + a] * J[i * np + a];
      for (auto& v : d) v = std::max(v, 1e-12);
    }
    // The undamped matrix (lower triangle, which Cholesky reads) and, in parameter space, g = J^T
    // r: parameter space A = J^T J (n x n), residual space A = J D^-1 J^T (m x m).
    const std::size_t n = dual ? nr : np;
    std::vector<double> A(n * n, 0.0), g;
    if (dual) {
      std::vector<double> js(J); // J D^-1/2
      for (std::size_t i = 0; i < nr; ++i)
        for (std::size_t a = 0; a < np; ++a) js[i * np + a] /= std::sqrt(d[a]);
      const auto nrr = static_cast<std::ptrdiff_t>(nr);
      ANNP_OMP("omp parallel for schedule(dynamic, 8)")
      for (std::ptrdiff_t ii = 0; ii < nrr; ++ii) {
        const auto i = static_cast<std::size_t>(ii);
        for (std::size_t k = 0; k <= i; ++k) {
          double s = 0.0;
          for (std::size_t a = 0; a < np; ++a) s += js[i * np + a] * js[k * np + a];
          A[i * nr + k] = s;
        }
      }
    } else {
      std::vector<double> jt(np * nr);
      for (std::size_t i = 0; i < nr; ++i)
        for (std::size_t a = 0; a < np; ++a) jt[a * nr + i] = J[i * np + a];
      J = {}; // parameter space needs only J^T (for J^T J and J^T r) from here
      g.assign(np, 0.0);
      const auto npp = static_cast<std::ptrdiff_t>(np);
      ANNP_OMP("omp parallel for schedule(dynamic, 8)")
      for (std::ptrdiff_t aa = 0; aa < npp; ++aa) {
        const auto a = static_cast<std::size_t>(aa);
        const double* ja = jt.data() + a * nr;
        for (std::size_t b = 0; b <= a; ++b) {
          const double* jb = jt.data() + b * nr;
          double s = 0.0;
          for (std::size_t i = 0; i < nr; ++i) s += ja[i] * jb[i];
          A[a * np + b] = s;
        }
        double s = 0.0;
        for (std::size_t i = 0; i < nr; ++i) s += ja[i] * res[i];
        g[a] = s;
      }
    }
    const std::vector<double> x0(f.parameters().begin(), f.parameters().end());
    auto x = f.parameters();
    double after = before;
    bool taken = false;
    for (std::size_t t = 0; t < max_tries && !taken; ++t) {
      std::vector<double> M = A;
      for (std::size_t a = 0; a < n; ++a) M[a * n + a] += m_mu * (dual ? 1.0 : d[a]);
      if (!detail::cholesky(M, n)) {
        m_mu = std::min(max_mu, m_mu * increase);
        continue;
      }
      std::vector<double> delta(np, 0.0);
      if (dual) {
        std::vector<double> y = res;
        detail::cholesky_solve(M, n, y);
        const auto primal = [&] { // delta = D^-1 J^T y
          std::fill(delta.begin(), delta.end(), 0.0);
          for (std::size_t i = 0; i < nr; ++i)
            for (std::size_t a = 0; a < np; ++a) delta[a] += J[i * np + a] * y[i];
          for (std::size_t a = 0; a < np; ++a) delta[a] /= d[a];
        };
        primal();
        for (std::size_t k = 0; k < refinements; ++k) {
          std::vector<double> c(nr); // r - J delta - mu y
          for (std::size_t i = 0; i < nr; ++i) {
            double jd = 0.0;
            for (std::size_t a = 0; a < np; ++a) jd += J[i * np + a] * delta[a];
            c[i] = res[i] - jd - m_mu * y[i];
          }
          detail::cholesky_solve(M, n, c);
          for (std::size_t i = 0; i < nr; ++i) y[i] += c[i];
          primal();
        }
      } else {
        delta = g;
        detail::cholesky_solve(M, n, delta);
      }
      for (std::size_t a = 0; a < np; ++a) x[a] = x0[a] - delta[a];
      const double trial = f.value();
      ++r.evaluations;
      if (std::isfinite(trial) && trial < before) {
        after = trial;
        taken = true;
        m_mu = std::max(min_mu, m_mu * decrease);
      } else {
        vec::copy(x0, x);
        m_mu = std::min(max_mu, m_mu * increase);
      }
    }
    const double rel = (before - after) / std::max(before, 1e-300);
    m_stalled = rel < tolerance ? m_stalled + 1 : 0;
    r.loss = after;
    r.converged = m_stalled >= patience || m_mu >= max_mu;
    r.note = "mu=" + format_double(m_mu) + (taken ? "" : " no step");
    return r;
  }

  double m_mu = 0.0;
  std::size_t m_stalled = 0;
};

static_assert(optimizer_for<levenberg_marquardt, ::annp::detail::least_squares_archetype>);

} // namespace annp::optim
