#pragma once
// training_objective<Potential>: the loss a trainer minimises, and everything optimisers ask of
// it, for a potential and precomputed training data.
//
// Loss over a set (or mini-batch) B of structures:
//   L = w_E / N_E sum_s (dE_s / N_s)^2 + w_F / N_F sum_{s,j,a} dF_sja^2
//     + w_S / N_S sum_{s,ab} dS_sab^2 + w_R / P sum_k theta_k^2
// with d = prediction - reference, N_E, N_F, N_S the numbers of energy, force-component and
// stress-component labels in B, N_s the atoms of structure s. Units: eV/atom, eV/Å, eV/Å³.
//
// Gradients are exact: for every atom i the network's parameter gradient is called once with
//   c_e = 2 w_E/N_E dE_s scale / N_s^2,  c_f = scale,
//   U_i = -sum_{j,a} (2 w_F/N_F dF_ja) dG_i/dr_ja + (1/V) sum_ab (2 w_S/N_S dS_ab) dG_i/deps_ab
// (forward-over-reverse through the network: no finite differences).
//
// The objective owns the flat parameter vector theta (all element networks concatenated) and
// copies it into the networks before every evaluation. Sums over structures are taken in fixed
// groups of 8 structures in index order, so results are bit-identical for any number of
// threads; with a group_distribution (distribute()) the groups are shared between processes and
// the results stay bit-identical for any number of processes (see distribution.hpp).

#include <annp/core/error.hpp>
#include <annp/core/parallel.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/metrics.hpp>
#include <annp/potential/potential.hpp>
#include <annp/training/dataset.hpp>
#include <annp/training/distribution.hpp>
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

/// Prediction for one structure (energy eV, forces eV/Å, stress eV/Å³).
struct structure_prediction {
  double energy = 0.0;
  std::vector<double> forces; ///< 3 * atoms
  std::optional<mat3> stress;
};

template <trainable_potential Potential> class training_objective {
 public:
  using data_type = training_data;
  static constexpr std::size_t group_size = 8;

  training_objective(Potential& pot, const data_type& data, const loss_weights& w)
      : m_pot(&pot), m_data(&data), m_w(w) {
    for (std::size_t e = 0; e < pot.element_count(); ++e) {
      m_offset.push_back(m_theta.size());
      const auto p = pot.network(e).parameters();
      m_theta.insert(m_theta.end(), p.begin(), p.end());
    }
    m_offset.push_back(m_theta.size());
    if ((w.forces > 0.0 || w.stress > 0.0))
      for (std::size_t s = 0; s < data.size(); ++s)
        if (!data[s].has_derivatives)
          throw error("force or stress training needs training data with derivatives");
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_theta.size(); }
  [[nodiscard]] std::span<double> parameters() noexcept { return m_theta; }
  [[nodiscard]] std::span<const double> parameters() const noexcept { return m_theta; }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_offset.size() - 1; }
  /// Parameters [group_begin(e), group_begin(e+1)) belong to element e's network.
  [[nodiscard]] std::size_t group_begin(std::size_t e) const noexcept { return m_offset[e]; }
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
      auto p = m_pot->network(e).parameters();
      std::copy(m_theta.begin() + static_cast<std::ptrdiff_t>(m_offset[e]),
                m_theta.begin() + static_cast<std::ptrdiff_t>(m_offset[e + 1]), p.begin());
    }
  }

  /// Loss over the whole set.
  [[nodiscard]] double value() { return evaluate(all(), nullptr); }
  /// Loss and gradient over the whole set.
  double value_and_gradient(std::span<double> g) { return evaluate(all(), g.data()); }
  /// Loss and gradient over a mini-batch of structure indices.
  double value_and_gradient(std::span<const std::size_t> batch, std::span<double> g) {
    return evaluate(std::vector<std::size_t>(batch.begin(), batch.end()), g.data());
  }

  /// Prediction for structure s of the data.
  [[nodiscard]] structure_prediction predict(std::size_t s) {
    sync();
    scratch sc;
    structure_prediction p;
    forward(s, sc, p, true);
    return p;
  }

  /// Errors per config_type over the whole set.
  [[nodiscard]] error_table errors() {
    sync();
    // Predictions of every structure in one flat array, structure s at at[s]: the energy, then
    // its forces (3 N, when it has force labels and derivatives), then its stress (9, when
    // periodic with derivatives). Filled in parallel (and shared between processes), then
    // tabulated in index order.
    const std::size_t ns = m_data->size();
    const auto with_forces = [&](std::size_t s) {
      return m_data->source(s).forces.has_value() && (*m_data)[s].has_derivatives;
    };
    std::vector<std::size_t> at(ns + 1, 0);
    for (std::size_t s = 0; s < ns; ++s)
      at[s + 1] = at[s] + 1 +
                  (with_forces(s) ? 3 * (*m_data)[s].atoms + ((*m_data)[s].periodic ? 9 : 0) : 0);
    const std::size_t groups = (ns + group_size - 1) / group_size;
    std::vector<std::size_t> offsets(groups + 1);
    for (std::size_t g = 0; g <= groups; ++g) offsets[g] = at[std::min(ns, g * group_size)];
    std::vector<double> values(at[ns], 0.0);
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
          forward(s, sc, p, with_forces(s));
          double* v = values.data() + at[s];
          v[0] = p.energy;
          std::copy(p.forces.begin(), p.forces.end(), v + 1);
          if (p.stress)
            for (std::size_t ab = 0; ab < 9; ++ab)
              v[1 + p.forces.size() + ab] = (*p.stress)[ab / 3][ab % 3];
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

  // ---- least squares: residuals r with L = |r|^2, and their Jacobian ------------------------

  [[nodiscard]] std::size_t residual_count() const {
    const auto n = counts(all());
    return n.energy + (m_w.forces > 0 ? n.forces : 0) + (m_w.stress > 0 ? n.stress : 0) +
           (m_w.regularization > 0 ? size() : 0);
  }

  /// Residuals (size residual_count()) and, when J is non-null, the Jacobian (row-major,
  /// residual_count() x size()).
  void residuals(std::span<double> r, double* J) {
    sync();
    const auto n = counts(all());
    const double fe = n.energy ? std::sqrt(m_w.energy / static_cast<double>(n.energy)) : 0.0;
    const double ff = n.forces ? std::sqrt(m_w.forces / static_cast<double>(n.forces)) : 0.0;
    const double fs = n.stress ? std::sqrt(m_w.stress / static_cast<double>(n.stress)) : 0.0;
    // Row offsets per structure (in order: energy, forces, stress).
    std::vector<std::size_t> row(m_data->size() + 1, 0);
    for (std::size_t s = 0; s < m_data->size(); ++s) row[s + 1] = row[s] + rows_of(s);
    const auto ns = static_cast<std::ptrdiff_t>(m_data->size());
    const std::size_t np = size();
    ANNP_OMP("omp parallel")
    {
      scratch sc;
      std::vector<double> grow;
      ANNP_OMP("omp for schedule(dynamic, 1)")
      for (std::ptrdiff_t si = 0; si < ns; ++si) {
        const auto s = static_cast<std::size_t>(si);
        const structure& ref = m_data->source(s);
        const auto& t = (*m_data)[s];
        structure_prediction p;
        forward(s, sc, p, m_w.forces > 0 || m_w.stress > 0);
        std::size_t k = row[s];
        const double natoms = static_cast<double>(t.atoms);
        if (ref.energy) {
          r[k] = fe * (p.energy - *ref.energy) / natoms;
          if (J) {
            std::fill(J + k * np, J + (k + 1) * np, 0.0);
            observation_row(s, sc, J + k * np, fe * m_pot->energy_scale() / natoms, nullptr, 0.0);
          }
          ++k;
        }
        if (m_w.forces > 0 && ref.forces)
          for (std::size_t c = 0; c < 3 * t.atoms; ++c, ++k) {
            r[k] = ff * (p.forces[c] - (*ref.forces)(c / 3, c % 3));
            if (J) {
              std::fill(J + k * np, J + (k + 1) * np, 0.0);
              force_row(s, c, sc, J + k * np, ff);
            }
          }
        if (m_w.stress > 0 && ref.stress && p.stress)
          for (std::size_t ab = 0; ab < 9; ++ab, ++k) {
            r[k] = fs * ((*p.stress)[ab / 3][ab % 3] - (*ref.stress)[ab / 3][ab % 3]);
            if (J) {
              std::fill(J + k * np, J + (k + 1) * np, 0.0);
              stress_row(s, ab, sc, J + k * np, fs);
            }
          }
      }
    }
    if (m_w.regularization > 0) {
      const double fr = std::sqrt(m_w.regularization / static_cast<double>(np));
      for (std::size_t q = 0, k = row.back(); q < np; ++q, ++k) {
        r[k] = fr * m_theta[q];
        if (J) {
          std::fill(J + k * np, J + (k + 1) * np, 0.0);
          J[k * np + q] = fr;
        }
      }
    }
  }

  // ---- Kalman filter observations (in the network's output units) ---------------------------

  /// Energy observation of structure s: returns the error (E_ref - E) / (N scale) and writes
  /// d(E / (N scale))/dtheta into row (size()).
  double energy_observation(std::size_t s, std::span<double> row) {
    sync();
    scratch sc;
    structure_prediction p;
    forward(s, sc, p, false);
    const auto& t = (*m_data)[s];
    std::fill(row.begin(), row.end(), 0.0);
    observation_row(s, sc, row.data(), 1.0 / static_cast<double>(t.atoms), nullptr, 0.0);
    return (*m_data->source(s).energy - p.energy) /
           (static_cast<double>(t.atoms) * m_pot->energy_scale());
  }

  /// Force-component observation c = 3 j + a of structure s: returns (F_ref - F) / scale and
  /// writes d(F / scale)/dtheta into row.
  double force_observation(std::size_t s, std::size_t c, std::span<double> row) {
    sync();
    scratch sc;
    structure_prediction p;
    forward(s, sc, p, true);
    std::fill(row.begin(), row.end(), 0.0);
    force_row(s, c, sc, row.data(), 1.0 / m_pot->energy_scale());
    return ((*m_data->source(s).forces)(c / 3, c % 3) - p.forces[c]) / m_pot->energy_scale();
  }

  /// Whether structure s has an energy label.
  [[nodiscard]] bool has_energy(std::size_t s) const {
    return m_data->source(s).energy.has_value();
  }
  /// Force components of structure s available for training (0 without labels or derivatives).
  [[nodiscard]] std::size_t force_components(std::size_t s) const {
    const auto& ref = m_data->source(s);
    return ref.forces && (*m_data)[s].has_derivatives ? 3 * ref.size() : 0;
  }

  /// Current prediction errors of structure s (for selection by error): |dE|/N and per force
  /// component |dF|, in eV/atom and eV/Å.
  void sample_errors(std::size_t s, double& energy, std::vector<double>& forces) {
    sync();
    scratch sc;
    structure_prediction p;
    const auto& ref = m_data->source(s);
    forward(s, sc, p, ref.forces.has_value() && (*m_data)[s].has_derivatives);
    energy = ref.energy ? std::abs(p.energy - *ref.energy) / static_cast<double>((*m_data)[s].atoms)
                        : 0.0;
    forces.clear();
    if (ref.forces && !p.forces.empty())
      for (std::size_t c = 0; c < p.forces.size(); ++c)
        forces.push_back(std::abs(p.forces[c] - (*ref.forces)(c / 3, c % 3)));
  }

 private:
  struct element_block {
    std::vector<std::size_t> atoms; // atom indices of this element
    std::vector<double> X, out, dEdG, U, ce, cf;
  };
  struct scratch {
    std::vector<element_block> blocks;
    network_workspace ws;
  };
  struct label_counts {
    std::size_t energy = 0, forces = 0, stress = 0;
  };

  [[nodiscard]] std::vector<std::size_t> all() const {
    std::vector<std::size_t> v(m_data->size());
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = k;
    return v;
  }

  [[nodiscard]] label_counts counts(const std::vector<std::size_t>& batch) const {
    label_counts n;
    for (std::size_t s : batch) {
      const auto& ref = m_data->source(s);
      n.energy += ref.energy ? 1 : 0;
      n.forces += ref.forces ? 3 * ref.size() : 0;
      n.stress += (ref.stress && (*m_data)[s].periodic) ? 9 : 0;
    }
    return n;
  }

  [[nodiscard]] std::size_t rows_of(std::size_t s) const {
    const auto& ref = m_data->source(s);
    return (ref.energy ? 1 : 0) + (m_w.forces > 0 && ref.forces ? 3 * ref.size() : 0) +
           (m_w.stress > 0 && ref.stress && (*m_data)[s].periodic ? 9 : 0);
  }

  // Network outputs and input gradients of structure s, grouped by element, and the prediction.
  void forward(std::size_t s, scratch& sc, structure_prediction& p, bool derivatives) {
    const auto& t = (*m_data)[s];
    const std::size_t ne = element_count();
    sc.blocks.resize(ne);
    for (auto& b : sc.blocks) b.atoms.clear();
    for (std::size_t i = 0; i < t.atoms; ++i)
      sc.blocks[static_cast<std::size_t>(t.element[i])].atoms.push_back(i);
    const double scale = m_pot->energy_scale();
    p.energy = 0.0;
    for (std::size_t e = 0; e < ne; ++e) {
      auto& b = sc.blocks[e];
      const std::size_t n = b.atoms.size();
      if (n == 0) continue;
      const std::size_t nf = m_pot->network(e).input_count();
      b.X.resize(n * nf);
      for (std::size_t a = 0; a < n; ++a)
        std::copy_n(t.G.data() + t.offset[b.atoms[a]], nf, b.X.data() + a * nf);
      b.out.resize(n);
      if (derivatives) {
        b.dEdG.resize(n * nf);
        m_pot->network(e).energies_and_input_gradients(sc.ws, b.X.data(), n, nf, b.out.data(),
                                                       b.dEdG.data(), nf);
      } else {
        m_pot->network(e).energies(sc.ws, b.X.data(), n, nf, b.out.data());
      }
      for (std::size_t a = 0; a < n; ++a)
        p.energy += scale * b.out[a] + m_pot->atomic_energies()[e];
    }
    p.forces.clear();
    p.stress.reset();
    if (!derivatives || !t.has_derivatives) return;
    p.forces.assign(3 * t.atoms, 0.0);
    mat3 st{};
    for (std::size_t e = 0; e < ne; ++e) {
      const auto& b = sc.blocks[e];
      const std::size_t nf = m_pot->network(e).input_count();
      for (std::size_t a = 0; a < b.atoms.size(); ++a) {
        const std::size_t i = b.atoms[a];
        const double* g = b.dEdG.data() + a * nf;
        for (std::size_t q = t.pair_begin[i]; q < t.pair_begin[i + 1]; ++q) {
          const double* D = t.deriv.data() + t.deriv_offset[q];
          const std::size_t j = t.pair_atom[q];
          for (std::size_t d = 0; d < 3; ++d) {
            double v = 0.0;
            for (std::size_t m = 0; m < nf; ++m) v += g[m] * D[d * nf + m];
            p.forces[3 * j + d] -= scale * v;
          }
        }
        if (t.periodic) {
          const double* S = t.strain.data() + 9 * t.offset[i];
          for (std::size_t ab = 0; ab < 9; ++ab) {
            double v = 0.0;
            for (std::size_t m = 0; m < nf; ++m) v += g[m] * S[ab * nf + m];
            st[ab / 3][ab % 3] += scale * v / t.volume;
          }
        }
      }
    }
    if (t.periodic) p.stress = st;
  }

  // grad += sum_i ce_i dNN_i/dtheta + cf_i d/dtheta (dNN_i/dG . U_i) over the blocks prepared in
  // sc.
  void accumulate(std::size_t s, scratch& sc, double* grad, bool with_u) {
    const auto& t = (*m_data)[s];
    (void)t;
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = sc.blocks[e];
      const std::size_t n = b.atoms.size();
      if (n == 0) continue;
      const std::size_t nf = m_pot->network(e).input_count();
      m_pot->network(e).parameter_gradient(sc.ws, b.X.data(), n, nf, b.ce.data(),
                                           with_u ? b.U.data() : nullptr, nf,
                                           with_u ? b.cf.data() : nullptr, grad + m_offset[e]);
    }
  }

  // row += c_energy * sum_i dNN_i/dtheta (+ U terms when u_of is given).
  void observation_row(std::size_t s, scratch& sc, double* row, double c_energy,
                       const std::vector<std::vector<double>>* u, double c_force) {
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = sc.blocks[e];
      const std::size_t n = b.atoms.size();
      b.ce.assign(n, c_energy);
      b.cf.assign(n, c_force);
      if (u) b.U = (*u)[e];
    }
    accumulate(s, sc, row, u != nullptr);
  }

  // row += factor * dF_c/dtheta, F_c = -scale sum_i dNN_i/dG . D_{i, j, a}.
  void force_row(std::size_t s, std::size_t c, scratch& sc, double* row, double factor) {
    const auto& t = (*m_data)[s];
    const std::size_t j = c / 3, alpha = c % 3;
    std::vector<std::vector<double>> u(element_count());
    for (std::size_t e = 0; e < element_count(); ++e) {
      const auto& b = sc.blocks[e];
      const std::size_t nf = m_pot->network(e).input_count();
      u[e].assign(b.atoms.size() * nf, 0.0);
      for (std::size_t a = 0; a < b.atoms.size(); ++a) {
        const std::size_t i = b.atoms[a];
        for (std::size_t q = t.pair_begin[i]; q < t.pair_begin[i + 1]; ++q)
          if (t.pair_atom[q] == j)
            for (std::size_t m = 0; m < nf; ++m)
              u[e][a * nf + m] = t.deriv[t.deriv_offset[q] + alpha * nf + m];
      }
    }
    observation_row(s, sc, row, 0.0, &u, -factor * m_pot->energy_scale());
  }

  // row += factor * dS_ab/dtheta, S_ab = scale / V sum_i dNN_i/dG . dG_i/deps_ab.
  void stress_row(std::size_t s, std::size_t ab, scratch& sc, double* row, double factor) {
    const auto& t = (*m_data)[s];
    std::vector<std::vector<double>> u(element_count());
    for (std::size_t e = 0; e < element_count(); ++e) {
      const auto& b = sc.blocks[e];
      const std::size_t nf = m_pot->network(e).input_count();
      u[e].assign(b.atoms.size() * nf, 0.0);
      for (std::size_t a = 0; a < b.atoms.size(); ++a)
        for (std::size_t m = 0; m < nf; ++m)
          u[e][a * nf + m] = t.strain[9 * t.offset[b.atoms[a]] + ab * nf + m];
    }
    observation_row(s, sc, row, 0.0, &u, factor * m_pot->energy_scale() / t.volume);
  }

  // Loss (and gradient) of structure s with the normalisation counts n; adds to grad.
  double structure_loss(std::size_t s, const label_counts& n, scratch& sc, double* grad) {
    const auto& ref = m_data->source(s);
    const auto& t = (*m_data)[s];
    const bool use_f = m_w.forces > 0 && ref.forces && t.has_derivatives;
    const bool use_s = m_w.stress > 0 && ref.stress && t.periodic && t.has_derivatives;
    structure_prediction p;
    forward(s, sc, p, use_f || use_s);
    const double scale = m_pot->energy_scale();
    const double natoms = static_cast<double>(t.atoms);
    double loss = 0.0, ce = 0.0;
    if (ref.energy && n.energy) {
      const double de = (p.energy - *ref.energy) / natoms;
      const double w = m_w.energy / static_cast<double>(n.energy);
      loss += w * de * de;
      ce = 2.0 * w * de * scale / natoms;
    }
    std::vector<double> cF, cS;
    if (use_f && n.forces) {
      const double w = m_w.forces / static_cast<double>(n.forces);
      cF.resize(3 * t.atoms);
      for (std::size_t c = 0; c < 3 * t.atoms; ++c) {
        const double d = p.forces[c] - (*ref.forces)(c / 3, c % 3);
        loss += w * d * d;
        cF[c] = 2.0 * w * d;
      }
    }
    if (use_s && n.stress && p.stress) {
      const double w = m_w.stress / static_cast<double>(n.stress);
      cS.resize(9);
      for (std::size_t ab = 0; ab < 9; ++ab) {
        const double d = (*p.stress)[ab / 3][ab % 3] - (*ref.stress)[ab / 3][ab % 3];
        loss += w * d * d;
        cS[ab] = 2.0 * w * d;
      }
    }
    if (!grad) return loss;
    const bool with_u = !cF.empty() || !cS.empty();
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = sc.blocks[e];
      const std::size_t na = b.atoms.size();
      const std::size_t nf = m_pot->network(e).input_count();
      b.ce.assign(na, ce);
      if (!with_u) continue;
      b.cf.assign(na, scale);
      b.U.assign(na * nf, 0.0);
      for (std::size_t a = 0; a < na; ++a) {
        const std::size_t i = b.atoms[a];
        double* u = b.U.data() + a * nf;
        if (!cF.empty())
          for (std::size_t q = t.pair_begin[i]; q < t.pair_begin[i + 1]; ++q) {
            const double* D = t.deriv.data() + t.deriv_offset[q];
            const std::size_t j = t.pair_atom[q];
            for (std::size_t d = 0; d < 3; ++d) {
              const double c = cF[3 * j + d];
              for (std::size_t m = 0; m < nf; ++m) u[m] -= c * D[d * nf + m];
            }
          }
        if (!cS.empty()) {
          const double* S = t.strain.data() + 9 * t.offset[i];
          for (std::size_t ab = 0; ab < 9; ++ab)
            for (std::size_t m = 0; m < nf; ++m) u[m] += cS[ab] / t.volume * S[ab * nf + m];
        }
      }
    }
    accumulate(s, sc, grad, with_u);
    return loss;
  }

  double evaluate(const std::vector<std::size_t>& batch, double* grad) {
    sync();
    const auto n = counts(batch);
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
          p[0] += structure_loss(batch[k], n, sc, grad ? p + 1 : nullptr);
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
    return loss;
  }

  Potential* m_pot;
  const data_type* m_data;
  loss_weights m_w;
  std::vector<double> m_theta;
  std::vector<std::size_t> m_offset;
  const group_distribution* m_dist = nullptr;
};

} // namespace annp
