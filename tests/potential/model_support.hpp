#pragma once
// Random but complete models for the potential tests: two elements (Al, O), several descriptor
// kinds, tanh networks, scaling statistics from random structures.

#include <annp/descriptors/descriptor_set.hpp>
#include <annp/network/init.hpp>
#include <annp/potential/model.hpp>
#include <annp/potential/potential.hpp>

#include "test_support.hpp"

#include <random>

namespace annp::test {

/// n2p2_expressible: without the Chebyshev function (n2p2 has no such type).
inline std::vector<symmetry_function> small_function_set(int c, double rc,
                                                         bool n2p2_expressible = false) {
  std::vector<symmetry_function> out;
  const auto base = [&](sf_kind k, int e1, int e2) {
    symmetry_function f;
    f.kind = k;
    f.center = c;
    f.e1 = std::min(e1, e2 > 0 ? e2 : e1);
    f.e2 = is_angular(k) ? std::max(e1, e2) : 0;
    f.rc = rc;
    return f;
  };
  for (int e : {13, 8})
    for (double eta : {0.05, 0.6}) {
      auto f = base(sf_kind_of<sf_kinds::radial>(), e, 0);
      f.eta = eta;
      f.rs = eta > 0.1 ? 1.2 : 0.0;
      out.push_back(f);
    }
  for (auto [a, b] : {std::pair{13, 13}, std::pair{8, 13}, std::pair{8, 8}})
    for (double lambda : {-1.0, 1.0}) {
      auto f = base(sf_kind_of<sf_kinds::angular_narrow>(), a, b);
      f.eta = 0.03;
      f.zeta = 2.0;
      f.lambda = lambda;
      out.push_back(f);
    }
  auto w = base(sf_kind_of<sf_kinds::angular_wide>(), 13, 8);
  w.eta = 0.01;
  w.zeta = 4.0;
  out.push_back(w);
  auto p = base(sf_kind_of<sf_kinds::radial_compact>(), 13, 0);
  p.rl = -rc;
  p.core = core_function{core_kind::poly3};
  out.push_back(p);
  if (n2p2_expressible) return out;
  auto ch = base(sf_kind_of<sf_kinds::chebyshev_angular>(), 0, 0);
  ch.order = 2;
  out.push_back(ch);
  return out;
}

inline structure random_al_o(std::mt19937_64& rng, std::size_t atoms, double lo = 4.5,
                             double hi = 6.5) {
  const mat3 cell = random_cell(rng, lo, hi, 0.3);
  return random_structure(rng, cell, {true, true, true}, atoms, {13, 8}, 1.3);
}

/// A complete two-element model with random weights; scaling from random structures.
inline model make_test_model(std::uint64_t seed, cutoff_kind ck = cutoff_kind_of<cutoff::cosine>(),
                             double rc = 4.6, bool n2p2_expressible = false) {
  model m;
  m.elements = {13, 8};
  m.cutoff = ck;
  m.cutoff_alpha =
      (ck == cutoff_kind_of<cutoff::tanh>() || ck == cutoff_kind_of<cutoff::tanh_unnormalized>())
          ? 0.0
          : 0.1;
  for (int c : m.elements)
    for (const auto& f : small_function_set(c, rc, n2p2_expressible)) m.functions.push_back(f);
  m.spins = {-1.0, 1.0};
  const std::size_t nf = small_function_set(13, rc, n2p2_expressible).size();
  for (std::size_t e = 0; e < 2; ++e) {
    dynamic_network net({{nf, 9, activation_kind::of<activation::tanh>()},
                         {9, 7, activation_kind::of<activation::tanh>()},
                         {7, 1, activation_kind::of<activation::linear>()}});
    initialize(net, init::nguyen_widrow{}, seed + e);
    m.networks.push_back(std::move(net));
  }
  m.atomic_energies = {-3.1, -4.7};
  m.energy_scale = 0.35;
  // Scaling statistics from a few random structures.
  std::mt19937_64 rng(seed);
  descriptor_statistics stats({nf, nf});
  with_cutoff(ck, [&](auto c) {
    const descriptor_engine<decltype(c)> eng(m.elements, m.functions, m.cutoff_alpha, m.spins);
    for (int k = 0; k < 4; ++k) {
      const structure s = random_al_o(rng, 6);
      const auto d = compute_descriptors(eng, s, neighbor_list(s, eng.max_cutoff()));
      for (std::size_t i = 0; i < s.size(); ++i)
        stats.add(static_cast<std::size_t>(d.element[i]), d.of(i));
    }
    return 0;
  });
  m.scaling =
      descriptor_scaling(scaling_mode::scale_sigma, -1.0, 1.0, {stats.result(0), stats.result(1)});
  m.metadata.emplace_back("purpose", "test model with random weights");
  return m;
}

/// The structure under the symmetric strain x' = (1 + eps/2 (e_a e_b^T + e_b e_a^T)) x.
inline structure strained(const structure& s, std::size_t a, std::size_t b, double eps) {
  mat3 f = mat3::identity();
  f[a][b] += eps / 2;
  f[b][a] += eps / 2;
  structure t = s;
  t.cell = t.cell * f;
  for (std::size_t i = 0; i < t.size(); ++i) t.set_position(i, t.position(i) * f);
  return t;
}

/// Forces two ways through the host path, with a separate ghost copy of every neighbour of every
/// centre: `exact` sums the forces on all copies of an atom (-grad E); `n2p2` leaves out the
/// copies of an atom that sit in its own environment (its own periodic images), as n2p2 does.
struct convention_forces {
  xt::xtensor<double, 2> exact, n2p2;
  bool has_self_images = false;
};

template <class Potential>
convention_forces n2p2_convention_forces(const Potential& pot, const structure& s) {
  std::vector<double> pos;
  std::vector<int> elem, owner, centre_of_ghost;
  for (std::size_t i = 0; i < s.size(); ++i) {
    pos.insert(pos.end(), {s.positions(i, 0), s.positions(i, 1), s.positions(i, 2)});
    elem.push_back(pot.element_index(s.numbers[i]));
    owner.push_back(static_cast<int>(i));
    centre_of_ghost.push_back(-1);
  }
  const neighbor_list nl(s, pot.cutoff());
  std::vector<std::vector<int>> lists(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const vec3 x = s.position(i) + vec3{nl.dx()[k], nl.dy()[k], nl.dz()[k]};
      lists[i].push_back(static_cast<int>(elem.size()));
      pos.insert(pos.end(), {x[0], x[1], x[2]});
      elem.push_back(pot.element_index(s.numbers[nl.index()[k]]));
      owner.push_back(static_cast<int>(nl.index()[k]));
      centre_of_ghost.push_back(static_cast<int>(i));
    }
  host_system h;
  h.particles = elem.size();
  h.positions = pos.data();
  h.element = elem.data();
  h.contributing = s.size();
  h.neighbours = [&](std::size_t i, int& n, const int*& list) {
    n = static_cast<int>(lists[i].size());
    list = lists[i].data();
  };
  host_result hr;
  pot.compute(h, hr);
  convention_forces out;
  out.exact = xt::zeros<double>({s.size(), std::size_t{3}});
  out.n2p2 = xt::zeros<double>({s.size(), std::size_t{3}});
  for (std::size_t p = 0; p < elem.size(); ++p) {
    const auto o = static_cast<std::size_t>(owner[p]);
    const bool own_image = centre_of_ghost[p] == owner[p];
    out.has_self_images = out.has_self_images || own_image;
    for (std::size_t d = 0; d < 3; ++d) {
      out.exact(o, d) += hr.forces[3 * p + d];
      if (!own_image) out.n2p2(o, d) += hr.forces[3 * p + d];
    }
  }
  return out;
}

} // namespace annp::test
