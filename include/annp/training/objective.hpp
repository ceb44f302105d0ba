#pragma once
// training_objective<Potential>: the loss a trainer minimises over a potential and precomputed
// training data, with its exact gradient, over the whole set or a mini-batch. The per-structure
// predictions and parameter derivatives it is built from are in training/evaluator.hpp; the
// least-squares residuals (Levenberg-Marquardt) and the Kalman filter's observations are views of
// this objective kept beside those optimisers (optimizers/levenberg_marquardt.hpp, kalman.hpp).
//
// Loss over a set (or mini-batch) B of structures:
//   L = w_E / N_E sum_s o_s (dE_s / N_s)^2 + w_F / N_F sum_{s,j,a} o_s dF_sja^2
//     + w_S / N_S sum_{s,ab} o_s dS_sab^2 + w_R / P sum_k theta_k^2
// with d = prediction - reference, o_s the structure's weight (training_structure::weight, 1 by
// default), N_E, N_F, N_S the weighted numbers of energy, force-component and stress-component
// labels in B (each label counted o_s times: with all weights 1 the plain counts, so that only
// the ratios of the weights matter and a weight of 2 acts as the structure taken twice), N_s
// the atoms of structure s. Units: eV/atom, eV/Å, eV/Å³.
//
// Gradients are exact: per structure one sweep of structure_evaluator::add_loss_gradient with
//   c_energy = 2 w_E o_s/N_E dE_s scale / N_s^2,  cF_ja = 2 w_F o_s/N_F dF_ja,
//   cS_ab = 2 w_S o_s/N_S dS_ab.
//
// The objective owns the flat parameter vector theta (all element networks concatenated) and
// copies it into the networks before every evaluation. Sums over structures are taken in fixed
// groups of 8 structures in index order, so results are bit-identical for any number of
// threads; with a group_distribution (distribute()) the groups are shared between processes and
// the results stay bit-identical for any number of processes (see distribution.hpp).

#include <annp/core/error.hpp>
#include <annp/core/parallel.hpp>
#include <annp/potential/metrics.hpp>
#include <annp/potential/potential.hpp>
#include <annp/training/dataset.hpp>
#include <annp/training/distribution.hpp>
#include <annp/training/evaluator.hpp>
#include <annp/training/network_set.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

namespace annp {

// Passed by const reference everywhere: GCC 12.2 with AVX-512 (-march=native, -O2) was seen to
// build a by-value argument loss_weights{1.0, 1.0, 1.0} with a four-lane broadcast of 1.0, so
// that `regularization` arrived as 1 (caught by the network_set test).
struct loss_weights {
  double energy = 1.0; ///< w_E
  double forces = 0.0; ///< w_F (0: energies only)
  double stress = 0.0; ///< w_S
  /// w_R: L2 penalty w_R / P sum_k theta_k^2 over the P network parameters (0: none). Not used
  /// by the Kalman filter, whose covariance plays this role.
  double regularization = 0.0;
};

template <trainable_potential Potential> class training_objective {
 public:
  using data_type = training_data;
  static constexpr std::size_t group_size = 8;

  training_objective(Potential& pot, const data_type& data, const loss_weights& w)
      : m_eval(pot, data), m_data(&data), m_w(w) {
    for (std::size_t e = 0; e < pot.element_count(); ++e) {
      const auto p = pot.network(e).parameters();
      m_theta.insert(m_theta.end(), p.begin(), p.end());
    }
    if ((w.forces > 0.0 || w.stress > 0.0))
      for (std::size_t s = 0; s < data.size(); ++s)
        if (!data[s].has_derivatives)
          throw error("force or stress training needs training data with derivatives");
    // The loss predicts each structure as errors() does (with forces exactly where errors()
    // wants them) in every force-trained set whose structures all carry force labels: then a
    // whole-set evaluation keeps its predictions for errors() (see m_cache).
    m_cacheable = true;
    for (std::size_t s = 0; s < data.size(); ++s)
      if (loss_derivatives(s) != with_forces(s)) m_cacheable = false;
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_theta.size(); }
  [[nodiscard]] std::span<double> parameters() noexcept { return m_theta; }
  [[nodiscard]] std::span<const double> parameters() const noexcept { return m_theta; }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_eval.element_count(); }
  /// Parameters [group_begin(e), group_begin(e+1)) belong to element e's network.
  [[nodiscard]] std::size_t group_begin(std::size_t e) const noexcept {
    return m_eval.group_begin(e);
  }
  [[nodiscard]] const loss_weights& weights() const noexcept { return m_w; }
  [[nodiscard]] const data_type& data() const noexcept { return *m_data; }
  [[nodiscard]] std::size_t sample_count() const noexcept { return m_data->size(); }

  /// Shares value(), value_and_gradient(), batch evaluations and errors() between processes
  /// (nullptr: this process does all). The distribution must outlive the objective's use of it.
  /// Per-structure evaluations (Kalman observations, least-squares residuals) are not shared:
  /// every process computes them in full, with identical results.
  void distribute(const group_distribution* d) noexcept { m_dist = d; }
  [[nodiscard]] const group_distribution* distribution() const noexcept { return m_dist; }

  /// Copies theta into the potential's networks.
  void sync() {
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto p = m_eval.potential().network(e).parameters();
      std::copy_n(m_theta.begin() + static_cast<std::ptrdiff_t>(group_begin(e)), p.size(),
                  p.begin());
    }
  }

  /// Loss over the whole set.
  [[nodiscard]] double value() { return evaluate(all(), nullptr, true); }
  /// Loss and gradient over the whole set.
  double value_and_gradient(std::span<double> g) { return evaluate(all(), g.data(), true); }
  /// Loss and gradient over a mini-batch of structure indices.
  double value_and_gradient(std::span<const std::size_t> batch, std::span<double> g) {
    return evaluate(std::vector<std::size_t>(batch.begin(), batch.end()), g.data());
  }

  /// Prediction for structure s of the data.
  [[nodiscard]] structure_prediction predict(std::size_t s) {
    sync();
    scratch sc;
    structure_prediction p;
    m_eval.predict(s, sc, p, true);
    return p;
  }

  /// Errors per config_type over the whole set.
  [[nodiscard]] error_table errors() {
    sync();
    // Predictions of every structure in one flat array (layout()), filled in parallel (and
    // shared between processes), then tabulated in index order. When the last whole-set loss
    // evaluation predicted the same parameters, its predictions are these (m_cache): an
    // optimiser's step ends with one, so a trainer's per-epoch errors cost no second pass.
    const std::size_t ns = m_data->size();
    const auto at = layout();
    const std::size_t groups = (ns + group_size - 1) / group_size;
    std::vector<std::size_t> offsets(groups + 1);
    for (std::size_t g = 0; g <= groups; ++g) offsets[g] = at[std::min(ns, g * group_size)];
    std::vector<double> values;
    if (cache_matches()) {
      values = m_cache.values;
    } else {
      values.assign(at[ns], 0.0);
      const auto [g0, g1] =
          m_dist ? m_dist->share(groups) : std::pair<std::size_t, std::size_t>{0, groups};
      const auto first = static_cast<std::ptrdiff_t>(g0), last = static_cast<std::ptrdiff_t>(g1);
      ANNP_OMP("omp parallel")
      {
        scratch sc;
        structure_prediction p;
        ANNP_OMP("omp for schedule(dynamic, 1)")
        for (std::ptrdiff_t gi = first; gi < last; ++gi) {
          const auto g = static_cast<std::size_t>(gi);
          for (std::size_t s = g * group_size; s < std::min(ns, (g + 1) * group_size); ++s) {
            m_eval.predict(s, sc, p, with_forces(s));
            store(p, values.data() + at[s]);
          }
        }
      }
    }
    if (m_dist) m_dist->exchange(values, offsets);
    error_table table;
    for (std::size_t s = 0; s < ns; ++s) {
      const double* v = values.data() + at[s];
      const bool f = with_forces(s);
      std::optional<mat3> stress;
      if (f && (*m_data)[s].periodic) {
        const double* S = v + 1 + 3 * (*m_data)[s].atoms;
        stress.emplace();
        for (std::size_t ab = 0; ab < 9; ++ab) (*stress)[ab / 3][ab % 3] = S[ab];
      }
      table.add(m_data->source(s), v[0], f ? v + 1 : nullptr, stress);
    }
    return table;
  }

  /// Whether errors() will tabulate the predictions kept from the last whole-set evaluation
  /// (value() or value_and_gradient() at the current parameters, with a loss that predicts
  /// forces where errors() reports them) instead of predicting every structure again.
  [[nodiscard]] bool predictions_kept() const { return m_cacheable && cache_matches(); }

  /// The per-structure predictions and parameter derivatives this objective is built from (what
  /// the least-squares and Kalman views read; call sync() first).
  [[nodiscard]] const structure_evaluator<Potential>& evaluator() const noexcept { return m_eval; }

  /// Label counts over a set of structure indices, and the same counts with every label of
  /// structure s counted o_s times (its weight; the normalisation of the loss).
  struct label_counts {
    std::size_t energy = 0;       ///< structures with an energy
    std::size_t forces = 0;       ///< force components
    std::size_t stress = 0;       ///< stress components (periodic structures)
    double weighted_energy = 0.0; ///< sum of o_s over the energy labels
    double weighted_forces = 0.0; ///< ... over the force components
    double weighted_stress = 0.0; ///< ... over the stress components
  };
  [[nodiscard]] label_counts count_labels(std::span<const std::size_t> batch) const {
    label_counts n;
    for (std::size_t s : batch) {
      const auto& ref = m_data->source(s);
      const double o = (*m_data)[s].weight;
      const std::size_t ne = ref.energy ? 1 : 0, nf = ref.forces ? 3 * ref.size() : 0,
                        ns = (ref.stress && (*m_data)[s].periodic) ? 9 : 0;
      n.energy += ne;
      n.forces += nf;
      n.stress += ns;
      n.weighted_energy += o * static_cast<double>(ne);
      n.weighted_forces += o * static_cast<double>(nf);
      n.weighted_stress += o * static_cast<double>(ns);
    }
    return n;
  }
  /// The factor of structure s's squared errors in the loss, per label kind (energy, force
  /// component, stress component): w o_s / N with the counts n (0 where N is 0).
  struct label_factors {
    double energy = 0.0, forces = 0.0, stress = 0.0;
  };
  [[nodiscard]] label_factors factors(std::size_t s, const label_counts& n) const {
    const double o = (*m_data)[s].weight;
    const auto f = [o](double w, double count) { return count > 0.0 ? w * o / count : 0.0; };
    return {f(m_w.energy, n.weighted_energy), f(m_w.forces, n.weighted_forces),
            f(m_w.stress, n.weighted_stress)};
  }
  /// ... over the whole set.
  [[nodiscard]] label_counts count_labels() const { return count_labels(all()); }

 private:
  using scratch = typename structure_evaluator<Potential>::workspace;

  [[nodiscard]] std::vector<std::size_t> all() const {
    std::vector<std::size_t> v(m_data->size());
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = k;
    return v;
  }

  // errors() predicts structure s with forces (and stress) exactly when it has force labels and
  // stored derivatives; the loss predicts them when it uses force or stress labels.
  [[nodiscard]] bool with_forces(std::size_t s) const {
    return m_data->source(s).forces.has_value() && (*m_data)[s].has_derivatives;
  }
  [[nodiscard]] bool use_forces(std::size_t s) const {
    return m_w.forces > 0 && m_data->source(s).forces && (*m_data)[s].has_derivatives;
  }
  [[nodiscard]] bool use_stress(std::size_t s) const {
    const auto& t = (*m_data)[s];
    return m_w.stress > 0 && m_data->source(s).stress && t.periodic && t.has_derivatives;
  }
  [[nodiscard]] bool loss_derivatives(std::size_t s) const {
    return use_forces(s) || use_stress(s);
  }
  // Structure s's predictions at values[at[s]]: the energy, then its forces (3 N, when it has
  // force labels and derivatives), then its stress (9, when periodic with derivatives).
  [[nodiscard]] std::vector<std::size_t> layout() const {
    const std::size_t ns = m_data->size();
    std::vector<std::size_t> at(ns + 1, 0);
    for (std::size_t s = 0; s < ns; ++s)
      at[s + 1] = at[s] + 1 +
                  (with_forces(s) ? 3 * (*m_data)[s].atoms + ((*m_data)[s].periodic ? 9 : 0) : 0);
    return at;
  }
  static void store(const structure_prediction& p, double* v) {
    v[0] = p.energy;
    std::copy(p.forces.begin(), p.forces.end(), v + 1);
    if (p.stress)
      for (std::size_t ab = 0; ab < 9; ++ab)
        v[1 + p.forces.size() + ab] = (*p.stress)[ab / 3][ab % 3];
  }
  // Whether m_cache holds the predictions of the current parameters and potential.
  [[nodiscard]] bool cache_matches() const {
    const auto& pot = m_eval.potential();
    return m_cache.valid && m_cache.theta == m_theta && m_cache.scale == pot.energy_scale() &&
           m_cache.atomic == pot.atomic_energies();
  }

  // Loss (and gradient) of structure s with the normalisation counts n; adds to grad.
  // With `keep`, the prediction is also stored there (layout()).
  double structure_loss(std::size_t s, const label_counts& n, scratch& sc, double* grad,
                        double* keep) {
    const auto& ref = m_data->source(s);
    const auto& t = (*m_data)[s];
    const bool use_f = use_forces(s);
    const bool use_s = use_stress(s);
    structure_prediction p;
    m_eval.predict(s, sc, p, use_f || use_s);
    if (keep) store(p, keep);
    const double scale = m_eval.energy_scale();
    const double natoms = static_cast<double>(t.atoms);
    const auto k = factors(s, n);
    double loss = 0.0, ce = 0.0;
    if (ref.energy && n.energy) {
      const double de = (p.energy - *ref.energy) / natoms;
      const double w = k.energy;
      loss += w * de * de;
      ce = 2.0 * w * de * scale / natoms;
    }
    std::vector<double> cF, cS;
    if (use_f && n.forces) {
      const double w = k.forces;
      cF.resize(3 * t.atoms);
      for (std::size_t c = 0; c < 3 * t.atoms; ++c) {
        const double d = p.forces[c] - (*ref.forces)(c / 3, c % 3);
        loss += w * d * d;
        cF[c] = 2.0 * w * d;
      }
    }
    if (use_s && n.stress && p.stress) {
      const double w = k.stress;
      cS.resize(9);
      for (std::size_t ab = 0; ab < 9; ++ab) {
        const double d = (*p.stress)[ab / 3][ab % 3] - (*ref.stress)[ab / 3][ab % 3];
        loss += w * d * d;
        cS[ab] = 2.0 * w * d;
      }
    }
    if (grad) m_eval.add_loss_gradient(s, sc, ce, cF, cS, grad);
    return loss;
  }

  // Loss (and gradient) over `batch`; `whole`: the batch is every structure in index order,
  // and its predictions are kept for errors() where they are what errors() tabulates.
  double evaluate(const std::vector<std::size_t>& batch, double* grad, bool whole = false) {
    sync();
    const bool keep = whole && m_cacheable;
    m_cache.valid = false;
    std::vector<std::size_t> at;
    if (keep) {
      at = layout();
      m_cache.values.assign(at.back(), 0.0);
    }
    const auto n = count_labels(batch);
    const std::size_t np = size();
    const std::size_t groups = (batch.size() + group_size - 1) / group_size;
    // Per group: its loss, then (with a gradient) its np gradient entries.
    const std::size_t stride = grad ? 1 + np : 1;
    std::vector<double> part(groups * stride, 0.0);
    const auto [g0, g1] =
        m_dist ? m_dist->share(groups) : std::pair<std::size_t, std::size_t>{0, groups};
    const auto first = static_cast<std::ptrdiff_t>(g0), last = static_cast<std::ptrdiff_t>(g1);
    ANNP_OMP("omp parallel")
    {
      scratch sc;
      ANNP_OMP("omp for schedule(dynamic, 1)")
      for (std::ptrdiff_t gi = first; gi < last; ++gi) {
        const auto g = static_cast<std::size_t>(gi);
        double* p = part.data() + g * stride;
        for (std::size_t k = g * group_size; k < std::min(batch.size(), (g + 1) * group_size); ++k)
          p[0] += structure_loss(batch[k], n, sc, grad ? p + 1 : nullptr,
                                 keep ? m_cache.values.data() + at[batch[k]] : nullptr);
      }
    }
    if (m_dist) {
      std::vector<std::size_t> offsets(groups + 1);
      for (std::size_t g = 0; g <= groups; ++g) offsets[g] = g * stride;
      m_dist->exchange(part, offsets);
    }
    double loss = 0.0;
    for (std::size_t g = 0; g < groups; ++g) loss += part[g * stride];
    if (grad) {
      std::fill(grad, grad + np, 0.0);
      for (std::size_t g = 0; g < groups; ++g)
        for (std::size_t k = 0; k < np; ++k) grad[k] += part[g * stride + 1 + k];
    }
    if (m_w.regularization > 0) {
      const double w = m_w.regularization / static_cast<double>(np);
      for (std::size_t k = 0; k < np; ++k) {
        loss += w * m_theta[k] * m_theta[k];
        if (grad) grad[k] += 2.0 * w * m_theta[k];
      }
    }
    if (keep) {
      m_cache.theta = m_theta;
      m_cache.scale = m_eval.potential().energy_scale();
      m_cache.atomic = m_eval.potential().atomic_energies();
      m_cache.valid = true;
    }
    return loss;
  }

  structure_evaluator<Potential> m_eval;
  const data_type* m_data;
  loss_weights m_w;
  std::vector<double> m_theta;
  const group_distribution* m_dist = nullptr;
  bool m_cacheable = false;
  // The predictions of the last whole-set loss evaluation (this process's groups, layout()) and
  // what they depend on besides the fixed data: the parameters, the energy scale and the
  // atomic energies. Reused by errors() only when all three are unchanged, so its results are
  // those of a fresh pass bit for bit.
  struct {
    bool valid = false;
    std::vector<double> theta, atomic, values;
    double scale = 0.0;
  } m_cache;
};

} // namespace annp
