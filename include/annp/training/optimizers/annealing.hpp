#pragma once
// Simulated annealing with a cooling-schedule policy and a perturbation policy, and the hybrid of
// the study this library grew from: conjugate gradient to convergence, then an annealing stage
// to leave the local minimum, repeated for a number of cycles.
//
//   simulated_annealing<cooling::exponential | linear | logarithmic,
//                       perturbation::gaussian | uniform>
//   cg_annealing<conjugate_gradient<...>, simulated_annealing<...>>
//
// Annealing is a Metropolis walk on the full-batch loss: a trial point x' = x + s * p (p drawn by
// the perturbation policy, s the step scale) is accepted with probability
// min(1, exp(-(L(x') - L(x)) / T)). The temperature T_k = cooling(T_0, k) falls with the step
// count k; with `relative` (default) T_0 = temperature * L(x_0), so the same settings work for
// losses of any magnitude. With `adaptive` the step scale is tuned after every step towards the
// target acceptance rate (×1.3 up, ÷1.3 down, ÷4 when no move was accepted); the tuned scale is
// kept across reset(), so the repeated annealing stages of the hybrid start with the scale the
// previous stage found. The best point visited is remembered (restore_best()).

#include <annp/training/optimizer.hpp>
#include <annp/training/optimizers/conjugate_gradient.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace annp::optim {

namespace cooling {
/// T_k = T_0 factor^k.
struct exponential {
  static constexpr std::string_view name = "exponential";
  double factor = 0.9;
  [[nodiscard]] double operator()(double t0, std::size_t k) const {
    return t0 * std::pow(factor, static_cast<double>(k));
  }
};
/// T_k = T_0 (1 - k / steps), then 0 (pure descent).
struct linear {
  static constexpr std::string_view name = "linear";
  std::size_t steps = 20;
  [[nodiscard]] double operator()(double t0, std::size_t k) const {
    return k >= steps ? 0.0 : t0 * (1.0 - static_cast<double>(k) / static_cast<double>(steps));
  }
};
/// T_k = T_0 / ln(e + k) (Geman & Geman's schedule: slow, for long runs).
struct logarithmic {
  static constexpr std::string_view name = "logarithmic";
  [[nodiscard]] double operator()(double t0, std::size_t k) const {
    return t0 / std::log(2.718281828459045 + static_cast<double>(k));
  }
};
} // namespace cooling

namespace perturbation {
/// Adds scale * sigma * N(0, 1) to a random `fraction` of the parameters (all when 1).
struct gaussian {
  static constexpr std::string_view name = "gaussian";
  double sigma = 0.02;
  double fraction = 1.0;
  void operator()(std::span<double> x, double scale, std::mt19937_64& rng) const {
    for (double& v : x)
      if (fraction >= 1.0 || ::annp::uniform(rng) < fraction)
        v += scale * sigma * ::annp::gaussian(rng);
  }
};
/// Adds scale * width * U(-1, 1) to a random `fraction` of the parameters.
struct uniform {
  static constexpr std::string_view name = "uniform";
  double width = 0.03;
  double fraction = 1.0;
  void operator()(std::span<double> x, double scale, std::mt19937_64& rng) const {
    for (double& v : x)
      if (fraction >= 1.0 || ::annp::uniform(rng) < fraction)
        v += scale * width * (2.0 * ::annp::uniform(rng) - 1.0);
  }
};
} // namespace perturbation

template <cooling_schedule Cooling = cooling::exponential,
          perturbation_policy Perturbation = perturbation::gaussian>
struct simulated_annealing {
  static constexpr std::string_view name = "simulated_annealing";
  Cooling cooling{};
  Perturbation perturbation{};
  double temperature = 0.05; ///< T_0 (relative to the starting loss when `relative`)
  bool relative = true;
  std::size_t moves = 40; ///< trial moves per step
  bool adaptive = true;   ///< tune the step scale towards target_acceptance
  double target_acceptance = 0.3;
  std::size_t steps = 0; ///< converged after this many steps (0: never)

  template <loss_objective F> step_report step(F& f, std::mt19937_64& rng) {
    auto x = f.parameters();
    step_report r;
    if (!m_started) {
      m_current = f.value();
      ++r.evaluations;
      m_best = m_current;
      m_best_x.assign(x.begin(), x.end());
      m_t0 = relative ? temperature * m_current : temperature;
      m_k = 0;
      m_started = true;
    }
    const double t = cooling(m_t0, m_k);
    std::vector<double> old(x.size());
    std::size_t accepted = 0;
    for (std::size_t m = 0; m < moves; ++m) {
      vec::copy(x, old);
      perturbation(x, m_scale, rng);
      const double trial = f.value();
      ++r.evaluations;
      const double u = uniform(rng); // drawn always: the random stream does not depend on T
      const bool accept =
          std::isfinite(trial) &&
          (trial <= m_current || (t > 0.0 && u < std::exp(-(trial - m_current) / t)));
      if (accept) {
        m_current = trial;
        ++accepted;
        if (trial < m_best) {
          m_best = trial;
          m_best_x.assign(x.begin(), x.end());
        }
      } else {
        vec::copy(old, x);
      }
    }
    const double rate = moves ? static_cast<double>(accepted) / static_cast<double>(moves) : 0.0;
    if (adaptive) {
      const double factor = rate > target_acceptance ? 1.3 : accepted == 0 ? 0.25 : 1.0 / 1.3;
      m_scale = std::clamp(m_scale * factor, 1e-9, 1e4);
    }
    ++m_k;
    r.loss = m_current;
    r.converged = steps > 0 && m_k >= steps;
    r.note = "anneal T=" + format_double(t) + " accepted=" + format_double(rate);
    return r;
  }

  /// Moves f to the best point seen in this run and returns its loss.
  template <loss_objective F> double restore_best(F& f) const {
    if (m_best_x.size() == f.size()) vec::copy(m_best_x, f.parameters());
    return m_best;
  }
  /// Starts afresh at the next step (new T_0 from the loss there, cooling from step 0); the
  /// adapted step scale is kept.
  void reset() { m_started = false; }
  [[nodiscard]] double best() const noexcept { return m_best; }
  /// The step scale s (1 at the start; tuned when `adaptive`).
  [[nodiscard]] double step_scale() const noexcept { return m_scale; }

  void save_state(std::ostream& os) const {
    state::write(os, "started", m_started);
    state::write(os, "k", m_k);
    state::write(os, "t0", m_t0);
    state::write(os, "scale", m_scale);
    state::write(os, "current", m_current);
    state::write(os, "best", m_best);
    state::write(os, "best_x", m_best_x);
  }
  void load_state(std::istream& is) {
    m_started = state::read_flag(is, "started");
    m_k = state::read_count(is, "k");
    m_t0 = state::read_number(is, "t0");
    m_scale = state::read_number(is, "scale");
    m_current = state::read_number(is, "current");
    m_best = state::read_number(is, "best");
    m_best_x = state::read_vector(is, "best_x");
  }

 private:
  bool m_started = false;
  std::size_t m_k = 0;
  double m_t0 = 0.0, m_scale = 1.0, m_current = 0.0;
  double m_best = std::numeric_limits<double>::infinity();
  std::vector<double> m_best_x;
};

/// The study's hybrid: run `Local` (conjugate gradient) until it converges or for
/// `local_iterations`, then `anneal_steps` steps of `Global` (simulated annealing) from there;
/// repeat for `cycles` cycles (the last one ends after its local stage). The next local stage
/// starts from the annealed point (`from_best` = false, the walk escapes the basin) or from the
/// best point of the annealing (`from_best` = true). When all cycles are done the parameters are
/// set to the best local minimum found.
template <restartable_optimizer Local = conjugate_gradient<>,
          best_tracking_optimizer Global = simulated_annealing<>>
struct cg_annealing {
  static constexpr std::string_view name = "cg_annealing";
  Local local{};
  Global global{};
  std::size_t cycles = 4;
  std::size_t local_iterations = 500;
  std::size_t anneal_steps = 10;
  bool from_best = false;

  template <loss_objective F> step_report step(F& f, std::mt19937_64& rng) {
    step_report r;
    if (m_done) {
      r.loss = f.value();
      r.evaluations = 1;
      r.converged = true;
      r.note = "done";
      return r;
    }
    if (!m_annealing) {
      r = local.step(f, rng);
      ++m_iter;
      r.note =
          "cycle " + std::to_string(m_cycle + 1) + " cg" + (r.note.empty() ? "" : " " + r.note);
      if (r.converged || m_iter >= local_iterations) {
        remember(f, r.loss);
        m_iter = 0;
        if (m_cycle + 1 >= cycles) {
          m_done = true;
          r.loss = restore(f);
          r.converged = true;
          r.note += " -> best minimum";
        } else {
          m_annealing = true;
          global.reset();
        }
      }
      r.converged = m_done;
      return r;
    }
    r = global.step(f, rng);
    ++m_iter;
    r.note = "cycle " + std::to_string(m_cycle + 1) + " " + r.note;
    r.converged = false;
    if (m_iter >= anneal_steps) {
      if (from_best)
        r.loss = global.restore_best(f);
      else
        r.loss = f.value();
      m_annealing = false;
      m_iter = 0;
      ++m_cycle;
      local.reset();
    }
    return r;
  }

  [[nodiscard]] std::size_t cycle() const noexcept { return m_cycle; }
  [[nodiscard]] double best_minimum() const noexcept { return m_best; }

  void save_state(std::ostream& os) const {
    state::write(os, "cycle", m_cycle);
    state::write(os, "iter", m_iter);
    state::write(os, "annealing", m_annealing);
    state::write(os, "done", m_done);
    state::write(os, "best", m_best);
    state::write(os, "best_x", m_best_x);
    local.save_state(os);
    global.save_state(os);
  }
  void load_state(std::istream& is) {
    m_cycle = state::read_count(is, "cycle");
    m_iter = state::read_count(is, "iter");
    m_annealing = state::read_flag(is, "annealing");
    m_done = state::read_flag(is, "done");
    m_best = state::read_number(is, "best");
    m_best_x = state::read_vector(is, "best_x");
    local.load_state(is);
    global.load_state(is);
  }

 private:
  template <class F> void remember(F& f, double loss) {
    if (loss < m_best) {
      m_best = loss;
      const auto x = f.parameters();
      m_best_x.assign(x.begin(), x.end());
    }
  }
  template <class F> double restore(F& f) {
    if (m_best_x.size() == f.size()) vec::copy(m_best_x, f.parameters());
    return m_best;
  }

  std::size_t m_cycle = 0, m_iter = 0;
  bool m_annealing = false, m_done = false;
  double m_best = std::numeric_limits<double>::infinity();
  std::vector<double> m_best_x;
};

static_assert(cooling_schedule<cooling::exponential> && cooling_schedule<cooling::linear> &&
              cooling_schedule<cooling::logarithmic>);
static_assert(perturbation_policy<perturbation::gaussian> &&
              perturbation_policy<perturbation::uniform>);
static_assert(best_tracking_optimizer<simulated_annealing<>>);
static_assert(loss_optimizer<cg_annealing<>>);

} // namespace annp::optim
