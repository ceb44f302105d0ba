#pragma once
// The extended Kalman filter as n2p2 trains with it (Blank & Brown 1994; Singraber et al., JCTC
// 15, 3075 (2019)): weights are the state, every energy or force label an observation.
//
// One update with observation error xi = (y_ref - y) and H = dy/dtheta (y: energy per atom or a
// force component, both divided by the potential's energy scale):
//   X = P H,   a = H^T X + 1/eta (standard)  or  H^T X + lambda (fading memory)
//   theta += X xi / a,   P -= X X^T / a,
//   standard: P += q I;  fading memory: P /= lambda, lambda <- nu lambda + 1 - nu
// with eta(t) = min(eta_max, eta_0 exp(tau_eta t)) and q(t) = max(q_min, q_0 exp(-tau_q t)), t
// the epoch counted in updates (update k of an epoch of U: t = epoch + k / U), so the taus are
// rates per epoch as n2p2's kalman_etatau and kalman_qtau are (2.302: a factor 10 per epoch).
// Element-decoupled (`decoupled`): P is block-diagonal with one block per element network; a is
// shared by the blocks (Puskorius & Feldkamp's decoupled filter). One step = one epoch: as many
// energy updates as training structures with energies, force_energy_ratio times as many force
// updates and stress_energy_ratio times as many stress updates, interleaved in a seeded random
// order. Observations are picked at random (each energy structure once per epoch; force and
// stress components uniformly) or, for energies with `energy_threshold` > 0 and forces with
// `force_threshold` > 0, only when their error exceeds that threshold x the running RMSE of the
// epoch (up to `max_trials` candidates, else the worst one seen). n2p2's recipe: energies at
// random, forces with threshold 1 and 3 trials.
//
// Runs on any kalman_objective; a training objective (structure_objective) is seen through
// kalman_view, defined here: its energy, force and stress labels as single observations. A
// structure of weight o (training_structure::weight) has its observations and their rows
// multiplied by sqrt(o): the update is then the one of an observation whose noise variance is
// divided by o (a = o H^T P H + 1/eta is o (H^T P H + 1/(o eta))), so that o weighs the
// structure as it does in the loss. Selection by error compares the unweighted errors.

#include <annp/core/parallel.hpp>
#include <annp/training/evaluator.hpp>
#include <annp/training/optimizer.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

namespace annp::optim {

/// The Kalman filter's view of a training objective: every energy, force-component and
/// stress-component label as one observation (energies per atom in the network's output unit,
/// forces and stress in the units below).
template <structure_objective F> class kalman_view : public ::annp::detail::objective_view<F> {
 public:
  /// With `normalize_forces`, force observations are in units of the standard deviation of the
  /// training force components (n2p2's `normalize_data_set force`), else in the network's
  /// energy unit per Å.
  explicit kalman_view(F& f, bool normalize_forces = false) : ::annp::detail::objective_view<F>(f) {
    if (normalize_forces) m_force_unit = force_spread(f);
    m_stress_unit = stress_spread(f);
  }

  /// The unit of the force observations, eV/Å.
  [[nodiscard]] double force_unit() const {
    return m_force_unit > 0.0 ? m_force_unit : this->objective().evaluator().energy_scale();
  }

  /// Standard deviation of the force components the filter can train on (those of structures
  /// with force labels and descriptor derivatives), eV/Å; 0 without any.
  [[nodiscard]] static double force_spread(const F& f) {
    const auto& data = f.data();
    double sum = 0.0, sq = 0.0;
    std::size_t n = 0;
    for (std::size_t s = 0; s < data.size(); ++s) {
      const auto& ref = data.source(s);
      if (!ref.forces || !data[s].has_derivatives) continue;
      for (std::size_t j = 0; j < ref.size(); ++j)
        for (std::size_t a = 0; a < 3; ++a) {
          const double v = (*ref.forces)(j, a);
          sum += v;
          sq += v * v;
          ++n;
        }
    }
    return spread(sum, sq, n);
  }

  /// Whether structure s has an energy label.
  [[nodiscard]] bool has_energy(std::size_t s) const {
    return this->objective().data().source(s).energy.has_value();
  }
  /// Force components of structure s available for training (0 without labels or derivatives).
  [[nodiscard]] std::size_t force_components(std::size_t s) const {
    const auto& data = this->objective().data();
    const auto& ref = data.source(s);
    return ref.forces && data[s].has_derivatives ? 3 * ref.size() : 0;
  }

  /// Standard deviation of the independent stress components (xx, yy, zz, yz, xz, xy) of the
  /// structures the filter can train stress on, eV/Å³; 0 without any.
  [[nodiscard]] static double stress_spread(const F& f) {
    const auto& data = f.data();
    double sum = 0.0, sq = 0.0;
    std::size_t n = 0;
    for (std::size_t s = 0; s < data.size(); ++s) {
      if (!has_stress(f, s)) continue;
      for (std::size_t k = 0; k < 6; ++k) {
        const double v = stress_label(data.source(s), k);
        sum += v;
        sq += v * v;
        ++n;
      }
    }
    return spread(sum, sq, n);
  }

  /// Stress components of structure s available for training: the 6 independent ones of a
  /// periodic structure with a stress label and descriptor derivatives, else 0 (also when no
  /// training stress varies: then there is no unit to measure them in).
  [[nodiscard]] std::size_t stress_components(std::size_t s) const {
    return m_stress_unit > 0.0 && has_stress(this->objective(), s) ? 6 : 0;
  }

  /// Stress observation k (xx, yy, zz, yz, xz, xy) of structure s: returns (S_ref - S) / u and
  /// writes d(S / u)/dtheta into row, u = stress_spread() (eV/Å³).
  double stress_observation(std::size_t s, std::size_t k, std::span<double> row) {
    structure_prediction p;
    const auto& ev = prepare(s, p, true);
    const std::size_t ab = 3 * voigt_row(k) + voigt_column(k);
    const double r = root_weight(s);
    std::fill(row.begin(), row.end(), 0.0);
    ev.add_stress_row(s, ab, m_ws, row.data(), r / m_stress_unit);
    return r * (stress_label(ev.data().source(s), k) - (*p.stress)[ab / 3][ab % 3]) / m_stress_unit;
  }

  /// Energy observation of structure s: returns the error (E_ref - E) / (N scale) and writes
  /// d(E / (N scale))/dtheta into row (size()); both times sqrt(o_s).
  double energy_observation(std::size_t s, std::span<double> row) {
    structure_prediction p;
    const auto& ev = prepare(s, p, false);
    const auto natoms = static_cast<double>(ev.data()[s].atoms);
    const double r = root_weight(s);
    std::fill(row.begin(), row.end(), 0.0);
    ev.add_output_row(s, m_ws, row.data(), r / natoms);
    return r * (*ev.data().source(s).energy - p.energy) / (natoms * ev.energy_scale());
  }

  /// Force-component observation c = 3 j + a of structure s: returns (F_ref - F) / u and
  /// writes d(F / u)/dtheta into row, u = force_unit(); both times sqrt(o_s).
  double force_observation(std::size_t s, std::size_t c, std::span<double> row) {
    structure_prediction p;
    const auto& ev = prepare(s, p, true);
    const double unit = force_unit();
    const double r = root_weight(s);
    std::fill(row.begin(), row.end(), 0.0);
    ev.add_force_row(s, c, m_ws, row.data(), r / unit);
    return r * ((*ev.data().source(s).forces)(c / 3, c % 3) - p.forces[c]) / unit;
  }

  /// Current prediction errors of structure s (for selection by error): |dE|/N and per force
  /// component |dF|, in eV/atom and eV/Å.
  void sample_errors(std::size_t s, double& energy, std::vector<double>& forces) {
    const auto& data = this->objective().data();
    const auto& ref = data.source(s);
    structure_prediction p;
    prepare(s, p, ref.forces.has_value() && data[s].has_derivatives);
    energy =
        ref.energy ? std::abs(p.energy - *ref.energy) / static_cast<double>(data[s].atoms) : 0.0;
    forces.clear();
    if (ref.forces && !p.forces.empty())
      for (std::size_t c = 0; c < p.forces.size(); ++c)
        forces.push_back(std::abs(p.forces[c] - (*ref.forces)(c / 3, c % 3)));
  }

 private:
  using evaluator_type = std::remove_cvref_t<decltype(std::declval<const F&>().evaluator())>;

  // Networks at the current parameters, then structure s predicted into p (and m_ws).
  const evaluator_type& prepare(std::size_t s, structure_prediction& p, bool derivatives) {
    auto& f = this->objective();
    f.sync();
    const auto& ev = f.evaluator();
    ev.predict(s, m_ws, p, derivatives);
    return ev;
  }

  // sqrt of structure s's weight: the factor of its observations and their rows.
  [[nodiscard]] double root_weight(std::size_t s) const {
    return std::sqrt(this->objective().data()[s].weight);
  }

  // Sample standard deviation from the sum, the sum of squares and the count (0 below 2).
  static double spread(double sum, double sq, std::size_t n) {
    if (n < 2) return 0.0;
    const double mean = sum / static_cast<double>(n);
    const double var = (sq - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1);
    return var > 0.0 ? std::sqrt(var) : 0.0;
  }

  // Voigt order xx, yy, zz, yz, xz, xy.
  static constexpr std::size_t voigt_row(std::size_t k) {
    constexpr std::size_t r[6] = {0, 1, 2, 1, 0, 0};
    return r[k];
  }
  static constexpr std::size_t voigt_column(std::size_t k) {
    constexpr std::size_t c[6] = {0, 1, 2, 2, 2, 1};
    return c[k];
  }
  static double stress_label(const structure& ref, std::size_t k) {
    return (*ref.stress)[voigt_row(k)][voigt_column(k)];
  }
  static bool has_stress(const F& f, std::size_t s) {
    const auto& data = f.data();
    return data.source(s).stress.has_value() && data[s].periodic && data[s].has_derivatives;
  }

  typename evaluator_type::workspace m_ws;
  double m_force_unit = 0.0;  // 0: the energy scale
  double m_stress_unit = 0.0; // 0: no stress observations
};

/// What the Kalman filter runs on: a kalman_objective, or a structure_objective through its
/// kalman_view.
template <class F>
concept kalman_input = kalman_objective<F> || structure_objective<F>;

struct kalman_filter {
  static constexpr std::string_view name = "kalman_filter";
  enum class variant { standard, fading_memory };
  variant type = variant::standard;
  bool decoupled = false; ///< one covariance block per element network
  double epsilon = 0.01;  ///< P_0 = I / epsilon
  /// Standard filter: eta_0, its bound and its growth rate per epoch.
  double eta = 0.01, eta_max = 1.0, eta_tau = 2.302;
  double q = 0.01, q_min = 1e-6, q_tau = 2.302; ///< process noise, its decay rate per epoch
  double lambda = 0.96, nu = 0.9995;            ///< fading memory
  double force_energy_ratio = 1.0; ///< force updates per energy update (0: energies only)
  bool use_forces = true;          ///< false: energies only even when forces are labelled
  /// Stress updates per energy update (0: none). A stress observation is one of the 6
  /// independent components of a periodic training structure's stress, chosen at random, in
  /// units of the training stress components' standard deviation.
  double stress_energy_ratio = 0.0;
  bool use_stress = true; ///< false: no stress updates even with stress_energy_ratio > 0
  /// Force observations in units of the training forces' standard deviation (n2p2's
  /// `normalize_data_set force`) instead of the network's energy unit per Å.
  bool normalize_forces = false;
  double energy_threshold = 0.0; ///< 0: random selection, else error / RMSE to accept
  double force_threshold = 0.0;  ///< the same for force components
  std::size_t max_trials = 20;   ///< candidates tried per update when selecting by error

  template <kalman_input F> step_report step(F& f, std::mt19937_64& rng) {
    if constexpr (kalman_objective<F>) {
      return epoch(f, rng);
    } else {
      kalman_view<F> view(f, normalize_forces);
      return epoch(view, rng);
    }
  }

  void save_state(std::ostream& os) const {
    state::write(os, "epoch", m_epoch);
    state::write(os, "lambda", m_lambda);
    state::write(os, "blocks", m_blocks.size());
    for (const auto& b : m_blocks) {
      state::write(os, "begin", b.begin);
      state::write(os, "P", b.P);
    }
  }
  void load_state(std::istream& is) {
    m_epoch = state::read_count(is, "epoch");
    m_lambda = state::read_number(is, "lambda");
    const auto n = state::read_count(is, "blocks");
    m_blocks.assign(n, {});
    for (auto& b : m_blocks) {
      b.begin = state::read_count(is, "begin");
      b.P = state::read_vector(is, "P");
      b.size = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(b.P.size()))));
      if (b.size * b.size != b.P.size())
        throw error("kalman state: covariance block is not square");
    }
  }

 private:
  template <kalman_objective F> step_report epoch(F& f, std::mt19937_64& rng) {
    const std::size_t np = f.size();
    if (m_blocks.empty()) initialise(f);
    // The epoch's observations.
    std::vector<std::size_t> energy_samples, force_offset(1, 0), force_samples, stress_samples;
    constexpr bool has_stress = requires(F & g, std::span<double> row) {
      { g.stress_components(std::size_t{}) } -> std::convertible_to<std::size_t>;
      { g.stress_observation(std::size_t{}, std::size_t{}, row) } -> std::convertible_to<double>;
    };
    for (std::size_t s = 0; s < f.sample_count(); ++s) {
      if (f.has_energy(s)) energy_samples.push_back(s);
      if (const std::size_t c = f.force_components(s); c > 0) {
        force_samples.push_back(s);
        force_offset.push_back(force_offset.back() + c);
      }
      if constexpr (has_stress)
        if (f.stress_components(s) > 0) stress_samples.push_back(s);
    }
    const bool forces = use_forces && force_energy_ratio > 0.0 && !force_samples.empty();
    const std::size_t ne = energy_samples.size();
    const std::size_t nf =
        forces ? static_cast<std::size_t>(std::lround(force_energy_ratio * static_cast<double>(ne)))
               : 0;
    const std::size_t ns =
        use_stress && !stress_samples.empty()
            ? static_cast<std::size_t>(std::lround(stress_energy_ratio * static_cast<double>(ne)))
            : 0;
    std::vector<char> kind(ne + nf + ns, 0);
    std::fill(kind.begin() + static_cast<std::ptrdiff_t>(ne),
              kind.begin() + static_cast<std::ptrdiff_t>(ne + nf), 1);
    std::fill(kind.begin() + static_cast<std::ptrdiff_t>(ne + nf), kind.end(), 2);
    shuffle(kind, rng);
    shuffle(energy_samples, rng);
    std::vector<double> H(np);
    std::vector<double> fe;
    std::size_t next_energy = 0;
    double sum_e = 0.0, sum_f = 0.0;
    std::size_t count_e = 0, count_f = 0;
    step_report r;
    const double updates = static_cast<double>(kind.size());
    double eta_t = eta, q_t = q;
    for (std::size_t u = 0; u < kind.size(); ++u) {
      const char k = kind[u];
      // n2p2 raises eta before an update and lowers q after it.
      const double t = static_cast<double>(m_epoch) + static_cast<double>(u) / updates;
      eta_t = std::min(eta_max, eta * std::exp(eta_tau * (t + 1.0 / updates)));
      q_t = std::max(q_min, q * std::exp(-q_tau * t));
      double xi = 0.0;
      if (k == 0) {
        std::size_t s = energy_samples[next_energy++ % ne];
        if (energy_threshold > 0.0) {
          double worst = -1.0;
          std::size_t pick = s;
          for (std::size_t trial = 0; trial < max_trials; ++trial) {
            const std::size_t c = trial == 0 ? s : energy_samples[rng() % ne];
            double e = 0.0;
            f.sample_errors(c, e, fe);
            sum_e += e * e;
            ++count_e;
            if (e > worst) {
              worst = e;
              pick = c;
            }
            if (count_e >= 10 &&
                e * e >= energy_threshold * energy_threshold * sum_e / static_cast<double>(count_e))
              break;
          }
          s = pick;
        }
        xi = f.energy_observation(s, H);
      } else if (k == 2) {
        if constexpr (has_stress) {
          const std::size_t pick = rng() % (6 * stress_samples.size());
          xi = f.stress_observation(stress_samples[pick / 6], pick % 6, H);
        }
      } else {
        const std::size_t total = force_offset.back();
        std::size_t comp = rng() % total;
        std::size_t idx = static_cast<std::size_t>(
            std::upper_bound(force_offset.begin(), force_offset.end(), comp) -
            force_offset.begin() - 1);
        std::size_t s = force_samples[idx], c = comp - force_offset[idx];
        if (force_threshold > 0.0) {
          double worst = -1.0;
          for (std::size_t trial = 0; trial < max_trials; ++trial) {
            if (trial > 0) {
              comp = rng() % total;
              idx = static_cast<std::size_t>(
                  std::upper_bound(force_offset.begin(), force_offset.end(), comp) -
                  force_offset.begin() - 1);
            }
            const std::size_t cs = force_samples[idx], cc = comp - force_offset[idx];
            double e = 0.0;
            f.sample_errors(cs, e, fe);
            const double err = fe[cc];
            sum_f += err * err;
            ++count_f;
            if (err > worst) {
              worst = err;
              s = cs;
              c = cc;
            }
            if (count_f >= 10 && err * err >= force_threshold * force_threshold * sum_f /
                                                  static_cast<double>(count_f))
              break;
          }
        }
        xi = f.force_observation(s, c, H);
      }
      update(f, H, xi, eta_t, q_t);
      ++r.evaluations;
    }
    ++m_epoch;
    r.loss = f.value();
    r.note = "eta=" + format_double(eta_t) + " q=" + format_double(q_t) +
             (type == variant::fading_memory ? " lambda=" + format_double(m_lambda) : "");
    return r;
  }

  struct block {
    std::size_t begin = 0, size = 0;
    std::vector<double> P; // size x size, row-major
  };

  template <class F> void initialise(F& f) {
    const std::size_t np = f.size();
    std::vector<std::size_t> bounds = {0, np};
    if (decoupled) {
      bounds.clear();
      for (std::size_t e = 0; e <= f.element_count(); ++e) bounds.push_back(f.group_begin(e));
    }
    for (std::size_t g = 0; g + 1 < bounds.size(); ++g) {
      block b;
      b.begin = bounds[g];
      b.size = bounds[g + 1] - bounds[g];
      b.P.assign(b.size * b.size, 0.0);
      for (std::size_t i = 0; i < b.size; ++i) b.P[i * b.size + i] = 1.0 / epsilon;
      m_blocks.push_back(std::move(b));
    }
    m_lambda = lambda;
  }

  template <class V> static void shuffle(V& v, std::mt19937_64& rng) {
    for (std::size_t k = v.size(); k > 1; --k) std::swap(v[k - 1], v[rng() % k]);
  }

  template <class F>
  void update(F& f, const std::vector<double>& H, double xi, double eta_t, double q_t) {
    auto w = f.parameters();
    double a = type == variant::standard ? 1.0 / eta_t : m_lambda;
    std::vector<std::vector<double>> X(m_blocks.size());
    for (std::size_t g = 0; g < m_blocks.size(); ++g) {
      const auto& b = m_blocks[g];
      const double* h = H.data() + b.begin;
      X[g].assign(b.size, 0.0);
      if (std::all_of(h, h + b.size, [](double v) { return v == 0.0; })) continue;
      const auto n = static_cast<std::ptrdiff_t>(b.size);
      double* x = X[g].data();
      ANNP_OMP("omp parallel for schedule(static)")
      for (std::ptrdiff_t ii = 0; ii < n; ++ii) {
        const auto i = static_cast<std::size_t>(ii);
        const double* p = b.P.data() + i * b.size;
        double s = 0.0;
        for (std::size_t j = 0; j < b.size; ++j) s += p[j] * h[j];
        x[i] = s;
      }
      for (std::size_t i = 0; i < b.size; ++i) a += h[i] * x[i];
    }
    const double inv_a = 1.0 / a;
    for (std::size_t g = 0; g < m_blocks.size(); ++g) {
      auto& b = m_blocks[g];
      const double* x = X[g].data();
      const auto n = static_cast<std::ptrdiff_t>(b.size);
      const bool fading = type == variant::fading_memory;
      const double inv_lambda = 1.0 / m_lambda;
      ANNP_OMP("omp parallel for schedule(static)")
      for (std::ptrdiff_t ii = 0; ii < n; ++ii) {
        const auto i = static_cast<std::size_t>(ii);
        double* p = b.P.data() + i * b.size;
        const double xi_a = x[i] * inv_a;
        for (std::size_t j = 0; j < b.size; ++j) p[j] -= xi_a * x[j];
        if (fading)
          for (std::size_t j = 0; j < b.size; ++j) p[j] *= inv_lambda;
        else
          p[i] += q_t;
      }
      for (std::size_t i = 0; i < b.size; ++i) w[b.begin + i] += x[i] * inv_a * xi;
    }
    if (type == variant::fading_memory) m_lambda = nu * m_lambda + 1.0 - nu;
  }

  std::vector<block> m_blocks;
  std::size_t m_epoch = 0;
  double m_lambda = 0.0;
};

static_assert(optimizer_for<kalman_filter, ::annp::detail::kalman_archetype>);

} // namespace annp::optim
