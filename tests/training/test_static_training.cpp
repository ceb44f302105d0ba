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

  TEST_CASE("the static types make the initial model: written once, trained, saved, reloaded") {
    // Everything about the model's shape is in these types; the recipe gives grids and radius.
    using descriptor = descriptor_set<cutoff::poly2, radial_g2<8>, angular_wide<24>>;
    using net = network<32, dense<6, softsign>, dense<1, act::linear>>;
    using static_potential = potential<descriptor, net>;
    const auto structures = labelled_structures(11, 24);
    model_recipe recipe;
    recipe.descriptors.rc = 5.0;
    recipe.cutoff = cutoff_kind_of<cutoff::cosine>(); // overridden by the type
    model m = initial_model_for<static_potential>(elements_of(structures), recipe, 5);
    CHECK(m.cutoff == cutoff_kind_of<cutoff::poly2>());
    REQUIRE(m.elements.size() == 2);
    for (int z : m.elements) {
      const auto fs = m.functions_of(z);
      REQUIRE(fs.size() == 32);
      // 2 elements: 4 radial per neighbour element; 3 pairs x 2 grid points x 2 zetas x 2 lambdas.
      CHECK(fs[7].kind == sf_kind_of<sf_kinds::radial>());
      CHECK(fs[8].kind == sf_kind_of<sf_kinds::angular_wide>());
    }
    CHECK(m.networks[0].activation_name(0) == "softsign");
    const auto split = split_dataset(structures, {0.25, 0.0}, 1);
    const auto data = prepare_training(m, structures, split, recipe);
    static_potential pot(m);
    const loss_weights w{.energy = 1.0};
    const double before = training_objective<static_potential>(pot, data.train, w).value();
    trainer t(pot, data.train, optim::lbfgs<>{}, {.validation = &data.validation, .weights = w});
    t.run(40);
    const double after = training_objective<static_potential>(pot, data.train, w).value();
    INFO("loss before ", before, ", after ", after);
    CHECK(after < 0.5 * before);
    std::istringstream in(format_model(pot.to_model()));
    const static_potential again(read_model(in, "static.annp"));
    for (const auto& s : structures) CHECK(again.compute(s).energy == pot.compute(s).energy);
    // Layouts that do not divide over the elements are refused, saying why.
    using odd = potential<descriptor_set<cutoff::cosine, radial_g2<7>>, dynamic_network>;
    test::expect_error(
        [&] {
          (void)initial_model_for<odd>({8, 13}, recipe, 1);
        },
        {"[radial x 7] has 7 radial functions, not a multiple of the 2 elements"});
    using uneven = potential<descriptor_set<cutoff::cosine, radial_g2<8>, angular_narrow<10>>,
                             dynamic_network>;
    test::expect_error(
        [&] {
          (void)initial_model_for<uneven>({8, 13}, recipe, 1);
        },
        {"10 angular functions, not a multiple of 3 element pairs x 2 zetas x 2 "
         "lambdas"});
  }

  TEST_CASE("a static Chebyshev set (aenet's) makes its initial model and trains") {
    // Two elements: 6 radial = orders 0..2 plus the same with spins; 4 angular = orders 0..1 x 2.
    using descriptor = descriptor_set<cutoff::cosine, chebyshev_radial<6>, chebyshev_angular<4>>;
    using static_potential =
        potential<descriptor, network<10, dense<5, act::tanh>, dense<1, act::linear>>>;
    const auto structures = labelled_structures(13, 20);
    model_recipe recipe;
    recipe.descriptors.rc = 5.0;
    model m = initial_model_for<static_potential>(elements_of(structures), recipe, 3);
    REQUIRE(m.elements.size() == 2);
    for (int z : m.elements) {
      const auto fs = m.functions_of(z);
      REQUIRE(fs.size() == 10);
      CHECK(fs[2].order == 2);
      CHECK_FALSE(fs[2].weighted);
      CHECK(fs[3].weighted);
      CHECK(fs[6].kind == sf_kind_of<sf_kinds::chebyshev_angular>());
      CHECK(fs[9].weighted);
      CHECK(fs[9].order == 1);
    }
    const auto split = split_dataset(structures, {0.25, 0.0}, 1);
    const auto data = prepare_training(m, structures, split, recipe);
    static_potential pot(m);
    const loss_weights w{.energy = 1.0, .forces = 0.1};
    const double before = training_objective<static_potential>(pot, data.train, w).value();
    trainer t(pot, data.train, optim::lbfgs<>{}, {.weights = w});
    t.run(40);
    const double after = training_objective<static_potential>(pot, data.train, w).value();
    INFO("loss before ", before, ", after ", after);
    CHECK(after < 0.5 * before);
    using odd = potential<descriptor_set<cutoff::cosine, chebyshev_radial<5>, chebyshev_angular<4>>,
                          dynamic_network>;
    test::expect_error(
        [&] {
          (void)initial_model_for<odd>({8, 13}, recipe, 1);
        },
        {"needs even counts for 2 elements"});
  }
}
