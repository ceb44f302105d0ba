#pragma once
// The contracts of training: what an optimiser may ask of the loss (objective concepts), what an
// optimiser is, and the policies inside the optimisers (line searches, CG betas, learning-rate
// schedules, mini-batch update rules, cooling schedules, perturbations). Documented in
// docs/concepts.md. The computation's contracts (cutoffs, activations) are in core/concepts.hpp.
//
// Every policy header ends with static_asserts of these concepts for what it provides, so a
// policy that breaks its contract fails where it is defined, naming the concept.

#include <concepts>
#include <cstddef>
#include <istream>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace annp {

/// What one optimiser step did.
struct step_report {
  double loss = 0.0;           ///< training loss after the step (NaN when not evaluated)
  std::size_t evaluations = 0; ///< loss/gradient evaluations (or updates) used
  bool converged = false;      ///< the optimiser considers itself converged
  std::string note;            ///< e.g. "cg", "anneal T=1e-4", "restart"
};

// ---- objectives ---------------------------------------------------------------------------

/// An objective with a parameter vector and a full-batch loss.
template <class F>
concept loss_objective = requires(F f, std::span<double> g) {
  { f.size() } -> std::convertible_to<std::size_t>;
  { f.parameters() } -> std::convertible_to<std::span<double>>;
  { f.value() } -> std::convertible_to<double>;
  { f.value_and_gradient(g) } -> std::convertible_to<double>;
};

/// ... that also evaluates mini-batches of samples.
template <class F>
concept batch_objective = loss_objective<F> &&
    requires(F f, std::span<const std::size_t> b, std::span<double> g) {
  { f.sample_count() } -> std::convertible_to<std::size_t>;
  { f.value_and_gradient(b, g) } -> std::convertible_to<double>;
};

/// ... whose loss is a sum of squared residuals with a Jacobian (Levenberg-Marquardt).
template <class F>
concept least_squares_objective = loss_objective<F> &&
    requires(F f, std::span<double> r, double* J) {
  { f.residual_count() } -> std::convertible_to<std::size_t>;
  f.residuals(r, J);
};

/// ... that provides single observations for the Kalman filter.
template <class F>
concept kalman_objective = loss_objective<F> &&
    requires(F f, std::size_t s, std::span<double> row, double& e, std::vector<double>& fe) {
  { f.sample_count() } -> std::convertible_to<std::size_t>;
  { f.element_count() } -> std::convertible_to<std::size_t>;
  { f.group_begin(s) } -> std::convertible_to<std::size_t>;
  { f.has_energy(s) } -> std::convertible_to<bool>;
  { f.force_components(s) } -> std::convertible_to<std::size_t>;
  { f.energy_observation(s, row) } -> std::convertible_to<double>;
  { f.force_observation(s, s, row) } -> std::convertible_to<double>;
  f.sample_errors(s, e, fe);
};

/// A training objective that exposes its per-structure predictions and parameter derivatives
/// (annp::training_objective): what the least-squares view (Levenberg-Marquardt) and the Kalman
/// view are built on, so those optimisers run on it directly.
template <class F>
concept structure_objective = batch_objective<F> && requires(F f, const F cf, std::size_t e) {
  f.sync();
  cf.evaluator();
  cf.data();
  cf.count_labels();
  { cf.factors(e, cf.count_labels()).energy } -> std::convertible_to<double>;
  { cf.weights().forces } -> std::convertible_to<double>;
  { cf.element_count() } -> std::convertible_to<std::size_t>;
  { cf.group_begin(e) } -> std::convertible_to<std::size_t>;
};

/// What training changes in a potential: per-element networks, the energy scale and the
/// per-element reference energies (annp::potential and annp::network_set).
template <class P>
concept trainable_potential = requires(P p, const P cp, std::size_t e) {
  { cp.element_count() } -> std::convertible_to<std::size_t>;
  { p.network(e).parameters() } -> std::convertible_to<std::span<double>>;
  { cp.energy_scale() } -> std::convertible_to<double>;
  { cp.atomic_energies() } -> std::convertible_to<const std::vector<double>&>;
};

namespace detail {
// Declaration-only stand-ins for the objective concepts: a policy that must work on any
// objective of a kind is checked against these (policies are templates over the objective).
struct loss_archetype {
  std::size_t size();
  std::span<double> parameters();
  double value();
  double value_and_gradient(std::span<double>);
};
struct batch_archetype : loss_archetype {
  using loss_archetype::value_and_gradient;
  std::size_t sample_count();
  double value_and_gradient(std::span<const std::size_t>, std::span<double>);
};
struct least_squares_archetype : loss_archetype {
  std::size_t residual_count();
  void residuals(std::span<double>, double*);
};
struct kalman_archetype : loss_archetype {
  std::size_t sample_count();
  std::size_t element_count();
  std::size_t group_begin(std::size_t);
  bool has_energy(std::size_t);
  std::size_t force_components(std::size_t);
  double energy_observation(std::size_t, std::span<double>);
  double force_observation(std::size_t, std::size_t, std::span<double>);
  void sample_errors(std::size_t, double&, std::vector<double>&);
};
static_assert(loss_objective<loss_archetype> && batch_objective<batch_archetype> &&
              least_squares_objective<least_squares_archetype> &&
              kalman_objective<kalman_archetype>);
} // namespace detail

// ---- optimisers ---------------------------------------------------------------------------

/// An optimiser policy for objective F.
template <class O, class F>
concept optimizer_for = requires(O o, F& f, std::mt19937_64& rng, std::ostream& os,
                                 std::istream& is) {
  { O::name } -> std::convertible_to<std::string_view>;
  { o.step(f, rng) } -> std::same_as<step_report>;
  o.save_state(os);
  o.load_state(is);
};

/// An optimiser for every full-batch objective (what the hybrid's stages and most compositions
/// need).
template <class O>
concept loss_optimizer = optimizer_for<O, detail::loss_archetype>;

/// An optimiser for every mini-batch objective.
template <class O>
concept batch_optimizer = optimizer_for<O, detail::batch_archetype>;

/// A full-batch optimiser that can forget its run state (direction, history) and start afresh from
/// the current parameters: the local stage of cg_annealing.
template <class O>
concept restartable_optimizer = loss_optimizer<O> && requires(O o) {
  o.reset();
};

/// ... that also remembers the best point it visited: the global stage of cg_annealing.
template <class O>
concept best_tracking_optimizer = restartable_optimizer<O> &&
    requires(const O o, detail::loss_archetype& f) {
  { o.restore_best(f) } -> std::convertible_to<double>;
};

// ---- policies inside the optimisers -------------------------------------------------------

/// A line search for objective F: moves f's parameters from x0 along d, returns the accepted
/// step (0: none) and leaves f0 = loss and g = gradient at the new point.
template <class L, class F>
concept line_search_for = requires(const L l, F& f, std::span<const double> x0, double& f0,
                                   std::span<double> g, std::span<const double> d, double a,
                                   std::size_t& n) {
  { L::name } -> std::convertible_to<std::string_view>;
  { l.search(f, x0, f0, g, d, a, n) } -> std::convertible_to<double>;
};
/// ... for every full-batch objective.
template <class L>
concept line_search_policy = line_search_for<L, detail::loss_archetype>;

/// The conjugate-gradient beta: beta(g, g_old, d_old).
template <class B>
concept beta_policy = requires(const B b, std::span<const double> x) {
  { B::name } -> std::convertible_to<std::string_view>;
  { b(x, x, x) } -> std::convertible_to<double>;
};

/// A learning rate per epoch.
template <class S>
concept learning_rate_schedule = requires(const S s, std::size_t e) {
  { S::name } -> std::convertible_to<std::string_view>;
  { s(e) } -> std::convertible_to<double>;
};

/// A mini-batch update rule: apply(x, g, rate) moves the parameters x given the mini-batch
/// gradient g (its state sized on the first call and whenever the size changes); the state is
/// serialised exactly.
template <class U>
concept minibatch_update = std::default_initializable<U> &&
    requires(U u, const U cu, std::span<double> x, std::span<const double> g, double rate,
             std::ostream& os, std::istream& is) {
  { U::name } -> std::convertible_to<std::string_view>;
  u.apply(x, g, rate);
  cu.save_state(os);
  u.load_state(is);
};

/// A temperature T_k = cooling(T_0, k) for simulated annealing.
template <class C>
concept cooling_schedule = requires(const C c, double t, std::size_t k) {
  { C::name } -> std::convertible_to<std::string_view>;
  { c(t, k) } -> std::convertible_to<double>;
};

/// A trial move of simulated annealing: perturb(x, scale, rng) changes x in place.
template <class P>
concept perturbation_policy = requires(const P p, std::span<double> x, double s,
                                       std::mt19937_64& rng) {
  { P::name } -> std::convertible_to<std::string_view>;
  p(x, s, rng);
};

} // namespace annp
