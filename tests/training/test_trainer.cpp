// The trainer: determinism, exact resume from checkpoints, callbacks, plots.

#include <annp/annp.hpp>

#include "training/training_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace annp;
using namespace annp::test;

namespace {

struct setup {
  std::vector<structure> structures = labelled_structures(41, 16);
  model start = make_test_model(23);
  dataset_split split = split_dataset(structures, {0.25, 0.0}, 3);
  test_potential pot{start};
  training_data train{pot.engine(), structures, split.train};
  training_data validation{pot.engine(), structures, split.validation};
  setup() {
    train.apply_scaling(pot.scaling());
    validation.apply_scaling(pot.scaling());
  }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class Opt> void check_resume(Opt opt, std::size_t first, std::size_t total) {
  const std::string ckpt = scratch_dir("trainer") + "/resume_" + std::string(Opt::name) + ".ckpt";
  setup a, b, c;
  trainer straight(a.pot, a.train, opt,
                   {.validation = &a.validation,
                    .weights = {.energy = 1.0, .forces = 0.5, .stress = 0.1},
                    .seed = 17});
  straight.run(total);
  trainer part(b.pot, b.train, opt,
               {.validation = &b.validation,
                .weights = {.energy = 1.0, .forces = 0.5, .stress = 0.1},
                .seed = 17});
  part.run(first, callbacks::checkpoint{ckpt, 1});
  trainer resumed(c.pot, c.train, opt,
                  {.validation = &c.validation,
                   .weights = {.energy = 1.0, .forces = 0.5, .stress = 0.1},
                   .seed = 999});
  resumed.load_checkpoint(ckpt);
  CHECK(resumed.epoch() == first);
  resumed.run(total);
  CAPTURE(Opt::name);
  REQUIRE(resumed.history().size() == straight.history().size());
  for (std::size_t k = 0; k < total; ++k) {
    CHECK(resumed.history()[k].loss == straight.history()[k].loss);
    CHECK(resumed.history()[k].validation_energy == straight.history()[k].validation_energy);
  }
  const auto pa = straight.objective().parameters(), pc = resumed.objective().parameters();
  CHECK(std::equal(pa.begin(), pa.end(), pc.begin()));
}

} // namespace

TEST_SUITE("training") {
  TEST_CASE("same seed, same threads: the same bits; different seeds differ") {
    const auto train_once = [](std::uint64_t seed, int threads) {
      const int before = max_threads();
      set_threads(threads);
      setup s;
      optim::adam<> opt;
      opt.rate.rate = 0.01;
      opt.batch_size = 3;
      trainer t(
          s.pot, s.train, opt,
          {.validation = &s.validation, .weights = {.energy = 1.0, .forces = 1.0}, .seed = seed});
      t.run(4);
      set_threads(before);
      const auto p = t.objective().parameters();
      return std::vector<double>(p.begin(), p.end());
    };
    const auto a = train_once(5, 1), b = train_once(5, 1), c = train_once(5, 2),
               d = train_once(6, 1);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(a != d);
  }

  TEST_CASE("a run resumed from a checkpoint is bit-identical to an uninterrupted one") {
    optim::adam<> adam;
    adam.rate.rate = 0.01;
    adam.batch_size = 4;
    check_resume(adam, 2, 5);
    check_resume(optim::lbfgs<>{}, 3, 6);
    check_resume(optim::kalman_filter{}, 2, 4);
    optim::cg_annealing<> hybrid;
    hybrid.local_iterations = 2;
    hybrid.anneal_steps = 2;
    hybrid.global.moves = 4;
    check_resume(hybrid, 3, 7);
    check_resume(optim::levenberg_marquardt{}, 1, 3);
  }

  TEST_CASE("checkpoints: clear errors for a wrong optimiser, a wrong size, a damaged file") {
    const std::string dir = scratch_dir("trainer");
    setup s;
    trainer t(s.pot, s.train, optim::lbfgs<>{});
    t.run(1);
    t.save_checkpoint(dir + "/ok.ckpt");
    trainer other(s.pot, s.train, optim::conjugate_gradient<>{});
    CHECK_THROWS_WITH_AS(other.load_checkpoint(dir + "/ok.ckpt"),
                         doctest::Contains("checkpoint of optimiser 'lbfgs'"), annp::error);
    std::string text = read_all(dir + "/ok.ckpt");
    {
      std::ofstream out(dir + "/cut.ckpt");
      out << text.substr(0, text.size() / 2);
    }
    CHECK_THROWS_WITH_AS(t.load_checkpoint(dir + "/cut.ckpt"), doctest::Contains("cut.ckpt"),
                         annp::error);
    CHECK_THROWS_WITH_AS(t.load_checkpoint(dir + "/none.ckpt"), doctest::Contains("cannot open"),
                         annp::error);
    // A potential of another size.
    model small = s.start;
    for (auto& n : small.networks)
      n = dynamic_network({{n.input_count(), 3, activation_kind::of<activation::tanh>()},
                           {3, 1, activation_kind::of<activation::linear>()}});
    test_potential p2(small);
    trainer t2(p2, s.train, optim::lbfgs<>{});
    CHECK_THROWS_WITH_AS(t2.load_checkpoint(dir + "/ok.ckpt"), doctest::Contains("parameters"),
                         annp::error);
  }

  TEST_CASE("early stopping restores the best epoch; the optimiser's convergence ends a run") {
    setup s;
    optim::gradient_descent<> gd;
    gd.rate.rate = 0.5; // far too large: the validation loss gets worse
    gd.batch_size = 2;
    trainer t(s.pot, s.train, gd,
              {.validation = &s.validation, .weights = {.energy = 1.0, .forces = 1.0}, .seed = 2});
    t.run(50, callbacks::early_stopping{3});
    CHECK(t.stopped());
    CHECK(t.epoch() == t.best_epoch() + 3);
    std::vector<double> kept(t.objective().parameters().begin(), t.objective().parameters().end());
    // restore_best put the best parameters back: the validation loss equals the best one.
    training_objective check(s.pot, s.validation, loss_weights{1.0, 1.0, 0.0});
    vec::copy(kept, check.parameters());
    CHECK(check.value() == doctest::Approx(t.best_metric()).epsilon(1e-12));
    // The validation table describes the restored (best) parameters, not the last epoch's, and
    // computing it leaves the potential holding the restored parameters.
    const auto& best = t.history()[t.best_epoch() - 1];
    CHECK(t.validation_errors().total().energy.rmse() ==
          doctest::Approx(best.validation_energy).epsilon(1e-12));
    CHECK(t.validation_errors().total().energy.rmse() !=
          doctest::Approx(t.history().back().validation_energy).epsilon(1e-6));
    training_objective after(s.pot, s.validation, loss_weights{1.0, 1.0, 0.0});
    CHECK(after.value() == doctest::Approx(t.best_metric()).epsilon(1e-12));
    // An optimiser that reports convergence ends the run early.
    setup s2;
    optim::cg_annealing<> h;
    h.cycles = 1;
    h.local_iterations = 3;
    trainer t2(s2.pot, s2.train, h);
    t2.run(100);
    CHECK(t2.converged());
    CHECK(t2.epoch() == 3);
  }

  TEST_CASE("callbacks: progress lines, learning-curve CSV, target RMSE; SVG plots") {
    const std::string dir = scratch_dir("trainer");
    setup s;
    std::ostringstream log;
    trainer t(s.pot, s.train, optim::lbfgs<>{},
              {.validation = &s.validation, .weights = {.energy = 1.0, .forces = 0.2}});
    t.run(4, callbacks::progress{&log}, callbacks::learning_curve{dir + "/curve.csv"});
    const std::string text = log.str();
    CHECK(text.find("E valid") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 2 + 4);
    const std::string csv = read_all(dir + "/curve.csv");
    CHECK(csv.rfind("epoch,seconds,evaluations,loss", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
    // The CSV's numbers are the history's, exactly.
    std::istringstream lines(csv);
    std::string line;
    std::getline(lines, line);
    std::getline(lines, line);
    CHECK(line.find(format_double(t.history()[0].loss)) != std::string::npos);
    // progress_line: one line updated in place on a terminal, whole lines every 3 epochs in the
    // log (epochs 1, 4, 7 and the last, 8), the best validation epoch and an ETA.
    {
      setup s3;
      trainer t3(s3.pot, s3.train, optim::lbfgs<>{},
                 {.validation = &s3.validation, .weights = {.energy = 1.0, .forces = 0.2}});
      std::ostringstream terminal, periodic;
      callbacks::progress_line p;
      p.terminal = &terminal;
      p.log = &periodic;
      p.epochs = 8;
      p.every_epochs = 3;
      p.every_seconds = 1e9;
      t3.run(8, p);
      const std::string tty = terminal.str(), logged = periodic.str();
      CHECK(std::count(tty.begin(), tty.end(), '\r') == 8);
      CHECK(std::count(tty.begin(), tty.end(), '\n') == 1);
      CHECK(std::count(logged.begin(), logged.end(), '\n') == 4);
      CHECK(logged.find("epoch 1/8 ") == 0);
      CHECK(logged.find("epoch 4/8 ") != std::string::npos);
      CHECK(logged.find("epoch 7/8 ") != std::string::npos);
      CHECK(logged.find("epoch 8/8 ") != std::string::npos);
      CHECK(logged.find("lowest valid E") != std::string::npos);
      std::size_t best = 0;
      for (const auto& r : t3.history())
        if (best == 0 || r.validation_energy < t3.history()[best - 1].validation_energy)
          best = r.epoch;
      const auto last_line = logged.substr(logged.rfind("epoch 8/8"));
      CHECK(last_line.find("@ " + std::to_string(best) + " ") != std::string::npos);
      CHECK(logged.find("ETA") != std::string::npos);
    }
    // target_rmse stops as soon as the (validation) error is below a loose target.
    setup s2;
    trainer t2(s2.pot, s2.train, optim::lbfgs<>{}, {.validation = &s2.validation});
    t2.run(20, callbacks::target_rmse{1e3, 0.0});
    CHECK(t2.epoch() == 1);
    // Plots are well-formed SVG with one path per finite series.
    write_svg(dir + "/curve.svg", learning_curve_plot(t.history(), "test", false));
    const std::string svg = read_all(dir + "/curve.svg");
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(std::count(svg.begin(), svg.end(), '\n') > 20);
    const auto parity = render_svg(parity_plot({1.0, 2.0, 3.0}, {1.0, 2.0, 3.5}, "E", "eV"));
    CHECK(parity.find("RMSE 0.2887 eV") != std::string::npos);
    CHECK(std::count(parity.begin(), parity.end(), 'c') >= 3);
    CHECK_THROWS_AS((void)parity_plot({1.0}, {}, "x", "eV"), annp::error);
    // Values a log axis cannot show (0, negative, NaN) are left out, never written as nan.
    plot logp;
    logp.log_x = logp.log_y = true;
    logp.series.push_back({"zeros", {0.0, 1.0, 2.0}, {0.0, -1.0, std::nan("")}, false, ""});
    const auto empty = render_svg(logp);
    CHECK(empty.find("nan") == std::string::npos);
    CHECK(empty.find("inf") == std::string::npos);
    logp.series.push_back({"some", {1.0, 10.0, 100.0}, {0.5, 0.0, 0.05}, false, ""});
    const auto some = render_svg(logp);
    CHECK(some.find("nan") == std::string::npos);
    CHECK(some.find("<path") != std::string::npos);
  }
}
