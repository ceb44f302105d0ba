#pragma once
// any_potential: a potential whose cutoff kind, descriptors and network shapes are known only at
// run time (a model file chosen by the user of LAMMPS, KIM, ASE or annp-predict). It holds one
// potential<descriptor_set<Cutoff>, dynamic_network> per cutoff function of cutoff_list and
// dispatches once per call (never per atom). Ensembles of potentials: committee.hpp.

#include <annp/io/model_file.hpp>
#include <annp/potential/model.hpp>
#include <annp/potential/potential.hpp>

#include <cmath>
#include <string>
#include <variant>
#include <vector>

namespace annp {

template <class C> using dynamic_potential = potential<descriptor_set<C>, dynamic_network>;

class any_potential {
 public:
  /// One alternative per cutoff function of cutoff_list.
  using variant_type =
      registry::rebind<std::variant, registry::transform<dynamic_potential, cutoff_list>>;

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

} // namespace annp
