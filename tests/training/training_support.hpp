#pragma once
// Labelled random data and a potential ready for training, shared by the training tests.

#include <annp/training/dataset.hpp>
#include <annp/training/objective.hpp>

#include "potential/model_support.hpp"

namespace annp::test {

using test_potential = potential<descriptor_set<cutoff::cosine>, dynamic_network>;

/// Random Al/O structures with random energy, force and stress labels (periodic ones) and a few
/// clusters (no stress), so that every loss term is exercised.
inline std::vector<structure> labelled_structures(std::uint64_t seed, std::size_t count) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<structure> out;
  for (std::size_t k = 0; k < count; ++k) {
    structure s = k % 4 == 3 ? random_structure(rng, random_cell(rng, 6.0, 7.0, 0.1),
                                                {false, false, false}, 5, {13, 8}, 1.3)
                             : random_al_o(rng, 3 + k % 4);
    s.energy = -3.5 * static_cast<double>(s.size()) + 0.3 * g(rng);
    s.forces = xt::xtensor<double, 2>::from_shape({s.size(), 3});
    for (auto& f : *s.forces) f = 0.4 * g(rng);
    if (s.fully_periodic()) {
      mat3 st{};
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = a; b < 3; ++b) st[a][b] = st[b][a] = 0.01 * g(rng);
      s.stress = st;
    }
    s.config_type = k % 2 ? "odd" : "even";
    out.push_back(std::move(s));
  }
  return out;
}

/// Training data of every structure, scaled with the potential's scaling.
template <class Potential>
training_data scaled_data(const Potential& pot, const std::vector<structure>& s,
                          bool derivatives = true) {
  std::vector<std::size_t> all(s.size());
  for (std::size_t k = 0; k < s.size(); ++k) all[k] = k;
  training_data d(pot.engine(), s, all, training_data_options{derivatives});
  d.apply_scaling(pot.scaling());
  return d;
}

} // namespace annp::test
