#pragma once
// annp::model: everything a trained potential consists of, as plain data. Model files (annp's own
// format and n2p2's) read into and write from it; potential<Descriptor, Network> and
// any_potential are built from it.
//
// Energy of atom i of element e:
//   E_i = energy_scale * NN_e( scaling_e( G_i ) ) + atomic_energies[e]
// (eV). Training fits atomic_energies by linear least squares and may normalise the network's
// output with energy_scale; an n2p2 model maps to energy_scale = 1/conv_energy and
// atomic_energies[e] = mean_energy + atom_energy(e).
// An optional short-range pair baseline (potential/short_range.hpp) adds sum_{i<j} V(r_ij).

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/descriptors/cutoff.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/descriptors/symmetry_function.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/short_range.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace annp {

struct model {
  std::vector<int> elements; ///< atomic numbers; element index = position
  cutoff_kind cutoff{};      ///< cosine by default
  double cutoff_alpha = 0.0;
  std::vector<symmetry_function> functions; ///< all elements, each element's in order
  std::vector<double> spins;                ///< per element (weighted Chebyshev functions)
  descriptor_scaling scaling;
  std::vector<dynamic_network> networks; ///< per element
  std::vector<double> atomic_energies;   ///< per element, eV
  double energy_scale = 1.0;
  short_range core; ///< repulsive baseline (none by default)
  /// Free-form provenance (training settings, data set, date...), kept by model files.
  std::vector<std::pair<std::string, std::string>> metadata;

  [[nodiscard]] std::size_t element_count() const noexcept { return elements.size(); }

  /// Functions of one element, in descriptor order.
  [[nodiscard]] std::vector<symmetry_function> functions_of(int z) const {
    std::vector<symmetry_function> out;
    for (const auto& f : functions)
      if (f.center == z) out.push_back(f);
    return out;
  }

  /// Checks internal consistency; throws annp::error saying what is inconsistent.
  void validate() const {
    const std::size_t ne = elements.size();
    if (ne == 0) throw error("model: no elements");
    for (int z : elements)
      if (!is_atomic_number(z)) throw error("model: unknown atomic number " + std::to_string(z));
    if (networks.size() != ne)
      throw error("model: " + std::to_string(networks.size()) + " networks for " +
                  std::to_string(ne) + " elements");
    if (atomic_energies.size() != ne)
      throw error("model: " + std::to_string(atomic_energies.size()) +
                  " atomic reference energies for " + std::to_string(ne) + " elements");
    if (scaling.element_count() != ne)
      throw error("model: scaling data for " + std::to_string(scaling.element_count()) +
                  " elements, expected " + std::to_string(ne));
    if (!(energy_scale != 0.0) || !std::isfinite(energy_scale))
      throw error("model: the energy scale must be finite and non-zero");
    core.validate();
    if (core.enabled() && !functions.empty()) {
      double rc = 0.0;
      for (const auto& f : functions) rc = std::max(rc, f.rc);
      if (core.reach() > rc)
        throw error("model: the short-range baseline reaches " + std::to_string(core.reach()) +
                    " Å, beyond the descriptor cutoff " + std::to_string(rc) + " Å");
    }
    for (std::size_t e = 0; e < ne; ++e) {
      const std::string el(symbol(elements[e]));
      const std::size_t nf = functions_of(elements[e]).size();
      if (networks[e].input_count() != nf)
        throw error("model: the " + el + " network takes " +
                    std::to_string(networks[e].input_count()) + " inputs but " + el + " has " +
                    std::to_string(nf) + " descriptor functions");
      if (scaling.stats(e).min.size() != nf)
        throw error("model: scaling data for " + el + " has " +
                    std::to_string(scaling.stats(e).min.size()) + " descriptors, expected " +
                    std::to_string(nf));
    }
  }

  friend bool operator==(const model&, const model&) = default;
};

} // namespace annp
