#pragma once
// What training changes in a potential: one network per element, with the energy scale and the
// per-element reference energies that turn network outputs into energies.
//
// training_objective and trainer accept any type satisfying trainable_potential: an
// annp::potential (the networks are trained in place), or a network_set when descriptors are
// precomputed and the potential's cutoff type should not multiply the instantiations (the
// annp-train tool trains a network_set<dynamic_network> for every cutoff function).

#include <annp/core/error.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/model.hpp>
#include <annp/training/concepts.hpp>

#include <algorithm>
#include <concepts>
#include <span>
#include <vector>

namespace annp {

template <network_type Network = dynamic_network> class network_set {
 public:
  network_set() = default;
  /// The networks, energy scale and reference energies of a model.
  explicit network_set(const model& m) : m_scale(m.energy_scale), m_atomic(m.atomic_energies) {
    for (const auto& n : m.networks) m_networks.emplace_back(n);
  }

  [[nodiscard]] std::size_t element_count() const noexcept { return m_networks.size(); }
  [[nodiscard]] Network& network(std::size_t e) noexcept { return m_networks[e]; }
  [[nodiscard]] const Network& network(std::size_t e) const noexcept { return m_networks[e]; }
  [[nodiscard]] double energy_scale() const noexcept { return m_scale; }
  [[nodiscard]] const std::vector<double>& atomic_energies() const noexcept { return m_atomic; }

  /// Writes the parameters back into a model of the same shape.
  void store(model& m) const {
    if (m.networks.size() != m_networks.size())
      throw error("network_set: the model has " + std::to_string(m.networks.size()) +
                  " networks, the set " + std::to_string(m_networks.size()));
    for (std::size_t e = 0; e < m_networks.size(); ++e) {
      const auto src = m_networks[e].parameters();
      auto dst = m.networks[e].parameters();
      if (src.size() != dst.size())
        throw error("network_set: network " + std::to_string(e) + " has " +
                    std::to_string(src.size()) + " parameters, the model's " +
                    std::to_string(dst.size()));
      std::copy(src.begin(), src.end(), dst.begin());
    }
    m.energy_scale = m_scale;
    m.atomic_energies = m_atomic;
  }

 private:
  std::vector<Network> m_networks;
  double m_scale = 1.0;
  std::vector<double> m_atomic;
};

} // namespace annp
