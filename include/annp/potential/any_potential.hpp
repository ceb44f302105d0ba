#pragma once
// any_potential: a potential whose cutoff kind, descriptors and network shapes are known only at
// run time (a model file chosen by the user of LAMMPS, KIM, ASE or annp-predict). It holds one
// potential<descriptor_set<Cutoff>, dynamic_network> per cutoff function of cutoff_list and
// dispatches once per call (never per atom). Ensembles of potentials: committee.hpp. Its members
// can be compiled once per program instead of in every translation unit: annp/core/separate.hpp.

#include <annp/core/separate.hpp>
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
  explicit any_potential(const model& m);

  /// Reads an annp model file.
  static any_potential from_file(const std::string& path) {
    return any_potential(read_model(path));
  }

  [[nodiscard]] potential_result compute(const structure& s, const compute_options& o = {}) const;
  void compute(const structure& s, potential_result& r, const compute_options& o = {}) const;
  void compute(const host_system& h, host_result& r, const compute_options& o = {}) const;
  [[nodiscard]] double cutoff() const;
  [[nodiscard]] const std::vector<int>& elements() const;
  [[nodiscard]] int element_index(int z) const;
  [[nodiscard]] model to_model() const;
  [[nodiscard]] const variant_type& variant() const noexcept { return m_impl; }

 private:
  variant_type m_impl;
};

#if ANNP_SEPARATE_DEFINITIONS
// The dispatching members: defined here (inline) when header-only, or once in annp/compiled.hpp's
// translation unit under ANNP_SEPARATE_COMPILATION (annp/core/separate.hpp).

ANNP_SEPARATE_INLINE any_potential::any_potential(const model& m)
    : m_impl(with_cutoff(
          m.cutoff, [&](auto c) -> variant_type { return dynamic_potential<decltype(c)>(m); })) {}

ANNP_SEPARATE_INLINE potential_result any_potential::compute(const structure& s,
                                                             const compute_options& o) const {
  return std::visit([&](const auto& p) { return p.compute(s, o); }, m_impl);
}
ANNP_SEPARATE_INLINE void any_potential::compute(const structure& s, potential_result& r,
                                                 const compute_options& o) const {
  std::visit([&](const auto& p) { p.compute(s, r, o); }, m_impl);
}
ANNP_SEPARATE_INLINE void any_potential::compute(const host_system& h, host_result& r,
                                                 const compute_options& o) const {
  std::visit([&](const auto& p) { p.compute(h, r, o); }, m_impl);
}
ANNP_SEPARATE_INLINE double any_potential::cutoff() const {
  return std::visit([](const auto& p) { return p.cutoff(); }, m_impl);
}
ANNP_SEPARATE_INLINE const std::vector<int>& any_potential::elements() const {
  return std::visit([](const auto& p) -> const std::vector<int>& { return p.elements(); }, m_impl);
}
ANNP_SEPARATE_INLINE int any_potential::element_index(int z) const {
  return std::visit([&](const auto& p) { return p.element_index(z); }, m_impl);
}
ANNP_SEPARATE_INLINE model any_potential::to_model() const {
  return std::visit([](const auto& p) { return p.to_model(); }, m_impl);
}
#endif

} // namespace annp
