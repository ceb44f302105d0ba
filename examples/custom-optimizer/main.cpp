// custom-optimizer: a new optimiser composed from annp's policies, written outside the library.
//
//   custom-optimizer [DATA.xyz] [EPOCHS]
//
// Two compositions, both trained on the same data with the same descriptors and initial weights:
//
// 1. `warm_start<First, Second>` — a new optimiser: `First` for a fixed number of steps, then
//    `Second` from where it stopped. Here mini-batches with a user-written update rule
//    (`custom::rmsprop`, rmsprop.hpp) and a cosine schedule — a cheap way through the early,
//    rough part of the loss landscape — hand over to L-BFGS (fast final convergence).
// 2. The study's CG + annealing hybrid recomposed from other parts: Hestenes–Stiefel CG with a
//    backtracking line search, annealed with a user-written cooling schedule (`stepwise`) and
//    uniform perturbations of a random fifth of the weights.
//
// Nothing here is special to the library: any type with `name`, `step(f, rng) -> step_report`,
// `save_state` and `load_state` satisfies annp::optimizer_for and runs in annp::trainer (with
// checkpoints, callbacks and early stopping); run state is written with the public annp::state
// helpers. See docs/concepts.md.

#include "rmsprop.hpp"

#include <annp/annp.hpp>

#include <iostream>
#include <string>

namespace {

/// First for `switch_after` steps, then Second. State: both optimisers and the step count.
template <annp::batch_optimizer First, annp::loss_optimizer Second> struct warm_start {
  static constexpr std::string_view name = "warm_start";
  First first{};
  Second second{};
  std::size_t switch_after = 50;

  template <class F> annp::step_report step(F& f, std::mt19937_64& rng) {
    annp::step_report r = m_steps < switch_after ? first.step(f, rng) : second.step(f, rng);
    r.note = std::string(m_steps < switch_after ? First::name : Second::name) + " " + r.note;
    ++m_steps;
    return r;
  }
  void save_state(std::ostream& os) const {
    annp::state::write(os, "steps", m_steps);
    first.save_state(os);
    second.save_state(os);
  }
  void load_state(std::istream& is) {
    m_steps = annp::state::read_count(is, "steps");
    first.load_state(is);
    second.load_state(is);
  }

 private:
  std::size_t m_steps = 0;
};

/// A cooling schedule of one's own: the temperature halves every `every` steps.
struct stepwise {
  static constexpr std::string_view name = "stepwise";
  std::size_t every = 3;
  [[nodiscard]] double operator()(double t0, std::size_t k) const {
    return t0 * std::ldexp(1.0, -static_cast<int>(k / every));
  }
};
static_assert(annp::cooling_schedule<stepwise>);

template <class Optimizer>
void train(const std::string& title, Optimizer optimizer, const annp::model& start,
           const annp::prepared_training& data, std::size_t epochs) {
  annp::network_set<> nets(start);
  annp::trainer t(
      nets, data.train, std::move(optimizer),
      {.validation = &data.validation_in_range, .weights = {.energy = 1.0, .forces = 0.01}});
  std::cout << "\n" << title << "\n";
  t.run(epochs, annp::callbacks::progress{&std::cout, 25});
  t.restore_best();
  const auto v = t.validation_errors().total();
  std::printf("%s: best epoch %zu, validation energy RMSE %.2f meV/atom, force RMSE %.1f meV/A\n",
              title.c_str(), t.best_epoch(), 1000 * v.energy.rmse(), 1000 * v.force.rmse());
}

} // namespace

int main(int argc, char** argv) {
  try {
    const std::string path = argc > 1 ? argv[1] : "data/al/al.xyz";
    const std::size_t epochs = argc > 2 ? annp::parse_number<std::size_t>(argv[2], "EPOCHS") : 300;
    const auto structures = annp::read_structures(path);
    const auto split = annp::split_dataset(structures, {0.1, 0.0}, 1);
    annp::model_recipe recipe;
    recipe.descriptors.radial_count = 12;
    recipe.descriptors.angular_count = 3;
    recipe.descriptors.zetas = {1.0, 4.0, 16.0};
    annp::model start = annp::initial_model(annp::elements_of(structures), recipe, 1);
    const auto data = annp::prepare_training(start, structures, split, recipe);

    using namespace annp::optim;
    warm_start<minibatch<custom::rmsprop, schedule::cosine>, lbfgs<>> w;
    w.first.rate = {.rate = 0.003, .floor = 3e-4, .epochs = epochs / 5};
    w.first.batch_size = 8;
    w.switch_after = epochs / 5;
    train("warm start: RMSprop (user-written update rule), then L-BFGS", w, start, data, epochs);

    cg_annealing<conjugate_gradient<beta::hestenes_stiefel, annp::line_search::backtracking>,
                 simulated_annealing<stepwise, perturbation::uniform>>
        hybrid;
    hybrid.cycles = 3;
    hybrid.local_iterations = epochs / 4;
    hybrid.anneal_steps = 6;
    hybrid.global.perturbation.fraction = 0.2;
    train("CG (Hestenes-Stiefel, backtracking) + annealing (stepwise cooling, uniform moves)",
          hybrid, start, data, epochs);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "custom-optimizer: " << e.what() << "\n";
    return 1;
  }
}
