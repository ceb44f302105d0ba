#pragma once
// trainer<Potential, Optimizer>: runs an optimiser policy on the training loss of a potential,
// measures train and validation errors after every epoch, remembers the best parameters (by the
// validation loss, or the training loss without validation data), and hands every epoch to
// callbacks. All run state (parameters, best parameters, history, optimiser state, random
// engine) is in the trainer, so a checkpoint resumes bit for bit.
//
//   annp::trainer t(pot, train, annp::optim::lbfgs<>{},
//                   {.validation = &validation, .weights = {.energy = 1.0, .forces = 0.1}});
//   t.run(200, annp::callbacks::progress{}, annp::callbacks::early_stopping{30},
//         annp::callbacks::checkpoint{"run.ckpt", 10});
//
// A callback is any object with some of
//   void on_start(trainer&);  void on_epoch(trainer&, const epoch_record&);  void on_end(trainer&);
// (detected at compile time). Callbacks may call stop(), restore_best() and save_checkpoint().

#include <annp/core/atomic_file.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/training/objective.hpp>
#include <annp/training/optimizer.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace annp {

/// One line of the learning curve. Errors are RMSEs in eV/atom, eV/Å and eV/Å³ (NaN when the
/// set has no such labels or no validation set is given).
struct epoch_record {
  std::size_t epoch = 0;
  double loss = 0.0; ///< training loss after the epoch
  double validation_loss = std::numeric_limits<double>::quiet_NaN();
  double train_energy = 0.0, train_forces = 0.0, train_stress = 0.0;
  double validation_energy = std::numeric_limits<double>::quiet_NaN();
  double validation_forces = std::numeric_limits<double>::quiet_NaN();
  double validation_stress = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;        ///< wall time since the start of training (all runs)
  std::size_t evaluations = 0; ///< cumulative objective evaluations / updates
  std::string note;            ///< the optimiser's note
};

namespace detail {
inline double rmse_or_nan(const error_stats& s) {
  return s.count() ? s.rmse() : std::numeric_limits<double>::quiet_NaN();
}
} // namespace detail

/// What a trainer needs besides the potential, the training data and the optimiser; set by name:
///   {.validation = &data.validation_in_range, .weights = {.energy = 1, .forces = 0.01}, .seed = 7}
struct trainer_options {
  /// Model selection data (the best epoch is the one with the lowest validation loss); nullptr
  /// or empty: the training loss selects.
  const training_data* validation = nullptr;
  loss_weights weights{}; ///< the loss (energies only by default)
  std::uint64_t seed = 1; ///< the random engine of the optimiser (shuffles, annealing moves)
};

template <class Potential, class Optimizer> class trainer {
 public:
  using objective_type = training_objective<Potential>;
  using data_type = typename objective_type::data_type;
  static_assert(
      optimizer_for<Optimizer, objective_type>,
      "the optimiser does not satisfy annp::optimizer_for for a training objective "
      "(see docs/concepts.md: name, step(f, rng) -> step_report, save_state, load_state)");

  trainer(Potential& pot, const data_type& train, Optimizer optimizer = {},
          const trainer_options& options = {})
      : m_objective(pot, train, options.weights), m_optimizer(std::move(optimizer)),
        m_rng(options.seed) {
    if (options.validation && options.validation->size() > 0)
      m_validation.emplace(pot, *options.validation, options.weights);
    const auto x = m_objective.parameters();
    m_best_x.assign(x.begin(), x.end());
  }

  /// Shares the training and validation evaluations between processes (see
  /// distribution.hpp; nullptr: none). Every process runs the same trainer on the same data
  /// and ends with the same parameters, bit for bit those of a single process.
  void distribute(const group_distribution* d) noexcept {
    m_objective.distribute(d);
    if (m_validation) m_validation->distribute(d);
  }

  [[nodiscard]] Optimizer& optimizer() noexcept { return m_optimizer; }
  [[nodiscard]] objective_type& objective() noexcept { return m_objective; }
  [[nodiscard]] const std::vector<epoch_record>& history() const noexcept { return m_history; }
  [[nodiscard]] std::size_t epoch() const noexcept { return m_history.size(); }
  [[nodiscard]] std::size_t best_epoch() const noexcept { return m_best_epoch; }
  [[nodiscard]] double best_metric() const noexcept { return m_best_metric; }
  [[nodiscard]] bool has_validation() const noexcept { return m_validation.has_value(); }
  [[nodiscard]] bool stopped() const noexcept { return m_stop; }
  [[nodiscard]] bool converged() const noexcept { return m_converged; }
  /// Ends run() after the current epoch.
  void stop() noexcept { m_stop = true; }

  /// Runs until `epochs` epochs have been done in total, the optimiser converges or a callback
  /// stops; the potential's networks hold the final (or, after restore_best, the best) weights.
  template <class... Callbacks> void run(std::size_t epochs, Callbacks&&... callbacks) {
    m_stop = false;
    (call_start(callbacks), ...);
    const auto t0 = std::chrono::steady_clock::now();
    const double seconds0 = m_history.empty() ? 0.0 : m_history.back().seconds;
    std::size_t evaluations = m_history.empty() ? 0 : m_history.back().evaluations;
    while (epoch() < epochs && !m_stop && !m_converged) {
      const step_report r = m_optimizer.step(m_objective, m_rng);
      if (!std::isfinite(r.loss))
        throw error("training diverged at epoch " + std::to_string(epoch() + 1) + " (" +
                    std::string(Optimizer::name) +
                    ": loss is not finite); lower the step size "
                    "or learning rate");
      m_converged = r.converged;
      evaluations += r.evaluations;
      epoch_record rec = measure();
      rec.epoch = epoch() + 1;
      rec.loss = r.loss;
      rec.evaluations = evaluations;
      rec.note = r.note;
      rec.seconds =
          seconds0 + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double metric = m_validation ? rec.validation_loss : rec.loss;
      if (metric < m_best_metric) {
        m_best_metric = metric;
        m_best_epoch = rec.epoch;
        const auto x = m_objective.parameters();
        m_best_x.assign(x.begin(), x.end());
      }
      m_history.push_back(rec);
      (call_epoch(callbacks, m_history.back()), ...);
    }
    m_objective.sync();
    (call_end(callbacks), ...);
    m_objective.sync();
  }

  /// Sets the parameters to the best ones seen (and copies them into the potential).
  void restore_best() {
    vec::copy(m_best_x, m_objective.parameters());
    m_objective.sync();
  }

  [[nodiscard]] error_table train_errors() { return m_objective.errors(); }
  /// Errors of the current parameters (after restore_best(): the best ones) on the validation
  /// set. The validation objective keeps its own parameter copy from the last epoch; it is
  /// brought up to date first, and the potential is left holding the current parameters.
  [[nodiscard]] error_table validation_errors() {
    if (!m_validation) return error_table{};
    vec::copy(m_objective.parameters(), m_validation->parameters());
    error_table table = m_validation->errors();
    m_objective.sync();
    return table;
  }

  /// Writes the complete run state to `path` atomically.
  void save_checkpoint(const std::string& path) const {
    std::ostringstream os;
    os << "annp-checkpoint 1\n";
    os << "optimizer " << Optimizer::name << '\n';
    os << "rng " << m_rng << '\n';
    state::write(
        os, "parameters",
        std::vector<double>(m_objective.parameters().begin(), m_objective.parameters().end()));
    state::write(os, "best_metric", m_best_metric);
    state::write(os, "best_epoch", m_best_epoch);
    state::write(os, "best_parameters", m_best_x);
    state::write(os, "converged", m_converged);
    os << "history " << m_history.size() << '\n';
    for (const auto& h : m_history) {
      os << h.epoch;
      for (double v : {h.loss, h.validation_loss, h.train_energy, h.train_forces, h.train_stress,
                       h.validation_energy, h.validation_forces, h.validation_stress, h.seconds})
        os << ' ' << format_double(v);
      os << ' ' << h.evaluations << " |" << h.note << '\n';
    }
    os << "state\n";
    m_optimizer.save_state(os);
    os << "end\n";
    write_file_atomically(path, os.str());
  }

  /// Restores a run saved by save_checkpoint (same data, potential setup and optimiser type).
  void load_checkpoint(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw error(path + ": cannot open checkpoint");
    const auto fail = [&](const std::string& what) -> void { throw error(path + ": " + what); };
    std::string word, name;
    int version = 0;
    if (!(in >> word >> version) || word != "annp-checkpoint" || version != 1)
      fail("not an annp checkpoint (expected 'annp-checkpoint 1' on the first line)");
    if (!(in >> word >> name) || word != "optimizer") fail("expected 'optimizer <name>'");
    if (name != Optimizer::name)
      fail("checkpoint of optimiser '" + name + "', this trainer runs '" +
           std::string(Optimizer::name) + "'");
    if (!(in >> word) || word != "rng" || !(in >> m_rng)) fail("bad random engine state");
    try {
      const auto x = state::read_vector(in, "parameters");
      if (x.size() != m_objective.size())
        fail("checkpoint has " + std::to_string(x.size()) + " parameters, the potential has " +
             std::to_string(m_objective.size()));
      vec::copy(x, m_objective.parameters());
      m_best_metric = state::read_number(in, "best_metric");
      m_best_epoch = state::read_count(in, "best_epoch");
      m_best_x = state::read_vector(in, "best_parameters");
      m_converged = state::read_flag(in, "converged");
      std::size_t n = 0;
      if (!(in >> word >> n) || word != "history") fail("expected 'history <count>'");
      m_history.assign(n, {});
      for (auto& h : m_history) {
        std::string line;
        in >> h.epoch;
        double* fields[] = {
            &h.loss,         &h.validation_loss,   &h.train_energy,      &h.train_forces,
            &h.train_stress, &h.validation_energy, &h.validation_forces, &h.validation_stress,
            &h.seconds};
        for (double* f : fields) {
          std::string t;
          in >> t;
          if (t == "nan")
            *f = std::numeric_limits<double>::quiet_NaN();
          else if (!try_parse_double(t, *f))
            fail("bad number '" + t + "' in the history");
        }
        in >> h.evaluations;
        std::getline(in, line);
        const auto bar = line.find('|');
        h.note = bar == std::string::npos ? "" : line.substr(bar + 1);
      }
      if (!(in >> word) || word != "state") fail("expected 'state'");
      m_optimizer.load_state(in);
      if (!(in >> word) || word != "end") fail("expected 'end' after the optimiser state");
    } catch (const error& e) {
      const std::string what = e.what();
      if (what.rfind(path, 0) == 0) throw;
      fail(what);
    }
    m_objective.sync();
  }

 private:
  epoch_record measure() {
    epoch_record rec;
    const auto t = m_objective.errors().total();
    rec.train_energy = detail::rmse_or_nan(t.energy);
    rec.train_forces = detail::rmse_or_nan(t.force);
    rec.train_stress = detail::rmse_or_nan(t.stress);
    if (m_validation) {
      // The loss first: its whole-set pass leaves the predictions that validation_errors() then
      // tabulates without a second one.
      vec::copy(m_objective.parameters(), m_validation->parameters());
      rec.validation_loss = m_validation->value();
      const auto v = validation_errors().total();
      rec.validation_energy = detail::rmse_or_nan(v.energy);
      rec.validation_forces = detail::rmse_or_nan(v.force);
      rec.validation_stress = detail::rmse_or_nan(v.stress);
    }
    return rec;
  }

  template <class C> void call_start(C& c) {
    if constexpr (requires { c.on_start(*this); }) c.on_start(*this);
  }
  template <class C> void call_epoch(C& c, const epoch_record& r) {
    if constexpr (requires { c.on_epoch(*this, r); }) c.on_epoch(*this, r);
  }
  template <class C> void call_end(C& c) {
    if constexpr (requires { c.on_end(*this); }) c.on_end(*this);
  }

  objective_type m_objective;
  std::optional<objective_type> m_validation;
  Optimizer m_optimizer;
  std::mt19937_64 m_rng;
  std::vector<epoch_record> m_history;
  std::vector<double> m_best_x;
  double m_best_metric = std::numeric_limits<double>::infinity();
  std::size_t m_best_epoch = 0;
  bool m_stop = false, m_converged = false;
};

/// The learning curve as CSV (one header line, one line per epoch).
[[nodiscard]] inline std::string learning_curve_csv(const std::vector<epoch_record>& h) {
  std::string out = "epoch,seconds,evaluations,loss,validation_loss,train_energy_rmse,"
                    "train_force_rmse,train_stress_rmse,validation_energy_rmse,"
                    "validation_force_rmse,validation_stress_rmse,note\n";
  for (const auto& r : h) {
    out += std::to_string(r.epoch) + ',' + format_double(r.seconds) + ',' +
           std::to_string(r.evaluations);
    for (double v : {r.loss, r.validation_loss, r.train_energy, r.train_forces, r.train_stress,
                     r.validation_energy, r.validation_forces, r.validation_stress})
      out += ',' + (std::isfinite(v) ? format_double(v) : std::string());
    std::string note = r.note;
    for (char& c : note)
      if (c == ',' || c == '\n') c = ';';
    out += ',' + note + '\n';
  }
  return out;
}

namespace callbacks {

/// One line per epoch: loss, train/validation RMSE of energy (meV/atom) and forces (meV/Å),
/// seconds since the start, the optimiser's note.
struct progress {
  std::ostream* out = &std::cout;
  std::size_t every = 1;

  template <class T> void on_start(T& t) {
    if (t.epoch() == 0 || every == 1) {
      char line[200];
      std::snprintf(line, sizeof line, "%6s %12s %10s %10s %10s %10s %9s  %s\n", "epoch", "loss",
                    "E train", "E valid", "F train", "F valid", "seconds", "note");
      *out << line;
      std::snprintf(line, sizeof line, "%6s %12s %10s %10s %10s %10s %9s\n", "", "", "meV/atom",
                    "meV/atom", "meV/A", "meV/A", "");
      *out << line;
    }
  }
  template <class T> void on_epoch(T&, const epoch_record& r) {
    if (every == 0 || (r.epoch % every != 0 && r.epoch != 1)) return;
    const auto mev = [](double v) { return std::isfinite(v) ? 1000.0 * v : std::nan(""); };
    char line[300];
    std::snprintf(line, sizeof line, "%6zu %12.5e %10.3f %10.3f %10.2f %10.2f %9.1f  %s\n", r.epoch,
                  r.loss, mev(r.train_energy), mev(r.validation_energy), mev(r.train_forces),
                  mev(r.validation_forces), r.seconds, r.note.c_str());
    *out << line << std::flush;
  }
};

/// Progress for people: on a terminal one line that updates in place (epoch, loss, train|validation
/// errors, the lowest validation energy error so far and its epoch - model selection itself
/// follows the validation loss -, rate, ETA); in a log or a pipe a line every `every_epochs` epochs
/// or `every_seconds` seconds, whichever comes first, and at the last epoch. Either stream may be
/// null. The full per-epoch record belongs in the learning-curve CSV.
struct progress_line {
  std::ostream* terminal = nullptr; ///< updated in place ('\r'); a tty
  std::ostream* log = nullptr;      ///< periodic whole lines
  std::size_t epochs = 0;           ///< the run's epoch budget (for the ETA); 0: unknown
  std::size_t every_epochs = 100;
  double every_seconds = 30.0;

  template <class T> void on_start(T& t) {
    m_start_epoch = t.epoch();
    m_last_log_epoch = t.epoch();
    m_t0 = t.history().empty() ? 0.0 : t.history().back().seconds;
    m_last_log_seconds = m_t0;
  }
  template <class T> void on_epoch(T&, const epoch_record& r) {
    if (std::isfinite(r.validation_energy) && r.validation_energy < m_best) {
      m_best = r.validation_energy;
      m_best_epoch = r.epoch;
    } else if (!std::isfinite(m_best) && r.train_energy < m_best_train) {
      m_best_train = r.train_energy;
      m_best_epoch = r.epoch;
    }
    const double elapsed = r.seconds - m_t0;
    const double rate =
        elapsed > 0.0 ? static_cast<double>(r.epoch - m_start_epoch) / elapsed : 0.0;
    char eta[32] = "--:--:--";
    if (epochs > r.epoch && rate > 0.0) {
      const auto left = static_cast<long>(static_cast<double>(epochs - r.epoch) / rate);
      std::snprintf(eta, sizeof eta, "%02ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
    }
    const bool have_valid = std::isfinite(m_best);
    char line[320];
    std::snprintf(line, sizeof line,
                  "epoch %zu%s%s  loss %.4e  E %.2f|%s meV/atom  F %.1f|%s meV/A  lowest %s E %.2f "
                  "meV/atom @ %zu  %.1f epochs/s  ETA %s",
                  r.epoch, epochs ? "/" : "", epochs ? std::to_string(epochs).c_str() : "", r.loss,
                  1000.0 * r.train_energy, valid_text(r.validation_energy, 2).c_str(),
                  1000.0 * r.train_forces, valid_text(r.validation_forces, 1).c_str(),
                  have_valid ? "valid" : "train", 1000.0 * (have_valid ? m_best : m_best_train),
                  m_best_epoch, rate, eta);
    if (terminal) *terminal << "\r\033[K" << line << std::flush;
    const bool last = epochs != 0 && r.epoch >= epochs;
    if (log &&
        (last || r.epoch == m_start_epoch + 1 || r.epoch - m_last_log_epoch >= every_epochs ||
         r.seconds - m_last_log_seconds >= every_seconds)) {
      *log << line << "\n" << std::flush;
      m_last_log_epoch = r.epoch;
      m_last_log_seconds = r.seconds;
    }
  }
  template <class T> void on_end(T&) {
    if (terminal) *terminal << "\n" << std::flush;
  }

 private:
  static std::string valid_text(double v, int digits) {
    if (!std::isfinite(v)) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", digits, 1000.0 * v);
    return b;
  }
  std::size_t m_start_epoch = 0, m_last_log_epoch = 0, m_best_epoch = 0;
  double m_last_log_seconds = 0.0, m_t0 = 0.0;
  double m_best = std::numeric_limits<double>::infinity();
  double m_best_train = std::numeric_limits<double>::infinity();
};

/// Stops when the best epoch lies `patience` epochs back; restores the best parameters at the
/// end (restore_best).
struct early_stopping {
  std::size_t patience = 20;
  bool restore_best = true;
  template <class T> void on_epoch(T& t, const epoch_record& r) {
    if (r.epoch >= t.best_epoch() + patience) t.stop();
  }
  template <class T> void on_end(T& t) {
    if (restore_best) t.restore_best();
  }
};

/// Writes a checkpoint every `every` epochs (and at the end) to `path`, atomically.
struct checkpoint {
  std::string path;
  std::size_t every = 10;
  template <class T> void on_epoch(T& t, const epoch_record& r) {
    if (every > 0 && r.epoch % every == 0) t.save_checkpoint(path);
  }
  template <class T> void on_end(T& t) { t.save_checkpoint(path); }
};

/// Rewrites the learning-curve CSV after every epoch (atomically).
struct learning_curve {
  std::string path;
  template <class T> void on_epoch(T& t, const epoch_record&) {
    write_file_atomically(path, learning_curve_csv(t.history()));
  }
};

/// Stops once the validation (or, without validation data, training) RMSEs reach the targets
/// (eV/atom, eV/Å; 0 ignores a target).
struct target_rmse {
  double energy = 0.0, forces = 0.0;
  template <class T> void on_epoch(T& t, const epoch_record& r) {
    const double e = t.has_validation() ? r.validation_energy : r.train_energy;
    const double f = t.has_validation() ? r.validation_forces : r.train_forces;
    const bool e_ok = energy <= 0.0 || (std::isfinite(e) && e <= energy);
    const bool f_ok = forces <= 0.0 || (std::isfinite(f) && f <= forces);
    if (e_ok && f_ok) t.stop();
  }
};

} // namespace callbacks

} // namespace annp
