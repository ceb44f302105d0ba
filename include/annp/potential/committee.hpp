#pragma once
// committee<P>: an ensemble of K potentials of one kind — the mean energy and forces, and their
// spread across members (sample standard deviation) as an uncertainty estimate: the signal of
// active learning (annp-active, annp-predict M1,M2,..., pair_style annp with several models).
// committee_mean<P>: the members' mean as a calculator of its own (energy, forces, virial,
// stress, per-atom energies and virials): a bagged model — members trained on different splits
// of one data set — for properties (annp-corundum M1,M2,...) and MD.

#include <annp/core/error.hpp>
#include <annp/potential/potential.hpp>
#include <annp/structure/structure.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace annp {

/// Sums and scalings of the additive outputs of a result (potential_result or host_result):
/// energy, forces, virial, stress, per-atom energies and virials. A committee's mean is
/// add_outputs over its members, then scale_outputs by 1/K; every output stays the derivative
/// of the mean energy, since both steps are linear. Both results are of one structure.
template <class R> void add_outputs(R& sum, const R& m) {
  sum.energy += m.energy;
  for (std::size_t c = 0; c < sum.forces.size(); ++c) sum.forces.data()[c] += m.forces.data()[c];
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < 3; ++b) sum.virial[a][b] += m.virial[a][b];
  if constexpr (requires { sum.stress; })
    if (sum.stress && m.stress)
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) (*sum.stress)[a][b] += (*m.stress)[a][b];
  for (std::size_t i = 0; i < sum.atomic_energies.size(); ++i)
    sum.atomic_energies[i] += m.atomic_energies[i];
  for (std::size_t i = 0; i < sum.atomic_virials.size(); ++i)
    for (std::size_t c = 0; c < 6; ++c) sum.atomic_virials[i][c] += m.atomic_virials[i][c];
}

template <class R> void scale_outputs(R& r, double f) {
  r.energy *= f;
  for (std::size_t c = 0; c < r.forces.size(); ++c) r.forces.data()[c] *= f;
  r.virial = f * r.virial;
  if constexpr (requires { r.stress; })
    if (r.stress) *r.stress = f * *r.stress;
  for (double& e : r.atomic_energies) e *= f;
  for (auto& v : r.atomic_virials)
    for (double& c : v) c *= f;
}

struct committee_result {
  double energy = 0.0;                 ///< mean over members, eV
  double energy_spread = 0.0;          ///< standard deviation over members, eV
  xt::xtensor<double, 2> forces;       ///< mean, eV/Å
  xt::xtensor<double, 2> force_spread; ///< per component standard deviation, eV/Å
  double max_force_spread = 0.0;       ///< largest per-atom |spread vector|, eV/Å
  std::optional<mat3> stress;          ///< mean, eV/Å³ (periodic structures, with forces)
  std::vector<double> atomic_energies; ///< mean, eV (when requested)
  std::vector<double> member_energies;
};

template <class P> class committee {
 public:
  committee() = default;
  explicit committee(std::vector<P> members) : m_members(std::move(members)) {
    if (m_members.size() < 2) throw error("a committee needs at least two members");
  }
  [[nodiscard]] std::size_t size() const noexcept { return m_members.size(); }
  [[nodiscard]] const P& member(std::size_t k) const { return m_members.at(k); }

  [[nodiscard]] committee_result compute(const structure& s, const compute_options& o = {}) const {
    return compute(s, o, nullptr);
  }
  /// The same, reusing the first member's result when the caller has computed it already.
  [[nodiscard]] committee_result compute(const structure& s, const compute_options& o,
                                         const potential_result* first) const {
    committee_result r;
    const std::size_t n = s.size(), K = m_members.size();
    r.forces = xt::zeros<double>({n, std::size_t{3}});
    r.force_spread = xt::zeros<double>({n, std::size_t{3}});
    xt::xtensor<double, 2> sq = xt::zeros<double>({n, std::size_t{3}});
    double e2 = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      potential_result own;
      if (k > 0 || first == nullptr) own = m_members[k].compute(s, o);
      const potential_result& m = (k == 0 && first != nullptr) ? *first : own;
      r.member_energies.push_back(m.energy);
      r.energy += m.energy;
      e2 += m.energy * m.energy;
      if (o.forces)
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t d = 0; d < 3; ++d) {
            r.forces(i, d) += m.forces(i, d);
            sq(i, d) += m.forces(i, d) * m.forces(i, d);
          }
      if (m.stress) r.stress = (k == 0 ? mat3{} : *r.stress) + *m.stress;
      r.atomic_energies.resize(m.atomic_energies.size(), 0.0);
      for (std::size_t i = 0; i < m.atomic_energies.size(); ++i)
        r.atomic_energies[i] += m.atomic_energies[i];
    }
    const double k = static_cast<double>(K);
    if (r.stress) *r.stress = (1.0 / k) * *r.stress;
    for (double& e : r.atomic_energies) e /= k;
    const auto spread = [&](double sum, double sum2) {
      const double mean = sum / k;
      return std::sqrt(std::max(0.0, (sum2 - k * mean * mean) / (k - 1.0)));
    };
    r.energy_spread = spread(r.energy, e2);
    r.energy /= k;
    for (std::size_t i = 0; i < n && o.forces; ++i) {
      double v = 0.0;
      for (std::size_t d = 0; d < 3; ++d) {
        r.force_spread(i, d) = spread(r.forces(i, d), sq(i, d));
        r.forces(i, d) /= k;
        v += r.force_spread(i, d) * r.force_spread(i, d);
      }
      r.max_force_spread = std::max(r.max_force_spread, std::sqrt(v));
    }
    return r;
  }

  /// The mean of the members' results: energy, forces, virial, stress and (when requested)
  /// per-atom energies and virials — each the derivative of the mean energy, since averaging is
  /// linear. Extrapolation counts are the largest over the members, with that member's records.
  [[nodiscard]] potential_result mean(const structure& s, const compute_options& o = {}) const {
    potential_result r = m_members.front().compute(s, o);
    for (std::size_t k = 1; k < m_members.size(); ++k) {
      potential_result m = m_members[k].compute(s, o);
      add_outputs(r, m);
      if (m.extrapolated_atoms > r.extrapolated_atoms) {
        r.extrapolated_atoms = m.extrapolated_atoms;
        r.extrapolated_values = m.extrapolated_values;
        r.extrapolations = std::move(m.extrapolations);
      }
    }
    scale_outputs(r, 1.0 / static_cast<double>(m_members.size()));
    return r;
  }

 private:
  std::vector<P> m_members;
};

/// The mean of a committee as one calculator (annp::calculator: compute(s) -> potential_result).
template <class P> class committee_mean {
 public:
  explicit committee_mean(std::vector<P> members) : m_committee(std::move(members)) {}
  [[nodiscard]] potential_result compute(const structure& s, const compute_options& o = {}) const {
    return m_committee.mean(s, o);
  }
  [[nodiscard]] const committee<P>& members() const noexcept { return m_committee; }

 private:
  committee<P> m_committee;
};

} // namespace annp
