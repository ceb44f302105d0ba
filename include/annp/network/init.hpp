#pragma once
// Weight initialisation policies, seeded (same seed -> same weights, on every platform: the
// uniform deviates are computed from std::mt19937_64 bits, not from std::uniform_real_distribution
// whose algorithm the standard leaves open).
//
//   init::uniform{lo, hi}        every weight and bias uniform in [lo, hi) (the original study)
//   init::glorot{}               Glorot/Xavier uniform: W ~ U(-s, s), s = sqrt(6/(in + out)),
//                                biases 0
//   init::nguyen_widrow{lo, hi}  n2p2's default: uniform [lo, hi), then for every hidden layer
//                                each neuron's weight vector is rescaled to length
//                                beta = 0.7 H^(1/I) (doubled for tanh) and its bias by beta;
//                                output-layer weights are halved
//
// Every policy satisfies annp::network_initializer.

#include <annp/core/concepts.hpp>
#include <annp/network/network.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <random>

namespace annp {

/// An initialiser sets every parameter of a network from a random engine. It is called with the
/// network type being initialised (static or dynamic), so the built-in ones are templates over
/// annp::network_type; the concept checks the dynamic case.
template <class P>
concept network_initializer = requires(const P p, dynamic_network& net, std::mt19937_64& rng) {
  p(net, rng);
};

/// Uniform deviate in [0, 1) from 53 random bits (portable, unlike uniform_real_distribution).
inline double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

namespace init {

struct uniform {
  double lo = -1.0, hi = 1.0;
  template <network_type N> void operator()(N& net, std::mt19937_64& rng) const {
    for (double& p : net.parameters()) p = lo + (hi - lo) * uniform01(rng);
  }
};

struct glorot {
  template <network_type N> void operator()(N& net, std::mt19937_64& rng) const {
    for (std::size_t l = 0; l < net.layer_count(); ++l) {
      const auto& s = net.layers()[l];
      const double scale = std::sqrt(6.0 / static_cast<double>(s.in + s.out));
      for (double& w : net.weights(l)) w = scale * (2.0 * uniform01(rng) - 1.0);
      for (double& b : net.bias(l)) b = 0.0;
    }
  }
};

struct nguyen_widrow {
  double lo = -1.0, hi = 1.0;
  template <network_type N> void operator()(N& net, std::mt19937_64& rng) const {
    uniform{lo, hi}(net, rng);
    const std::size_t L = net.layer_count();
    for (std::size_t l = 0; l + 1 < L; ++l) {
      const auto& s = net.layers()[l];
      const double beta =
          0.7 * std::pow(static_cast<double>(s.out), 1.0 / static_cast<double>(s.in));
      const double factor = s.activation == activation_kind::of<activation::tanh>() ? 2.0 : 1.0;
      auto W = net.weights(l);
      auto b = net.bias(l);
      for (std::size_t o = 0; o < s.out; ++o) {
        double sum = 0.0;
        for (std::size_t i = 0; i < s.in; ++i) sum += W[o * s.in + i] * W[o * s.in + i];
        const double norm = std::sqrt(sum);
        for (std::size_t i = 0; i < s.in; ++i) W[o * s.in + i] *= factor * beta / norm;
        b[o] *= factor * beta;
      }
    }
    for (double& w : net.weights(L - 1)) w *= 0.5;
  }
};

static_assert(network_initializer<uniform>);
static_assert(network_initializer<glorot>);
static_assert(network_initializer<nguyen_widrow>);

} // namespace init

/// Initialises a network with a policy and a seed.
template <network_type N, class Init>
requires std::invocable<const Init&, N&, std::mt19937_64&>
void initialize(N& net, const Init& policy, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  policy(net, rng);
}

} // namespace annp
