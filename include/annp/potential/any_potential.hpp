#pragma once
// any_potential: a potential whose cutoff kind, descriptors and network shapes are known only at
// run time (a model file chosen by the user of LAMMPS, KIM, ASE or annp-predict). It holds one of
// the nine potential<descriptor_set<Cutoff>, dynamic_network> instantiations and dispatches once
// per call (never per atom).
//
// committee<P>: an ensemble of K potentials; the mean energy and forces, and their spread across
// members (sample standard deviation) as an uncertainty estimate.

#include <annp/potential/model.hpp>
#include <annp/potential/model_file.hpp>
#include <annp/potential/potential.hpp>

#include <cmath>
#include <string>
#include <variant>
#include <vector>

namespace annp {

template <class C> using dynamic_potential = potential<descriptor_set<C>, dynamic_network>;

class any_potential {
 public:
  using variant_type =
      std::variant<dynamic_potential<cutoff::hard>, dynamic_potential<cutoff::cosine>,
                   dynamic_potential<cutoff::tanh_unnormalized>, dynamic_potential<cutoff::tanh>,
                   dynamic_potential<cutoff::exponential>, dynamic_potential<cutoff::poly1>,
                   dynamic_potential<cutoff::poly2>, dynamic_potential<cutoff::poly3>,
                   dynamic_potential<cutoff::poly4>>;

  any_potential() = default;
  explicit any_potential(const model& m)
      : m_impl(with_cutoff(
            m.cutoff, [&](auto c) -> variant_type { return dynamic_potential<decltype(c)>(m); })) {}

  /// Reads an annp model file.
  static any_potential from_file(const std::string& path) {
    return any_potential(read_model(path));
  }

  [[nodiscard]] potential_result compute(const structure& s, const compute_options& o = {}) const {
    return std::visit([&](const auto& p) { return p.compute(s, o); }, m_impl);
  }
  void compute(const structure& s, potential_result& r, const compute_options& o = {}) const {
    std::visit([&](const auto& p) { p.compute(s, r, o); }, m_impl);
  }
  void compute(const host_system& h, host_result& r, const compute_options& o = {}) const {
    std::visit([&](const auto& p) { p.compute(h, r, o); }, m_impl);
  }
  [[nodiscard]] double cutoff() const {
    return std::visit([](const auto& p) { return p.cutoff(); }, m_impl);
  }
  [[nodiscard]] const std::vector<int>& elements() const {
    return std::visit([](const auto& p) -> const std::vector<int>& { return p.elements(); },
                      m_impl);
  }
  [[nodiscard]] int element_index(int z) const {
    return std::visit([&](const auto& p) { return p.element_index(z); }, m_impl);
  }
  [[nodiscard]] model to_model() const {
    return std::visit([](const auto& p) { return p.to_model(); }, m_impl);
  }
  [[nodiscard]] const variant_type& variant() const noexcept { return m_impl; }

 private:
  variant_type m_impl;
};

struct committee_result {
  double energy = 0.0;                 ///< mean over members, eV
  double energy_spread = 0.0;          ///< standard deviation over members, eV
  xt::xtensor<double, 2> forces;       ///< mean, eV/Å
  xt::xtensor<double, 2> force_spread; ///< per component standard deviation, eV/Å
  double max_force_spread = 0.0;       ///< largest per-atom |spread vector|, eV/Å
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
    }
    const double k = static_cast<double>(K);
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

 private:
  std::vector<P> m_members;
};

} // namespace annp
