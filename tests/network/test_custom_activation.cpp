// A user-written activation in a static network: it is what computes (forward, input gradient,
// parameter gradient, the mixed second derivative of force training), it is saved under its own
// name, loads back only into the static type that names it, and a dynamic load says why not.
#include <annp/io/model_file.hpp>
#include <annp/network/init.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/any_potential.hpp>

#include "network/user_activation.hpp"
#include "potential/model_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <random>
#include <sstream>

using namespace annp;

namespace {

using test::softsign;

// A user type built on the built-in tanh that computes something else: before static types drove
// the computation, such a type (which then declared the kind tanh) was silently replaced by the
// built-in tanh.
struct scaled_tanh {
  static constexpr std::string_view name = "scaled_tanh";
  static constexpr char n2p2_code = '\0';
  template <class T> static T value(const T& x) { return 1.7159 * activation::tanh::value(x); }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    T t, dt, ddt;
    activation::tanh::evaluate(x, t, dt, ddt);
    f = 1.7159 * t;
    d1 = 1.7159 * dt;
    d2 = 1.7159 * ddt;
  }
};

using user_net = network<6, dense<5, softsign>, dense<4, scaled_tanh>, dense<1, act::linear>>;

double reference_forward(const user_net& n, const std::vector<double>& g) {
  std::vector<double> a = g;
  for (std::size_t l = 0; l < n.layer_count(); ++l) {
    const auto& s = n.layers()[l];
    std::vector<double> next(s.out);
    for (std::size_t o = 0; o < s.out; ++o) {
      double z = n.bias(l)[o];
      for (std::size_t i = 0; i < s.in; ++i) z += n.weights(l)[o * s.in + i] * a[i];
      next[o] = l == 0 ? z / (1.0 + std::abs(z)) : l == 1 ? 1.7159 * std::tanh(z) : z;
    }
    a = next;
  }
  return a[0];
}

} // namespace

TEST_SUITE("network") {
  TEST_CASE("a user-written activation is what a static network computes, on every path") {
    user_net n;
    initialize(n, init::uniform{-0.9, 0.9}, 4);
    CHECK(n.activation_name(0) == "softsign");
    CHECK(n.activation_name(1) == "scaled_tanh");
    CHECK(n.layers()[1].activation == activation_kind::unlisted()); // not the built-in tanh
    std::mt19937_64 rng(3);
    std::normal_distribution<double> gauss(0.0, 1.2);
    const std::size_t atoms = 37; // more than one block, a ragged tail
    std::vector<double> X(atoms * 6), U(atoms * 6), ce(atoms), cf(atoms);
    for (auto& x : X) x = gauss(rng);
    for (auto& x : U) x = gauss(rng);
    for (auto& x : ce) x = gauss(rng);
    for (auto& x : cf) x = gauss(rng);
    // Forward: per-atom and block paths equal an independent evaluation.
    network_workspace ws;
    std::vector<double> E(atoms), G(atoms * 6);
    n.energies_and_input_gradients(ws, X.data(), atoms, 6, E.data(), G.data(), 6);
    for (std::size_t a = 0; a < atoms; ++a) {
      const std::vector<double> g(X.data() + 6 * a, X.data() + 6 * a + 6);
      const double ref = reference_forward(n, g);
      CHECK(n.evaluate(g.data()) == doctest::Approx(ref).epsilon(1e-14));
      CHECK(E[a] == doctest::Approx(ref).epsilon(1e-13));
      // Input gradient against central differences of the reference.
      for (std::size_t i = 0; i < 6; ++i) {
        auto p = g, m = g;
        p[i] += 1e-6;
        m[i] -= 1e-6;
        const double fd = (reference_forward(n, p) - reference_forward(n, m)) / 2e-6;
        CHECK(G[a * 6 + i] == doctest::Approx(fd).epsilon(1e-7));
      }
    }
    // Parameter gradient of sum_a ce_a E_a + cf_a (dE_a/dG . U_a) against central differences.
    std::vector<double> grad(n.parameter_size(), 0.0);
    n.parameter_gradient(ws, X.data(), atoms, 6, ce.data(), U.data(), 6, cf.data(), grad.data());
    const auto objective = [&](user_net& m) {
      network_workspace w;
      std::vector<double> e(atoms), d(atoms * 6);
      m.energies_and_input_gradients(w, X.data(), atoms, 6, e.data(), d.data(), 6);
      double sum = 0.0;
      for (std::size_t a = 0; a < atoms; ++a) {
        double dot = 0.0;
        for (std::size_t i = 0; i < 6; ++i) dot += d[a * 6 + i] * U[a * 6 + i];
        sum += ce[a] * e[a] + cf[a] * dot;
      }
      return sum;
    };
    double worst = 0.0;
    for (std::size_t k = 0; k < n.parameter_size(); ++k) {
      user_net p = n, m = n;
      p.parameters()[k] += 1e-6;
      m.parameters()[k] -= 1e-6;
      const double fd = (objective(p) - objective(m)) / 2e-6;
      worst = std::max(worst, std::abs(fd - grad[k]) / std::max(1.0, std::abs(fd)));
    }
    CHECK(worst < 1e-7);
  }

  TEST_CASE("user activations: saved by name, loaded only into the static type naming them") {
    using descriptor = descriptor_set<cutoff::cosine>;
    using net_t = network<6, dense<6, softsign>, dense<1, act::linear>>;
    // A one-element test model with a custom first layer.
    model m = test::make_test_model(5);
    m.elements = {13};
    std::vector<symmetry_function> fs;
    for (const auto& f : m.functions)
      if (f.center == 13 && (f.e1 == 13 || f.e1 == 0) && (f.e2 == 13 || f.e2 == 0)) fs.push_back(f);
    m.functions = fs;
    const std::size_t nf = fs.size();
    net_t net_static;
    REQUIRE(nf == 6);
    initialize(net_static, init::uniform{-0.5, 0.5}, 2);
    m.networks = {dynamic_network(net_static)};
    m.atomic_energies = {-3.0};
    m.spins = {1.0};
    descriptor_scaling sc = m.scaling;
    m.scaling = descriptor_scaling(sc.mode(), sc.smin(), sc.smax(), {[&] {
                                     auto st = sc.stats(0);
                                     st.min.resize(nf);
                                     st.max.resize(nf);
                                     st.mean.resize(nf);
                                     st.sigma.resize(nf);
                                     return st;
                                   }()});
    const potential<descriptor, net_t> pot(m);
    const std::string text = format_model(pot.to_model());
    CHECK(text.find("layer 6 6 softsign") != std::string::npos);
    std::istringstream in(text);
    const model back = read_model(in, "user.annp");
    const potential<descriptor, net_t> again(back);
    std::mt19937_64 rng(1);
    structure s = test::random_structure(rng, test::random_cell(rng, 5.0, 6.0, 0.2),
                                         {true, true, true}, 5, {13}, 1.5);
    CHECK(again.compute(s).energy == pot.compute(s).energy);
    // The dynamic path cannot evaluate it, and says what to do.
    test::expect_error([&] { const any_potential dyn(back); },
                       {"custom activation 'softsign'", "only a static network type naming it"});
    // Another static type (built-in tanh in that place) is refused by name.
    using tanh_net = network<6, dense<6, act::tanh>, dense<1, act::linear>>;
    test::expect_error([&] { const potential<descriptor, tanh_net> other(back); },
                       {"expected activation tanh, got softsign"});
    // n2p2 has no such activation.
    test::expect_error([&] { (void)activation_n2p2_code(activation_kind::unlisted()); },
                       {"no n2p2 equivalent"});
    // A name that is not a valid word is a file error with its line.
    std::string badtext = text;
    badtext.replace(badtext.find("softsign"), 8, "soft-sign");
    std::istringstream bad(badtext);
    test::expect_error([&] { (void)read_model(bad, "bad.annp"); },
                       {"bad.annp:", "'soft-sign' is neither built in nor a valid name"});
  }
}
