#pragma once
// RMSprop (Tieleman & Hinton 2012) as a mini-batch update rule written outside the library: a
// type satisfying annp::minibatch_update, composed with any learning-rate schedule as
// annp::optim::minibatch<rmsprop, Schedule>. Its run state is saved with the public
// annp::state helpers, so checkpoints of a run that uses it resume bit for bit.

#include <annp/training/concepts.hpp>
#include <annp/training/state.hpp>

#include <cmath>
#include <istream>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

namespace custom {

struct rmsprop {
  static constexpr std::string_view name = "rmsprop";
  double decay = 0.9, epsilon = 1e-8;

  /// x -= rate g / (sqrt(<g^2>) + epsilon), <g^2> a running mean of the squared gradient.
  void apply(std::span<double> x, std::span<const double> g, double rate) {
    if (m_mean_square.size() != x.size()) m_mean_square.assign(x.size(), 0.0);
    for (std::size_t k = 0; k < x.size(); ++k) {
      m_mean_square[k] = decay * m_mean_square[k] + (1.0 - decay) * g[k] * g[k];
      x[k] -= rate * g[k] / (std::sqrt(m_mean_square[k]) + epsilon);
    }
  }
  void save_state(std::ostream& os) const { annp::state::write(os, "mean_square", m_mean_square); }
  void load_state(std::istream& is) { m_mean_square = annp::state::read_vector(is, "mean_square"); }

 private:
  std::vector<double> m_mean_square;
};
static_assert(annp::minibatch_update<rmsprop>);

} // namespace custom
