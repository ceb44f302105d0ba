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
//   model.annp          the trained model (best validation epoch)
//   train.log           the progress lines and the error tables
//   learning_curve.csv  one line per epoch
//   errors.txt          RMSE/MAE per config_type on the train, validation and test splits
//   learning_curve_energy.svg, learning_curve_forces.svg, parity_energy.svg, parity_forces.svg
//   split.txt           the structure indices of the train, validation and test splits
//   checkpoint.ckpt     the run state every `checkpoint_every` epochs (resume=true continues)
// The test-split errors are computed by the inference path (the written model file read back
// into annp::any_potential), on structures that neither training nor model selection saw.

#include <annp/annp.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
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
    def("data", "data/al/al.xyz", "labelled structures: extended XYZ or n2p2 input.data");
    def("output", "annp-train-output", "output directory");
    def("seed", "1", "seed of the split, the initial weights and the optimiser");
    def("threads", "0", "OpenMP threads (0: all)");
    def("validation", "0.1", "fraction of each config_type for validation (model selection)");
    def("test", "0.1", "fraction of each config_type held out for the final test");
    def("train_limit", "0",
        "use at most this many training structures, a seeded random subset (0: all)");
    def("report_forces", "true",
        "keep descriptor derivatives to report force errors in energy-only "
        "training (memory: ~1 kB per atom pair)");
    def("cutoff", "6.0", "cutoff radius, Å");
    def("cutoff_function", "cosine", "hard cosine tanh tanh_unnormalized exponential poly1..poly4");
    def("cutoff_alpha", "0.0", "inner-cutoff fraction");
    def("radial", "8", "radial functions per element pair (shifted Imbalzano grid)");
    def("angular", "2", "angular grid points (centred Imbalzano grid), times zetas and lambdas");
    def("angular_kind", "narrow", "narrow or wide angular functions");
    def("zetas", "1 4", "zeta values of the angular functions");
    def("hidden", "20 20", "hidden-layer widths");
    def("activation", "tanh", "hidden-layer activation");
    def("energy_weight", "1", "loss weight of the energy per atom (eV/atom)^-2");
    def("force_weight", "0", "loss weight of force components (eV/Å)^-2; 0: energies only");
    def("stress_weight", "0", "loss weight of stress components (eV/Å³)^-2");
    def("regularization", "0", "L2 weight decay w_R (loss += w_R mean(theta^2))");
    def("optimizer", "lbfgs", "lbfgs cg cg_annealing kalman adam gd lm annealing");
    def("epochs", "300", "maximum epochs (iterations for cg, lbfgs, lm)");
    def("patience", "0", "early stopping: epochs without validation improvement (0: off)");
    def("checkpoint_every", "25", "write checkpoint.ckpt every N epochs (0: only at the end)");
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
    def("kalman_eta", "0.01", "kalman (standard): initial eta");
    def("kalman_q", "0.01", "kalman: initial process noise");
    def("lm_mu", "0.01", "lm: initial damping");
  }

  void read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw annp::error(path + ": cannot open configuration file");
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto eq = line.find('=');
      if (eq == std::string::npos)
        throw annp::error(path + ":" + std::to_string(n) + ": expected 'key = value', got '" +
                          line + "'");
      set(trim(line.substr(0, eq)), trim(line.substr(eq + 1)), path + ":" + std::to_string(n));
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
    if (d < 0 || d != std::floor(d))
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
  trainer t(nets, c.data.train, select.size() ? &select : nullptr, c.weights, std::move(optimizer),
            static_cast<std::uint64_t>(c.cfg.number("seed")));
  const std::string ckpt = c.dir + "/checkpoint.ckpt";
  if (c.cfg.flag("resume") && std::filesystem::exists(ckpt)) {
    t.load_checkpoint(ckpt);
    c.out << "resumed from " << ckpt << " at epoch " << t.epoch() << "\n";
  }
  const std::size_t epochs = c.cfg.count("epochs"), patience = c.cfg.count("patience");
  const std::size_t every = c.cfg.count("checkpoint_every");
  callbacks::progress progress{&c.out, 1};
  callbacks::learning_curve curve{c.dir + "/learning_curve.csv"};
  callbacks::checkpoint checkpoint{ckpt, every};
  if (patience > 0)
    t.run(epochs, progress, curve, checkpoint, callbacks::early_stopping{patience});
  else {
    t.run(epochs, progress, curve, checkpoint);
    t.restore_best();
  }
  c.out << "best epoch " << t.best_epoch() << " of " << t.epoch()
        << (t.converged() ? " (optimiser converged)" : "") << "\n\n";
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
    const schedule::exponential rate{c.cfg.number("learning_rate"),
                                     c.cfg.number("learning_rate_decay"), 1e-9};
    if (name == "adam") {
      adam<schedule::exponential> a;
      a.rate = rate;
      a.batch_size = std::max<std::size_t>(1, c.cfg.count("batch_size"));
      return train(c, a);
    }
    gradient_descent<schedule::exponential> g;
    g.rate = rate;
    g.batch_size = std::max<std::size_t>(1, c.cfg.count("batch_size"));
    g.momentum = c.cfg.number("momentum");
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
    k.threshold = c.cfg.number("kalman_threshold");
    k.eta = c.cfg.number("kalman_eta");
    k.q = c.cfg.number("kalman_q");
    return train(c, k);
  }
  if (name == "lm") {
    levenberg_marquardt lm;
    lm.mu = c.cfg.number("lm_mu");
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
      for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t d = 0; d < 3; ++d)
          f_ref.push_back((*s.forces)(i, d)), f_pred.push_back(r.forces(i, d));
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
  const auto t = inside.total();
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

} // namespace train_detail

/// The annp-train program as a function: args are its command-line arguments (CONFIG, then
/// key=value), everything it prints goes to console (and to OUTPUT/train.log). Returns 0, or
/// throws annp::error for bad input.
inline int train_command(const std::vector<std::string>& args, std::ostream& console) {
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
  const std::string dir = cfg.str("output");
  std::filesystem::create_directories(dir);
  std::ofstream log(dir + "/train.log");
  tee_buffer tee(console.rdbuf(), log.rdbuf());
  std::ostream out(&tee);
  if (const auto threads = cfg.count("threads"); threads > 0)
    set_threads(static_cast<int>(threads));

  // Data and split.
  const std::string data_path = cfg.str("data");
  auto structures = read_structures(data_path);
  if (structures.empty()) throw error(data_path + ": no structures");
  const auto seed = static_cast<std::uint64_t>(cfg.number("seed"));
  auto split = split_dataset(structures, {cfg.number("validation"), cfg.number("test")}, seed);
  if (const auto limit = cfg.count("train_limit"); limit > 0 && limit < split.train.size()) {
    std::mt19937_64 rng(seed + 1);
    for (std::size_t k = split.train.size(); k > 1; --k)
      std::swap(split.train[k - 1], split.train[rng() % k]);
    split.train.resize(limit);
    std::sort(split.train.begin(), split.train.end());
  }
  {
    std::string text = "# structure indices (0-based, file order) of " + data_path + "\n";
    const auto line = [&](const char* name, const std::vector<std::size_t>& v) {
      text += name;
      for (std::size_t k : v) text += " " + std::to_string(k);
      text += "\n";
    };
    line("train", split.train);
    line("validation", split.validation);
    line("test", split.test);
    write_file_atomically(dir + "/split.txt", text);
  }
  out << "data: " << data_path << ", " << structures.size() << " structures; split "
      << split.train.size() << " train / " << split.validation.size() << " validation / "
      << split.test.size() << " test (seed " << seed << ", stratified by config_type)\n";

  // Model recipe.
  model_recipe recipe;
  recipe.descriptors.rc = cfg.number("cutoff");
  recipe.descriptors.radial_count = cfg.count("radial");
  recipe.descriptors.angular_count = cfg.count("angular");
  const std::string kind = cfg.str("angular_kind");
  if (kind == "wide")
    recipe.descriptors.angular_kind = sf_kind::angular_wide;
  else if (kind != "narrow")
    throw error(cfg.where("angular_kind") + ": angular_kind must be narrow or wide, got '" + kind +
                "'");
  recipe.descriptors.zetas = cfg.numbers("zetas");
  recipe.cutoff = cutoff_kind_from_name(cfg.str("cutoff_function"));
  recipe.cutoff_alpha = cfg.number("cutoff_alpha");
  recipe.hidden.clear();
  for (double h : cfg.numbers("hidden")) recipe.hidden.push_back(static_cast<std::size_t>(h));
  recipe.activation = activation_from_name(cfg.str("activation"));
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
  auto data = prepare_training(m, structures, split, recipe, derivatives);
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
  out << "extrapolating (descriptors outside the training range): " << data.validation_extrapolating
      << " validation and " << data.test_extrapolating << " test structures\n";
  out << "loss weights: energy " << weights.energy << ", forces " << weights.forces << ", stress "
      << weights.stress << "; optimizer " << cfg.str("optimizer") << "\n\n";

  run_context c{cfg, out, dir, structures, split, m, data, weights, {}};
  dispatch(c);
  m.metadata = {{"trained_by", "annp-train"},
                {"data", data_path},
                {"optimizer", cfg.str("optimizer")},
                {"seed", cfg.str("seed")},
                {"split", std::to_string(split.train.size()) + " train, " +
                              std::to_string(split.validation.size()) + " validation, " +
                              std::to_string(split.test.size()) + " test"}};
  const std::string model_path = dir + "/model.annp";
  write_model(model_path, m);
  held_out_report(c, model_path);
  write_file_atomically(dir + "/errors.txt", c.tables);
  out << "wrote " << model_path
      << ", train.log, errors.txt, learning_curve.csv and plots (*.svg) in " << dir << "\n";
  cfg.warn_unused(out);
  std::ofstream(dir + "/config.used") << cfg.describe();
  return 0;
}

} // namespace annp::tools
