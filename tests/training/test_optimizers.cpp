// Optimiser policies on problems with known answers, and each of them training a student
// potential towards a teacher's labels.

#include <annp/annp.hpp>

#include "training/training_support.hpp"

#include "../../examples/custom-optimizer/rmsprop.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

using namespace annp;
using namespace annp::test;

namespace {

/// A smooth function of a parameter vector (full-batch objective).
struct analytic {
  std::vector<double> x;
  std::function<double(const std::vector<double>&, double*)> fn;
  std::size_t calls = 0;
  [[nodiscard]] std::size_t size() const { return x.size(); }
  std::span<double> parameters() { return x; }
  double value() {
    ++calls;
    return fn(x, nullptr);
  }
  double value_and_gradient(std::span<double> g) {
    ++calls;
    return fn(x, g.data());
  }
};

analytic rosenbrock(std::size_t n) {
  analytic f;
  f.x.assign(n, -1.2);
  for (std::size_t k = 1; k < n; k += 2) f.x[k] = 1.0;
  f.fn = [](const std::vector<double>& x, double* g) {
    double v = 0.0;
    if (g) std::fill(g, g + x.size(), 0.0);
    for (std::size_t k = 0; k + 1 < x.size(); ++k) {
      const double a = x[k + 1] - x[k] * x[k], b = 1.0 - x[k];
      v += 100.0 * a * a + b * b;
      if (g) {
        g[k] += -400.0 * a * x[k] - 2.0 * b;
        g[k + 1] += 200.0 * a;
      }
    }
    return v;
  };
  return f;
}

/// Linear regression as a sum over samples: mini-batches and residuals.
struct regression {
  std::vector<double> x, A, b; // A: samples x size
  std::size_t n = 0, m = 0;
  regression(std::size_t samples, std::size_t params, std::uint64_t seed) : n(samples), m(params) {
    std::mt19937_64 rng(seed);
    x.assign(m, 0.0);
    A.resize(n * m);
    for (auto& a : A) a = gaussian(rng);
    std::vector<double> truth(m);
    for (auto& t : truth) t = gaussian(rng);
    b.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      b[i] = 0.01 * gaussian(rng);
      for (std::size_t k = 0; k < m; ++k) b[i] += A[i * m + k] * truth[k];
    }
  }
  [[nodiscard]] std::size_t size() const { return m; }
  [[nodiscard]] std::size_t sample_count() const { return n; }
  std::span<double> parameters() { return x; }
  double batch(std::span<const std::size_t> idx, double* g) {
    double v = 0.0;
    if (g) std::fill(g, g + m, 0.0);
    const double w = 1.0 / static_cast<double>(idx.size());
    for (std::size_t i : idx) {
      double r = -b[i];
      for (std::size_t k = 0; k < m; ++k) r += A[i * m + k] * x[k];
      v += w * r * r;
      if (g)
        for (std::size_t k = 0; k < m; ++k) g[k] += 2.0 * w * r * A[i * m + k];
    }
    return v;
  }
  std::vector<std::size_t> all() const {
    std::vector<std::size_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = i;
    return v;
  }
  double value() { return batch(all(), nullptr); }
  double value_and_gradient(std::span<double> g) { return batch(all(), g.data()); }
  double value_and_gradient(std::span<const std::size_t> idx, std::span<double> g) {
    return batch(idx, g.data());
  }
  // Least squares: L = |r|^2 with r_i = (A x - b)_i / sqrt(n)
  [[nodiscard]] std::size_t residual_count() const { return n; }
  void residuals(std::span<double> r, double* J) {
    const double s = 1.0 / std::sqrt(static_cast<double>(n));
    for (std::size_t i = 0; i < n; ++i) {
      double v = -b[i];
      for (std::size_t k = 0; k < m; ++k) v += A[i * m + k] * x[k];
      r[i] = s * v;
      if (J)
        for (std::size_t k = 0; k < m; ++k) J[i * m + k] = s * A[i * m + k];
    }
  }
  double minimum() {
    // Normal equations through LM's own Cholesky: the exact least-squares optimum.
    std::vector<double> ata(m * m, 0.0), atb(m, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t a = 0; a < m; ++a) {
        atb[a] += A[i * m + a] * b[i];
        for (std::size_t c = 0; c < m; ++c) ata[a * m + c] += A[i * m + a] * A[i * m + c];
      }
    REQUIRE(optim::detail::cholesky(ata, m));
    optim::detail::cholesky_solve(ata, m, atb);
    const auto keep = x;
    x = atb;
    const double v = value();
    x = keep;
    return v;
  }
};

/// Nonlinear least squares: y = p0 exp(-p1 t) + p2 sin(p3 t).
struct curve_fit {
  std::vector<double> x{2.0, 0.5, -0.3, 2.0}, truth{2.5, 0.8, -0.7, 2.2};
  [[nodiscard]] std::size_t size() const { return 4; }
  std::span<double> parameters() { return x; }
  [[nodiscard]] std::size_t residual_count() const { return 40; }
  void residuals(std::span<double> r, double* J) {
    for (std::size_t i = 0; i < 40; ++i) {
      const double t = 0.1 * static_cast<double>(i);
      const auto y = [&](const std::vector<double>& p) {
        return p[0] * std::exp(-p[1] * t) + p[2] * std::sin(p[3] * t);
      };
      r[i] = y(x) - y(truth);
      if (J) {
        J[i * 4 + 0] = std::exp(-x[1] * t);
        J[i * 4 + 1] = -x[0] * t * std::exp(-x[1] * t);
        J[i * 4 + 2] = std::sin(x[3] * t);
        J[i * 4 + 3] = x[2] * t * std::cos(x[3] * t);
      }
    }
  }
  double value() {
    std::vector<double> r(40);
    residuals(r, nullptr);
    return vec::dot(r, r);
  }
  double value_and_gradient(std::span<double> g) {
    std::vector<double> r(40), J(160);
    residuals(r, J.data());
    for (std::size_t k = 0; k < 4; ++k) {
      g[k] = 0.0;
      for (std::size_t i = 0; i < 40; ++i) g[k] += 2.0 * r[i] * J[i * 4 + k];
    }
    return vec::dot(r, r);
  }
};

/// A tilted double well per coordinate: local minima near x = +1, the global one near x = -1.
analytic double_well(std::size_t n) {
  analytic f;
  f.x.assign(n, 1.3);
  f.fn = [](const std::vector<double>& x, double* g) {
    double v = 0.0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double a = x[k] * x[k] - 1.0;
      v += a * a + 0.3 * x[k] + 0.3;
      if (g) g[k] = 4.0 * a * x[k] + 0.3;
    }
    return v;
  };
  return f;
}

using custom::rmsprop; // examples/custom-optimizer: an update rule written as a user would
static_assert(batch_optimizer<optim::minibatch<rmsprop, optim::schedule::exponential>>);

template <class O, class F> double run(O& o, F& f, std::size_t steps, std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  double loss = 0.0;
  for (std::size_t k = 0; k < steps; ++k) {
    const auto r = o.step(f, rng);
    loss = r.loss;
    if (r.converged) break;
  }
  return loss;
}

// Random structures labelled by a teacher network: energies, forces and stress it predicts.
std::vector<structure> teacher_labelled(const model& teacher_model, std::uint64_t seed,
                                        std::size_t count) {
  test_potential teacher(teacher_model);
  auto s = labelled_structures(seed, count);
  for (auto& st : s) {
    const auto r = teacher.compute(st);
    st.energy = r.energy;
    st.forces = r.forces;
    st.stress = r.stress;
  }
  return s;
}

} // namespace

TEST_SUITE("training") {
  TEST_CASE("CG with every beta and line search, and L-BFGS, minimise Rosenbrock") {
    using namespace optim;
    const auto check = [](auto opt, std::size_t steps) {
      auto f = rosenbrock(6);
      const double l = run(opt, f, steps);
      CAPTURE(decltype(opt)::name);
      CHECK(l < 1e-12);
      for (double v : f.x) CHECK(v == doctest::Approx(1.0).epsilon(1e-5));
    };
    conjugate_gradient<beta::fletcher_reeves> fr;
    fr.restart = 6;
    check(fr, 4000);
    check(conjugate_gradient<beta::polak_ribiere_plus>{}, 4000);
    check(conjugate_gradient<beta::hestenes_stiefel>{}, 4000);
    conjugate_gradient<beta::polak_ribiere_plus, line_search::backtracking> bt;
    bt.restart = 6;
    check(bt, 20000);
    check(lbfgs<>{}, 500);
    check(lbfgs<line_search::backtracking>{}, 500);
  }

  TEST_CASE("L-BFGS keeps each line search's own constants") {
    using namespace optim;
    // Strong Wolfe gets the quasi-Newton curvature constant; CG keeps the tighter one.
    CHECK(lbfgs<>{}.line_search.c1 == 1e-4);
    CHECK(lbfgs<>{}.line_search.c2 == 0.9);
    CHECK(conjugate_gradient<>{}.line_search.c2 == line_search::strong_wolfe{}.c2);
    // Backtracking has no curvature constant: its shrink factor and c1 stay as defined.
    const line_search::backtracking plain{};
    CHECK(lbfgs<line_search::backtracking>{}.line_search.shrink == plain.shrink);
    CHECK(lbfgs<line_search::backtracking>{}.line_search.c1 == plain.c1);
    // And it shows: with the intended shrink factor L-BFGS + backtracking solves Rosenbrock in
    // fewer evaluations than with a shrink factor of 0.9 (131 against 212 here).
    const auto evaluations = [](double shrink) {
      lbfgs<line_search::backtracking> o;
      o.line_search.shrink = shrink;
      auto f = rosenbrock(6);
      CHECK(run(o, f, 2000) < 1e-12);
      return f.calls;
    };
    const std::size_t intended = evaluations(plain.shrink), slow = evaluations(0.9);
    // Settings by name, as docs/concepts.md shows them.
    lbfgs<> named;
    named.line_search = {.c1 = 1e-4, .c2 = 0.5};
    named.convergence = {.tolerance = 1e-9, .patience = 10};
    CHECK(named.line_search.max_evaluations == line_search::strong_wolfe{}.max_evaluations);
    CHECK(named.convergence.gradient_tolerance == convergence_settings{}.gradient_tolerance);
    CAPTURE(intended);
    CAPTURE(slow);
    CHECK(intended < 200);
    CHECK(3 * slow > 4 * intended);
  }

  TEST_CASE("Levenberg-Marquardt solves linear and nonlinear least squares") {
    regression lin(60, 8, 3);
    optim::levenberg_marquardt lm;
    const double l = run(lm, lin, 50);
    CHECK(l == doctest::Approx(lin.minimum()).epsilon(1e-9));
    curve_fit c;
    optim::levenberg_marquardt lm2;
    CHECK(run(lm2, c, 200) < 1e-20);
    for (std::size_t k = 0; k < 4; ++k) CHECK(c.x[k] == doctest::Approx(c.truth[k]).epsilon(1e-8));
  }

  TEST_CASE("Levenberg-Marquardt: the residual-space system gives the parameter-space step") {
    // 7 residuals, 19 parameters: the case of a network fitted to few labels. Both systems, with
    // and without Marquardt's scaling, take the same steps; the default (automatic) takes the
    // residual-space one here, bit for bit.
    // Iterative refinement of the residual-space solve (0, 1 or 2 steps) keeps it the same step.
    using lm_system = optim::levenberg_marquardt::system;
    for (const bool scaled : {true, false})
      for (const std::size_t refinements : {0u, 1u, 2u}) {
        CAPTURE(scaled);
        CAPTURE(refinements);
        regression p(7, 19, 5), q(7, 19, 5), a(7, 19, 5);
        optim::levenberg_marquardt lp, lq, la;
        lp.solve_in = lm_system::parameters;
        lq.solve_in = lm_system::residuals;
        lq.refinements = la.refinements = refinements;
        lp.marquardt_scaling = lq.marquardt_scaling = la.marquardt_scaling = scaled;
        std::mt19937_64 rng(1);
        for (int step = 0; step < 6; ++step) {
          const auto rp = lp.step(p, rng), rq = lq.step(q, rng), ra = la.step(a, rng);
          CHECK(rq.loss == doctest::Approx(rp.loss).epsilon(1e-9));
          CHECK(ra.loss == rq.loss);
          double diff = 0.0, norm = 0.0;
          for (std::size_t k = 0; k < 19; ++k) {
            diff = std::max(diff, std::abs(p.x[k] - q.x[k]));
            norm = std::max(norm, std::abs(p.x[k]));
            CHECK(a.x[k] == q.x[k]);
          }
          CHECK(diff <= 1e-9 * norm);
        }
        // Underdetermined: the residuals vanish.
        optim::levenberg_marquardt more;
        more.solve_in = lm_system::residuals;
        CHECK(run(more, q, 100) < 1e-24);
      }
    // More residuals than parameters: the default solves the normal equations, bit for bit.
    regression p(60, 8, 3), a(60, 8, 3);
    optim::levenberg_marquardt lp, la;
    lp.solve_in = lm_system::parameters;
    std::mt19937_64 rng(1);
    for (int step = 0; step < 4; ++step) {
      CHECK(la.step(a, rng).loss == lp.step(p, rng).loss);
      for (std::size_t k = 0; k < 8; ++k) CHECK(a.x[k] == p.x[k]);
    }
  }

  TEST_CASE("gradient descent with momentum and Adam approach the least-squares optimum") {
    using namespace optim;
    regression a(200, 6, 4), b(200, 6, 4);
    const double best = a.minimum();
    gradient_descent<schedule::exponential> gd;
    gd.rate = {0.05, 0.97, 1e-5};
    gd.update.coefficient = 0.5;
    gd.batch_size = 20;
    adam<schedule::cosine> ad;
    ad.rate = {0.05, 1e-4, 150};
    ad.batch_size = 20;
    const double lg = run(gd, a, 150), la = run(ad, b, 150);
    CHECK(lg < best * 1.01);
    CHECK(la < best * 1.01);
    // Momentum 0 takes the steps of plain SGD (to rounding: a compiler may fuse SGD's x - r g).
    regression c(200, 6, 4), d(200, 6, 4);
    gradient_descent<> still;
    still.update.coefficient = 0.0;
    still.rate.rate = 0.02;
    minibatch<update::sgd> sgd;
    sgd.rate.rate = 0.02;
    (void)run(still, c, 5);
    (void)run(sgd, d, 5);
    for (std::size_t k = 0; k < c.x.size(); ++k)
      CHECK(c.x[k] == doctest::Approx(d.x[k]).epsilon(1e-13));
    // A user-written update rule (rmsprop above) in the same composition.
    regression e(200, 6, 4);
    minibatch<rmsprop, schedule::exponential> rms;
    rms.rate = {0.02, 0.95, 1e-6};
    rms.batch_size = 20;
    CHECK(std::string(decltype(rms)::name) == "rmsprop");
    CHECK(run(rms, e, 200) < best * 1.01);
    CHECK(lg >= best * (1 - 1e-12));
  }

  TEST_CASE(
      "simulated annealing leaves local minima that CG cannot; the hybrid finds the global one") {
    using namespace optim;
    // Plain CG from x = 1.3 stops in the local wells near +1.
    auto f = double_well(4);
    conjugate_gradient<> cg;
    const double local = run(cg, f, 500);
    for (double v : f.x) CHECK(v > 0.5);
    // CG + annealing escapes: every coordinate ends in the global well near -1.
    auto h = double_well(4);
    cg_annealing<> hybrid;
    hybrid.cycles = 6;
    hybrid.anneal_steps = 15;
    hybrid.global.temperature = 0.5;
    hybrid.global.perturbation.sigma = 0.3;
    const double global = run(hybrid, h, 5000, 7);
    CHECK(global < local - 1.0);
    for (double v : h.x) CHECK(v < -0.5);
    // The best point is restored at the end: the result is a (CG-converged) minimum.
    std::vector<double> g(4);
    h.value_and_gradient(g);
    CHECK(vec::norm(g) < 1e-6);
    // Annealing alone (exponential cooling) also lowers the loss and remembers its best point.
    auto s = double_well(4);
    simulated_annealing<cooling::exponential, perturbation::gaussian> sa;
    sa.temperature = 0.5;
    sa.perturbation.sigma = 0.3;
    run(sa, s, 60, 3);
    CHECK(sa.best() < local);
    const double best = sa.restore_best(s);
    CHECK(best == s.value());
  }

  TEST_CASE("annealing tunes its step scale to the acceptance target and keeps it across stages") {
    using namespace optim;
    // At the bottom of a well with a cold walk and a far too wide perturbation nothing is
    // accepted at first; the scale shrinks until moves are accepted again.
    auto f = double_well(8);
    for (double& v : f.x) v = -1.0371; // near the global minimum of every coordinate
    simulated_annealing<> sa;
    sa.temperature = 0.01;
    sa.relative = false;
    sa.perturbation.sigma = 5.0;
    sa.moves = 20;
    const auto rate = [](const std::string& note) {
      return std::stod(note.substr(note.find("accepted=") + 9));
    };
    std::mt19937_64 rng(3);
    CHECK(rate(sa.step(f, rng).note) == 0.0);
    double last = 0.0;
    for (int k = 0; k < 5; ++k) last = rate(sa.step(f, rng).note);
    CHECK(sa.step_scale() < 0.01);
    CHECK(last > 0.0);
    // A new stage (the hybrid calls reset()) restarts the cooling but keeps the tuned scale.
    const double tuned = sa.step_scale();
    sa.reset();
    CHECK(sa.step_scale() == tuned);
    CHECK(rate(sa.step(f, rng).note) > 0.0);
  }

  TEST_CASE("every optimiser trains a student potential towards a teacher's labels") {
    // Labels from a teacher network: a target the student's architecture can reach exactly.
    const model teacher_model = make_test_model(21);
    const auto s = teacher_labelled(teacher_model, 31, 24);
    model student_model = teacher_model;
    for (std::size_t e = 0; e < 2; ++e)
      initialize(student_model.networks[e], init::nguyen_widrow{}, 100 + e);
    const auto train = [&](auto opt, std::size_t steps, loss_weights w, double factor = 0.05) {
      test_potential pot(student_model);
      const auto data = scaled_data(pot, s);
      training_objective obj(pot, data, w);
      const double before = obj.value();
      const double after = run(opt, obj, steps, 5);
      CAPTURE(decltype(opt)::name);
      CHECK(after < factor * before);
      return after / before;
    };
    using namespace optim;
    const loss_weights ef{1.0, 1.0, 0.0}, efs{1.0, 1.0, 1.0};
    train(conjugate_gradient<>{}, 60, ef);
    train(lbfgs<>{}, 60, efs);
    train(levenberg_marquardt{}, 15, ef);
    adam<> ad;
    ad.rate.rate = 3e-3;
    ad.batch_size = 4;
    train(ad, 60, ef);
    // The filter needs more observations than this small set offers per epoch: the standard and
    // fading-memory variants are checked for a steady decrease, the error-selecting one fully.
    train(kalman_filter{}, 12, ef, 0.15);
    kalman_filter fading;
    fading.type = kalman_filter::variant::fading_memory;
    fading.lambda = 0.99;
    fading.decoupled = true;
    train(fading, 10, ef, 0.4);
    kalman_filter picky;
    picky.force_energy_ratio = 2.0;
    picky.energy_threshold = picky.force_threshold = 1.0;
    train(picky, 10, ef, 0.01);
    kalman_filter n2p2_recipe; // energies at random, forces selected by error, 3 trials
    n2p2_recipe.force_energy_ratio = 2.0;
    n2p2_recipe.force_threshold = 1.0;
    n2p2_recipe.max_trials = 3;
    train(n2p2_recipe, 10, ef);
    cg_annealing<> hybrid;
    hybrid.local_iterations = 20;
    hybrid.cycles = 2;
    hybrid.anneal_steps = 2;
    hybrid.global.moves = 5;
    train(hybrid, 60, ef);
  }

  TEST_CASE("Kalman filter: stress observations fit the stress labels") {
    // A teacher's labels; the student sees energies, and with stress updates the stress too.
    const auto s = teacher_labelled(make_test_model(21), 33, 12);
    model student = make_test_model(21);
    for (std::size_t e = 0; e < 2; ++e)
      initialize(student.networks[e], init::nguyen_widrow{}, 7 + e);
    const auto stress_error = [&](double ratio, std::size_t epochs) {
      test_potential pot(student);
      const auto data = scaled_data(pot, s);
      training_objective obj(pot, data, loss_weights{1.0, 0.0, 1.0});
      optim::kalman_filter k;
      k.use_forces = false;
      k.stress_energy_ratio = ratio;
      std::mt19937_64 rng(4);
      for (std::size_t e = 0; e < epochs; ++e) {
        const auto r = k.step(obj, rng);
        CHECK(r.evaluations == 12 + static_cast<std::size_t>(std::lround(ratio * 12.0)));
      }
      obj.sync();
      return training_objective(pot, data, loss_weights{0.0, 0.0, 1.0}).value();
    };
    const double before = stress_error(0.0, 0);
    const double without = stress_error(0.0, 10), with = stress_error(2.0, 10);
    CAPTURE(before);
    CAPTURE(without);
    CAPTURE(with);
    CHECK(with < 0.6 * before);
    CHECK(with < 0.2 * without);
  }

  TEST_CASE("optimiser states round-trip exactly: a resumed run takes the same steps") {
    using namespace optim;
    const auto check = [](auto opt, auto make) {
      auto f1 = make(), f2 = make();
      auto o1 = opt, o2 = opt;
      std::mt19937_64 r1(9), r2(9);
      for (int k = 0; k < 3; ++k) (void)o1.step(f1, r1), (void)o2.step(f2, r2);
      std::stringstream ss;
      o1.save_state(ss);
      decltype(opt) o3 = opt;
      o3.load_state(ss);
      for (int k = 0; k < 3; ++k) (void)o2.step(f2, r2);
      auto f3 = f1;
      std::mt19937_64 r3 = r1;
      for (int k = 0; k < 3; ++k) (void)o3.step(f3, r3);
      CAPTURE(decltype(opt)::name);
      CHECK(f3.x == f2.x);
    };
    const auto ros = [] { return rosenbrock(4); };
    const auto reg = [] { return regression(50, 5, 2); };
    check(conjugate_gradient<>{}, ros);
    check(lbfgs<>{}, ros);
    check(levenberg_marquardt{}, reg);
    adam<> ad;
    ad.rate.rate = 0.01;
    check(ad, reg);
    gradient_descent<> gd;
    gd.rate.rate = 0.01;
    gd.update.coefficient = 0.9;
    check(gd, reg);
    check(simulated_annealing<>{}, ros);
    cg_annealing<> h;
    h.local_iterations = 2;
    h.anneal_steps = 2;
    check(h, ros);
    // Saved inside the first local stage: no minimum yet, the best loss is +infinity.
    cg_annealing<> first;
    first.local_iterations = 100;
    check(first, ros);
    minibatch<rmsprop> rms;
    rms.rate.rate = 0.01;
    check(rms, reg);
  }

  TEST_CASE("optimiser state readers name what they expected") {
    std::stringstream ss;
    annp::state::write(ss, "best", std::numeric_limits<double>::infinity());
    annp::state::write(ss, "steps", std::size_t{3});
    annp::state::write(ss, "done", true);
    annp::state::write(ss, "x", std::vector<double>{0.1, -2.5e-300, std::nan("")});
    CHECK(annp::state::read_number(ss, "best") == std::numeric_limits<double>::infinity());
    CHECK(annp::state::read_count(ss, "steps") == 3);
    CHECK(annp::state::read_flag(ss, "done"));
    const auto x = annp::state::read_vector(ss, "x");
    REQUIRE(x.size() == 3);
    CHECK(x[0] == 0.1);
    CHECK(x[1] == -2.5e-300);
    CHECK(std::isnan(x[2]));
    std::stringstream wrong("stalled 2\n");
    CHECK_THROWS_WITH((void)annp::state::read_count(wrong, "iter"),
                      "optimiser state: expected 'iter', got 'stalled'");
    std::stringstream bad("f 1.5x\n");
    CHECK_THROWS_WITH((void)annp::state::read_number(bad, "f"),
                      "optimiser state: bad number '1.5x' for 'f'");
    std::stringstream negative("pairs -1\n");
    CHECK_THROWS_WITH((void)annp::state::read_count(negative, "pairs"),
                      "optimiser state: expected a non-negative integer for 'pairs', got '-1'");
    std::stringstream empty;
    CHECK_THROWS_WITH((void)annp::state::read_vector(empty, "g"),
                      "optimiser state: expected 'g', got the end");
  }
}
