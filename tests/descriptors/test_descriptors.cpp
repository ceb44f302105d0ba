#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/parameter_grid.hpp>
#include <annp/io/model_file.hpp>
#include <annp/io/n2p2_data.hpp>
#include <annp/io/n2p2_symfunction.hpp>

#include "descriptors/reference.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <tuple>

using namespace annp;

namespace {

constexpr int Al = 13, O = 8;

symmetry_function sf(sf_kind kind, int centre, int e1, int e2, double rc) {
  symmetry_function f;
  f.kind = kind;
  f.center = centre;
  f.e1 = std::min(e1, e2 > 0 ? e2 : e1);
  f.e2 = std::max(e1, e2);
  if (!is_angular(kind)) f.e2 = 0, f.e1 = e1;
  f.rc = rc;
  return f;
}

// Every kind, several parameter choices, two cutoff radii, for one central element.
std::vector<symmetry_function> catalogue(int c) {
  std::vector<symmetry_function> out;
  const double rc = 4.5, rc2 = 3.8;
  auto add = [&](symmetry_function f) { out.push_back(f); };
  auto radial = [&](int e, double eta, double rs, double r) {
    auto f = sf(sf_kind_of<sf_kinds::radial>(), c, e, 0, r);
    f.eta = eta;
    f.rs = rs;
    add(f);
  };
  radial(Al, 0.5, 0.0, rc);
  radial(O, 1.2, 1.5, rc);
  radial(Al, 0.05, 0.0, rc2);
  auto ang = [&](sf_kind k, int e1, int e2, double eta, double zeta, double lambda, double rs) {
    auto f = sf(k, c, e1, e2, rc);
    f.eta = eta;
    f.zeta = zeta;
    f.lambda = lambda;
    f.rs = rs;
    add(f);
  };
  ang(sf_kind_of<sf_kinds::angular_narrow>(), Al, Al, 0.05, 1.0, 1.0, 0.0);
  ang(sf_kind_of<sf_kinds::angular_narrow>(), Al, Al, 0.05, 1.0, -1.0, 0.0);
  ang(sf_kind_of<sf_kinds::angular_narrow>(), O, Al, 0.1, 2.5, -1.0, 0.3);
  ang(sf_kind_of<sf_kinds::angular_narrow>(), O, O, 0.02, 4.0, 1.0, 0.0);
  ang(sf_kind_of<sf_kinds::angular_wide>(), Al, Al, 0.03, 2.0, 1.0, 0.0);
  ang(sf_kind_of<sf_kinds::angular_wide>(), Al, O, 0.01, 1.0, -1.0, 0.5);
  ang(sf_kind_of<sf_kinds::angular_wide>(), Al, Al, 0.0, 16.0, 1.0, 0.0);
  // Wide functions with small integer zetas run through moments (one set, two sets); the Al-Al
  // group above reaches zeta 16 and stays with the triplet kernel.
  ang(sf_kind_of<sf_kinds::angular_wide>(), O, O, 0.02, 4.0, 1.0, 0.2);
  ang(sf_kind_of<sf_kinds::angular_wide>(), O, O, 0.04, 1.0, 1.0, 0.0);
  for (const auto& [zeta, lambda] : {std::pair{1.0, 1.0}, std::pair{3.0, -1.0}}) {
    auto f = sf(sf_kind_of<sf_kinds::angular_wide>(), c, Al, Al, rc2);
    f.eta = 0.02;
    f.zeta = zeta;
    f.lambda = lambda;
    f.rs = 0.3;
    add(f);
  }
  {
    auto f = sf(sf_kind_of<sf_kinds::radial_weighted>(), c, 0, 0, rc);
    f.eta = 0.3;
    add(f);
    auto g = sf(sf_kind_of<sf_kinds::angular_narrow_weighted>(), c, 0, 0, rc);
    g.eta = 0.05;
    g.zeta = 2.0;
    add(g);
  }
  auto rcomp = [&](sf_kind k, int e, double rl, const char* core) {
    auto f = sf(k, c, e, 0, rc);
    f.rl = rl;
    f.core = core_function::from_n2p2_name(core);
    add(f);
  };
  rcomp(sf_kind_of<sf_kinds::radial_compact>(), Al, 0.0, "p2");
  rcomp(sf_kind_of<sf_kinds::radial_compact>(), O, -rc, "p3");
  rcomp(sf_kind_of<sf_kinds::radial_compact>(), Al, 1.0, "e");
  rcomp(sf_kind_of<sf_kinds::radial_compact>(), O, 0.5, "p1a");
  rcomp(sf_kind_of<sf_kinds::radial_compact_weighted>(), 0, -rc, "p2");
  auto acomp = [&](sf_kind k, int e1, int e2, double rl, double left, double right,
                   const char* core) {
    auto f = sf(k, c, e1, e2, rc);
    f.rl = rl;
    f.angle_left = left;
    f.angle_right = right;
    f.core = core_function::from_n2p2_name(core);
    add(f);
  };
  acomp(sf_kind_of<sf_kinds::angular_narrow_compact>(), Al, Al, -rc, 0.0, 180.0, "p2");
  acomp(sf_kind_of<sf_kinds::angular_narrow_compact>(), Al, O, 0.0, 30.0, 150.0, "p4");
  acomp(sf_kind_of<sf_kinds::angular_wide_compact>(), O, Al, -rc, -90.0, 90.0, "p3");
  acomp(sf_kind_of<sf_kinds::angular_wide_compact>(), O, O, 0.5, 90.0, 270.0, "e");
  acomp(sf_kind_of<sf_kinds::angular_narrow_compact_weighted>(), 0, 0, 0.0, 0.0, 180.0, "p1");
  acomp(sf_kind_of<sf_kinds::angular_wide_compact_weighted>(), 0, 0, -rc, 45.0, 135.0, "p2a");
  for (int order : {0, 1, 2, 3, 4}) {
    auto f = sf(sf_kind_of<sf_kinds::chebyshev_radial>(), c, 0, 0, rc);
    f.order = order;
    add(f);
  }
  for (int order : {2, 3}) {
    auto f = sf(sf_kind_of<sf_kinds::chebyshev_radial>(), c, 0, 0, rc);
    f.order = order;
    f.weighted = true;
    add(f);
  }
  // Angular Chebyshev orders up to 6 run through moments (unweighted and with spins); the group
  // at rc reaches order 9 and stays with the triplet kernel.
  for (int order : {0, 1, 2, 3, 6}) {
    auto f = sf(sf_kind_of<sf_kinds::chebyshev_angular>(), c, 0, 0, rc2);
    f.order = order;
    add(f);
  }
  for (int order : {1, 2, 5}) {
    auto f = sf(sf_kind_of<sf_kinds::chebyshev_angular>(), c, 0, 0, rc2);
    f.order = order;
    f.weighted = true;
    add(f);
  }
  for (int order : {2, 9}) {
    auto f = sf(sf_kind_of<sf_kinds::chebyshev_angular>(), c, 0, 0, rc);
    f.order = order;
    add(f);
  }
  return out;
}

std::vector<symmetry_function> full_catalogue() {
  auto a = catalogue(Al);
  auto b = catalogue(O);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Values and dense derivatives (d G_m / d r_atom) of atom i through the engine.
template <class Engine> struct atom_eval {
  std::vector<double> g;
  std::vector<vec3> dg; // [m * atoms + atom]
};

template <class Engine>
atom_eval<Engine> evaluate(const Engine& eng, const structure& s, std::size_t i, bool derivatives) {
  const neighbor_list nl(s, neighbor_list_options{eng.max_cutoff(), list_kind::full, 0.0});
  const auto elem = element_indices(eng, s);
  const auto e = static_cast<std::size_t>(elem[i]);
  std::vector<int> ne;
  for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) ne.push_back(elem[nl.index()[k]]);
  typename Engine::workspace ws;
  const std::size_t b = nl.begin(i);
  eng.gather(ws, e, nl.count(i), nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
             nl.r().data() + b, ne.data());
  atom_eval<Engine> out;
  out.g.resize(eng.size(e));
  eng.compute(ws, e, out.g.data(), derivatives);
  if (derivatives) {
    out.dg.assign(eng.size(e) * s.size(), vec3{});
    for (std::size_t m = 0; m < eng.size(e); ++m)
      for (auto slot : ws.real_slots()) {
        const auto j = nl.index()[b + static_cast<std::size_t>(ws.source(slot))];
        for (std::size_t d = 0; d < 3; ++d) {
          const double v = ws.jacobian(m, d, slot);
          out.dg[m * s.size() + j][d] += v;
          out.dg[m * s.size() + i][d] -= v;
        }
      }
  }
  return out;
}

structure random_two_element(std::mt19937_64& rng, std::size_t atoms) {
  const mat3 cell = test::random_cell(rng, 4.0, 6.0, 0.35);
  return test::random_structure(rng, cell, {true, true, true}, atoms, {Al, O}, 1.0);
}

bool near_any_cutoff(const structure& s, const std::vector<double>& radii, double margin) {
  const neighbor_list nl(s, neighbor_list_options{5.0, list_kind::half, 0.0});
  for (double r : nl.r())
    for (double rc : radii)
      if (std::abs(r - rc) < margin) return true;
  // r_jk of angular triplets is not in the list when > 5; also check the images.
  return false;
}

template <class C> int n2p2_cutoff_type() { return C::n2p2_type; }

template <class C> double alpha_for() {
  if constexpr (std::is_same_v<C, cutoff::cosine>) return 0.3;
  if constexpr (std::is_same_v<C, cutoff::poly2>) return 0.5;
  if constexpr (std::is_same_v<C, cutoff::exponential>) return 0.2;
  return 0.0;
}

} // namespace

TEST_SUITE("descriptors") {
  TEST_CASE_TEMPLATE("every kind equals the naive reference to 1e-12", C, cutoff::hard,
                     cutoff::cosine, cutoff::tanh_unnormalized, cutoff::tanh, cutoff::exponential,
                     cutoff::poly1, cutoff::poly2, cutoff::poly3, cutoff::poly4) {
    const auto functions = full_catalogue();
    const double alpha = alpha_for<C>();
    const descriptor_engine<C> eng({Al, O}, functions, alpha);
    const std::vector<std::pair<int, double>> spins{{Al, -1.0}, {O, 1.0}};
    std::mt19937_64 rng(17);
    double worst = 0.0;
    for (int trial = 0; trial < 3; ++trial) {
      const structure s = random_two_element(rng, 6);
      const neighbor_list nl(s, neighbor_list_options{eng.max_cutoff()});
      const auto all = compute_descriptors(eng, s, nl);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto e = static_cast<std::size_t>(all.element[i]);
        const auto g = all.of(i);
        for (std::size_t m = 0; m < eng.size(e); ++m) {
          const double ref =
              test::ref_descriptor(s, i, eng.functions(e)[m], n2p2_cutoff_type<C>(), alpha, spins);
          const double err = std::abs(g[m] - ref) / std::max(1.0, std::abs(ref));
          worst = std::max(worst, err);
          INFO(eng.functions(e)[m].describe(), " engine ", g[m], " reference ", ref);
          REQUIRE(err < 1e-12);
        }
      }
    }
    MESSAGE(C::name, ": worst relative difference to the reference ", worst);
  }

  TEST_CASE_TEMPLATE("derivatives equal central finite differences to 1e-6", C, cutoff::hard,
                     cutoff::cosine, cutoff::tanh_unnormalized, cutoff::tanh, cutoff::exponential,
                     cutoff::poly1, cutoff::poly2, cutoff::poly3, cutoff::poly4) {
    const auto functions = full_catalogue();
    const descriptor_engine<C> eng({Al, O}, functions, alpha_for<C>());
    std::mt19937_64 rng(99);
    const double h = 1e-4;
    double worst = 0.0;
    for (int trial = 0; trial < 2; ++trial) {
      structure s = random_two_element(rng, 5);
      // The hard cutoff has a step at r_c: keep pairs away from it.
      if constexpr (std::is_same_v<C, cutoff::hard>)
        while (near_any_cutoff(s, {4.5, 3.8}, 1e-3)) s = random_two_element(rng, 5);
      // Scale per element and descriptor: its largest derivative component over every centre of
      // the structure, at least 1e-5 (so derivatives below ~1e-11 are judged in absolute terms:
      // the moment expansion of wide functions rounds relative to the neighbours' leg values,
      // not to a nearly vanishing function value; docs/descriptors.md).
      std::vector<std::vector<double>> scale(eng.element_count());
      for (std::size_t e = 0; e < eng.element_count(); ++e) scale[e].assign(eng.size(e), 1e-5);
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto an = evaluate(eng, s, i, true);
        auto& sc = scale[static_cast<std::size_t>(eng.element_index(s.numbers[i]))];
        for (std::size_t m = 0; m < an.g.size(); ++m)
          for (std::size_t a = 0; a < s.size(); ++a)
            for (std::size_t d = 0; d < 3; ++d)
              sc[m] = std::max(sc[m], std::abs(an.dg[m * s.size() + a][d]));
      }
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto an = evaluate(eng, s, i, true);
        const std::size_t nf = an.g.size();
        const auto& sc = scale[static_cast<std::size_t>(eng.element_index(s.numbers[i]))];
        for (std::size_t a = 0; a < s.size(); ++a)
          for (std::size_t d = 0; d < 3; ++d) {
            // Fourth-order central differences (the steep polynomial cutoffs near r_c leave
            // second-order ones ~1e-6 off).
            const auto displaced = [&](double t) {
              structure moved = s;
              moved.positions(a, d) += t;
              return evaluate(eng, moved, i, false).g;
            };
            const auto gp = displaced(h), gm = displaced(-h);
            const auto gp2 = displaced(2 * h), gm2 = displaced(-2 * h);
            for (std::size_t m = 0; m < nf; ++m) {
              const double fd = (8.0 * (gp[m] - gm[m]) - (gp2[m] - gm2[m])) / (12.0 * h);
              const double err = std::abs(fd - an.dg[m * s.size() + a][d]) / sc[m];
              worst = std::max(worst, err);
              INFO(eng.functions(static_cast<std::size_t>(eng.element_index(s.numbers[i])))[m]
                       .describe(),
                   " atom ", a, " dim ", d, " analytic ", an.dg[m * s.size() + a][d], " fd ", fd);
              REQUIRE(err < 1e-6);
            }
          }
      }
    }
    MESSAGE(C::name, ": worst relative finite-difference error ", worst);
  }

  TEST_CASE("a recipe's second angular family (own cutoff) equals the naive reference") {
    // Wide functions through moments over 5 A beside sharp narrow ones within 3.2 A, groups
    // with different cutoffs: values to 1e-12, derivatives against central differences.
    descriptor_recipe r;
    r.rc = 5.0;
    r.radial_count = 3;
    r.angular_count = 2;
    r.angular_kind = sf_kind_of<sf_kinds::angular_wide>();
    r.zetas = {1.0, 4.0};
    r.angular2_count = 2;
    r.angular2_rc = 3.2;
    r.angular2_zetas = {16.0};
    const auto functions = make_descriptor_functions({Al, O}, r);
    const descriptor_engine<cutoff::cosine> eng({Al, O}, functions);
    std::mt19937_64 rng(5);
    // The denser cells give segments of more than a SIMD batch whose prefixes end mid-batch.
    for (const std::size_t atoms : {std::size_t{7}, std::size_t{7}, std::size_t{16}}) {
      const structure s = random_two_element(rng, atoms);
      const neighbor_list nl(s, neighbor_list_options{eng.max_cutoff()});
      const auto all = compute_descriptors(eng, s, nl);
      std::size_t within = 0; // narrow terms that see a pair
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto e = static_cast<std::size_t>(all.element[i]);
        const auto g = all.of(i);
        for (std::size_t m = 0; m < eng.size(e); ++m) {
          const auto& f = eng.functions(e)[m];
          const double ref = test::ref_descriptor(s, i, f, 1, 0.0, {});
          INFO(f.describe(), " engine ", g[m], " reference ", ref);
          REQUIRE(std::abs(g[m] - ref) <= 1e-12 * std::max(1.0, std::abs(ref)));
          if (f.rc == 3.2 && ref != 0.0) ++within;
        }
      }
      CHECK(within > 0);
      // Forces' path (contracted, narrow lanes packed) against the Jacobian's, one workspace
      // reused over the atoms: the short groups read only their prefix of each segment, so
      // nothing a group did not compute for this atom may leak in.
      {
        const auto elem = element_indices(eng, s);
        std::normal_distribution<double> nw;
        descriptor_engine<cutoff::cosine>::workspace full, contracted;
        for (std::size_t i = 0; i < s.size(); ++i) {
          std::vector<int> ne;
          for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) ne.push_back(elem[nl.index()[k]]);
          const auto b = nl.begin(i);
          const auto e = static_cast<std::size_t>(elem[i]);
          for (auto* ws : {&full, &contracted})
            eng.gather(*ws, e, nl.count(i), nl.dx().data() + b, nl.dy().data() + b,
                       nl.dz().data() + b, nl.r().data() + b, ne.data());
          std::vector<double> g1(eng.size(e)), g2(eng.size(e)), w(eng.size(e));
          for (auto& x : w) x = nw(rng);
          eng.compute(full, e, g1.data(), true);
          eng.compute_contracted(contracted, e, w.data(), g2.data());
          for (std::size_t m = 0; m < g1.size(); ++m)
            REQUIRE(g2[m] == doctest::Approx(g1[m]).epsilon(1e-14));
          for (auto slot : full.real_slots())
            for (std::size_t d = 0; d < 3; ++d) {
              double sum = 0.0, scale = 1e-12;
              for (std::size_t m = 0; m < w.size(); ++m) {
                sum += w[m] * full.jacobian(m, d, slot);
                scale += std::abs(w[m] * full.jacobian(m, d, slot));
              }
              REQUIRE(std::abs(contracted.contracted(slot)[d] - sum) <= 1e-12 * scale);
            }
        }
      }
      const double h = 1e-5;
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto an = evaluate(eng, s, i, true);
        for (std::size_t a = 0; a < s.size(); ++a)
          for (std::size_t d = 0; d < 3; ++d) {
            structure plus = s, minus = s;
            plus.positions(a, d) += h;
            minus.positions(a, d) -= h;
            const auto gp = evaluate(eng, plus, i, false).g, gm = evaluate(eng, minus, i, false).g;
            for (std::size_t m = 0; m < an.g.size(); ++m) {
              const double fd = (gp[m] - gm[m]) / (2.0 * h);
              const double v = an.dg[m * s.size() + a][d];
              INFO("atom ", i, " function ", m, " moved ", a, " dim ", d, " analytic ", v, " fd ",
                   fd);
              REQUIRE(std::abs(fd - v) <= 1e-6 * std::max(1.0, std::abs(v)));
            }
          }
      }
    }
  }

  TEST_CASE("moments run exactly the groups of low-degree polynomials in cos(theta)") {
    // The catalogue above: which of its functions the engine expands into moments. The naive
    // reference test covers the values and derivatives of both kernels.
    const auto functions = full_catalogue();
    const descriptor_engine<cutoff::cosine> eng({Al, O}, functions);
    const std::size_t e = static_cast<std::size_t>(eng.element_index(Al));
    std::size_t moments = 0;
    for (std::size_t m = 0; m < eng.size(e); ++m) {
      const auto& f = eng.functions(e)[m];
      bool expected = false;
      if (f.kind == sf_kind_of<sf_kinds::angular_wide>())
        expected = !(f.e1 == Al && f.e2 == Al && f.rc == 4.5); // that group reaches zeta 16
      if (f.kind == sf_kind_of<sf_kinds::chebyshev_angular>())
        expected = f.rc == 3.8; // orders <= 6; the group at 4.5 reaches order 9
      INFO(f.describe());
      CHECK(eng.uses_moments(e, m) == expected);
      moments += expected ? 1 : 0;
    }
    CHECK(moments == 13); // 5 wide (3 groups), 5 Chebyshev, 3 Chebyshev with spins
  }

  TEST_CASE("wide functions through moments: one partner gives exactly 0, two sets the pair term") {
    // Around the Al centre: one O and one Al neighbour. The one-set wide functions (O,O) and
    // (Al,Al) have no pair at all, so the moment expansion must give exactly 0 (its diagonal is
    // removed with the same products) and no derivative; the (Al,O) function is one pair term.
    const double rc = 4.5, eta = 0.1;
    std::vector<symmetry_function> fs;
    for (const auto& [e1, e2, zeta, lambda] :
         {std::tuple{O, O, 4.0, 1.0}, std::tuple{Al, Al, 2.0, -1.0},
          std::tuple{Al, O, 3.0, -1.0}}) {
      auto f = sf(sf_kind_of<sf_kinds::angular_wide>(), Al, e1, e2, rc);
      f.eta = eta;
      f.zeta = zeta;
      f.lambda = lambda;
      fs.push_back(f);
    }
    fs.push_back(sf(sf_kind_of<sf_kinds::radial>(), O, Al, 0, rc)); // (O needs a function)
    const descriptor_engine<cutoff::cosine> eng({Al, O}, fs);
    structure s;
    s.add_atom(Al, {0, 0, 0});
    s.add_atom(O, {1.9, 0.3, 0.1});
    s.add_atom(Al, {-0.5, 2.2, 0.4});
    const auto an = evaluate(eng, s, 0, true);
    CHECK(an.g[0] == 0.0);
    CHECK(an.g[1] == 0.0);
    for (std::size_t m : {std::size_t{0}, std::size_t{1}})
      for (std::size_t a = 0; a < s.size(); ++a)
        for (std::size_t d = 0; d < 3; ++d) CHECK(an.dg[m * s.size() + a][d] == 0.0);
    const vec3 u{1.9, 0.3, 0.1}, v{-0.5, 2.2, 0.4};
    const double ru = std::sqrt(dot(u, u)), rv = std::sqrt(dot(v, v));
    const auto fc = [&](double r) { return 0.5 * (std::cos(std::numbers::pi * r / rc) + 1.0); };
    const double c = dot(u, v) / (ru * rv);
    const double expected = std::pow(2.0, 1.0 - 3.0) * std::pow(1.0 - c, 3.0) *
                            std::exp(-eta * (ru * ru + rv * rv)) * fc(ru) * fc(rv);
    CHECK(an.g[2] == doctest::Approx(expected).epsilon(1e-14));
  }

  TEST_CASE("contracted derivatives equal the weighted sum of Jacobian rows") {
    const auto functions = full_catalogue();
    const descriptor_engine<cutoff::cosine> eng({Al, O}, functions, 0.1);
    std::mt19937_64 rng(12);
    std::normal_distribution<double> nw;
    const structure s = random_two_element(rng, 7);
    const neighbor_list nl(s, eng.max_cutoff());
    const auto elem = element_indices(eng, s);
    // kept: the values pass keeps the wide groups' moments, the radial slopes and the narrow
    // groups' triplet terms, and the forces pass reuses them (kept_values: and asks for the
    // values again); stale: it kept another atom's before this atom was gathered (the gather
    // must forget them).
    descriptor_engine<cutoff::cosine>::workspace full, contracted, only, kept, kept_values, stale;
    const auto gather = [&](descriptor_engine<cutoff::cosine>::workspace& ws, std::size_t i) {
      std::vector<int> ne;
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) ne.push_back(elem[nl.index()[k]]);
      const auto b = nl.begin(i);
      eng.gather(ws, static_cast<std::size_t>(elem[i]), nl.count(i), nl.dx().data() + b,
                 nl.dy().data() + b, nl.dz().data() + b, nl.r().data() + b, ne.data());
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto e = static_cast<std::size_t>(elem[i]);
      for (auto* ws : {&full, &contracted, &only, &kept, &kept_values}) gather(*ws, i);
      const std::size_t other = (i + 1) % s.size();
      gather(stale, other);
      std::vector<double> g1(eng.size(e)), g2(eng.size(e)), g3(eng.size(e)), g5(eng.size(e)),
          w(eng.size(e));
      std::vector<double> g4(eng.size(static_cast<std::size_t>(elem[other])));
      eng.compute_values(stale, static_cast<std::size_t>(elem[other]), g4.data(), true);
      gather(stale, i);
      for (auto& x : w) x = nw(rng);
      eng.compute(full, e, g1.data(), true);
      eng.compute_contracted(contracted, e, w.data(), g2.data());
      eng.compute_contracted(only, e, w.data(), nullptr); // derivatives without the values
      eng.compute_values(kept, e, g3.data(), true);
      eng.compute_contracted(kept, e, w.data(), nullptr);
      eng.compute_values(kept_values, e, g5.data(), true);
      eng.compute_contracted(kept_values, e, w.data(), g5.data());
      eng.compute_contracted(stale, e, w.data(), nullptr);
      for (std::size_t m = 0; m < g1.size(); ++m) {
        CHECK(g2[m] == doctest::Approx(g1[m]).epsilon(1e-14));
        CHECK(g3[m] == doctest::Approx(g1[m]).epsilon(1e-14));
        CHECK(g5[m] == g2[m]); // the values again, from the kept terms
      }
      for (auto slot : full.real_slots()) {
        CHECK(kept.contracted(slot) == contracted.contracted(slot));
        CHECK(kept_values.contracted(slot) == contracted.contracted(slot));
        CHECK(stale.contracted(slot) == contracted.contracted(slot));
      }
      double scale = 0.0;
      for (auto slot : full.real_slots())
        for (std::size_t d = 0; d < 3; ++d) {
          double sum = 0.0;
          for (std::size_t m = 0; m < w.size(); ++m) sum += w[m] * full.jacobian(m, d, slot);
          scale = std::max(scale, std::abs(sum));
        }
      for (auto slot : full.real_slots()) {
        const vec3 f = contracted.contracted(slot);
        CHECK(only.contracted(slot) == f);
        for (std::size_t d = 0; d < 3; ++d) {
          double sum = 0.0;
          for (std::size_t m = 0; m < w.size(); ++m) sum += w[m] * full.jacobian(m, d, slot);
          CHECK(std::abs(f[d] - sum) <= 1e-12 * scale);
        }
      }
    }
  }

  TEST_CASE("strain derivative (virial contribution) equals finite strain") {
    // d G / d eps_ab = sum_slots J_a(slot) r_slot,b : what the stress needs.
    const auto functions = full_catalogue();
    const descriptor_engine<cutoff::cosine> eng({Al, O}, functions);
    std::mt19937_64 rng(3);
    const structure s = random_two_element(rng, 5);
    const std::size_t i = 0;
    const neighbor_list nl(s, eng.max_cutoff());
    const auto elem = element_indices(eng, s);
    std::vector<int> ne;
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) ne.push_back(elem[nl.index()[k]]);
    descriptor_engine<cutoff::cosine>::workspace ws;
    const auto b = nl.begin(i);
    const auto e = static_cast<std::size_t>(elem[i]);
    eng.gather(ws, e, nl.count(i), nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
               nl.r().data() + b, ne.data());
    std::vector<double> g(eng.size(e));
    eng.compute(ws, e, g.data(), true);
    const double h = 1e-6;
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t bb = 0; bb < 3; ++bb) {
        auto strained = [&](double eps) {
          structure t = s;
          mat3 f = mat3::identity();
          f[a][bb] += eps; // x' = x (1 + eps e_a e_b^T)
          t.cell = t.cell * f;
          for (std::size_t n = 0; n < t.size(); ++n) t.set_position(n, t.position(n) * f);
          return evaluate(eng, t, i, false).g;
        };
        const auto gp = strained(h), gm = strained(-h);
        for (std::size_t m = 0; m < g.size(); ++m) {
          double analytic = 0.0;
          for (auto slot : ws.real_slots()) {
            const double r[3] = {ws.x(slot), ws.y(slot), ws.z(slot)};
            analytic += ws.jacobian(m, bb, slot) * r[a];
          }
          const double fd = (gp[m] - gm[m]) / (2.0 * h);
          CHECK(std::abs(fd - analytic) <= 1e-6 * std::max(1.0, std::abs(analytic)));
        }
      }
  }

  TEST_CASE("invariance: rotation, translation, permutation of same-element atoms") {
    const auto functions = full_catalogue();
    const descriptor_engine<cutoff::poly2> eng({Al, O}, functions);
    std::mt19937_64 rng(8);
    const structure s = random_two_element(rng, 7);
    const auto base = compute_descriptors(eng, s, neighbor_list(s, eng.max_cutoff()));
    const auto same = [&](const structure& t, const std::vector<std::size_t>& perm) {
      const auto d = compute_descriptors(eng, t, neighbor_list(t, eng.max_cutoff()));
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto x = base.of(i), y = d.of(perm[i]);
        for (std::size_t m = 0; m < x.size(); ++m)
          REQUIRE(std::abs(x[m] - y[m]) <= 1e-12 * std::max(1.0, std::abs(x[m])));
      }
    };
    std::vector<std::size_t> identity(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) identity[i] = i;
    // Rotation of positions and cell.
    const mat3 rot = test::random_cell(rng, 1.0, 1.0, 0.0); // orthonormal rows
    structure r = s;
    r.cell = s.cell * transpose(rot);
    for (std::size_t i = 0; i < s.size(); ++i) r.set_position(i, s.position(i) * transpose(rot));
    same(r, identity);
    // Translation.
    structure t = s;
    for (std::size_t i = 0; i < s.size(); ++i)
      t.set_position(i, s.position(i) + vec3{0.3, -1.7, 2.2});
    same(t, identity);
    // Permutation of atoms of the same element.
    std::vector<std::size_t> order = identity;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return s.numbers[a] < s.numbers[b]; });
    std::vector<std::size_t> perm(s.size());
    structure p;
    p.cell = s.cell;
    p.pbc = s.pbc;
    for (std::size_t k = s.size(); k-- > 0;) {
      p.add_atom(s.numbers[order[k]], s.position(order[k]));
      perm[order[k]] = s.size() - 1 - k;
    }
    same(p, perm);
  }

  TEST_CASE("an atom of a primitive cell has the same descriptor in a 2x2x2 supercell") {
    const auto functions = full_catalogue();
    const descriptor_engine<cutoff::cosine> eng({Al, O}, functions);
    std::mt19937_64 rng(21);
    const structure s = random_two_element(rng, 3);
    structure super;
    super.pbc = s.pbc;
    super.cell = 2.0 * s.cell;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        for (int c = 0; c < 2; ++c)
          for (std::size_t i = 0; i < s.size(); ++i)
            super.add_atom(s.numbers[i], s.position(i) + static_cast<double>(a) * s.cell[0] +
                                             static_cast<double>(b) * s.cell[1] +
                                             static_cast<double>(c) * s.cell[2]);
    const auto small = compute_descriptors(eng, s, neighbor_list(s, eng.max_cutoff()));
    const auto big = compute_descriptors(eng, super, neighbor_list(super, eng.max_cutoff()));
    for (std::size_t copy = 0; copy < 8; ++copy)
      for (std::size_t i = 0; i < s.size(); ++i) {
        const auto x = small.of(i), y = big.of(copy * s.size() + i);
        for (std::size_t m = 0; m < x.size(); ++m)
          REQUIRE(std::abs(x[m] - y[m]) <= 1e-12 * std::max(1.0, std::abs(x[m])));
      }
  }

  TEST_CASE_TEMPLATE("continuous at the cutoff: value and first derivative go to zero", C,
                     cutoff::cosine, cutoff::tanh_unnormalized, cutoff::tanh, cutoff::exponential,
                     cutoff::poly1, cutoff::poly2, cutoff::poly3, cutoff::poly4) {
    const double rc = 5.0;
    const C fc(rc, 0.0);
    double f = 1, df = 1;
    fc.evaluate(rc * (1.0 - 1e-7), f, df);
    CHECK(std::abs(f) < 1e-6);
    CHECK(std::abs(df) < 1e-5);
    fc.evaluate(rc, f, df);
    CHECK(f == 0.0);
    CHECK(df == 0.0);
    fc.evaluate(rc + 1.0, f, df);
    CHECK(f == 0.0);
    CHECK(df == 0.0);
    // And the descriptors of a dimer approaching the cutoff.
    std::vector<symmetry_function> fs;
    for (auto kind : {sf_kind_of<sf_kinds::radial>(), sf_kind_of<sf_kinds::chebyshev_radial>()}) {
      symmetry_function s0;
      s0.kind = kind;
      s0.center = Al;
      s0.e1 = Al;
      s0.rc = rc;
      s0.eta = 0.1;
      s0.order = 3;
      fs.push_back(s0);
    }
    const descriptor_engine<C> eng({Al}, fs);
    for (double r : {rc * (1.0 - 1e-6), rc * 0.5}) {
      structure dimer;
      dimer.add_atom(Al, {0, 0, 0});
      dimer.add_atom(Al, {r, 0, 0});
      const auto ev = evaluate(eng, dimer, 0, true);
      for (std::size_t m = 0; m < fs.size(); ++m) {
        if (r > rc * 0.9) {
          CHECK(std::abs(ev.g[m]) < 1e-5);
          CHECK(std::abs(ev.dg[m * 2 + 1][0]) < 1e-4);
        }
      }
    }
  }

  TEST_CASE("reproduces n2p2's raw symmetry-function values for the reference structures") {
    std::ifstream nn(test::source_path("tests/data/n2p2-al/input.nn"));
    REQUIRE(nn);
    std::vector<symmetry_function> functions;
    std::string line;
    while (std::getline(nn, line)) {
      const std::string content = line.substr(0, line.find('#'));
      auto tokens = split_whitespace(content);
      if (tokens.empty() || tokens[0] != "symfunction_short") continue;
      tokens.erase(tokens.begin());
      functions.push_back(parse_n2p2_symfunction(tokens));
    }
    REQUIRE(functions.size() == 32);
    std::stable_sort(functions.begin(), functions.end(), n2p2_order_less);
    const descriptor_engine<cutoff::cosine> eng({Al}, functions);
    const auto structures = read_n2p2_data(test::source_path("tests/data/n2p2-al/structures.data"));
    std::ifstream ref(test::source_path("tests/data/n2p2-al/descriptors.function.data"));
    REQUIRE(ref);
    double worst = 0.0;
    std::size_t compared = 0;
    for (const auto& s : structures) {
      std::getline(ref, line);
      REQUIRE(std::stoul(line) == s.size());
      const auto d = compute_descriptors(eng, s, neighbor_list(s, eng.max_cutoff()));
      for (std::size_t i = 0; i < s.size(); ++i) {
        std::getline(ref, line);
        const auto tokens = split_whitespace(line);
        REQUIRE(tokens.size() == 33);
        for (std::size_t m = 0; m < 32; ++m) {
          double expected = 0;
          REQUIRE(try_parse_double(tokens[m + 1], expected));
          const double diff = std::abs(d.of(i)[m] - expected);
          worst = std::max(worst, diff);
          CHECK(diff <= 5.1e-11); // n2p2 prints 10 decimals
          ++compared;
        }
      }
      std::getline(ref, line); // the per-structure trailer line
    }
    std::size_t atoms = 0;
    for (const auto& s : structures) atoms += s.size();
    CHECK(compared == 32 * atoms);
    MESSAGE("compared ", compared, " values; largest difference to n2p2 ", worst);
  }

  TEST_CASE(
      "a static descriptor set runs kernels compiled for its kinds; same numbers as dynamic") {
    // Seven kinds of six forms (Gaussian radial, narrow and wide cos-power angular, compact radial
    // and wide compact angular, Chebyshev radial and angular).
    using set = descriptor_set<cutoff::cosine, radial_g2<2>, angular_narrow<1>, angular_wide<1>,
                               radial_compact<2>, angular_wide_compact<1>, chebyshev_radial<3>,
                               chebyshev_angular<2>>;
    using forms = set::engine_type::form_list;
    static_assert(forms::size == 7);
    static_assert(forms::forms[0] == detail::form_of(sf_kind_of<sf_kinds::radial>()));
    static_assert(forms::forms[0].fixed && !forms::forms[0].angular);
    static_assert(forms::forms[1].angular && forms::forms[1].narrow);
    static_assert(forms::forms[6].legs == detail::leg_family::cutoff_only &&
                  forms::forms[6].angles == detail::angle_family::chebyshev);
    // Two kinds of one form share its kernels.
    using shared = descriptor_set<cutoff::cosine, radial_g2<1>, radial_weighted<1>>;
    static_assert(shared::engine_type::form_list::size == 1);
    static_assert(descriptor_set<cutoff::cosine>::engine_type::form_list::size == 3); // run-time

    const std::vector<std::pair<sf_kind, std::size_t>> pattern{
        {sf_kind_of<sf_kinds::radial>(), 2},
        {sf_kind_of<sf_kinds::angular_narrow>(), 1},
        {sf_kind_of<sf_kinds::angular_wide>(), 1},
        {sf_kind_of<sf_kinds::radial_compact>(), 2},
        {sf_kind_of<sf_kinds::angular_wide_compact>(), 1},
        {sf_kind_of<sf_kinds::chebyshev_radial>(), 3},
        {sf_kind_of<sf_kinds::chebyshev_angular>(), 2}};
    std::vector<symmetry_function> functions;
    for (int centre : {Al, O}) {
      const auto all = catalogue(centre);
      for (const auto& [kind, n] : pattern) {
        std::size_t taken = 0;
        for (const auto& f : all)
          if (f.kind == kind && taken < n) {
            functions.push_back(f);
            ++taken;
          }
        REQUIRE(taken == n);
      }
    }
    const set fixed({Al, O}, functions, 0.1);
    const descriptor_engine<cutoff::cosine> run_time({Al, O}, functions, 0.1);
    std::mt19937_64 rng(31);
    const structure s = random_two_element(rng, 9);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto a = evaluate(fixed.engine(), s, i, true);
      const auto b = evaluate(run_time, s, i, true);
      CHECK(a.g == b.g);
      bool same = a.dg.size() == b.dg.size();
      for (std::size_t k = 0; same && k < a.dg.size(); ++k)
        for (std::size_t d = 0; d < 3; ++d) same = same && a.dg[k][d] == b.dg[k][d];
      CHECK(same);
    }
  }

  TEST_CASE("descriptor_set checks the compile-time pattern") {
    using set = descriptor_set<cutoff::cosine, radial_g2<2>, angular_narrow<1>>;
    static_assert(set::size == 3);
    static_assert(descriptor_set<cutoff::cosine>::size == dynamic);
    auto f = sf(sf_kind_of<sf_kinds::radial>(), Al, Al, 0, 5.0);
    auto g = sf(sf_kind_of<sf_kinds::angular_narrow>(), Al, Al, Al, 5.0);
    const set ok({Al}, {f, f, g});
    CHECK(ok.size_of(0) == 3);
    CHECK(set::pattern() == "radial x 2, angular_narrow x 1");
    test::expect_error(
        [&] {
          set bad({Al}, {f, g, g});
        },
        {"element Al: function 1", "is angular_narrow", "expects radial"});
    test::expect_error([&] { set bad({Al}, {f, g}); }, {"has 2 descriptor functions", "= 3"});
    test::expect_error(
        [&] {
          set bad({Al}, {f, f, sf(sf_kind_of<sf_kinds::angular_narrow>(), Al, Al, 22, 5.0)});
        },
        {"neighbour element is not among the model's elements"});
  }

  TEST_CASE("bad parameters and unknown elements are clear errors") {
    auto f = sf(sf_kind_of<sf_kinds::angular_narrow>(), Al, Al, Al, 5.0);
    f.lambda = 0.5;
    test::expect_error([&] { descriptor_engine<cutoff::cosine> e({Al}, {f}); },
                       {"lambda must be +1 or -1"});
    f.lambda = 1.0;
    f.zeta = 0.5;
    test::expect_error([&] { descriptor_engine<cutoff::cosine> e({Al}, {f}); },
                       {"zeta must be >= 1"});
    test::expect_error([&] { descriptor_engine<cutoff::cosine> e({Al}, {f}, 1.5); },
                       {"zeta must be >= 1"});
    f.zeta = 1.0;
    test::expect_error([&] { descriptor_engine<cutoff::cosine> e({Al}, {f}, 1.5); },
                       {"0 <= alpha < 1"});
    test::expect_error([&] { descriptor_engine<cutoff::tanh> e({Al}, {f}, 0.5); },
                       {"no inner cutoff"});
    const descriptor_engine<cutoff::cosine> eng({Al}, {f});
    structure s;
    s.source = "mixed.xyz:1";
    s.add_atom(Al, {0, 0, 0});
    s.add_atom(22, {2, 0, 0});
    test::expect_error([&] { (void)element_indices(eng, s); },
                       {"mixed.xyz:1", "atom 1 is Ti", "its elements: Al"});
    std::vector<std::string_view> bad = {"Al", "3", "Al", "Al", "0.1", "1", "x", "6"};
    test::expect_error([&] { (void)parse_n2p2_symfunction(bad); }, {"expected zeta", "'x'"});
    std::vector<std::string_view> unknown = {"Al", "7", "Al", "0.1"};
    test::expect_error([&] { (void)parse_n2p2_symfunction(unknown); },
                       {"unknown n2p2 symmetry function type 7"});
  }

  TEST_CASE("symmetry-function kinds: names, n2p2 numbers and shapes from sf_kind_list") {
    std::size_t count = 0, n2p2 = 0;
    registry::for_each<sf_kind_list>([&]<class K>(K) {
      const sf_kind k = sf_kind_of<K>();
      CHECK(k.index() == count++);
      CHECK(kind_name(k) == K::name);
      CHECK(kind_from_name(K::name) == k);
      CHECK(is_angular(k) == K::angular);
      CHECK(is_narrow(k) == (K::angular && K::narrow));
      CHECK(is_element_resolved(k) == (!K::z_weighted && !K::chebyshev));
      if constexpr (K::n2p2_type >= 0) {
        ++n2p2;
        CHECK(n2p2_type(k) == K::n2p2_type);
        CHECK(kind_from_n2p2_type(K::n2p2_type) == k);
      }
      // n2p2's fields and sort key are parameters the kind has (those its model-file line has).
      const auto own = detail::sf_file_fields(k);
      const auto has = [&](sf_field f) {
        return std::find(own.begin(), own.end(), f) != own.end();
      };
      for (const sf_field f : K::n2p2_fields) CHECK(has(f));
      for (const sf_field f : K::n2p2_order) CHECK(has(f));
    });
    CHECK(count == 13);
    CHECK(n2p2 == 11);
    test::expect_error([] { (void)kind_from_name("g7"); },
                       {"unknown descriptor kind 'g7' (expected radial, angular_narrow"});
    test::expect_error([] { (void)kind_from_n2p2_type(7); },
                       {"unknown n2p2 symmetry function type 7 (expected one of 2, 3, 9, 12, 13, "
                        "20, 21, 22, 23, 24, 25)"});
    // The type a compile-time tag names is the kind the descriptor set checks for.
    static_assert(radial_g2<4>::kind == sf_kind_of<sf_kinds::radial>());
    static_assert(std::is_same_v<angular_g5<2>::kind_type, sf_kinds::angular_wide>);
  }

  TEST_CASE("n2p2 symfunction lines round-trip") {
    for (const auto& f : catalogue(Al)) {
      if (is_chebyshev(f.kind)) continue;
      const auto line = format_n2p2_symfunction(f);
      auto tokens = split_whitespace(line);
      tokens.erase(tokens.begin());
      CHECK(parse_n2p2_symfunction(tokens) == f);
    }
  }
}
