#pragma once
// Mini-batch optimisers: gradient descent (with optional momentum) and Adam, each with a
// learning-rate schedule policy. One step = one epoch: the training structures are shuffled
// (seeded) and visited in mini-batches.

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

template <class S>
concept learning_rate_schedule = requires(const S s, std::size_t e) {
  { S::name } -> std::convertible_to<std::string_view>;
  { s(e) } -> std::convertible_to<double>;
};

namespace detail {
// Seeded permutation of 0..n-1 (Fisher-Yates on raw engine bits).
inline std::vector<std::size_t> shuffled(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  for (std::size_t k = n; k > 1; --k) std::swap(p[k - 1], p[rng() % k]);
  return p;
}
} // namespace detail

template <learning_rate_schedule Schedule = schedule::constant> struct gradient_descent {
  static constexpr std::string_view name = "gradient_descent";
  Schedule rate{};
  double momentum = 0.0;
  std::size_t batch_size = 16;

  template <batch_objective F> step_report step(F& f, std::mt19937_64& rng) {
    const std::size_t n = f.size();
    if (m_velocity.size() != n) m_velocity.assign(n, 0.0);
    std::vector<double> g(n);
    const auto order = detail::shuffled(f.sample_count(), rng);
    const double lr = rate(m_epoch);
    step_report r;
    for (std::size_t b = 0; b < order.size(); b += batch_size) {
      const std::span<const std::size_t> batch(order.data() + b,
                                               std::min(batch_size, order.size() - b));
      f.value_and_gradient(batch, g);
      ++r.evaluations;
      auto x = f.parameters();
      for (std::size_t k = 0; k < n; ++k) {
        m_velocity[k] = momentum * m_velocity[k] - lr * g[k];
        x[k] += m_velocity[k];
      }
    }
    ++m_epoch;
    r.loss = f.value();
    r.note = "lr=" + format_double(lr);
    return r;
  }
  void save_state(std::ostream& os) const {
    ::annp::detail::put(os, "epoch", static_cast<double>(m_epoch));
    ::annp::detail::put(os, "velocity", m_velocity);
  }
  void load_state(std::istream& is) {
    m_epoch = static_cast<std::size_t>(::annp::detail::get_double(is, "epoch"));
    m_velocity = ::annp::detail::get_vector(is, "velocity");
  }

 private:
  std::size_t m_epoch = 0;
  std::vector<double> m_velocity;
};

/// Adam (Kingma & Ba 2015) with bias correction.
template <learning_rate_schedule Schedule = schedule::constant> struct adam {
  static constexpr std::string_view name = "adam";
  Schedule rate{};
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  std::size_t batch_size = 16;

  template <batch_objective F> step_report step(F& f, std::mt19937_64& rng) {
    const std::size_t n = f.size();
    if (m_m.size() != n) {
      m_m.assign(n, 0.0);
      m_v.assign(n, 0.0);
    }
    std::vector<double> g(n);
    const auto order = detail::shuffled(f.sample_count(), rng);
    const double lr = rate(m_epoch);
    step_report r;
    for (std::size_t b = 0; b < order.size(); b += batch_size) {
      const std::span<const std::size_t> batch(order.data() + b,
                                               std::min(batch_size, order.size() - b));
      f.value_and_gradient(batch, g);
      ++r.evaluations;
      ++m_t;
      const double c1 = 1.0 - std::pow(beta1, static_cast<double>(m_t));
      const double c2 = 1.0 - std::pow(beta2, static_cast<double>(m_t));
      auto x = f.parameters();
      for (std::size_t k = 0; k < n; ++k) {
        m_m[k] = beta1 * m_m[k] + (1.0 - beta1) * g[k];
        m_v[k] = beta2 * m_v[k] + (1.0 - beta2) * g[k] * g[k];
        x[k] -= lr * (m_m[k] / c1) / (std::sqrt(m_v[k] / c2) + epsilon);
      }
    }
    ++m_epoch;
    r.loss = f.value();
    r.note = "lr=" + format_double(lr);
    return r;
  }
  void save_state(std::ostream& os) const {
    ::annp::detail::put(os, "epoch", static_cast<double>(m_epoch));
    ::annp::detail::put(os, "t", static_cast<double>(m_t));
    ::annp::detail::put(os, "m", m_m);
    ::annp::detail::put(os, "v", m_v);
  }
  void load_state(std::istream& is) {
    m_epoch = static_cast<std::size_t>(::annp::detail::get_double(is, "epoch"));
    m_t = static_cast<std::size_t>(::annp::detail::get_double(is, "t"));
    m_m = ::annp::detail::get_vector(is, "m");
    m_v = ::annp::detail::get_vector(is, "v");
  }

 private:
  std::size_t m_epoch = 0, m_t = 0;
  std::vector<double> m_m, m_v;
};

} // namespace annp::optim
