#include <algorithm>
#include <annp/network/init.hpp>
#include <annp/network/network.hpp>

#include "test_support.hpp"

#include <cstring>
#include <random>

using namespace annp;

namespace {

const std::vector<activation_kind> all_activations = {
    activation_kind::of<activation::linear>(),
    activation_kind::of<activation::tanh>(),
    activation_kind::of<activation::logistic>(),
    activation_kind::of<activation::softplus>(),
    activation_kind::of<activation::relu>(),
    activation_kind::of<activation::gaussian>(),
    activation_kind::of<activation::cos>(),
    activation_kind::of<activation::reverse_logistic>(),
    activation_kind::of<activation::exp>(),
    activation_kind::of<activation::harmonic>(),
    activation_kind::of<activation::shifted_softplus>(),
    activation_kind::of<activation::silu>()};

dynamic_network make_net(activation_kind hidden, std::uint64_t seed, std::size_t in = 5) {
  dynamic_network net(
      {{in, 7, hidden}, {7, 4, hidden}, {4, 1, activation_kind::of<activation::linear>()}});
  initialize(net, init::uniform{-0.8, 0.8}, seed);
  return net;
}

std::vector<double> random_vector(std::mt19937_64& rng, std::size_t n, double scale = 1.0) {
  std::normal_distribution<double> g(0.0, scale);
  std::vector<double> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

// Relative error with a floor, so that tiny derivatives are compared absolutely.
double rel(double a, double b, double floor = 1e-4) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}

// Fourth-order central difference of f at x with step h.
template <class F> double derivative(F&& f, double x, double h) {
  return (8.0 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12.0 * h);
}

} // namespace

TEST_SUITE("network") {
  TEST_CASE("activations: first and second derivatives equal finite differences; SIMD = scalar") {
    for (auto kind : all_activations) {
      with_activation(kind, [&](auto act) {
        using A = decltype(act);
        for (double x : {-3.7, -1.1, -0.3, 0.2, 0.9, 2.5, 6.0}) {
          if (kind == activation_kind::of<activation::relu>() && std::abs(x) < 1e-3) continue;
          double f, d1, d2;
          A::evaluate(x, f, d1, d2);
          const auto value = [](double y) {
            double v, a, b;
            A::evaluate(y, v, a, b);
            return v;
          };
          const auto first = [](double y) {
            double v, a, b;
            A::evaluate(y, v, a, b);
            return a;
          };
          INFO(A::name, " at x = ", x);
          CHECK(rel(derivative(value, x, 1e-3), d1) < 1e-8);
          CHECK(rel(derivative(first, x, 1e-3), d2) < 1e-8);
          CHECK(A::value(x) == f);
          simd::batch fb, d1b, d2b;
          A::evaluate(simd::batch(x), fb, d1b, d2b);
          CHECK(rel(fb.get(0), f, 1e-300) < 1e-14);
          CHECK(rel(d1b.get(0), d1, 1e-300) < 1e-14);
          CHECK(rel(d2b.get(0), d2, 1e-300) < 1e-14);
        }
      });
    }
    // n2p2 letters round-trip; the two extras have none.
    for (char c : std::string("ltsprgcSeh"))
      CHECK(activation_n2p2_code(activation_from_n2p2(c)) == c);
    test::expect_error([] { (void)activation_n2p2_code(activation_kind::of<activation::silu>()); },
                       {"no n2p2"});
    test::expect_error([] { (void)activation_from_n2p2('x'); }, {"unknown n2p2 activation letter"});
  }

  TEST_CASE("input gradient dE/dG equals finite differences, every activation") {
    std::mt19937_64 rng(1);
    for (auto kind : all_activations) {
      const auto net = make_net(kind, 42);
      const auto g = random_vector(rng, 5);
      std::vector<double> dEdG(5);
      const double e = net.evaluate(g.data(), dEdG.data());
      CHECK(e == net.evaluate(g.data()));
      for (std::size_t i = 0; i < 5; ++i) {
        auto x = g;
        const auto at = [&](double v) {
          x[i] = v;
          return net.evaluate(x.data());
        };
        const double fd = derivative(at, g[i], 1e-4);
        INFO(activation_name(kind), " input ", i);
        CHECK(rel(fd, dEdG[i]) < 1e-6);
      }
    }
  }

  TEST_CASE("weight gradient and the mixed force-training gradient equal finite differences") {
    std::mt19937_64 rng(2);
    for (auto kind : all_activations) {
      auto net = make_net(kind, 7);
      const auto g = random_vector(rng, 5);
      const auto u = random_vector(rng, 5);
      const double ce = 0.7, cf = -1.3;
      std::vector<double> grad(net.parameter_size(), 0.0);
      net.parameter_gradient(g.data(), ce, u.data(), cf, grad.data());
      // objective(theta) = ce E + cf (dE/dG . u), with the analytic input gradient.
      const auto objective = [&](const dynamic_network& n) {
        std::vector<double> d(5);
        const double e = n.evaluate(g.data(), d.data());
        double s = 0.0;
        for (std::size_t i = 0; i < 5; ++i) s += d[i] * u[i];
        return ce * e + cf * s;
      };
      double worst = 0.0;
      for (std::size_t p = 0; p < net.parameter_size(); ++p) {
        const double keep = net.parameters()[p];
        const auto at = [&](double v) {
          net.parameters()[p] = v;
          return objective(net);
        };
        const double fd = derivative(at, keep, 1e-4);
        net.parameters()[p] = keep;
        worst = std::max(worst, rel(fd, grad[p]));
      }
      INFO(activation_name(kind));
      CHECK(worst < 1e-6);
    }
  }

  TEST_CASE("block path equals the per-atom path; input gradients and both gradient kinds") {
    std::mt19937_64 rng(3);
    for (auto kind : all_activations) {
      const auto net = make_net(kind, 11, 9);
      const std::size_t n = 300; // several internal blocks plus a remainder
      const auto X = random_vector(rng, n * 9);
      const auto U = random_vector(rng, n * 9);
      const auto ce = random_vector(rng, n), cf = random_vector(rng, n);
      network_workspace ws;
      std::vector<double> E(n), E2(n), dEdG(n * 9);
      net.energies(ws, X.data(), n, 9, E.data());
      net.energies_and_input_gradients(ws, X.data(), n, 9, E2.data(), dEdG.data(), 9);
      std::vector<double> block_grad(net.parameter_size(), 0.0),
          atom_grad(net.parameter_size(), 0.0);
      net.parameter_gradient(ws, X.data(), n, 9, ce.data(), U.data(), 9, cf.data(),
                             block_grad.data());
      for (std::size_t a = 0; a < n; ++a) {
        std::vector<double> d(9);
        const double e = net.evaluate(X.data() + 9 * a, d.data());
        INFO(activation_name(kind), " atom ", a);
        // The two paths sum in different orders: agreement to 1e-13 of the output's scale (an
        // output near zero after cancellation has no relative accuracy to compare).
        REQUIRE(std::abs(E[a] - e) <= 1e-13 * std::max(1.0, std::abs(e)));
        REQUIRE(E2[a] == E[a]);
        double dscale = 1.0;
        for (double v : d) dscale = std::max(dscale, std::abs(v));
        for (std::size_t i = 0; i < 9; ++i)
          REQUIRE(std::abs(dEdG[9 * a + i] - d[i]) <= 1e-12 * dscale);
        net.parameter_gradient(X.data() + 9 * a, ce[a], U.data() + 9 * a, cf[a], atom_grad.data());
      }
      double scale = 0.0;
      for (double v : atom_grad) scale = std::max(scale, std::abs(v));
      for (std::size_t p = 0; p < atom_grad.size(); ++p)
        CHECK(std::abs(block_grad[p] - atom_grad[p]) <= 1e-12 * scale);
      // Energy-only and force-only gradients add up to the combined one.
      std::vector<double> e_only(net.parameter_size(), 0.0), f_only(net.parameter_size(), 0.0);
      net.parameter_gradient(ws, X.data(), n, 9, ce.data(), nullptr, 0, nullptr, e_only.data());
      net.parameter_gradient(ws, X.data(), n, 9, nullptr, U.data(), 9, cf.data(), f_only.data());
      for (std::size_t p = 0; p < atom_grad.size(); ++p)
        CHECK(std::abs(e_only[p] + f_only[p] - block_grad[p]) <= 1e-12 * scale);
    }
  }

  TEST_CASE("static and dynamic networks give bit-identical results") {
    using net_t = network<6, dense<8, act::tanh>, dense<5, act::softplus>, dense<1, act::linear>>;
    static_assert(net_t::input_size == 6);
    static_assert(net_t::parameter_count == 6 * 8 + 8 + 8 * 5 + 5 + 5 + 1);
    static_assert(network_type<net_t>);
    // The static network is its parameters and nothing else: fixed-size storage, no shape data.
    static_assert(sizeof(net_t) == net_t::parameter_count * sizeof(double));
    static_assert(net_t::offsets[2] == 6 * 8 + 8 + 8 * 5 + 5);
    net_t s;
    initialize(s, init::nguyen_widrow{}, 5);
    const dynamic_network d(s);
    CHECK(std::ranges::equal(d.layers(), s.layers()));
    CHECK(d.describe() == s.describe());
    {
      // The per-atom path too: values, input gradients and both parameter-gradient kinds.
      std::mt19937_64 r(8);
      const auto g = random_vector(r, 6), u = random_vector(r, 6);
      std::vector<double> gs(6), gd(6), ps(s.parameter_size(), 0.0), pd(s.parameter_size(), 0.0);
      CHECK(s.evaluate(g.data()) == d.evaluate(g.data()));
      CHECK(s.evaluate(g.data(), gs.data()) == d.evaluate(g.data(), gd.data()));
      CHECK(gs == gd);
      s.parameter_gradient(g.data(), 0.7, u.data(), -1.3, ps.data());
      d.parameter_gradient(g.data(), 0.7, u.data(), -1.3, pd.data());
      CHECK(ps == pd);
    }
    std::mt19937_64 rng(4);
    const std::size_t n = 77;
    const auto X = random_vector(rng, n * 6), U = random_vector(rng, n * 6),
               c = random_vector(rng, n);
    network_workspace w1, w2;
    std::vector<double> e1(n), e2(n), g1(n * 6), g2(n * 6);
    s.energies_and_input_gradients(w1, X.data(), n, 6, e1.data(), g1.data(), 6);
    d.energies_and_input_gradients(w2, X.data(), n, 6, e2.data(), g2.data(), 6);
    CHECK(std::memcmp(e1.data(), e2.data(), n * sizeof(double)) == 0);
    CHECK(std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(double)) == 0);
    std::vector<double> p1(s.parameter_size(), 0.0), p2(s.parameter_size(), 0.0);
    s.parameter_gradient(w1, X.data(), n, 6, c.data(), U.data(), 6, c.data(), p1.data());
    d.parameter_gradient(w2, X.data(), n, 6, c.data(), U.data(), 6, c.data(), p2.data());
    CHECK(std::memcmp(p1.data(), p2.data(), p1.size() * sizeof(double)) == 0);
    // And back: a dynamic network of the right shape converts to the static type...
    const net_t back(d);
    CHECK(back == s);
    // ... and one of another shape is refused with the difference spelled out.
    const dynamic_network other({{6, 8, activation_kind::of<activation::tanh>()},
                                 {8, 5, activation_kind::of<activation::tanh>()},
                                 {5, 1, activation_kind::of<activation::linear>()}});
    test::expect_error([&] { net_t bad(other); },
                       {"layer 1", "expected activation softplus, got tanh"});
    const dynamic_network wider({{6, 9, activation_kind::of<activation::tanh>()},
                                 {9, 5, activation_kind::of<activation::softplus>()},
                                 {5, 1, activation_kind::of<activation::linear>()}});
    test::expect_error([&] { net_t bad(wider); }, {"layer 0: expected 6 -> 8, got 6 -> 9"});
  }

  TEST_CASE("parameters are one flat vector, viewed without copies") {
    auto net = make_net(activation_kind::of<activation::tanh>(), 3);
    const auto all = net.parameters();
    CHECK(all.size() == 5 * 7 + 7 + 7 * 4 + 4 + 4 + 1);
    CHECK(net.weights(0).data() == all.data());
    CHECK(net.bias(0).data() == all.data() + 35);
    CHECK(net.weights(1).data() == all.data() + 42);
    CHECK(net.bias(2).data() == all.data() + all.size() - 1);
    const std::vector<double> g{0.1, 0.2, 0.3, 0.4, 0.5};
    const double before = net.evaluate(g.data());
    net.parameters().back() += 1.0; // output bias
    CHECK(net.evaluate(g.data()) == doctest::Approx(before + 1.0).epsilon(1e-14));
  }

  TEST_CASE("initialisers: seeded, and with the promised statistics") {
    auto a = make_net(activation_kind::of<activation::tanh>(), 1);
    auto b = make_net(activation_kind::of<activation::tanh>(), 1);
    CHECK(a == b);
    initialize(b, init::uniform{}, 2);
    CHECK_FALSE(a == b);
    dynamic_network big({{30, 40, activation_kind::of<activation::tanh>()},
                         {40, 1, activation_kind::of<activation::linear>()}});
    initialize(big, init::uniform{-0.5, 0.25}, 9);
    double lo = 1, hi = -1;
    for (double p : big.parameters()) {
      lo = std::min(lo, p);
      hi = std::max(hi, p);
    }
    CHECK(lo >= -0.5);
    CHECK(hi < 0.25);
    CHECK(lo < -0.45);
    CHECK(hi > 0.2);
    initialize(big, init::glorot{}, 9);
    const double s = std::sqrt(6.0 / 70.0);
    for (double w : big.weights(0)) CHECK(std::abs(w) <= s);
    for (double x : big.bias(0)) CHECK(x == 0.0);
    initialize(big, init::nguyen_widrow{}, 9);
    const double beta = 0.7 * std::pow(40.0, 1.0 / 30.0);
    for (std::size_t o = 0; o < 40; ++o) {
      double sum = 0.0;
      for (std::size_t i = 0; i < 30; ++i)
        sum += big.weights(0)[o * 30 + i] * big.weights(0)[o * 30 + i];
      CHECK(std::sqrt(sum) == doctest::Approx(2.0 * beta)); // tanh: doubled
      CHECK(std::abs(big.bias(0)[o]) <= 2.0 * beta);
    }
    for (double w : big.weights(1)) CHECK(std::abs(w) <= 0.5);
  }

  TEST_CASE("bad shapes are clear errors") {
    test::expect_error([] { dynamic_network n(std::vector<layer_shape>{}); },
                       {"at least one layer"});
    test::expect_error(
        [] {
          dynamic_network n({{4, 5, activation_kind::of<activation::tanh>()},
                             {6, 1, activation_kind::of<activation::linear>()}});
        },
        {"layer 1 takes 6 inputs but layer 0 has 5 neurons"});
    test::expect_error(
        [] {
          dynamic_network n({{4, 2, activation_kind::of<activation::linear>()}});
        },
        {"output layer", "must have 1 neuron, got 2"});
    CHECK(activation_from_name("softplus") == activation_kind::of<activation::softplus>());
    test::expect_error([] { (void)activation_from_name("swish"); },
                       {"unknown activation 'swish' (expected linear, tanh, logistic, softplus, "
                        "relu, gaussian, cos, reverse_logistic, exp, harmonic, shifted_softplus "
                        "or silu)"});
    // Every listed activation: its kind, name and dispatch agree; an unlisted type is custom.
    std::size_t count = 0;
    registry::for_each<activation_list>([&]<class A>(A) {
      const activation_kind k = activation_kind::of<A>();
      CHECK(k.index() == count++);
      CHECK(k.is_listed());
      CHECK(activation_name(k) == A::name);
      CHECK(activation_from_name(A::name) == k);
      CHECK(with_activation(k, [](auto a) { return decltype(a)::value(0.3); }) == A::value(0.3));
    });
    CHECK(count == all_activations.size());
    CHECK(!activation_kind::of<int>().is_listed());
    CHECK(activation_name(activation_kind::unlisted()) == "custom");
    test::expect_error(
        [] { (void)activation_from_n2p2('x'); },
        {"unknown n2p2 activation letter 'x' (expected one of l t s p r g c S e h)"});
  }
}
