#pragma once
// structure_evaluator<Potential>: one training structure's prediction from its precomputed
// descriptors, and the derivatives of that prediction with respect to the network parameters.
// The loss (training/objective.hpp), the least-squares view (optimizers/levenberg_marquardt.hpp)
// and the Kalman observations (optimizers/kalman.hpp) are all built from these pieces.
//
// Prediction of structure s with atoms i of element e(i), scaled descriptors G_i and stored
// descriptor derivatives dG_i/dr_ja and dG_i/deps_ab:
//   E = scale sum_i NN_e(i)(G_i) + sum_i E0_e(i)
//   F_ja = -scale sum_i dNN_i/dG . dG_i/dr_ja,   S_ab = scale / V sum_i dNN_i/dG . dG_i/deps_ab.
// Every parameter derivative is one call of the network's parameter gradient per element block
// with per-atom coefficients c_e (of NN_i) and c_f (of dNN_i/dG . U_i):
//   d/dtheta sum_i [c_e,i NN_i + c_f,i dNN_i/dG . U_i]
// (forward-over-reverse through the network: no finite differences).

#include <annp/core/geometry.hpp>
#include <annp/network/network.hpp>
#include <annp/training/concepts.hpp>
#include <annp/training/dataset.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace annp {

/// Prediction for one structure (energy eV, forces eV/Å, stress eV/Å³).
struct structure_prediction {
  double energy = 0.0;
  std::vector<double> forces; ///< 3 * atoms
  std::optional<mat3> stress;
};

template <trainable_potential Potential> class structure_evaluator {
 public:
  /// Per-thread scratch: a structure's atoms grouped by element with their network inputs,
  /// outputs and input gradients (filled by predict(), read by the row functions).
  class workspace {
    friend class structure_evaluator;
    struct element_block {
      std::vector<std::size_t> atoms; // atom indices of this element
      std::vector<double> X, out, dEdG, U, ce, cf;
    };
    std::vector<element_block> blocks;
    network_workspace ws;
    // Streamed data: the last structure whose derivatives were recomputed, and which it is.
    training_structure item;
    const training_data* item_data = nullptr;
    std::size_t item_k = 0;
  };

  structure_evaluator(Potential& pot, const training_data& data) : m_pot(&pot), m_data(&data) {
    m_offset.push_back(0);
    for (std::size_t e = 0; e < pot.element_count(); ++e)
      m_offset.push_back(m_offset.back() + pot.network(e).parameters().size());
  }

  [[nodiscard]] Potential& potential() const noexcept { return *m_pot; }
  [[nodiscard]] const training_data& data() const noexcept { return *m_data; }
  [[nodiscard]] double energy_scale() const { return m_pot->energy_scale(); }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_offset.size() - 1; }
  /// Parameters [group_begin(e), group_begin(e+1)) of the flat vector belong to element e.
  [[nodiscard]] std::size_t group_begin(std::size_t e) const noexcept { return m_offset[e]; }
  [[nodiscard]] std::size_t parameter_count() const noexcept { return m_offset.back(); }

  /// Prediction of structure s with the networks' current parameters. With `derivatives` (and
  /// stored descriptor derivatives) forces and, for periodic structures, the stress too; the
  /// row functions below then read the network input gradients kept in ws.
  void predict(std::size_t s, workspace& ws, structure_prediction& p, bool derivatives) const {
    const auto& t = item(s, ws, derivatives);
    const std::size_t ne = element_count();
    ws.blocks.resize(ne);
    for (auto& b : ws.blocks) b.atoms.clear();
    for (std::size_t i = 0; i < t.atoms; ++i)
      ws.blocks[static_cast<std::size_t>(t.element[i])].atoms.push_back(i);
    const double scale = m_pot->energy_scale();
    p.energy = 0.0;
    for (std::size_t e = 0; e < ne; ++e) {
      auto& b = ws.blocks[e];
      const std::size_t n = b.atoms.size();
      if (n == 0) continue;
      const std::size_t nf = inputs(e);
      b.X.resize(n * nf);
      for (std::size_t a = 0; a < n; ++a)
        std::copy_n(t.G.data() + t.offset[b.atoms[a]], nf, b.X.data() + a * nf);
      b.out.resize(n);
      if (derivatives) {
        b.dEdG.resize(n * nf);
        m_pot->network(e).energies_and_input_gradients(ws.ws, b.X.data(), n, nf, b.out.data(),
                                                       b.dEdG.data(), nf);
      } else {
        m_pot->network(e).energies(ws.ws, b.X.data(), n, nf, b.out.data());
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
      const auto& b = ws.blocks[e];
      const std::size_t nf = inputs(e);
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

  // The row functions add to a row of parameter_count() entries, after predict(s, ws, ...).

  /// row += factor * d(sum_i NN_i)/dtheta: the network outputs' sum, E = scale * that + E0s.
  void add_output_row(std::size_t /*s*/, workspace& ws, double* row, double factor) const {
    add_rows(ws, row, factor, nullptr, 0.0);
  }

  /// row += factor * dF_c/dtheta for force component c = 3 j + a (needs derivatives in predict).
  void add_force_row(std::size_t s, std::size_t c, workspace& ws, double* row,
                     double factor) const {
    const auto& t = item(s, ws, true);
    const std::size_t j = c / 3, alpha = c % 3;
    std::vector<std::vector<double>> u(element_count());
    for (std::size_t e = 0; e < element_count(); ++e) {
      const auto& b = ws.blocks[e];
      const std::size_t nf = inputs(e);
      u[e].assign(b.atoms.size() * nf, 0.0);
      for (std::size_t a = 0; a < b.atoms.size(); ++a) {
        const std::size_t i = b.atoms[a];
        for (std::size_t q = t.pair_begin[i]; q < t.pair_begin[i + 1]; ++q)
          if (t.pair_atom[q] == j)
            for (std::size_t m = 0; m < nf; ++m)
              u[e][a * nf + m] = t.deriv[t.deriv_offset[q] + alpha * nf + m];
      }
    }
    add_rows(ws, row, 0.0, &u, -factor * m_pot->energy_scale());
  }

  /// row += factor * dS_ab/dtheta for stress component ab = 3 a + b (periodic structures).
  void add_stress_row(std::size_t s, std::size_t ab, workspace& ws, double* row,
                      double factor) const {
    const auto& t = item(s, ws, true);
    std::vector<std::vector<double>> u(element_count());
    for (std::size_t e = 0; e < element_count(); ++e) {
      const auto& b = ws.blocks[e];
      const std::size_t nf = inputs(e);
      u[e].assign(b.atoms.size() * nf, 0.0);
      for (std::size_t a = 0; a < b.atoms.size(); ++a)
        for (std::size_t m = 0; m < nf; ++m)
          u[e][a * nf + m] = t.strain[9 * t.offset[b.atoms[a]] + ab * nf + m];
    }
    add_rows(ws, row, 0.0, &u, factor * m_pot->energy_scale() / t.volume);
  }

  /// grad += d/dtheta [c_energy sum_i NN_i + sum_c cF_c F_c + sum_ab cS_ab S_ab] in one sweep:
  /// the gradient of a loss whose derivatives with respect to the energy, the force components
  /// and the stress components are c_energy / scale, cF and cS (cF, cS empty: none).
  void add_loss_gradient(std::size_t s, workspace& ws, double c_energy, std::span<const double> cF,
                         std::span<const double> cS, double* grad) const {
    const bool with_u = !cF.empty() || !cS.empty();
    const auto& t = item(s, ws, with_u);
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = ws.blocks[e];
      const std::size_t na = b.atoms.size();
      const std::size_t nf = inputs(e);
      b.ce.assign(na, c_energy);
      if (!with_u) continue;
      b.cf.assign(na, m_pot->energy_scale());
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
    accumulate(ws, grad, with_u);
  }

 private:
  [[nodiscard]] std::size_t inputs(std::size_t e) const { return m_pot->network(e).input_count(); }

  // Structure s of the data; with `derivatives` of streamed data, recomputed into ws once and
  // reused by the calls that follow for the same structure (descriptors do not depend on the
  // parameters).
  const training_structure& item(std::size_t s, workspace& ws, bool derivatives) const {
    const auto& t = (*m_data)[s];
    if (!derivatives || !t.streamed) return t;
    if (ws.item_data != m_data || ws.item_k != s) {
      ws.item_data = nullptr; // until recomputed
      m_data->resolve(s, ws.item);
      ws.item_data = m_data;
      ws.item_k = s;
    }
    return ws.item;
  }

  // grad += sum_i ce_i dNN_i/dtheta + cf_i d/dtheta (dNN_i/dG . U_i) over the blocks in ws.
  void accumulate(workspace& ws, double* grad, bool with_u) const {
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = ws.blocks[e];
      const std::size_t n = b.atoms.size();
      if (n == 0) continue;
      const std::size_t nf = inputs(e);
      m_pot->network(e).parameter_gradient(ws.ws, b.X.data(), n, nf, b.ce.data(),
                                           with_u ? b.U.data() : nullptr, nf,
                                           with_u ? b.cf.data() : nullptr, grad + m_offset[e]);
    }
  }

  // row += c_energy * sum_i dNN_i/dtheta (+ c_force * d/dtheta (dNN_i/dG . u_i) when u is given).
  void add_rows(workspace& ws, double* row, double c_energy,
                const std::vector<std::vector<double>>* u, double c_force) const {
    for (std::size_t e = 0; e < element_count(); ++e) {
      auto& b = ws.blocks[e];
      const std::size_t n = b.atoms.size();
      b.ce.assign(n, c_energy);
      b.cf.assign(n, c_force);
      if (u) b.U = (*u)[e];
    }
    accumulate(ws, row, u != nullptr);
  }

  Potential* m_pot;
  const training_data* m_data;
  std::vector<std::size_t> m_offset;
};

} // namespace annp
