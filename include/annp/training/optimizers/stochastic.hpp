#pragma once
// Mini-batch optimisers: minibatch<Update, Schedule>, an update-rule policy (update::sgd,
// momentum, adam, or one's own satisfying minibatch_update) and a learning-rate schedule policy.
// One step = one epoch: the training structures are shuffled (seeded) and visited in
// mini-batches. gradient_descent<S> and adam<S> are the two compositions annp-train offers.

#include <annp/training/optimizer.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace annp::optim {

namespace schedule {
/// A fixed learning rate.
struct constant {
  static constexpr std::string_view name = "constant";
  double rate = 1e-3;
  [[nodiscard]] double operator()(std::size_t) const noexcept { return rate; }
};
/// rate * decay^epoch, not below floor.
struct exponential {
  static constexpr std::string_view name = "exponential";
  double rate = 1e-3, decay = 0.98, floor = 1e-6;
  [[nodiscard]] double operator()(std::size_t epoch) const noexcept {
    return std::max(floor, rate * std::pow(decay, static_cast<double>(epoch)));
  }
};
/// Cosine from rate to floor over `epochs`, then floor.
struct cosine {
  static constexpr std::string_view name = "cosine";
  double rate = 1e-3, floor = 1e-6;
  std::size_t epochs = 100;
  [[nodiscard]] double operator()(std::size_t epoch) const noexcept {
    if (epoch >= epochs) return floor;
    const double t = static_cast<double>(epoch) / static_cast<double>(epochs);
    return floor + 0.5 * (rate - floor) * (1.0 + std::cos(3.141592653589793 * t));
  }
};
} // namespace schedule

namespace detail {
// Seeded permutation of 0..n-1 (Fisher-Yates on raw engine bits).
inline std::vector<std::size_t> shuffled(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  for (std::size_t k = n; k > 1; --k) std::swap(p[k - 1], p[rng() % k]);
  return p;
}
} // namespace detail

namespace update {
/// Plain stochastic gradient descent: x -= rate g.
struct sgd {
  static constexpr std::string_view name = "sgd";
  void apply(std::span<double> x, std::span<const double> g, double rate) const {
    for (std::size_t k = 0; k < x.size(); ++k) x[k] -= rate * g[k];
  }
  void save_state(std::ostream&) const {}
  void load_state(std::istream&) {}
};

/// Gradient descent with (heavy-ball) momentum: v = coefficient v - rate g, x += v. With
/// coefficient = 0 the same steps as sgd.
struct momentum {
  static constexpr std::string_view name = "momentum";
  double coefficient = 0.9;
  void apply(std::span<double> x, std::span<const double> g, double rate) {
    if (m_velocity.size() != x.size()) m_velocity.assign(x.size(), 0.0);
    for (std::size_t k = 0; k < x.size(); ++k) {
      m_velocity[k] = coefficient * m_velocity[k] - rate * g[k];
      x[k] += m_velocity[k];
    }
  }
  void save_state(std::ostream& os) const { state::write(os, "velocity", m_velocity); }
  void load_state(std::istream& is) { m_velocity = state::read_vector(is, "velocity"); }

 private:
  std::vector<double> m_velocity;
};

/// Adam (Kingma & Ba 2015) with bias correction.
struct adam {
  static constexpr std::string_view name = "adam";
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  void apply(std::span<double> x, std::span<const double> g, double rate) {
    if (m_m.size() != x.size()) {
      m_m.assign(x.size(), 0.0);
      m_v.assign(x.size(), 0.0);
      m_t = 0;
    }
    ++m_t;
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(m_t));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(m_t));
    for (std::size_t k = 0; k < x.size(); ++k) {
      m_m[k] = beta1 * m_m[k] + (1.0 - beta1) * g[k];
      m_v[k] = beta2 * m_v[k] + (1.0 - beta2) * g[k] * g[k];
      x[k] -= rate * (m_m[k] / c1) / (std::sqrt(m_v[k] / c2) + epsilon);
    }
  }
  void save_state(std::ostream& os) const {
    state::write(os, "t", m_t);
    state::write(os, "m", m_m);
    state::write(os, "v", m_v);
  }
  void load_state(std::istream& is) {
    m_t = state::read_count(is, "t");
    m_m = state::read_vector(is, "m");
    m_v = state::read_vector(is, "v");
  }

 private:
  std::size_t m_t = 0;
  std::vector<double> m_m, m_v;
};
} // namespace update

/// Mini-batch training: one step = one epoch over the training samples, shuffled with the
/// trainer's random engine and visited in mini-batches of `batch_size`; after each mini-batch
/// the Update rule moves the parameters with the learning rate Schedule(epoch). The optimiser's
/// name is the update's, so checkpoints say which rule they hold.
template <minibatch_update Update, learning_rate_schedule Schedule = schedule::constant>
struct minibatch {
  static constexpr std::string_view name = Update::name;
  Update update{};
  Schedule rate{};
  std::size_t batch_size = 16;

  template <batch_objective F> step_report step(F& f, std::mt19937_64& rng) {
    if (batch_size == 0) throw error(std::string(name) + ": batch_size must be at least 1");
    std::vector<double> g(f.size());
    const auto order = detail::shuffled(f.sample_count(), rng);
    const double lr = rate(m_epoch);
    step_report r;
    for (std::size_t b = 0; b < order.size(); b += batch_size) {
      const std::span<const std::size_t> batch(order.data() + b,
                                               std::min(batch_size, order.size() - b));
      f.value_and_gradient(batch, g);
      ++r.evaluations;
      update.apply(f.parameters(), g, lr);
    }
    ++m_epoch;
    r.loss = f.value();
    r.note = "lr=" + format_double(lr);
    return r;
  }
  /// Epochs done (the schedule's argument for the next one).
  [[nodiscard]] std::size_t epoch() const noexcept { return m_epoch; }

  void save_state(std::ostream& os) const {
    state::write(os, "epoch", m_epoch);
    update.save_state(os);
  }
  void load_state(std::istream& is) {
    m_epoch = state::read_count(is, "epoch");
    update.load_state(is);
  }

 private:
  std::size_t m_epoch = 0;
};

/// Gradient descent with momentum (update.coefficient; 0: plain SGD steps).
template <learning_rate_schedule Schedule = schedule::constant>
using gradient_descent = minibatch<update::momentum, Schedule>;
/// Adam on mini-batches.
template <learning_rate_schedule Schedule = schedule::constant>
using adam = minibatch<update::adam, Schedule>;

static_assert(learning_rate_schedule<schedule::constant> &&
              learning_rate_schedule<schedule::exponential> &&
              learning_rate_schedule<schedule::cosine>);
static_assert(minibatch_update<update::sgd> && minibatch_update<update::momentum> &&
              minibatch_update<update::adam>);
static_assert(batch_optimizer<minibatch<update::sgd>> && batch_optimizer<adam<schedule::cosine>>);

} // namespace annp::optim
