#pragma once
// annp::tools::train_command: the annp-train program (examples/annp-train) as a function, so that
// other front ends (the Python module) train exactly as the command line does.
//
// annp-train: trains a potential from labelled structures.
//
//   annp-train CONFIG [key=value ...]
//   annp-train key=value ...
//
// CONFIG holds 'key = value' lines ('#' starts a comment); arguments key=value override it.
// Every key is listed with its default by `annp-train --help`. Writes to the output directory:
//   model.annp          the trained model (the epoch chosen by `select`)
//   train.log           the progress lines and the error tables
//   learning_curve.csv  one line per epoch
//   errors.txt          RMSE/MAE per config_type on the train, validation and test splits
//   learning_curve_energy.svg, learning_curve_forces.svg, parity_energy.svg, parity_forces.svg
//   (and parity_forces_<element>.svg for each element of a model of several)
//   split.txt           the structure indices of the train, validation and test splits
//   checkpoint.ckpt     the run state every `checkpoint_every` epochs (resume=true continues)
// The test-split errors are computed by the inference path (the written model file read back
// into annp::any_potential), on structures that neither training nor model selection saw.

#include <annp/core/separate.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace annp::tools {

/// The annp-train program as a function: args are its command-line arguments (CONFIG, then
/// key=value), everything it prints goes to console (and to OUTPUT/train.log); when the console
/// is a terminal, training progress is one line updated in place there (and periodic lines in
/// the log). Returns 0, or
/// throws annp::error for bad input.
ANNP_SEPARATE_INLINE int train_command(const std::vector<std::string>& args, std::ostream& console,
                                       bool console_is_terminal = false);

} // namespace annp::tools

#if ANNP_SEPARATE_DEFINITIONS
// The definition: inline when header-only, compiled once in annp/compiled.hpp's translation
// unit under ANNP_SEPARATE_COMPILATION (annp/core/separate.hpp).

#include <annp/annp.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace annp::tools {
namespace train_detail {

// ---- configuration ---------------------------------------------------------------------------

struct setting {
  std::string value, origin, help;
  bool used = false;
};

class config {
 public:
  config() {
    const auto def = [&](const char* k, const char* v, const char* h) {
      m_values[k] = {v, "default", h, false};
      m_order.push_back(k);
    };
    def("data", "data/al/al.xyz",
        "labelled structures: extended XYZ or n2p2 input.data; several files separated by spaces "
        "are read in that order as one set");
    def("output", "annp-train-output", "output directory");
    def("seed", "1", "seed of the split, the initial weights and the optimiser");
    def("split_seed", "",
        "seed of the split alone (default: seed): runs with different seeds and one split_seed "
        "share their split (a committee)");
    def("split", "shuffle",
        "how each config_type is ordered before it is cut into validation, test and training: "
        "shuffle (one seeded random stream through the config_types in name order) or content "
        "(each structure ranked by a seeded hash of its geometry: adding data or a config_type "
        "moves at most a few structures of the types that grow, relabelling moves none)");
    def("threads", "0", "OpenMP threads (0: all)");
    def("validation", "0.1", "fraction of each config_type for validation (model selection)");
    def("test", "0.1", "fraction of each config_type held out for the final test");
    def("train_limit", "0",
        "use at most this many training structures, a seeded random subset (0: all)");
    def("report_forces", "true",
        "keep descriptor derivatives to report force errors in energy-only "
        "training (memory: ~1 kB per atom pair)");
    def("stream_derivatives", "false",
        "recompute descriptor derivatives at every use instead of storing them (~0.3 kB instead "
        "of ~54 kB per atom; each epoch then costs about a descriptor preparation)");
    def("cutoff", "6.0", "cutoff radius, Å");
    def("cutoff_function", "cosine", "hard cosine tanh tanh_unnormalized exponential poly1..poly4");
    def("cutoff_alpha", "0.0", "inner-cutoff fraction");
    def("radial", "8", "radial functions per element pair (shifted Imbalzano grid)");
    def("grid", "imbalzano",
        "parameter grids: imbalzano (Imbalzano 2018: geometric, dense at short range) or linear "
        "(Gastegger 2018: evenly spaced from grid_lower to the cutoff)");
    def("grid_lower", "0.5",
        "linear grids: first grid point, Å (about the shortest pair distance)");
    def("angular", "2", "angular grid points (centred Imbalzano grid), times zetas and lambdas");
    def("angular_kind", "narrow",
        "narrow or wide angular functions, or chebyshev: aenet's Chebyshev set instead, radial "
        "orders 0..radial-1 and angular orders 0..angular-1 (grids, zetas unused)");
    def("zetas", "1 4", "zeta values of the angular functions");
    def("angular2", "0",
        "a second angular family with its own cutoff: grid points (0: none), times "
        "angular2_zetas and lambdas (e.g. sharp narrow functions over the first shells)");
    def("angular2_kind", "narrow", "narrow or wide: the second angular family's kind");
    def("angular2_cutoff", "0", "the second angular family's cutoff, Å (in (0, cutoff])");
    def("angular2_zetas", "16", "zeta values of the second angular family");
    def("scaling_min_range", "1e-4",
        "descriptors whose training range (max - min) is at most this are inactive: unused, "
        "instead of amplified into huge inputs (0: keep all)");
    def("short_range", "none",
        "short-range core: none, 'zbl INNER OUTER' (Å) or 'zbl auto': below OUTER the network "
        "is damped and ZBL repulsion switched on, below INNER ZBL alone; OUTER must not exceed "
        "the shortest distance in the training data (auto: OUTER = that distance, INNER = 0.8 "
        "OUTER)");
    def("hidden", "20 20", "hidden-layer widths");
    def("activation", "tanh", "hidden-layer activation");
    def("energy_weight", "1", "loss weight of the energy per atom (eV/atom)^-2");
    def("force_weight", "0", "loss weight of force components (eV/Å)^-2; 0: energies only");
    def("stress_weight", "0", "loss weight of stress components (eV/Å³)^-2");
    def("regularization", "0", "L2 weight decay w_R (loss += w_R mean(theta^2))");
    def("config_weights", "",
        "relative loss weights of config_types, e.g. 'melt:0.5 dimer:2' (others 1); a "
        "structure's own weight=... key multiplies");
    def("optimizer", "lbfgs", "lbfgs cg cg_annealing kalman adam gd lm annealing");
    def("epochs", "300", "maximum epochs (iterations for cg, lbfgs, lm)");
    def("patience", "0", "early stopping: epochs without validation improvement (0: off)");
    def("select", "validation",
        "the model kept: validation (the epoch with the lowest validation loss) or last (the "
        "final epoch; validation errors are still reported)");
    def("checkpoint_every", "25", "write checkpoint.ckpt every N epochs (0: only at the end)");
    def("progress_every", "100",
        "a progress line every N epochs in logs and pipes (on a terminal: one updating line)");
    def("progress_seconds", "30", "... or every this many seconds, whichever comes first");
    def("resume", "false", "continue from output/checkpoint.ckpt when it exists");
    def("init_model", "",
        "warm start: network weights from this annp model (same elements, functions and "
        "layer shapes; scaling and reference energies come from the new data)");
    def("learning_rate", "0.001", "adam, gd: initial learning rate");
    def("learning_rate_decay", "1.0", "adam, gd: factor per epoch");
    def("batch_size", "16", "adam, gd: structures per mini-batch");
    def("momentum", "0.0", "gd: momentum");
    def("cg_beta", "polak_ribiere_plus",
        "cg, cg_annealing: fletcher_reeves polak_ribiere_plus hestenes_stiefel");
    def("cycles", "4", "cg_annealing: CG + annealing cycles");
    def("cycle_iterations", "300", "cg_annealing: maximum CG iterations per cycle");
    def("anneal_steps", "10",
        "cg_annealing, annealing: annealing steps (each `moves` trial moves)");
    def("anneal_moves", "40", "cg_annealing, annealing: trial moves per step");
    def("anneal_temperature", "0.05", "cg_annealing, annealing: start temperature / starting loss");
    def("anneal_sigma", "0.02", "cg_annealing, annealing: Gaussian perturbation width");
    def("kalman_type", "standard", "kalman: standard or fading_memory");
    def("kalman_decoupled", "false", "kalman: one covariance block per element");
    def("kalman_force_ratio", "1.0", "kalman: force updates per energy update");
    def("kalman_threshold", "0.0", "kalman: select observations with error > threshold x RMSE");
    def("kalman_energy_threshold", "-1",
        "kalman: the threshold of energies (-1: kalman_threshold)");
    def("kalman_force_threshold", "-1", "kalman: the threshold of forces (-1: kalman_threshold)");
    def("kalman_eta", "0.01", "kalman (standard): initial eta");
    def("kalman_q", "0.01", "kalman: initial process noise");
    def("kalman_stress_ratio", "0.0", "kalman: stress updates per energy update");
    def("kalman_max_trials", "20", "kalman: candidates tried per update when selecting by error");
    def("kalman_normalize_forces", "false",
        "kalman: force observations in units of the training forces' spread");
    def("lm_mu", "0.01", "lm: initial damping");
    def("lm_system", "auto",
        "lm: parameters (n x n normal equations), residuals (the m x m system: faster with "
        "fewer labels than weights) or auto (the smaller of the two)");
    def("lm_refine", "1", "lm: iterative refinement steps of the residual-space solve");
  }

  void read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw annp::error(path + ": is a directory, expected a configuration file");
    std::ifstream in(path);
    if (!in) throw annp::error(path + ": cannot open configuration file");
    read_stream(in, path);
  }

  /// 'key = value' lines; origin names the source in messages ("file:line").
  void read_stream(std::istream& in, const std::string& origin) {
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3); // UTF-8 byte-order mark
      if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto eq = line.find('=');
      if (eq == std::string::npos)
        throw annp::error(origin + ":" + std::to_string(n) + ": expected 'key = value', got '" +
                          line + "'");
      set(trim(line.substr(0, eq)), trim(line.substr(eq + 1)), origin + ":" + std::to_string(n));
    }
  }

  void set(const std::string& key, const std::string& value, const std::string& origin) {
    const auto it = m_values.find(key);
    if (it == m_values.end())
      throw annp::error(origin + ": unknown key '" + key + "' (annp-train --help lists the keys)");
    it->second.value = value;
    it->second.origin = origin;
  }

  std::string str(const std::string& key) {
    auto& s = m_values.at(key);
    s.used = true;
    return s.value;
  }
  double number(const std::string& key) {
    const std::string v = str(key);
    double d = 0.0;
    if (!annp::try_parse_double(v, d) || !std::isfinite(d))
      throw annp::error(where(key) + ": '" + key + "' must be a number, got '" + v + "'");
    return d;
  }
  std::size_t count(const std::string& key) {
    const double d = number(key);
    if (d < 0 || d != std::floor(d) || d > 9.0e15)
      throw annp::error(where(key) + ": '" + key + "' must be a whole number >= 0, got '" +
                        str(key) + "'");
    return static_cast<std::size_t>(d);
  }
  bool flag(const std::string& key) {
    const std::string v = str(key);
    if (v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    throw annp::error(where(key) + ": '" + key + "' must be true or false, got '" + v + "'");
  }
  std::vector<double> numbers(const std::string& key) {
    std::istringstream in(str(key));
    std::vector<double> out;
    std::string t;
    while (in >> t) {
      double d = 0.0;
      if (!annp::try_parse_double(t, d))
        throw annp::error(where(key) + ": '" + key + "' must be numbers, got '" + t + "'");
      out.push_back(d);
    }
    return out;
  }
  std::string where(const std::string& key) const { return m_values.at(key).origin; }
  /// Which keys were read so far (checks read keys without counting them as used by the run).
  [[nodiscard]] std::map<std::string, bool> used_flags() const {
    std::map<std::string, bool> out;
    for (const auto& [k, v] : m_values) out[k] = v.used;
    return out;
  }
  void set_used_flags(const std::map<std::string, bool>& flags) {
    for (const auto& [k, used] : flags) m_values.at(k).used = used;
  }

  /// Settings that were given but not used by the chosen optimiser: said, not silently ignored.
  void warn_unused(std::ostream& os) const {
    for (const auto& k : m_order) {
      const auto& s = m_values.at(k);
      if (!s.used && s.origin != "default")
        os << "annp-train: note: '" << k << "' (" << s.origin << ") is not used by this run\n";
    }
  }
  std::string describe() const {
    std::string out;
    for (const auto& k : m_order) out += k + " = " + m_values.at(k).value + "\n";
    return out;
  }
  void help(std::ostream& os) const {
    for (const auto& k : m_order) {
      const auto& s = m_values.at(k);
      char line[300];
      std::snprintf(line, sizeof line, "  %-20s %-20s %s\n", k.c_str(), s.value.c_str(),
                    s.help.c_str());
      os << line;
    }
  }

 private:
  static std::string trim(const std::string& s) {
    const auto a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
  }
  std::map<std::string, setting> m_values;
  std::vector<std::string> m_order;
};

// ---- output: everything printed goes to the terminal and to train.log --------------------------

class tee_buffer : public std::streambuf {
 public:
  tee_buffer(std::streambuf* a, std::streambuf* b) : m_a(a), m_b(b) {}

 protected:
  int overflow(int c) override {
    if (c == EOF) return !EOF;
    const auto ch = static_cast<char>(c);
    return m_a->sputc(ch) == EOF || m_b->sputc(ch) == EOF ? EOF : c;
  }
  int sync() override { return m_a->pubsync() | m_b->pubsync(); }

 private:
  std::streambuf *m_a, *m_b;
};

// ---- the run ---------------------------------------------------------------------------------

struct run_context {
  config& cfg;
  std::ostream& out;
  std::ostream* terminal; // the updating progress line (a tty), or null
  std::ostream* periodic; // periodic progress lines: the log (and the console when not a tty)
  std::string dir;
  std::vector<annp::structure>& structures;
  annp::dataset_split split;
  annp::model& model;
  annp::prepared_training& data;
  annp::loss_weights weights;
  std::string tables; // error tables, written to errors.txt at the end
};

template <class Optimizer> void train(run_context& c, Optimizer optimizer) {
  using namespace annp;
  network_set<> nets(c.model);
  // Model selection on the validation structures inside the training range (see README/docs).
  const auto& select = c.data.validation_in_range;
  trainer t(nets, c.data.train, std::move(optimizer),
            {.validation = select.size() ? &select : nullptr,
             .weights = c.weights,
             .seed = static_cast<std::uint64_t>(c.cfg.number("seed"))});
  const std::string ckpt = c.dir + "/checkpoint.ckpt";
  if (c.cfg.flag("resume") && std::filesystem::exists(ckpt)) {
    t.load_checkpoint(ckpt);
    c.out << "resumed from " << ckpt << " at epoch " << t.epoch() << "\n";
  }
  const std::size_t epochs = c.cfg.count("epochs"), patience = c.cfg.count("patience");
  const std::size_t every = c.cfg.count("checkpoint_every");
  callbacks::progress_line progress;
  progress.terminal = c.terminal;
  progress.log = c.periodic;
  progress.epochs = epochs;
  progress.every_epochs = c.cfg.count("progress_every");
  progress.every_seconds = c.cfg.number("progress_seconds");
  callbacks::learning_curve curve{c.dir + "/learning_curve.csv"};
  callbacks::checkpoint checkpoint{ckpt, every};
  const bool last = c.cfg.str("select") == "last";
  if (patience > 0)
    t.run(epochs, progress, curve, checkpoint, callbacks::early_stopping{patience});
  else {
    t.run(epochs, progress, curve, checkpoint);
    if (!last) t.restore_best();
  }
  if (last)
    c.out << "kept the last epoch, " << t.epoch() << " (lowest validation loss at epoch "
          << t.best_epoch() << ")";
  else
    c.out << "best epoch " << t.best_epoch() << " of " << t.epoch();
  c.out << (t.converged() ? " (optimiser converged)" : "") << "\n\n";
  nets.store(c.model);
  // Learning curves.
  write_svg(
      c.dir + "/learning_curve_energy.svg",
      learning_curve_plot(t.history(), "energy RMSE, " + std::string(Optimizer::name), false));
  write_svg(c.dir + "/learning_curve_forces.svg",
            learning_curve_plot(t.history(), "force RMSE, " + std::string(Optimizer::name), true));
  // Error tables from the training objective (train, validation).
  std::string tables =
      t.train_errors().format("train (" + std::to_string(c.split.train.size()) + " structures)") +
      "\n";
  if (t.has_validation())
    tables += t.validation_errors().format(
                  "validation, model selection (" + std::to_string(select.size()) + " of " +
                  std::to_string(c.split.validation.size()) +
                  " structures: those inside the training descriptor range)") +
              "\n";
  c.out << tables;
  c.tables += tables;
}

template <class Beta> void train_cg(run_context& c, bool annealing) {
  using namespace annp::optim;
  if (!annealing) return train(c, conjugate_gradient<Beta>{});
  cg_annealing<conjugate_gradient<Beta>, simulated_annealing<>> h;
  h.cycles = c.cfg.count("cycles");
  h.local_iterations = c.cfg.count("cycle_iterations");
  h.anneal_steps = c.cfg.count("anneal_steps");
  h.global.moves = c.cfg.count("anneal_moves");
  h.global.temperature = c.cfg.number("anneal_temperature");
  h.global.perturbation.sigma = c.cfg.number("anneal_sigma");
  train(c, h);
}

inline void dispatch(run_context& c) {
  using namespace annp::optim;
  const std::string name = c.cfg.str("optimizer");
  if (name == "lbfgs") return train(c, lbfgs<>{});
  if (name == "cg" || name == "cg_annealing") {
    const std::string beta = c.cfg.str("cg_beta");
    const bool annealing = name == "cg_annealing";
    if (beta == "fletcher_reeves") return train_cg<beta::fletcher_reeves>(c, annealing);
    if (beta == "polak_ribiere_plus") return train_cg<beta::polak_ribiere_plus>(c, annealing);
    if (beta == "hestenes_stiefel") return train_cg<beta::hestenes_stiefel>(c, annealing);
    throw annp::error(c.cfg.where("cg_beta") + ": unknown cg_beta '" + beta +
                      "' (fletcher_reeves, polak_ribiere_plus, hestenes_stiefel)");
  }
  if (name == "annealing") {
    simulated_annealing<> sa;
    sa.moves = c.cfg.count("anneal_moves");
    sa.temperature = c.cfg.number("anneal_temperature");
    sa.perturbation.sigma = c.cfg.number("anneal_sigma");
    return train(c, sa);
  }
  if (name == "adam" || name == "gd") {
    const schedule::exponential rate{.rate = c.cfg.number("learning_rate"),
                                     .decay = c.cfg.number("learning_rate_decay"),
                                     .floor = 1e-9};
    if (name == "adam") {
      adam<schedule::exponential> a;
      a.rate = rate;
      a.batch_size = std::max<std::size_t>(1, c.cfg.count("batch_size"));
      return train(c, a);
    }
    gradient_descent<schedule::exponential> g;
    g.rate = rate;
    g.batch_size = std::max<std::size_t>(1, c.cfg.count("batch_size"));
    g.update.coefficient = c.cfg.number("momentum");
    return train(c, g);
  }
  if (name == "kalman") {
    kalman_filter k;
    const std::string type = c.cfg.str("kalman_type");
    if (type == "fading_memory")
      k.type = kalman_filter::variant::fading_memory;
    else if (type != "standard")
      throw annp::error(c.cfg.where("kalman_type") +
                        ": kalman_type must be standard or "
                        "fading_memory, got '" +
                        type + "'");
    k.decoupled = c.cfg.flag("kalman_decoupled");
    k.force_energy_ratio = c.cfg.number("kalman_force_ratio");
    k.use_forces = c.weights.forces > 0.0;
    k.stress_energy_ratio = c.cfg.number("kalman_stress_ratio");
    k.use_stress = c.weights.stress > 0.0;
    const double both = c.cfg.number("kalman_threshold");
    const double te = c.cfg.number("kalman_energy_threshold");
    const double tf = c.cfg.number("kalman_force_threshold");
    k.energy_threshold = te < 0.0 ? both : te;
    k.force_threshold = tf < 0.0 ? both : tf;
    k.eta = c.cfg.number("kalman_eta");
    k.q = c.cfg.number("kalman_q");
    k.normalize_forces = c.cfg.flag("kalman_normalize_forces");
    k.max_trials = std::max<std::size_t>(1, c.cfg.count("kalman_max_trials"));
    return train(c, k);
  }
  if (name == "lm") {
    levenberg_marquardt lm;
    lm.mu = c.cfg.number("lm_mu");
    if (c.cfg.str("lm_system") == "residuals") lm.solve_in = levenberg_marquardt::system::residuals;
    if (c.cfg.str("lm_system") == "parameters")
      lm.solve_in = levenberg_marquardt::system::parameters;
    lm.refinements = c.cfg.count("lm_refine");
    return train(c, lm);
  }
  throw annp::error(c.cfg.where("optimizer") + ": unknown optimizer '" + name +
                    "' (lbfgs, cg, cg_annealing, kalman, adam, gd, lm, annealing)");
}

/// Test-split errors through the inference path, and the parity plots. Structures with
/// descriptors outside the training range (extrapolation) are reported separately as well.
inline void held_out_report(run_context& c, const std::string& model_path) {
  using namespace annp;
  const auto& ids = c.split.test.empty() ? c.split.validation : c.split.test;
  const std::string name = c.split.test.empty() ? "validation" : "test";
  if (ids.empty()) return;
  const any_potential pot = any_potential::from_file(model_path);
  error_table all, inside;
  std::vector<double> e_ref, e_pred, f_ref, f_pred;
  // Force components per element of the atom (every held-out structure), for several elements.
  std::map<int, std::pair<std::vector<double>, std::vector<double>>> by_element;
  std::string flagged;
  for (std::size_t k : ids) {
    const auto& s = c.structures[k];
    const auto r = pot.compute(s);
    all.add(s, r.energy, r.forces.data(), r.stress);
    if (r.extrapolated_values == 0)
      inside.add(s, r.energy, r.forces.data(), r.stress);
    else
      flagged += "  structure " + std::to_string(k) + " (" + s.config_type +
                 "): " + std::to_string(r.extrapolated_atoms) + " atom(s), " +
                 std::to_string(r.extrapolated_values) + " descriptor value(s) out of range\n";
    const auto n = static_cast<double>(s.size());
    if (s.energy) e_ref.push_back(*s.energy / n), e_pred.push_back(r.energy / n);
    if (s.forces)
      for (std::size_t i = 0; i < s.size(); ++i) {
        auto& [ref, pred] = by_element[s.numbers[i]];
        for (std::size_t d = 0; d < 3; ++d) {
          f_ref.push_back((*s.forces)(i, d)), f_pred.push_back(r.forces(i, d));
          ref.push_back((*s.forces)(i, d));
          pred.push_back(r.forces(i, d));
        }
      }
  }
  std::string text = all.format(name + " (" + std::to_string(ids.size()) +
                                " structures never used for training or model selection, "
                                "evaluated from " +
                                model_path + ")");
  if (!flagged.empty()) {
    text += "\nextrapolating " + name + " structures (descriptors outside the training range):\n" +
            flagged + "\n";
    text += inside.format(name + ", the " + std::to_string(inside.total().structures) +
                          " structures inside the training range");
  }
  if (by_element.size() > 1) {
    text +=
        "force RMSE per element (" + name + ", all " + std::to_string(ids.size()) + " structures):";
    for (const auto& [z, rp] : by_element) {
      double sq = 0.0;
      for (std::size_t k = 0; k < rp.first.size(); ++k)
        sq += (rp.second[k] - rp.first[k]) * (rp.second[k] - rp.first[k]);
      const std::string el(symbol(z));
      char line[200];
      std::snprintf(line, sizeof line, " %s %.1f meV/A (%zu components)", el.c_str(),
                    1000 * std::sqrt(sq / static_cast<double>(rp.first.size())), rp.first.size());
      text += line;
      write_svg(c.dir + "/parity_forces_" + el + ".svg",
                parity_plot(rp.first, rp.second, "force components on " + el + ", " + name + " set",
                            "eV/Å"));
    }
    text += "\n";
  }
  const auto t = inside.total();
  if (t.structures == 0) {
    text += "\nheld-out (" + name +
            "): no structure is inside the training range (every one "
            "extrapolates): no error to report; train on more data\n";
    c.out << text << "\n";
    c.tables += text;
    return;
  }
  char line[200];
  std::snprintf(line, sizeof line,
                "\nheld-out (%s, inside the training range): energy RMSE %.2f meV/atom, force RMSE "
                "%.1f meV/A\n",
                name.c_str(), 1000 * t.energy.rmse(), 1000 * t.force.rmse());
  text += line;
  c.out << text << "\n";
  c.tables += text;
  write_svg(c.dir + "/parity_energy.svg",
            parity_plot(e_ref, e_pred, "energy per atom, " + name + " set", "eV/atom"));
  if (!f_ref.empty())
    write_svg(c.dir + "/parity_forces.svg",
              parity_plot(f_ref, f_pred, "force components, " + name + " set", "eV/Å"));
}

// ---- checks and the ownership of the output directory -----------------------------------------

/// Settings that are wrong whatever the data: said before anything is read or written.
/// The short_range key: 'none', 'zbl INNER OUTER' or 'zbl auto'. With 'auto' (and a training
/// split given), OUTER is the shortest distance of each element pair in the training structures
/// and INNER 0.8 OUTER; pairs the data never bring within the cutoff take the shortest distance
/// over all pairs. Without a split, 'auto' is only checked.
inline short_range short_range_setting(config& cfg,
                                       const std::vector<structure>* structures = nullptr,
                                       const std::vector<std::size_t>* train = nullptr) {
  const std::string value = cfg.str("short_range");
  const auto words = split_whitespace(value);
  if (words.size() == 1 && words[0] == "none") return {};
  const auto bad = [&](const std::string& why) {
    return error(cfg.where("short_range") + ": 'short_range' must be none, 'zbl auto' or " +
                 "'zbl INNER OUTER' (Å), got '" + value + "'" + why);
  };
  if (words.size() == 2 && words[0] == "zbl" && words[1] == "auto") {
    if (!structures || !train) return {};
    const double rc = cfg.number("cutoff");
    std::map<std::pair<int, int>, double> closest;
    for (std::size_t k : *train) shortest_pair_distances((*structures)[k], rc, closest);
    double outer = rc;
    for (const auto& [zz, r] : closest) outer = std::min(outer, r);
    auto core = short_range::zbl(0.8 * outer, outer);
    if (closest.size() > 1)
      for (const auto& [zz, r] : closest) core.set_pair(zz.first, zz.second, 0.8 * r, r);
    return core;
  }
  if (words.size() != 3 || words[0] != "zbl") throw bad("");
  const auto number = [&](std::string_view w) {
    double x = 0.0;
    const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), x);
    if (ec != std::errc() || ptr != w.data() + w.size()) throw bad(": not a number");
    return x;
  };
  const double inner = number(words[1]), outer = number(words[2]);
  if (!(0.0 < inner && inner < outer && std::isfinite(outer)))
    throw bad(": need 0 < INNER < OUTER");
  return short_range::zbl(inner, outer);
}

/// config_weights = 'type:weight ...' as a map (each weight finite and >= 0, each type once).
inline std::map<std::string, double> config_weight_setting(config& cfg) {
  std::map<std::string, double> out;
  const std::string value = cfg.str("config_weights"); // the words below are views into it
  for (const auto word : split_whitespace(value)) {
    const auto colon = word.rfind(':');
    double w = 0.0;
    if (colon == std::string_view::npos || colon == 0 ||
        !try_parse_double(word.substr(colon + 1), w) || !is_loss_weight(w))
      throw error(cfg.where("config_weights") +
                  ": expected config_type:weight with a weight >= 0, got '" + std::string(word) +
                  "'");
    if (!out.emplace(std::string(word.substr(0, colon)), w).second)
      throw error(cfg.where("config_weights") + ": config_type '" +
                  std::string(word.substr(0, colon)) + "' given twice");
  }
  return out;
}

inline void check_settings_values(config& cfg) {
  const auto positive_whole = [&](const std::string& key, double v) {
    if (!(v >= 1.0) || v != std::floor(v) || v > 1e6)
      throw error(cfg.where(key) + ": '" + key +
                  "' must be positive whole numbers (at most 1e6), got '" + cfg.str(key) + "'");
  };
  for (double h : cfg.numbers("hidden")) positive_whole("hidden", h);
  if (const auto r = cfg.count("radial"); r < 2)
    throw error(cfg.where("radial") +
                ": 'radial' must be at least 2 (grid points of the radial "
                "functions), got " +
                std::to_string(r));
  if (const auto a = cfg.count("angular"); a == 1)
    throw error(cfg.where("angular") + ": 'angular' must be 0 (no angular functions) or at least "
                                       "2 grid points, got 1");
  const auto positive = [&](const std::string& key) {
    if (!(cfg.number(key) > 0.0))
      throw error(cfg.where(key) + ": '" + key + "' must be positive, got '" + cfg.str(key) + "'");
  };
  positive("cutoff");
  positive("learning_rate");
  positive("learning_rate_decay");
  const double we = cfg.number("energy_weight"), wf = cfg.number("force_weight"),
               ws = cfg.number("stress_weight"), wr = cfg.number("regularization");
  for (const auto& [key, w] : {std::pair{"energy_weight", we}, std::pair{"force_weight", wf},
                               std::pair{"stress_weight", ws}, std::pair{"regularization", wr}})
    if (w < 0.0)
      throw error(cfg.where(key) + ": '" + key + "' must be >= 0, got '" + cfg.str(key) + "'");
  if (we + wf + ws == 0.0)
    throw error(cfg.where("energy_weight") +
                ": energy_weight, force_weight and stress_weight are all 0: nothing to fit");
  const double v = cfg.number("validation"), t = cfg.number("test");
  if (v < 0.0 || t < 0.0 || v + t >= 1.0)
    throw error(cfg.where("validation") +
                ": 'validation' and 'test' must be fractions >= 0 with a sum below 1, got " +
                cfg.str("validation") + " and " + cfg.str("test"));
  if (cfg.count("epochs") == 0) throw error(cfg.where("epochs") + ": 'epochs' must be at least 1");
  const auto one_of = [&](const std::string& key, std::initializer_list<const char*> names) {
    const std::string value = cfg.str(key);
    std::string list;
    for (const char* n : names) {
      if (value == n) return;
      list += (list.empty() ? "" : ", ") + std::string(n);
    }
    throw error(cfg.where(key) + ": unknown " + key + " '" + value + "' (" + list + ")");
  };
  one_of("optimizer", {"lbfgs", "cg", "cg_annealing", "kalman", "adam", "gd", "lm", "annealing"});
  one_of("cg_beta", {"fletcher_reeves", "polak_ribiere_plus", "hestenes_stiefel"});
  one_of("kalman_type", {"standard", "fading_memory"});
  one_of("lm_system", {"auto", "parameters", "residuals"});
  one_of("angular_kind", {"narrow", "wide", "chebyshev"});
  one_of("angular2_kind", {"narrow", "wide"});
  if (cfg.count("angular2") == 1)
    throw error(cfg.where("angular2") +
                ": 'angular2' must be 0 (no second angular family) or at least 2 grid points");
  if (cfg.count("angular2") > 0) {
    const double rc2 = cfg.number("angular2_cutoff"), rc = cfg.number("cutoff");
    if (cfg.str("angular_kind") == "chebyshev")
      throw error(cfg.where("angular2") +
                  ": the Chebyshev set (angular_kind = chebyshev) has no second angular family");
    if (!(rc2 > 0.0 && rc2 <= rc))
      throw error(cfg.where("angular2_cutoff") + ": 'angular2_cutoff' must lie in (0, cutoff " +
                  cfg.str("cutoff") + " Å], got '" + cfg.str("angular2_cutoff") + "'");
    if (cfg.str("grid") == "linear" && !(cfg.number("grid_lower") < rc2))
      throw error(cfg.where("angular2_cutoff") + ": the linear grid starts at grid_lower " +
                  cfg.str("grid_lower") + " Å, beyond 'angular2_cutoff' " +
                  cfg.str("angular2_cutoff") + " Å");
  }
  one_of("grid", {"imbalzano", "linear"});
  one_of("select", {"validation", "last"});
  one_of("split", {"shuffle", "content"});
  (void)config_weight_setting(cfg);
  if (cfg.str("select") == "last" && cfg.count("patience") > 0)
    throw error(cfg.where("select") +
                ": 'select = last' keeps the final epoch, early stopping ('patience') the best "
                "one: choose one of them");
  if (cfg.str("grid") == "linear") {
    const double lo = cfg.number("grid_lower"), rc = cfg.number("cutoff");
    if (!(lo > 0.0 && lo < rc))
      throw error(cfg.where("grid_lower") + ": 'grid_lower' must lie between 0 and the cutoff " +
                  cfg.str("cutoff") + " Å, got '" + cfg.str("grid_lower") + "'");
  }
  if (cfg.count("batch_size") == 0)
    throw error(cfg.where("batch_size") + ": 'batch_size' must be at least 1");
  if (const double r = cfg.number("scaling_min_range"); !(r >= 0.0))
    throw error(cfg.where("scaling_min_range") + ": 'scaling_min_range' must be >= 0, got '" +
                cfg.str("scaling_min_range") + "'");
  const auto core = short_range_setting(cfg);
  if (core.enabled() && core.outer > cfg.number("cutoff"))
    throw error(cfg.where("short_range") + ": the short-range core's OUTER radius " +
                format_double(core.outer) + " Å lies beyond the cutoff " + cfg.str("cutoff") +
                " Å");
}

/// check_settings_values without counting the keys it reads as used by the run.
inline void check_settings(config& cfg) {
  const auto used = cfg.used_flags();
  check_settings_values(cfg);
  cfg.set_used_flags(used);
}

/// An exclusive lock on OUTPUT/train.lock for the life of the run (released by the kernel when
/// the process ends, however it ends).
class output_lock {
 public:
  explicit output_lock(const std::string& dir) : m_path(dir + "/train.lock") {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) throw error(m_path + ": cannot create the lock file");
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(m_fd);
      throw error(dir + ": another annp-train is writing into this directory (" + m_path +
                  "); wait for it to finish or choose another output");
    }
  }
  output_lock(const output_lock&) = delete;
  output_lock& operator=(const output_lock&) = delete;
  ~output_lock() { ::close(m_fd); }

 private:
  std::string m_path;
  int m_fd = -1;
};

/// Removes NAME.tmp.PID files that a killed run left (safe: the directory is locked).
inline void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) &&
        entry.path().filename().string().find(".tmp.") != std::string::npos)
      std::filesystem::remove(entry.path(), ec);
}

/// The data files of `data`: one or more paths separated by whitespace.
inline std::vector<std::string> split_data_files(config& cfg) {
  std::vector<std::string> files;
  const std::string value = cfg.str("data");
  for (const auto word : split_whitespace(value)) files.emplace_back(word);
  if (files.empty()) throw error(cfg.where("data") + ": 'data' must name at least one file");
  return files;
}

/// What makes a run this run: the settings that shape the split, the model and the optimiser,
/// and a fingerprint of the data files' bytes (FNV-1a, in order).
inline std::string run_identity(config& cfg, const std::vector<std::string>& data_files) {
  std::uint64_t h = 1469598103934665603ull, bytes = 0;
  for (const auto& path : data_files) {
    std::ifstream in(path, std::ios::binary);
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      for (std::size_t k = 0; k < n; ++k) {
        h ^= static_cast<unsigned char>(buffer[k]);
        h *= 1099511628211ull;
      }
      bytes += n;
    }
  }
  char fingerprint[64];
  std::snprintf(fingerprint, sizeof fingerprint, "%016llx (%llu bytes)",
                static_cast<unsigned long long>(h), static_cast<unsigned long long>(bytes));
  std::string out = "# annp-train run identity: resume=true continues only the same run\n";
  out += "data_fingerprint = " + std::string(fingerprint) + "\n";
  for (const char* key : {"data",          "seed",
                          "split_seed",    "validation",
                          "test",          "train_limit",
                          "cutoff",        "cutoff_function",
                          "cutoff_alpha",  "radial",
                          "angular",       "angular_kind",
                          "zetas",         "hidden",
                          "activation",    "optimizer",
                          "energy_weight", "force_weight",
                          "stress_weight", "regularization",
                          "init_model",    "scaling_min_range",
                          "short_range"})
    out += std::string(key) + " = " + cfg.str(key) + "\n";
  // Only runs with a second angular family name its keys (older run.identity files lack them).
  if (cfg.count("angular2") > 0)
    for (const char* key : {"angular2", "angular2_kind", "angular2_cutoff", "angular2_zetas"})
      out += std::string(key) + " = " + cfg.str(key) + "\n";
  // ... only runs split by content their split kind ...
  if (cfg.str("split") != "shuffle") out += "split = " + cfg.str("split") + "\n";
  // ... and only runs with structure weights theirs.
  if (!cfg.str("config_weights").empty())
    out += "config_weights = " + cfg.str("config_weights") + "\n";
  return out;
}

/// resume=true: the checkpoint must belong to this run; says exactly what changed.
inline void check_same_run(const std::string& dir, const std::string& identity) {
  std::ifstream in(dir + "/run.identity");
  if (!in)
    throw error(dir + ": resume=true, but the directory has no run.identity to check the "
                      "checkpoint against; start again in a new output directory");
  std::map<std::string, std::string> before, now;
  const auto parse = [](std::istream& is, std::map<std::string, std::string>& into) {
    std::string line;
    while (std::getline(is, line)) {
      const auto eq = line.find(" = ");
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      into[line.substr(0, eq)] = line.substr(eq + 3);
    }
  };
  parse(in, before);
  std::istringstream is(identity);
  parse(is, now);
  std::string changed;
  for (const auto& [key, value] : now)
    if (before[key] != value)
      changed += "\n  " + key + ": was '" + before[key] + "', now '" + value + "'";
  if (!changed.empty())
    throw error(dir + ": resume=true, but this is not the run that wrote the checkpoint:" +
                changed + "\nuse the same settings and data, or another output directory");
}

} // namespace train_detail

ANNP_SEPARATE_INLINE int train_command(const std::vector<std::string>& args, std::ostream& console,
                                       bool console_is_terminal) {
  using namespace annp;
  using namespace train_detail;
  config cfg;
  std::size_t first = 0;
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    console << "usage: annp-train [CONFIG] [key=value ...]\n\nkeys and defaults:\n";
    cfg.help(console);
    return 0;
  }
  if (!args.empty() && args[0].find('=') == std::string::npos) {
    cfg.read_file(args[0]);
    first = 1;
  }
  for (std::size_t a = first; a < args.size(); ++a) {
    const std::string& arg = args[a];
    const auto eq = arg.find('=');
    if (eq == std::string::npos)
      throw error("argument '" + arg + "': expected key=value (annp-train --help lists the keys)");
    cfg.set(arg.substr(0, eq), arg.substr(eq + 1), "command line");
  }
  // Everything is checked - settings, data, model - before anything is written: a run with a
  // bad argument leaves an existing output directory as it was.
  const std::string dir = cfg.str("output");
  if (dir.empty()) throw error(cfg.where("output") + ": 'output' must name a directory");
  std::ostringstream out; // printed (and logged) once the output directory is ours
  check_settings(cfg);
  if (const auto threads = cfg.count("threads"); threads > 0)
    set_threads(static_cast<int>(threads));

  // Data and split.
  const std::string data_path = cfg.str("data");
  const auto data_files = split_data_files(cfg);
  std::vector<structure> structures;
  for (const auto& path : data_files) {
    auto part = read_structures(path);
    if (part.empty()) throw error(path + ": no structures");
    structures.insert(structures.end(), std::make_move_iterator(part.begin()),
                      std::make_move_iterator(part.end()));
  }
  for (std::size_t k = 0; k < structures.size(); ++k)
    if (structures[k].size() == 0)
      throw error((structures[k].source.empty() ? data_path : structures[k].source) +
                  ": structure " + std::to_string(k) + " has no atoms");
  const auto seed = static_cast<std::uint64_t>(cfg.count("seed"));
  const auto split_seed =
      cfg.str("split_seed").empty() ? seed : static_cast<std::uint64_t>(cfg.count("split_seed"));
  const bool split_by_content = cfg.str("split") == "content";
  auto split = split_dataset(structures, {cfg.number("validation"), cfg.number("test")}, split_seed,
                             split_by_content ? split_kind::content : split_kind::shuffle);
  if (const auto limit = cfg.count("train_limit"); limit > 0 && limit < split.train.size()) {
    std::mt19937_64 rng(split_seed + 1);
    for (std::size_t k = split.train.size(); k > 1; --k)
      std::swap(split.train[k - 1], split.train[rng() % k]);
    split.train.resize(limit);
    std::sort(split.train.begin(), split.train.end());
  }
  std::string split_text;
  {
    std::string text = "# structure indices (0-based, file order) of " + data_path + "\n";
    if (data_files.size() > 1)
      text += "# (the files read one after another, indices counted through)\n";
    const auto line = [&](const char* name, const std::vector<std::size_t>& v) {
      text += name;
      for (std::size_t k : v) text += " " + std::to_string(k);
      text += "\n";
    };
    line("train", split.train);
    line("validation", split.validation);
    line("test", split.test);
    split_text = text;
  }
  if (split.train.empty())
    throw error(cfg.where("validation") + ": no structure left for training (" +
                std::to_string(structures.size()) + " structures; lower validation/test)");
  out << "data: " << data_path << ", " << structures.size() << " structures; split "
      << split.train.size() << " train / " << split.validation.size() << " validation / "
      << split.test.size() << " test (seed " << split_seed
      << (split_by_content ? ", by content" : "") << ", stratified by config_type)\n";

  // Model recipe.
  model_recipe recipe;
  recipe.descriptors.rc = cfg.number("cutoff");
  recipe.descriptors.radial_count = cfg.count("radial");
  recipe.descriptors.angular_count = cfg.count("angular");
  const std::string kind = cfg.str("angular_kind");
  if (kind == "wide")
    recipe.descriptors.angular_kind = sf_kind_of<sf_kinds::angular_wide>();
  else if (kind == "chebyshev")
    recipe.descriptors.angular_kind = sf_kind_of<sf_kinds::chebyshev_angular>();
  else if (kind != "narrow")
    throw error(cfg.where("angular_kind") +
                ": angular_kind must be narrow, wide or chebyshev, got '" + kind + "'");
  recipe.descriptors.zetas = cfg.numbers("zetas");
  recipe.descriptors.angular2_count = cfg.count("angular2");
  recipe.descriptors.angular2_kind = cfg.str("angular2_kind") == "wide"
                                         ? sf_kind_of<sf_kinds::angular_wide>()
                                         : sf_kind_of<sf_kinds::angular_narrow>();
  recipe.descriptors.angular2_rc = cfg.number("angular2_cutoff");
  recipe.descriptors.angular2_zetas = cfg.numbers("angular2_zetas");
  recipe.descriptors.rule =
      cfg.str("grid") == "linear" ? grid_rule::gastegger2018 : grid_rule::imbalzano2018;
  recipe.descriptors.r_lower = cfg.number("grid_lower");
  recipe.cutoff = cutoff_kind_from_name(cfg.str("cutoff_function"));
  recipe.cutoff_alpha = cfg.number("cutoff_alpha");
  recipe.hidden.clear();
  for (double h : cfg.numbers("hidden")) recipe.hidden.push_back(static_cast<std::size_t>(h));
  if (recipe.hidden.empty())
    throw error(cfg.where("hidden") + ": 'hidden' needs at least one layer width");
  recipe.activation = activation_from_name(cfg.str("activation"));
  recipe.scaling_min_range = cfg.number("scaling_min_range");
  recipe.core = short_range_setting(cfg, &structures, &split.train);
  model m = initial_model(elements_of(structures), recipe, seed);
  if (const std::string init = cfg.str("init_model"); !init.empty()) {
    const model start = read_model(init);
    const auto where = cfg.where("init_model") + ": init_model " + init;
    if (start.elements != m.elements)
      throw error(where + ": its elements differ from those of the data");
    for (int z : m.elements)
      if (start.functions_of(z) != m.functions_of(z))
        throw error(where + ": its symmetry functions of " + std::string(symbol(z)) + " (" +
                    std::to_string(start.functions_of(z).size()) +
                    ") differ from those this configuration makes (" +
                    std::to_string(m.functions_of(z).size()) + "): use the same descriptor keys");
    for (std::size_t e = 0; e < m.elements.size(); ++e) {
      if (start.networks[e].parameter_size() != m.networks[e].parameter_size() ||
          start.networks[e].layers().size() != m.networks[e].layers().size())
        throw error(where + ": the network of " + std::string(symbol(m.elements[e])) +
                    " has another shape than this configuration's");
      const auto from = start.networks[e].parameters();
      std::copy(from.begin(), from.end(), m.networks[e].parameters().begin());
    }
    out << "warm start: network weights from " << init << "\n";
  }
  const loss_weights weights{cfg.number("energy_weight"), cfg.number("force_weight"),
                             cfg.number("stress_weight"), cfg.number("regularization")};
  // Descriptor derivatives: for force and stress training, and to report force errors.
  const bool derivatives = weights.forces > 0 || weights.stress > 0 || cfg.flag("report_forces");
  auto data =
      prepare_training(m, structures, split, recipe, derivatives, cfg.flag("stream_derivatives"));
  const auto config_weights = config_weight_setting(cfg);
  if (const auto type = absent_config_type(structures, config_weights))
    throw error(cfg.where("config_weights") + ": no structure has config_type '" + *type + "'");
  data.set_weights(structure_weights(structures, config_weights));
  std::string shape;
  for (const auto& l : m.networks[0].layers()) shape += std::to_string(l.in) + "-";
  shape += "1";
  out << "model: " << m.elements.size() << " element(s), " << m.functions.size()
      << " symmetry functions, networks " << shape << " (" << m.networks[0].parameter_size()
      << " parameters each), cutoff " << recipe.descriptors.rc << " Å\n";
  out << "reference energies (least squares, training split):";
  for (std::size_t e = 0; e < m.elements.size(); ++e)
    out << " " << symbol(m.elements[e]) << " " << format_double(m.atomic_energies[e]) << " eV";
  out << "; energy scale " << format_double(m.energy_scale) << " eV\n";
  for (std::size_t e = 0; e < m.elements.size(); ++e)
    if (const auto n = m.scaling.inactive_count(e); n > 0)
      out << "inactive descriptors of " << symbol(m.elements[e]) << ": " << n << " of "
          << m.functions_of(m.elements[e]).size() << " (training range <= scaling_min_range "
          << format_double(m.scaling.min_range()) << "; unused, still checked for extrapolation)\n";
  if (m.core.enabled()) {
    out << "short-range core: ZBL repulsion alone below " << format_double(m.core.inner)
        << " Å, blended with the network up to " << format_double(m.core.outer) << " Å";
    for (const auto& p : m.core.pairs)
      out << (&p == &m.core.pairs.front() ? "; by element pair: " : ", ") << symbol(p.z1) << "-"
          << symbol(p.z2) << " " << format_double(p.inner) << "-" << format_double(p.outer) << " Å";
    out << "\n";
  }
  out << "extrapolating (descriptors outside the training range): " << data.validation_extrapolating
      << " validation and " << data.test_extrapolating << " test structures\n";
  out << "loss weights: energy " << weights.energy << ", forces " << weights.forces << ", stress "
      << weights.stress;
  for (const auto& [type, w] : config_weights) out << "; " << type << " x" << format_double(w);
  out << "; optimizer " << cfg.str("optimizer") << "\n\n";

  // The output directory: locked against a second run, stale temporary files of a killed run
  // removed, the log appended to across resumes, resume refused when the run is another one.
  std::filesystem::create_directories(dir);
  const output_lock lock(dir);
  remove_stale_temporaries(dir);
  const std::string identity = run_identity(cfg, data_files);
  const bool resuming = cfg.flag("resume") && std::filesystem::exists(dir + "/checkpoint.ckpt");
  if (resuming) check_same_run(dir, identity);
  std::ofstream log(dir + "/train.log", resuming ? std::ios::app : std::ios::trunc);
  if (!log) throw error(dir + "/train.log: cannot open for writing");
  write_file_atomically(dir + "/run.identity", identity);
  write_file_atomically(dir + "/split.txt", split_text);
  tee_buffer tee(console.rdbuf(), log.rdbuf());
  std::ostream out_stream(&tee);
  if (resuming) out_stream << "\n==== resumed ====\n";
  out_stream << out.str();
  run_context c{cfg,
                out_stream,
                console_is_terminal ? &console : nullptr,
                console_is_terminal ? static_cast<std::ostream*>(&log) : &out_stream,
                dir,
                structures,
                split,
                m,
                data,
                weights,
                {}};
  dispatch(c);
  m.metadata = {{"trained_by", "annp-train"},
                {"data", data_path},
                {"optimizer", cfg.str("optimizer")},
                {"seed", cfg.str("seed")},
                {"split_seed", std::to_string(split_seed)},
                {"split", std::to_string(split.train.size()) + " train, " +
                              std::to_string(split.validation.size()) + " validation, " +
                              std::to_string(split.test.size()) + " test"}};
  if (split_by_content) m.metadata.emplace_back("split_kind", "content");
  const std::string model_path = dir + "/model.annp";
  write_model(model_path, m);
  held_out_report(c, model_path);
  write_file_atomically(dir + "/errors.txt", c.tables);
  out_stream << "wrote " << model_path
             << ", train.log, errors.txt, learning_curve.csv and plots (*.svg) in " << dir << "\n";
  cfg.warn_unused(out_stream);
  std::ofstream(dir + "/config.used") << cfg.describe();
  return 0;
}

} // namespace annp::tools

#endif
