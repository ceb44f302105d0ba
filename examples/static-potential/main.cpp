// static-potential: a potential whose whole shape is C++ types — trained, saved, read back.
//
//   static-potential [DATA.xyz] [ITERATIONS] [OUT.annp]
//
// The types below say everything about the model's shape: a polynomial cutoff, 8 radial and 16
// wide angular functions per atom, and per element a network 24 -> 16 -> 16 -> 1 whose hidden
// layers use `isru`, an activation written here (it is not one of annp's). The compiler checks
// that the network's input size is the descriptor set's size; annp::initial_model_for derives
// the initial model from the types, and the recipe adds only what a type cannot say (the cutoff
// radius, where the grids lie). The potential is trained in place with L-BFGS on energies and
// forces (the static network and descriptor kernels compute during training too), its held-out
// errors are reported on the test split (on the bundled data, 1 000 iterations, a few seconds:
// about 11 meV/atom and 54 meV/A on the test structures inside the training range), and it is
// saved with the activation under its own name
// and read back into the same type, which must predict the same numbers.

#include <annp/annp.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

/// Inverse square root unit, x / sqrt(1 + x^2): smooth, odd, bounded like tanh, but with
/// algebraic tails. Written once for doubles and SIMD batches, as annp's own activations are.
struct isru {
  static constexpr std::string_view name = "isru"; // how model files store it
  static constexpr char n2p2_code = '\0';          // n2p2 has no such activation
  template <class T> static T value(const T& x) {
    using std::sqrt;
    using xsimd::sqrt;
    return x / sqrt(1.0 + x * x);
  }
  template <class T> static void evaluate(const T& x, T& f, T& d1, T& d2) {
    using std::sqrt;
    using xsimd::sqrt;
    const T q = 1.0 / (1.0 + x * x); // 1 / (1 + x^2)
    const T s = sqrt(q);             // (1 + x^2)^(-1/2)
    f = x * s;
    d1 = q * s;             // (1 + x^2)^(-3/2)
    d2 = -3.0 * x * q * d1; // -3x (1 + x^2)^(-5/2)
  }
};
static_assert(annp::activation_function<isru>);

using descriptor =
    annp::descriptor_set<annp::cutoff::poly2, annp::radial_g2<8>, annp::angular_wide<16>>;
using network = annp::network<descriptor::size, annp::dense<16, isru>, annp::dense<16, isru>,
                              annp::dense<1, annp::act::linear>>;
using potential = annp::potential<descriptor, network>;

void report(const char* what, potential& pot, const annp::training_data& data,
            const annp::loss_weights& w) {
  const auto e = annp::training_objective<potential>(pot, data, w).errors().total();
  std::printf("%s: energy RMSE %.2f meV/atom, force RMSE %.1f meV/A\n", what,
              1000 * e.energy.rmse(), 1000 * e.force.rmse());
}

} // namespace

int main(int argc, char** argv) {
  try {
    const std::string path = argc > 1 ? argv[1] : "data/al/al.xyz";
    const std::size_t iterations =
        argc > 2 ? annp::parse_number<std::size_t>(argv[2], "ITERATIONS") : 1000;
    const std::string out = argc > 3 ? argv[3] : "static-potential.annp";

    const auto structures = annp::read_structures(path);
    const auto split = annp::split_dataset(structures, {0.1, 0.1}, 1);
    annp::model_recipe recipe;
    recipe.descriptors.rc = 6.0;
    annp::model m = annp::initial_model_for<potential>(annp::elements_of(structures), recipe, 1);
    const auto data = annp::prepare_training(m, structures, split, recipe);
    potential pot(m);
    std::cout << "types: " << descriptor::pattern() << "; network " << pot.network(0).describe()
              << " (" << network::parameter_count << " weights per element)\n";

    const annp::loss_weights w{.energy = 1.0, .forces = 0.01};
    annp::trainer t(pot, data.train, annp::optim::lbfgs<>{},
                    {.validation = &data.validation_in_range, .weights = w});
    t.run(iterations, annp::callbacks::progress{&std::cout, 50});
    t.restore_best();
    std::printf("best iteration %zu of %zu\n", t.best_epoch(), iterations);
    // Structures whose descriptors leave the training range (a dimer closer than any training
    // pair, say) are extrapolations: reported apart, as annp-train does.
    const auto inside =
        data.test.select([](const annp::training_structure& s) { return s.extrapolations == 0; });
    std::printf("test split: %zu structures, %zu extrapolating\n", data.test.size(),
                data.test_extrapolating);
    report("held-out (test, all)", pot, data.test, w);
    report("held-out (test, inside the training range)", pot, inside, w);

    annp::write_model(out, pot.to_model());
    const potential again(annp::read_model(out));
    double worst = 0.0;
    for (const auto& s : structures) {
      const auto a = pot.compute(s), b = again.compute(s);
      worst = std::max(worst, std::abs(a.energy - b.energy));
      for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t d = 0; d < 3; ++d)
          worst = std::max(worst, std::abs(a.forces(i, d) - b.forces(i, d)));
    }
    std::printf("saved %s (activation 'isru' by name); read back into the same type: largest "
                "difference in energies and forces %.1e\n",
                out.c_str(), worst);
    return worst == 0.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "static-potential: " << e.what() << "\n";
    return 1;
  }
}
