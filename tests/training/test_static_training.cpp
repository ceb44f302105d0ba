// Training a statically typed potential whose network uses a user-written activation: the
// objective's gradient (energies, forces, stress) is exact for it, the trainer lowers the loss,
// and the trained model is saved under the activation's name and reloads into the same type.

#include <annp/annp.hpp>

#include "network/user_activation.hpp"
#include "training/training_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

using namespace annp;
using namespace annp::test;

namespace {

using test::softsign;
// make_test_model's 13 functions per element.
using net_t = network<13, dense<7, softsign>, dense<5, act::tanh>, dense<1, act::linear>>;
using static_potential = potential<descriptor_set<cutoff::cosine>, net_t>;

model static_model(std::uint64_t seed) {
  model m = make_test_model(seed);
  m.networks.clear();
  for (std::uint64_t e = 0; e < 2; ++e) {
    net_t n;
    initialize(n, init::nguyen_widrow{}, seed + e);
    m.networks.emplace_back(n);
  }
  return m;
}

} // namespace

TEST_SUITE("training") {
  TEST_CASE("a static potential with a user activation: exact gradients, training, reload") {
    const auto structures = labelled_structures(7, 12);
    static_potential pot(static_model(3));
    const training_data data = scaled_data(pot, structures);
    const loss_weights w{1.0, 0.5, 0.5, 1e-4};
    training_objective<static_potential> obj(pot, data, w);
    std::vector<double> g(obj.size());
    const double f0 = obj.value_and_gradient(g);
    // Central differences on a spread of parameters of both elements' networks.
    double worst = 0.0;
    for (std::size_t k = 0; k < obj.size(); k += 17) {
      const double keep = obj.parameters()[k];
      obj.parameters()[k] = keep + 1e-6;
      const double up = obj.value();
      obj.parameters()[k] = keep - 1e-6;
      const double down = obj.value();
      obj.parameters()[k] = keep;
      const double fd = (up - down) / 2e-6;
      worst = std::max(worst, std::abs(fd - g[k]) / std::max(1e-3, std::abs(fd)));
    }
    CHECK(worst < 1e-6);
    CHECK(obj.value() == doctest::Approx(f0).epsilon(1e-15));

    trainer t(pot, data, optim::lbfgs<>{}, {.weights = w});
    t.run(40);
    training_objective<static_potential> after(pot, data, w);
    const double f1 = after.value();
    INFO("loss before ", f0, ", after ", f1);
    CHECK(f1 < 0.5 * f0);

    // The trained potential as a file: the activation by name, back into the same type.
    const std::string text = format_model(pot.to_model());
    CHECK(text.find("layer 13 7 softsign") != std::string::npos);
    std::istringstream in(text);
    const static_potential again(read_model(in, "trained.annp"));
    for (const auto& s : structures) {
      const auto a = pot.compute(s), b = again.compute(s);
      CHECK(a.energy == b.energy);
      CHECK(a.forces == b.forces);
    }
  }
}
