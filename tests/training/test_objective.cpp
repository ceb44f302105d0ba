// Training data, splits, reference energies and the loss: predictions equal the potential's,
// gradients and Jacobians equal finite differences, results do not depend on the thread count.

#include <annp/core/parallel.hpp>
#include <annp/training/optimizer.hpp>
#include <annp/training/optimizers/kalman.hpp>
#include <annp/training/optimizers/levenberg_marquardt.hpp>
#include <annp/training/setup.hpp>

#include "training/training_support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <limits>
#include <map>
#include <numeric>
#include <set>

using namespace annp;
using namespace annp::test;

namespace {

template <class F> double central_difference(F& f, std::size_t k, double h, auto&& value) {
  auto x = f.parameters();
  const double x0 = x[k];
  x[k] = x0 + h;
  const double fp = value();
  x[k] = x0 - h;
  const double fm = value();
  x[k] = x0;
  return (fp - fm) / (2.0 * h);
}

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

} // namespace

TEST_SUITE("training") {
  TEST_CASE("split: seeded, by structure, stratified by config_type, disjoint and complete") {
    std::vector<structure> s(100);
    for (std::size_t k = 0; k < s.size(); ++k)
      s[k].config_type = k < 80 ? "bulk" : (k < 95 ? "surface" : "dimer");
    const auto a = split_dataset(s, {0.2, 0.1}, 7);
    const auto b = split_dataset(s, {0.2, 0.1}, 7);
    const auto c = split_dataset(s, {0.2, 0.1}, 8);
    CHECK(a.train == b.train);
    CHECK(a.validation == b.validation);
    CHECK(a.train != c.train);
    std::set<std::size_t> seen;
    for (const auto* v : {&a.train, &a.validation, &a.test})
      for (auto k : *v) CHECK(seen.insert(k).second);
    CHECK(seen.size() == s.size());
    const auto count = [&](const std::vector<std::size_t>& v, const std::string& t) {
      return std::count_if(v.begin(), v.end(),
                           [&](std::size_t k) { return s[k].config_type == t; });
    };
    CHECK(count(a.validation, "bulk") == 16);
    CHECK(count(a.test, "bulk") == 8);
    CHECK(count(a.validation, "surface") == 3);
    CHECK(count(a.validation, "dimer") == 1); // at least one of a small category
    CHECK(count(a.test, "dimer") == 1);
    CHECK_THROWS_AS((void)split_dataset(s, {0.6, 0.5}, 1), annp::error);
  }

  TEST_CASE("split by content: stable when data is added, relabelled or reordered") {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0.0, 4.0);
    const auto make = [&](const std::string& type) {
      structure t;
      t.config_type = type;
      t.numbers = {13, 13};
      t.positions = xt::xtensor<double, 2>::from_shape({2, 3});
      for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t a = 0; a < 3; ++a) t.positions(i, a) = u(rng);
      t.cell = mat3{{{4, 0, 0}, {0, 4, 0}, {0, 0, 4}}};
      t.pbc = {true, true, true};
      return t;
    };
    std::vector<structure> s;
    for (std::size_t k = 0; k < 100; ++k)
      s.push_back(make(k < 80 ? "bulk" : (k < 95 ? "surface" : "dimer")));
    const split_fractions f{0.2, 0.1};
    const auto a = split_dataset(s, f, 7, split_kind::content);
    const auto part_of = [](const dataset_split& d, std::size_t n) {
      std::vector<int> p(n, -1);
      for (auto k : d.train) p[k] = 0;
      for (auto k : d.validation) p[k] = 1;
      for (auto k : d.test) p[k] = 2;
      return p;
    };
    const auto pa = part_of(a, s.size());
    CHECK(std::count(pa.begin(), pa.end(), -1) == 0); // complete (and so disjoint: sizes add up)
    CHECK(a.train.size() + a.validation.size() + a.test.size() == s.size());
    // the same proportions per config_type as the shuffled split
    const auto b = split_dataset(s, f, 7);
    for (const auto* t : {"bulk", "surface", "dimer"}) {
      const auto count = [&](const std::vector<std::size_t>& v) {
        return std::count_if(v.begin(), v.end(),
                             [&](std::size_t k) { return s[k].config_type == t; });
      };
      CHECK(count(a.validation) == count(b.validation));
      CHECK(count(a.test) == count(b.test));
    }
    CHECK(split_dataset(s, f, 7, split_kind::content).test == a.test); // deterministic
    CHECK(split_dataset(s, f, 8, split_kind::content).test != a.test); // seeded
    // a new config_type (first in name order) and one more bulk structure
    auto grown = s;
    for (int k = 0; k < 5; ++k) grown.push_back(make("aaa"));
    grown.push_back(make("bulk"));
    const auto pg = part_of(split_dataset(grown, f, 7, split_kind::content), grown.size());
    int moved_bulk = 0, moved_other = 0;
    for (std::size_t k = 0; k < s.size(); ++k)
      if (pg[k] != pa[k]) ++(s[k].config_type == "bulk" ? moved_bulk : moved_other);
    CHECK(moved_other == 0);
    CHECK(moved_bulk <= 2);
    // the shuffled split, by contrast, reshuffles every type after the new one
    const auto pb = part_of(b, s.size());
    const auto pbg = part_of(split_dataset(grown, f, 7), grown.size());
    int moved_shuffled = 0;
    for (std::size_t k = 80; k < s.size(); ++k) moved_shuffled += pbg[k] != pb[k];
    CHECK(moved_shuffled > 0);
    // relabelled: the same split; reordered: the same structures in each part
    auto relabelled = s;
    for (auto& t : relabelled) t.energy = u(rng);
    CHECK(part_of(split_dataset(relabelled, f, 7, split_kind::content), s.size()) == pa);
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<structure> reordered;
    for (auto k : order) reordered.push_back(s[k]);
    const auto pr = part_of(split_dataset(reordered, f, 7, split_kind::content), s.size());
    for (std::size_t k = 0; k < s.size(); ++k) CHECK(pr[k] == pa[order[k]]);
    // the key sees the last bit of a coordinate, not the sign of a zero
    auto t = s[0];
    const auto key = structure_key(t, 7);
    t.positions(1, 2) = std::nextafter(t.positions(1, 2), 10.0);
    CHECK(structure_key(t, 7) != key);
    t = s[0];
    t.positions(0, 0) = 0.0;
    const auto zero = structure_key(t, 7);
    t.positions(0, 0) = -0.0;
    CHECK(structure_key(t, 7) == zero);
  }

  TEST_CASE("reference energies: least squares recovers per-element energies exactly") {
    std::mt19937_64 rng(3);
    std::vector<structure> s;
    for (int k = 0; k < 12; ++k) {
      structure t;
      const int na = 1 + k % 5, no = (k * 7) % 4;
      for (int i = 0; i < na; ++i) t.numbers.push_back(13);
      for (int i = 0; i < no; ++i) t.numbers.push_back(8);
      t.positions = xt::zeros<double>({t.numbers.size(), std::size_t{3}});
      t.energy = -3.25 * na - 4.5 * no;
      s.push_back(t);
    }
    const auto mu = fit_reference_energies(s, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {13, 8, 29});
    REQUIRE(mu.size() == 3);
    CHECK(mu[0] == doctest::Approx(-3.25).epsilon(1e-12));
    CHECK(mu[1] == doctest::Approx(-4.5).epsilon(1e-12));
    CHECK(mu[2] == 0.0); // absent element
    // Only one composition ratio: not determined.
    std::vector<structure> same(2, s[0]);
    same[1].numbers.insert(same[1].numbers.end(), s[0].numbers.begin(), s[0].numbers.end());
    same[1].positions = xt::zeros<double>({same[1].numbers.size(), std::size_t{3}});
    if (std::count(s[0].numbers.begin(), s[0].numbers.end(), 8) > 0)
      CHECK_THROWS_AS((void)fit_reference_energies(same, {0, 1}, {13, 8}), annp::error);
  }

  TEST_CASE("objective predictions equal the potential's energies, forces and stress") {
    test_potential pot(make_test_model(11));
    const auto s = labelled_structures(5, 8);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 1.0, 1.0});
    for (std::size_t k = 0; k < s.size(); ++k) {
      const auto p = obj.predict(k);
      const auto r = pot.compute(s[k]);
      CHECK(p.energy == doctest::Approx(r.energy).epsilon(1e-12));
      for (std::size_t c = 0; c < 3 * s[k].size(); ++c)
        CHECK(p.forces[c] == doctest::Approx(r.forces(c / 3, c % 3)).epsilon(1e-10).scale(1.0));
      REQUIRE(p.stress.has_value() == r.stress.has_value());
      if (p.stress)
        for (std::size_t ab = 0; ab < 9; ++ab)
          CHECK((*p.stress)[ab / 3][ab % 3] ==
                doctest::Approx((*r.stress)[ab / 3][ab % 3]).epsilon(1e-10).scale(1.0));
    }
  }

  TEST_CASE("loss gradient equals central differences (energy, forces, stress terms)") {
    test_potential pot(make_test_model(12));
    const auto s = labelled_structures(6, 8);
    const auto data = scaled_data(pot, s);
    for (const loss_weights w : {loss_weights{1, 0, 0}, loss_weights{0, 1, 0},
                                 loss_weights{0, 0, 1}, loss_weights{1.0, 0.3, 10.0, 0.5}}) {
      training_objective obj(pot, data, w);
      std::vector<double> g(obj.size());
      const double l = obj.value_and_gradient(g);
      CHECK(l == doctest::Approx(obj.value()).epsilon(1e-14));
      std::mt19937_64 rng(1);
      double worst = 0.0;
      for (int t = 0; t < 40; ++t) {
        const std::size_t k = rng() % obj.size();
        const double fd = central_difference(obj, k, 1e-5, [&] { return obj.value(); });
        worst = std::max(worst,
                         std::abs(fd - g[k]) / std::max(1e-3 * vec::norm(g) / 10, std::abs(g[k])));
      }
      CAPTURE(w.energy);
      CAPTURE(w.forces);
      CAPTURE(w.stress);
      CHECK(worst < 1e-6);
    }
  }

  TEST_CASE("mini-batch loss normalises by the batch's labels and sums to the full loss") {
    test_potential pot(make_test_model(13));
    const auto s = labelled_structures(7, 6);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 0.5, 2.0});
    std::vector<double> g_full(obj.size()), g_one(obj.size());
    const std::vector<std::size_t> all = {0, 1, 2, 3, 4, 5};
    const double full = obj.value_and_gradient(g_full);
    const double batch = obj.value_and_gradient(all, g_one);
    CHECK(full == batch);
    CHECK(g_full == g_one);
    // A single energy-only structure: its squared per-atom error.
    training_objective eonly(pot, data, loss_weights{1.0, 0.0, 0.0});
    const std::vector<std::size_t> one = {2};
    std::vector<double> g(obj.size());
    const double l = eonly.value_and_gradient(one, g);
    const double de = (eonly.predict(2).energy - *s[2].energy) / static_cast<double>(s[2].size());
    CHECK(l == doctest::Approx(de * de).epsilon(1e-13));
  }

  TEST_CASE("residual view: |r|^2 is the loss and the Jacobian equals central differences") {
    test_potential pot(make_test_model(14));
    const auto s = labelled_structures(8, 4);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 0.7, 3.0, 0.2});
    static_assert(structure_objective<decltype(obj)>);
    optim::residual_view view(obj);
    static_assert(least_squares_objective<decltype(view)>);
    const std::size_t nr = view.residual_count(), np = obj.size();
    std::size_t rows = np; // regularisation
    for (const auto& x : s) rows += 1 + 3 * x.size() + (x.fully_periodic() ? 9 : 0);
    CHECK(nr == rows);
    std::vector<double> r(nr), J(nr * np), rp(nr), rm(nr);
    view.residuals(r, J.data());
    CHECK(vec::dot(r, r) == doctest::Approx(obj.value()).epsilon(1e-12));
    std::mt19937_64 rng(2);
    double worst = 0.0, jmax = 0.0;
    for (double v : J) jmax = std::max(jmax, std::abs(v));
    for (int t = 0; t < 15; ++t) {
      const std::size_t k = rng() % np;
      auto x = obj.parameters();
      const double x0 = x[k], h = 1e-5;
      x[k] = x0 + h;
      view.residuals(rp, nullptr);
      x[k] = x0 - h;
      view.residuals(rm, nullptr);
      x[k] = x0;
      for (std::size_t i = 0; i < nr; ++i)
        worst = std::max(worst, std::abs((rp[i] - rm[i]) / (2 * h) - J[i * np + k]) / jmax);
    }
    CHECK(worst < 1e-7);
  }

  TEST_CASE("Kalman view: errors and derivatives match the prediction and differences") {
    test_potential pot(make_test_model(15));
    const auto s = labelled_structures(9, 4);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 1.0, 0.0});
    optim::kalman_view view(obj);
    static_assert(kalman_objective<decltype(view)>);
    CHECK(view.has_energy(1));
    CHECK(view.force_components(1) == 3 * s[1].size());
    std::vector<double> row(obj.size());
    const double scale = pot.energy_scale();
    const auto n0 = static_cast<double>(s[1].size());
    const double xi = view.energy_observation(1, row);
    CHECK(xi ==
          doctest::Approx((*s[1].energy - obj.predict(1).energy) / (n0 * scale)).epsilon(1e-12));
    for (std::size_t k : {std::size_t{0}, obj.size() / 2, obj.size() - 1}) {
      const double fd =
          central_difference(obj, k, 1e-5, [&] { return obj.predict(1).energy / (n0 * scale); });
      CHECK(std::abs(row[k] - fd) < 1e-7 * max_abs(row));
    }
    const std::size_t c = 4; // atom 1, y
    const double xf = view.force_observation(1, c, row);
    CHECK(
        xf ==
        doctest::Approx(((*s[1].forces)(1, 1) - obj.predict(1).forces[c]) / scale).epsilon(1e-12));
    for (std::size_t k : {std::size_t{1}, obj.size() / 3, obj.size() - 2}) {
      const double fd =
          central_difference(obj, k, 1e-5, [&] { return obj.predict(1).forces[c] / scale; });
      CHECK(std::abs(row[k] - fd) < 1e-7 * max_abs(row));
    }
    double e_err = 0.0;
    std::vector<double> f_err;
    view.sample_errors(1, e_err, f_err);
    CHECK(e_err == doctest::Approx(std::abs(xi) * scale).epsilon(1e-12));
    REQUIRE(f_err.size() == 3 * s[1].size());
    CHECK(f_err[c] == doctest::Approx(std::abs(xf) * scale).epsilon(1e-12));
  }

  TEST_CASE("Kalman view: normalised force and stress observations and their derivatives") {
    test_potential pot(make_test_model(15));
    const auto s = labelled_structures(9, 4);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 1.0, 1.0});
    optim::kalman_view view(obj, /*normalize_forces*/ true);
    // The units: standard deviations of the training labels, computed here independently.
    std::vector<double> fv, sv;
    for (const auto& x : s) {
      for (std::size_t j = 0; j < x.size(); ++j)
        for (std::size_t a = 0; a < 3; ++a) fv.push_back((*x.forces)(j, a));
      if (x.fully_periodic() && x.stress)
        for (auto [a, b] : {std::pair{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}})
          sv.push_back((*x.stress)[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)]);
    }
    const auto spread = [](const std::vector<double>& v) {
      double m = 0.0, q = 0.0;
      for (double x : v) m += x / static_cast<double>(v.size());
      for (double x : v) q += (x - m) * (x - m);
      return std::sqrt(q / static_cast<double>(v.size() - 1));
    };
    REQUIRE(sv.size() >= 12);
    const double fu = spread(fv), su = spread(sv);
    CHECK(view.force_unit() == doctest::Approx(fu).epsilon(1e-12));
    CHECK(fu != doctest::Approx(pot.energy_scale()));
    std::vector<double> row(obj.size());
    const std::size_t c = 5; // atom 1, z
    const double xf = view.force_observation(1, c, row);
    CHECK(xf ==
          doctest::Approx(((*s[1].forces)(1, 2) - obj.predict(1).forces[c]) / fu).epsilon(1e-12));
    for (std::size_t k : {std::size_t{2}, obj.size() / 2, obj.size() - 3}) {
      const double fd =
          central_difference(obj, k, 1e-5, [&] { return obj.predict(1).forces[c] / fu; });
      CHECK(std::abs(row[k] - fd) < 1e-7 * max_abs(row));
    }
    std::size_t periodic = 0;
    while (view.stress_components(periodic) == 0) ++periodic;
    REQUIRE(periodic < s.size());
    CHECK(view.stress_components(periodic) == 6);
    // Component 3 is yz, 4 xz, 5 xy (Voigt order).
    for (const auto& kab : {std::array<std::size_t, 3>{0, 0, 0}, {3, 1, 2}, {4, 0, 2}, {5, 0, 1}}) {
      const std::size_t k = kab[0], ka = kab[1], kb = kab[2];
      CAPTURE(k);
      const double xs = view.stress_observation(periodic, k, row);
      const auto pred = [&] { return (*obj.predict(periodic).stress)[ka][kb] / su; };
      CHECK(xs == doctest::Approx((*s[periodic].stress)[ka][kb] / su - pred()).epsilon(1e-12));
      for (std::size_t q : {std::size_t{0}, obj.size() / 3, obj.size() - 1}) {
        const double fd = central_difference(obj, q, 1e-5, pred);
        CHECK(std::abs(row[q] - fd) < 1e-7 * max_abs(row));
      }
    }
  }

  TEST_CASE("streamed derivatives: the same loss, gradient and rows as stored ones") {
    test_potential pot(make_test_model(18));
    const auto s = labelled_structures(12, 8);
    std::vector<std::size_t> all(s.size());
    for (std::size_t k = 0; k < s.size(); ++k) all[k] = k;
    training_data stored(pot.engine(), s, all, training_data_options{true, false});
    training_data streamed(pot.engine(), s, all, training_data_options{true, true});
    stored.apply_scaling(pot.scaling());
    streamed.apply_scaling(pot.scaling());
    REQUIRE(streamed[0].streamed);
    CHECK(streamed[0].has_derivatives);
    CHECK(streamed[0].deriv.empty());
    CHECK(streamed.memory_bytes() * 5 < stored.memory_bytes());
    // A selection keeps the way back to the derivatives.
    const auto some = streamed.select([](const training_structure& t) { return t.index % 2; });
    training_structure scratch;
    const auto& again = some.resolve(1, scratch);
    CHECK(again.deriv == stored[3].deriv);
    CHECK(again.strain == stored[3].strain);
    for (const loss_weights w : {loss_weights{1.0, 0.7, 0.3}, loss_weights{1.0, 0.0, 0.0}}) {
      training_objective a(pot, stored, w), b(pot, streamed, w);
      std::vector<double> ga(a.size()), gb(b.size());
      const int before = max_threads();
      for (int threads : {1, 2}) {
        set_threads(threads);
        CHECK(a.value_and_gradient(ga) == b.value_and_gradient(gb));
        CHECK(ga == gb);
      }
      set_threads(before);
    }
    training_objective a(pot, stored, loss_weights{1.0, 1.0, 1.0});
    training_objective b(pot, streamed, loss_weights{1.0, 1.0, 1.0});
    optim::kalman_view va(a), vb(b);
    std::vector<double> ra(a.size()), rb(b.size());
    CHECK(va.force_observation(2, 4, ra) == vb.force_observation(2, 4, rb));
    CHECK(ra == rb);
    CHECK(va.stress_observation(1, 3, ra) == vb.stress_observation(1, 3, rb));
    CHECK(ra == rb);
    CHECK(va.energy_observation(5, ra) == vb.energy_observation(5, rb));
    CHECK(ra == rb);
  }

  TEST_CASE("structure weights: a weight of 2 is the structure taken twice, only ratios matter") {
    test_potential pot(make_test_model(19));
    const auto s = labelled_structures(13, 6);
    auto twice = s;
    twice.push_back(s[2]); // structure 2 (periodic, with stress) taken twice
    twice.push_back(s[3]); // structure 3 (a cluster) taken twice
    auto weighted = scaled_data(pot, s);
    const auto doubled = scaled_data(pot, twice);
    weighted.set_weights(std::vector<double>{1, 1, 2, 2, 1, 1});
    for (const loss_weights w : {loss_weights{1.0, 0.0, 0.0}, loss_weights{1.0, 0.3, 10.0, 0.5}}) {
      training_objective a(pot, weighted, w), b(pot, doubled, w);
      std::vector<double> ga(a.size()), gb(b.size());
      const double la = a.value_and_gradient(ga), lb = b.value_and_gradient(gb);
      CHECK(la == doctest::Approx(lb).epsilon(1e-12));
      for (std::size_t k = 0; k < ga.size(); ++k)
        CHECK(std::abs(ga[k] - gb[k]) <= 1e-11 * (vec::norm(gb) + 1.0));
      // The same weights times 3: the same loss.
      auto tripled = scaled_data(pot, s);
      tripled.set_weights(std::vector<double>{3, 3, 6, 6, 3, 3});
      training_objective c(pot, tripled, w);
      CHECK(c.value() == doctest::Approx(la).epsilon(1e-12));
    }
    // Unequal weights (one 0) change the loss, and the gradient is still exact.
    weighted.set_weights(std::vector<double>{0.2, 0.0, 3.0, 1.0, 0.7, 1.5});
    training_objective obj(pot, weighted, loss_weights{1.0, 0.3, 10.0, 0.5});
    const auto unit = scaled_data(pot, s); // every weight 1
    training_objective plain(pot, unit, loss_weights{1.0, 0.3, 10.0, 0.5});
    CHECK(std::abs(obj.value() - plain.value()) > 1e-6 * plain.value());
    std::vector<double> g(obj.size());
    obj.value_and_gradient(g);
    std::mt19937_64 rng(3);
    double worst = 0.0;
    for (int t = 0; t < 30; ++t) {
      const std::size_t k = rng() % obj.size();
      const double fd = central_difference(obj, k, 1e-5, [&] { return obj.value(); });
      worst =
          std::max(worst, std::abs(fd - g[k]) / std::max(1e-3 * vec::norm(g) / 10, std::abs(g[k])));
    }
    CHECK(worst < 1e-6);
    // The least-squares view: |r|^2 is the weighted loss.
    optim::residual_view lsq(obj);
    std::vector<double> r(lsq.residual_count());
    lsq.residuals(r, nullptr);
    CHECK(vec::dot(r, r) == doctest::Approx(obj.value()).epsilon(1e-12));
    // The Kalman view: observations and rows times sqrt(weight); a weight of 0 observes nothing.
    training_objective unweighted(pot, unit, loss_weights{1.0, 1.0, 1.0});
    training_objective kal(pot, weighted, loss_weights{1.0, 1.0, 1.0});
    optim::kalman_view vw(kal), v1(unweighted);
    std::vector<double> rw(kal.size()), r1(kal.size());
    const double root3 = std::sqrt(3.0);
    const auto rows_scaled = [&] {
      double d = 0.0;
      for (std::size_t k = 0; k < rw.size(); ++k) d = std::max(d, std::abs(rw[k] - root3 * r1[k]));
      return max_abs(r1) > 0.0 && d <= 1e-13 * max_abs(r1);
    };
    CHECK(vw.energy_observation(2, rw) == doctest::Approx(root3 * v1.energy_observation(2, r1)));
    CHECK(rows_scaled());
    CHECK(vw.force_observation(2, 4, rw) ==
          doctest::Approx(root3 * v1.force_observation(2, 4, r1)));
    CHECK(rows_scaled());
    CHECK(vw.stress_observation(2, 1, rw) ==
          doctest::Approx(root3 * v1.stress_observation(2, 1, r1)));
    CHECK(rows_scaled());
    CHECK(vw.energy_observation(1, rw) == 0.0);
    CHECK(max_abs(rw) == 0.0);
  }

  TEST_CASE("structure weights from config_types and the files' weight keys, bad ones refused") {
    auto s = labelled_structures(14, 4); // config_types even, odd, even, odd
    s[1].info.emplace_back("weight", "0.5");
    s[1].source = "pool.xyz:12";
    const auto w = structure_weights(s, {{"even", 2.0}});
    CHECK(w == std::vector<double>{2.0, 0.5, 2.0, 1.0});
    CHECK(structure_weights(s) == std::vector<double>{1.0, 0.5, 1.0, 1.0});
    CHECK(absent_config_type(s, {{"even", 1.0}, {"evn", 1.0}}) == std::string("evn"));
    CHECK_FALSE(absent_config_type(s, {{"even", 1.0}, {"odd", 0.0}}).has_value());
    CHECK(is_loss_weight(0.0));
    CHECK_FALSE(is_loss_weight(-1e-300));
    CHECK_FALSE(is_loss_weight(std::numeric_limits<double>::infinity()));
    const auto message = [&](const std::map<std::string, double>& m) {
      try {
        (void)structure_weights(s, m);
      } catch (const annp::error& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    CHECK(message({{"evn", 2.0}}).find("no structure has config_type 'evn'") != std::string::npos);
    CHECK(message({{"odd", -1.0}}).find("'odd' must be a finite number >= 0") != std::string::npos);
    s[1].info.back().second = "half";
    CHECK(message({}).find("pool.xyz:12: weight=half: expected a finite number >= 0") !=
          std::string::npos);
    test_potential pot(make_test_model(20));
    auto data = scaled_data(pot, labelled_structures(14, 4));
    CHECK_THROWS_AS(data.set_weights(std::vector<double>{1.0, std::nan(""), 1.0, 1.0}),
                    annp::error);
    CHECK_THROWS_AS(data.set_weights(std::vector<double>{1.0, 1.0}), annp::error);
  }

  TEST_CASE("errors() reuse the last whole-set evaluation only where it predicted the same") {
    test_potential pot(make_test_model(18));
    auto s = labelled_structures(12, 12);
    s[3].stress.reset(); // a structure without a stress label among ones with
    const auto data = scaled_data(pot, s);
    // Every number of two tables, compared exactly.
    const auto same = [](const error_table& a, const error_table& b) {
      const auto exact = [](const error_stats& x, const error_stats& y) {
        return x.count() == y.count() && x.rmse() == y.rmse() && x.mae() == y.mae() &&
               x.max() == y.max();
      };
      if (a.by_type().size() != b.by_type().size()) return false;
      for (const auto& [type, e] : a.by_type()) {
        const auto it = b.by_type().find(type);
        if (it == b.by_type().end() || e.structures != it->second.structures ||
            !exact(e.energy, it->second.energy) || !exact(e.force, it->second.force) ||
            !exact(e.stress, it->second.stress))
          return false;
      }
      return true;
    };
    training_objective obj(pot, data, loss_weights{1.0, 0.1, 10.0});
    // A fresh pass: an objective that has evaluated nothing, at the same parameters.
    const auto fresh = [&] {
      training_objective other(pot, data, loss_weights{1.0, 0.1, 10.0});
      vec::copy(obj.parameters(), other.parameters());
      CHECK_FALSE(other.predictions_kept());
      return other.errors();
    };
    std::vector<double> g(obj.size());
    CHECK_FALSE(obj.predictions_kept());
    (void)obj.value_and_gradient(g);
    CHECK(obj.predictions_kept());
    const auto kept = obj.errors();
    CHECK(same(kept, fresh()));
    // Moved parameters (an optimiser's rejected trial, a Kalman update): a new pass.
    obj.parameters()[5] += 1e-3;
    CHECK_FALSE(obj.predictions_kept());
    const auto moved = obj.errors();
    CHECK(same(moved, fresh()));
    CHECK_FALSE(same(moved, kept));
    (void)obj.value();
    CHECK(obj.predictions_kept());
    CHECK(same(obj.errors(), fresh()));
    // A mini-batch covers part of the set: nothing kept.
    const std::vector<std::size_t> batch = {0, 4, 7};
    (void)obj.value_and_gradient(batch, g);
    CHECK_FALSE(obj.predictions_kept());
    CHECK(same(obj.errors(), fresh()));
    // An energy-only loss predicts no forces, which errors() reports: nothing kept.
    training_objective eonly(pot, data, loss_weights{1.0, 0.0, 0.0});
    vec::copy(obj.parameters(), eonly.parameters());
    (void)eonly.value();
    CHECK_FALSE(eonly.predictions_kept());
    CHECK(same(eonly.errors(), fresh()));
  }

  TEST_CASE("loss and gradient are bit-identical for 1 and 2 threads") {
    test_potential pot(make_test_model(16));
    const auto s = labelled_structures(10, 20);
    const auto data = scaled_data(pot, s);
    training_objective obj(pot, data, loss_weights{1.0, 1.0, 1.0});
    std::vector<double> g1(obj.size()), g2(obj.size());
    const int before = max_threads();
    set_threads(1);
    const double l1 = obj.value_and_gradient(g1);
    set_threads(2);
    const double l2 = obj.value_and_gradient(g2);
    set_threads(before);
    CHECK(l1 == l2);
    CHECK(g1 == g2);
  }

  TEST_CASE("force training refuses data without derivatives") {
    test_potential pot(make_test_model(17));
    const auto s = labelled_structures(11, 2);
    const auto data = scaled_data(pot, s, false);
    CHECK_THROWS_AS(training_objective(pot, data, loss_weights{1.0, 1.0, 0.0}), annp::error);
    training_objective eonly(pot, data, loss_weights{1.0, 0.0, 0.0});
    CHECK(std::isfinite(eonly.value()));
  }
  TEST_CASE("group blocks cover all groups once, in order, sizes within one") {
    for (const std::size_t groups : std::vector<std::size_t>{0, 1, 5, 8, 37})
      for (const std::size_t parts : std::vector<std::size_t>{1, 2, 3, 7, 40}) {
        CAPTURE(groups);
        CAPTURE(parts);
        std::size_t next = 0, smallest = groups, largest = 0;
        for (std::size_t p = 0; p < parts; ++p) {
          const auto [a, b] = group_block(groups, p, parts);
          CHECK(a == next);
          CHECK(b >= a);
          smallest = std::min(smallest, b - a);
          largest = std::max(largest, b - a);
          next = b;
        }
        CHECK(next == groups);
        CHECK(largest - smallest <= 1);
      }
  }
}

TEST_CASE("a network_set trains exactly like the potential it came from and stores back") {
  const model m = make_test_model(18);
  test_potential pot(m);
  network_set<> nets(m);
  const auto s = labelled_structures(12, 6);
  const auto data = scaled_data(pot, s);
  training_objective a(pot, data, loss_weights{1.0, 1.0, 1.0});
  training_objective b(nets, data, loss_weights{1.0, 1.0, 1.0});
  std::vector<double> ga(a.size()), gb(b.size());
  CHECK(a.value_and_gradient(ga) == b.value_and_gradient(gb));
  CHECK(ga == gb);
  for (double& x : b.parameters()) x *= 0.5;
  b.sync();
  model out = m;
  nets.store(out);
  CHECK(test_potential(out).compute(s[0]).energy != pot.compute(s[0]).energy);
  for (double& x : a.parameters()) x *= 0.5;
  a.sync();
  CHECK(test_potential(out).compute(s[0]).energy == pot.compute(s[0]).energy);
}
