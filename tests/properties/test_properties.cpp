// The property code on a pair potential whose answers follow from lattice sums: equation of
// state, elastic constants (Born; Cauchy relation C12 = C44), unrelaxed vacancy (= -E/atom) and
// surface energies (broken bonds), zone-boundary phonons (dynamical matrix).

#include <annp/properties/corundum.hpp>
#include <annp/properties/properties.hpp>
#include <annp/structure/neighbor_list.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

using namespace annp;

namespace {

// Energy, forces and stress of a pair potential phi(z_i, z_j, r, f, f') cut off at rc.
template <class Phi> potential_result pair_compute(const structure& st, double rc, Phi phi) {
  potential_result out;
  out.forces = xt::zeros<double>({st.size(), std::size_t{3}});
  const neighbor_list nl(st, neighbor_list_options{rc});
  mat3 sigma{};
  for (std::size_t i = 0; i < st.size(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.r()[k];
      double f, d1;
      phi(st.numbers[i], st.numbers[nl.index()[k]], r, f, d1);
      out.energy += 0.5 * f;
      const double d[3] = {nl.dx()[k], nl.dy()[k], nl.dz()[k]}; // r_j - r_i
      for (std::size_t a = 0; a < 3; ++a) {
        out.forces(i, a) += d1 * d[a] / r; // -dE/dr_i
        for (std::size_t b = 0; b < 3; ++b) sigma[a][b] += 0.5 * d1 * d[a] * d[b] / r;
      }
    }
  if (st.fully_periodic()) out.stress = (1.0 / st.volume()) * sigma;
  return out;
}

// phi(r) = eps [(s/r)^12 - 2 (s/r)^6] (1 - (r/rc)^2)^3: minimum near s, smooth to second order
// at rc.
struct pair_potential {
  double eps = 0.4, s = 2.8, rc = 6.0;
  void phi(double r, double& f, double& d1, double& d2) const {
    const double x = s / r, x6 = std::pow(x, 6), x12 = x6 * x6;
    const double u = eps * (x12 - 2 * x6);
    const double u1 = eps * (-12 * x12 + 12 * x6) / r;
    const double u2 = eps * (156 * x12 - 84 * x6) / (r * r);
    const double t = 1 - (r / rc) * (r / rc);
    const double c = t * t * t, c1 = -6 * r / (rc * rc) * t * t;
    const double c2 = -6 / (rc * rc) * t * t + 24 * r * r / std::pow(rc, 4) * t;
    f = u * c;
    d1 = u1 * c + u * c1;
    d2 = u2 * c + 2 * u1 * c1 + u * c2;
  }
  potential_result compute(const structure& st) const {
    return pair_compute(st, rc, [this](int, int, double r, double& f, double& d1) {
      double d2;
      phi(r, f, d1, d2);
    });
  }
};
static_assert(calculator<pair_potential>);

// A metal-oxygen pair potential (Morse between unlike atoms, Born-Mayer repulsion plus a Morse
// bond between like ones, smoothed to zero at rc): no electrostatics, but corundum is a local
// minimum of it, which is all the property code needs to be checked on a crystal with internal
// parameters.
struct oxide_pair_potential {
  double rc = 6.0;
  void phi(int zi, int zj, double r, double& f, double& d1) const {
    double u = 0, u1 = 0;
    if (zi != zj) {
      const double depth = 1.6, alpha = 1.9, r0 = 1.92, e = std::exp(-alpha * (r - r0));
      u = depth * (e * e - 2 * e);
      u1 = depth * (-2 * alpha * e * e + 2 * alpha * e);
    } else {
      const double amp = zi == 8 ? 900.0 : 400.0, rho = 0.33;
      u = amp * std::exp(-r / rho);
      u1 = -u / rho;
      // A bond between like atoms too (O2 at 1.25 Å, the metal near 2.9 Å), so that the metal
      // and the molecule of the formation energy have minima.
      const double depth = zi == 8 ? 2.5 : 0.25, alpha = zi == 8 ? 4.0 : 1.4;
      const double r0 = zi == 8 ? 1.25 : 2.9, e = std::exp(-alpha * (r - r0));
      u += depth * (e * e - 2 * e);
      u1 += depth * (-2 * alpha * e * e + 2 * alpha * e);
    }
    const double t = 1 - (r / rc) * (r / rc);
    const double c = t * t * t, c1 = -6 * r / (rc * rc) * t * t;
    f = u * c;
    d1 = u1 * c + u * c1;
  }
  potential_result compute(const structure& st) const {
    return pair_compute(
        st, rc, [this](int zi, int zj, double r, double& f, double& d1) { phi(zi, zj, r, f, d1); });
  }
};
static_assert(calculator<oxide_pair_potential>);

// fcc lattice vectors (a/2)(i, j, k), i + j + k even, within rc.
std::vector<vec3> fcc_vectors(double a, double rc) {
  std::vector<vec3> out;
  const int n = static_cast<int>(std::ceil(2 * rc / a)) + 1;
  for (int i = -n; i <= n; ++i)
    for (int j = -n; j <= n; ++j)
      for (int k = -n; k <= n; ++k) {
        if ((i + j + k) % 2 != 0 || (i == 0 && j == 0 && k == 0)) continue;
        const vec3 r{a / 2 * i, a / 2 * j, a / 2 * k};
        if (norm(r) < rc) out.push_back(r);
      }
  return out;
}

double energy_per_atom(const pair_potential& p, double a) {
  double e = 0;
  for (const auto& r : fcc_vectors(a, p.rc)) {
    double f, d1, d2;
    p.phi(norm(r), f, d1, d2);
    e += 0.5 * f;
  }
  return e;
}

double equilibrium_lattice_constant(const pair_potential& p) {
  double lo = 3.5, hi = 4.5;
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; ++it) {
    const double m1 = hi - g * (hi - lo), m2 = lo + g * (hi - lo);
    if (energy_per_atom(p, m1) < energy_per_atom(p, m2))
      hi = m2;
    else
      lo = m1;
  }
  return 0.5 * (lo + hi);
}

} // namespace

TEST_SUITE("properties") {
  TEST_CASE("Birch-Murnaghan: exact on its own form, and E0, V0, B0 of the lattice sum") {
    // Synthetic data from the BM form itself: the fit returns its parameters.
    const double E0 = -3.7, V0 = 16.5, B0 = 0.47, B1 = 4.6;
    std::vector<double> v, e;
    for (int k = 0; k < 11; ++k) {
      const double vv = V0 * (0.9 + 0.02 * k);
      const double t = std::pow(V0 / vv, 2.0 / 3.0) - 1;
      v.push_back(vv);
      e.push_back(E0 + 9 * V0 * B0 / 16 * (t * t * t * B1 + t * t * (6 - 4 * (t + 1))));
    }
    const auto bm = fit_birch_murnaghan(v, e);
    CHECK(bm.e0 == doctest::Approx(E0).epsilon(1e-10));
    CHECK(bm.v0 == doctest::Approx(V0).epsilon(1e-8));
    CHECK(bm.b0 == doctest::Approx(B0).epsilon(1e-7));
    CHECK(bm.b0_prime == doctest::Approx(B1).epsilon(1e-6));
    CHECK(bm.rms < 1e-9);
    CHECK_THROWS_AS((void)fit_birch_murnaghan({1, 2, 3}, {1, 2, 3}), annp::error);

    // The pair potential (not of Birch-Murnaghan form): fit on +-2 % against the lattice sum's
    // minimum and curvature.
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p);
    const auto fit = equation_of_state(p, crystal::fcc(13, a0), 0.02, 9);
    CHECK(std::cbrt(4 * fit.v0) == doctest::Approx(a0).epsilon(1e-5));
    CHECK(fit.e0 == doctest::Approx(energy_per_atom(p, a0)).epsilon(1e-7));
    const auto e_of_v = [&](double vol) { return energy_per_atom(p, std::cbrt(4 * vol)); };
    const double v0 = a0 * a0 * a0 / 4, h = 1e-3 * v0;
    const double b_exact = v0 * (e_of_v(v0 + h) - 2 * e_of_v(v0) + e_of_v(v0 - h)) / (h * h);
    CHECK(fit.b0 == doctest::Approx(b_exact).epsilon(1e-3));
  }

  TEST_CASE("elastic constants equal the Born lattice sums; Cauchy relation C12 = C44") {
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p);
    const double omega = a0 * a0 * a0 / 4;
    double c11 = 0, c12 = 0, c44 = 0;
    for (const auto& r : fcc_vectors(a0, p.rc)) {
      const double d = norm(r);
      double f, d1, d2;
      p.phi(d, f, d1, d2);
      const double w = (d2 - d1 / d) / (d * d) / (2 * omega);
      c11 += w * r[0] * r[0] * r[0] * r[0];
      c12 += w * r[0] * r[0] * r[1] * r[1];
      c44 += w * r[1] * r[1] * r[2] * r[2];
    }
    for (double* c : {&c11, &c12, &c44}) *c *= units::eV_per_A3_in_GPa;
    // Strains of 0.1 %: the O(delta^2) error of the central difference is ~1e-5 here.
    const auto primitive = elastic_constants_cubic(p, crystal::fcc(13, a0), 0.001);
    const auto cubic = elastic_constants_cubic(p, crystal::fcc_cubic(13, a0), 0.001, true);
    for (const auto& c : {primitive, cubic}) {
      CHECK(c.c11 == doctest::Approx(c11).epsilon(5e-5));
      CHECK(c.c12 == doctest::Approx(c12).epsilon(5e-5));
      CHECK(c.c44 == doctest::Approx(c44).epsilon(5e-5));
      CHECK(c.c12 == doctest::Approx(c.c44).epsilon(5e-5));
    }
    // B from the elastic constants equals B0 of the equation of state.
    const auto fit = equation_of_state(p, crystal::fcc(13, a0), 0.02, 9);
    CHECK(primitive.bulk_modulus() == doctest::Approx(fit.b0_gpa()).epsilon(1e-3));
  }

  TEST_CASE(
      "vacancy: unrelaxed formation energy is minus the energy per atom; relaxation lowers it") {
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p);
    const auto v = vacancy_formation_fcc(p, 13, a0, 3);
    CHECK(v.atoms == 107);
    CHECK(v.unrelaxed == doctest::Approx(-energy_per_atom(p, a0)).epsilon(1e-10));
    CHECK(v.relaxed < v.unrelaxed);
    CHECK(v.relaxed > 0.8 * v.unrelaxed);
  }

  TEST_CASE("surfaces: unrelaxed energy equals the broken-bond sum; relaxation lowers it") {
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p);
    // Broken bonds per surface atom: atoms of the layers at and below the cut, bonds to all
    // lattice points above it. Layers are i + j + k = m (111) or k = m (100), in units of a/2.
    const auto broken = [&](bool f111) {
      const auto vectors = fcc_vectors(a0, 3 * p.rc);
      double e = 0;
      for (int layer = 0; layer > -12; --layer) {
        const vec3 ri = f111 ? vec3{a0 / 2 * layer, a0 / 2 * layer, 0}
                             : vec3{a0 / 2 * (layer % 2 != 0 ? 1 : 0), 0, a0 / 2 * layer};
        for (const auto& rv : vectors) {
          const vec3 rj = ri + rv;
          const double m = f111 ? (rj[0] + rj[1] + rj[2]) / (a0 / 2) : rj[2] / (a0 / 2);
          if (m < 0.5 || norm(rv) >= p.rc) continue;
          double f, d1, d2;
          p.phi(norm(rv), f, d1, d2);
          e += f;
        }
      }
      const double area = f111 ? std::sqrt(3.0) / 4 * a0 * a0 : a0 * a0 / 2;
      // Cleaving breaks these bonds once and makes two surfaces.
      return -e / (2 * area) * units::eV_per_A2_in_J_per_m2;
    };
    for (bool f111 : {false, true}) {
      const auto s = surface_energy_fcc(p, 13, a0, f111 ? "111" : "100", 12, 15.0);
      CAPTURE(f111);
      CHECK(s.unrelaxed == doctest::Approx(broken(f111)).epsilon(1e-9));
      CHECK(s.relaxed <= s.unrelaxed + 1e-12);
      CHECK(s.relaxed > 0.8 * s.unrelaxed);
    }
  }

  TEST_CASE("phonons at X and L equal the dynamical-matrix eigenvalues") {
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p), mass = 26.98;
    const double pi = 3.141592653589793;
    const auto omega = [&](const vec3& q, const vec3& e) {
      double w2 = 0;
      for (const auto& r : fcc_vectors(a0, p.rc)) {
        const double d = norm(r);
        double f, d1, d2;
        p.phi(d, f, d1, d2);
        const double er = dot(e, r) / d;
        w2 += (1 - std::cos(dot(q, r))) * (d2 * er * er + d1 / d * (1 - er * er));
      }
      return std::sqrt(w2 / mass) * units::THz_per_sqrt_eV_A2_u;
    };
    // A small amplitude: the steep r^-12 wall makes the anharmonic error ~1e-3 at 0.01 Å.
    const auto ph = phonons_fcc(p, 13, a0, mass, 0.0005);
    const double s3 = 1 / std::sqrt(3.0), s2 = 1 / std::sqrt(2.0);
    CHECK(ph.x_longitudinal ==
          doctest::Approx(omega({2 * pi / a0, 0, 0}, {1, 0, 0})).epsilon(1e-5));
    CHECK(ph.x_transverse == doctest::Approx(omega({2 * pi / a0, 0, 0}, {0, 1, 0})).epsilon(1e-5));
    CHECK(ph.l_longitudinal ==
          doctest::Approx(omega({pi / a0, pi / a0, pi / a0}, {s3, s3, s3})).epsilon(1e-5));
    CHECK(ph.l_transverse ==
          doctest::Approx(omega({pi / a0, pi / a0, pi / a0}, {s2, -s2, 0})).epsilon(1e-5));
  }

  TEST_CASE("stacking fault: an intrinsic fault in the tilted (111) stack; zero for interactions "
            "that do not reach the third shell; local") {
    const double a = 4.05, d = a / std::sqrt(2.0); // d: nearest-neighbour distance
    // Geometry: the untilted stack is fcc (12 neighbours at d, 6 at a); the tilted one has two
    // layers in hcp-like stacking, i.e. 4 atoms with a neighbour straight above or below at
    // 2 a / sqrt 3 = sqrt(8/3) d, which fcc does not have, and no pair closer than d.
    for (const double shift : {0.0, 1.0}) {
      const structure st = crystal::fcc111_stack(13, a, 9, shift);
      CHECK(st.volume() == doctest::Approx(9 * a * a * a / 4));
      const neighbor_list nl(st, neighbor_list_options{1.7 * d});
      std::size_t hcp_like = 0;
      for (std::size_t i = 0; i < st.size(); ++i) {
        std::size_t first = 0;
        bool third = false;
        for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
          const double r = nl.r()[k];
          CHECK(r > d - 1e-9);
          if (r < d + 1e-9) ++first;
          if (std::abs(r - std::sqrt(8.0 / 3.0) * d) < 1e-6) third = true;
        }
        CHECK(first == 12);
        if (third) ++hcp_like;
      }
      CAPTURE(shift);
      CHECK(hcp_like == (shift == 0.0 ? 0u : 4u));
    }
    // A pair potential cut off before sqrt(8/3) d sees fcc and hcp stacking alike: zero.
    pair_potential short_range;
    short_range.s = 2.8;
    const double a0 = equilibrium_lattice_constant(short_range);
    short_range.rc = 1.55 * a0 / std::sqrt(2.0);
    const auto zero = stacking_fault_fcc(short_range, 13, a0, 9);
    CHECK(std::abs(zero.unrelaxed) < 1e-9);
    CHECK(std::abs(zero.relaxed) < 1e-6);
    // With longer range it is finite, and local: 9 and 18 layers (faults 9 or 18 layers apart,
    // beyond the cutoff) give the same energy per area; relaxing lowers it.
    const pair_potential p;
    const double a1 = equilibrium_lattice_constant(p);
    const auto f9 = stacking_fault_fcc(p, 13, a1, 9), f18 = stacking_fault_fcc(p, 13, a1, 18);
    CHECK(std::abs(f9.unrelaxed) > 0.1); // mJ/m²: 0.58 for this potential
    CHECK(f18.unrelaxed == doctest::Approx(f9.unrelaxed).epsilon(1e-9));
    CHECK(f9.relaxed <= f9.unrelaxed + 1e-9);
    CHECK_THROWS_AS((void)stacking_fault_fcc(p, 13, a1, 8), annp::error);
  }

  TEST_CASE("crystal builders: volumes, neighbour distances, strains") {
    const double a = 4.05;
    CHECK(crystal::fcc(13, a).volume() == doctest::Approx(a * a * a / 4));
    CHECK(crystal::bcc(13, a).volume() == doctest::Approx(a * a * a / 2));
    CHECK(crystal::diamond(14, a).volume() == doctest::Approx(a * a * a / 4));
    CHECK(crystal::hcp(13, a).volume() / 2 == doctest::Approx(a * a * a / std::sqrt(2.0)));
    const auto s = crystal::with_volume_per_atom(crystal::hcp(13, 3.0), 20.0);
    CHECK(s.volume() / 2 == doctest::Approx(20.0));
    mat3 e{};
    e[0][1] = 0.01;
    const auto t = crystal::strained(crystal::fcc_cubic(13, a), e);
    CHECK(t.volume() == doctest::Approx(a * a * a));
    CHECK(t.position(1)[0] == doctest::Approx(0.01 * a / 2));
    CHECK_THROWS_AS((void)crystal::lattice("bct", 13, a), annp::error);
  }
  TEST_CASE("corundum: the hexagonal cell of alpha-Al2O3 and its Al-terminated (0001) slab") {
    const double a = 4.759, c = 12.991;
    const structure st = crystal::corundum(13, 8, a, c, 0.3522, 0.3064);
    REQUIRE(st.size() == 30);
    CHECK(std::count(st.numbers.begin(), st.numbers.end(), 13) == 12);
    CHECK(st.volume() == doctest::Approx(std::sqrt(3.0) / 2 * a * a * c));
    // Every Al sits in an octahedron of O: three at 1.85 Å and three at 1.97 Å (the measured
    // bond lengths of alumina); every O has four Al neighbours; no two atoms closer than that.
    const neighbor_list nl(st, neighbor_list_options{2.2});
    for (std::size_t i = 0; i < st.size(); ++i) {
      std::vector<double> d;
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        CHECK(st.numbers[nl.index()[k]] != st.numbers[i]);
        d.push_back(nl.r()[k]);
      }
      std::sort(d.begin(), d.end());
      CAPTURE(i);
      if (st.numbers[i] == 13) {
        REQUIRE(d.size() == 6);
        for (std::size_t k = 0; k < 3; ++k) {
          CHECK(d[k] == doctest::Approx(1.852).epsilon(2e-3));
          CHECK(d[k + 3] == doctest::Approx(1.971).epsilon(2e-3));
        }
      } else {
        CHECK(d.size() == 4);
      }
    }
    // a, c, u, x measured back from the atoms (also after a rigid shift).
    structure shifted = st;
    for (std::size_t i = 0; i < shifted.size(); ++i)
      shifted.set_position(i, shifted.position(i) + vec3{0.3, -0.2, 1.1});
    for (const structure* s : {&st, static_cast<const structure*>(&shifted)}) {
      const auto par = measure_corundum(*s);
      CHECK(par.a == doctest::Approx(a));
      CHECK(par.c == doctest::Approx(c));
      CHECK(par.u == doctest::Approx(0.3522).epsilon(1e-9));
      CHECK(par.x == doctest::Approx(0.3064).epsilon(1e-9));
    }
    CHECK_THROWS_AS((void)measure_corundum(crystal::fcc(13, 4.05)), annp::error);
    // The slab: stoichiometric, a single Al layer outermost on each side, vacuum as asked.
    double area = 0;
    const structure slab = crystal::corundum_0001_slab(st, 2, 12.0, area);
    REQUIRE(slab.size() == 60);
    CHECK(std::count(slab.numbers.begin(), slab.numbers.end(), 13) == 24);
    CHECK(area == doctest::Approx(std::sqrt(3.0) / 2 * a * a));
    std::vector<std::pair<double, int>> layers;
    for (std::size_t i = 0; i < slab.size(); ++i)
      layers.emplace_back(slab.positions(i, 2), slab.numbers[i]);
    std::sort(layers.begin(), layers.end());
    CHECK(layers.front().first == doctest::Approx(0.0));
    CHECK(slab.cell[2][2] - layers.back().first == doctest::Approx(12.0));
    // Outermost on each face: the one Al of a metal layer of the 1x1 cell, then an O3 layer.
    const std::size_t n = layers.size();
    CHECK(layers[0].second == 13);
    CHECK(layers[n - 1].second == 13);
    for (std::size_t k = 1; k < 4; ++k) {
      CHECK(layers[k].second == 8);
      CHECK(layers[n - 1 - k].second == 8);
    }
    CHECK(layers[1].first - layers[0].first > 0.3); // not the double layer's partner
  }

  TEST_CASE("elastic tensor of a cubic crystal; Reuss bulk modulus; dimer minimum") {
    const pair_potential p;
    const double a0 = equilibrium_lattice_constant(p);
    const auto cubic = elastic_constants_cubic(p, crystal::fcc(13, a0), 0.001);
    const auto c = elastic_tensor(p, crystal::fcc(13, a0), 0.001);
    const double k = units::eV_per_A3_in_GPa;
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(c[i][i] * k == doctest::Approx(cubic.c11).epsilon(1e-12));
      CHECK(c[i + 3][i + 3] * k == doctest::Approx(cubic.c44).epsilon(1e-12));
      for (std::size_t j = 0; j < 3; ++j)
        if (i != j) CHECK(c[i][j] * k == doctest::Approx(cubic.c12).epsilon(1e-9));
      for (std::size_t j = 3; j < 6; ++j) {
        CHECK(std::abs(c[i][j]) < 1e-9);
        CHECK(std::abs(c[j][i]) < 1e-9);
      }
    }
    CHECK(reuss_bulk_modulus(c) * k == doctest::Approx(cubic.bulk_modulus()).epsilon(1e-9));
    // The dimer: the root of phi' (bisection) and phi there.
    double lo = 2.0, hi = 3.5;
    for (int it = 0; it < 200; ++it) {
      const double m = 0.5 * (lo + hi);
      double f, d1, d2;
      p.phi(m, f, d1, d2);
      (d1 < 0 ? lo : hi) = m;
    }
    double f, d1, d2;
    p.phi(lo, f, d1, d2);
    const auto dimer = dimer_minimum(p, 13, 3.0);
    CHECK(dimer.bond == doctest::Approx(lo).epsilon(1e-6));
    CHECK(dimer.energy == doctest::Approx(f).epsilon(1e-10));
  }

  TEST_CASE("cell relaxation, trigonal elastic tensor and the shape-relaxed equation of state of "
            "corundum") {
    const oxide_pair_potential p;
    structure st = crystal::corundum(13, 8, 4.759, 12.991, 0.3522, 0.3064);
    const double e_start = p.compute(st).energy;
    const auto r = relax_cell(p, st);
    REQUIRE(r.converged);
    CHECK(r.energy < e_start);
    CHECK(r.max_stress < 1e-6);
    // The relaxed cell is still hexagonal: |a1| = |a2|, 120 degrees, c along z.
    const double a = norm(st.cell[0]);
    CHECK(norm(st.cell[1]) == doctest::Approx(a).epsilon(1e-6));
    CHECK(dot(st.cell[0], st.cell[1]) == doctest::Approx(-a * a / 2).epsilon(1e-6));
    CHECK(std::abs(st.cell[2][0]) + std::abs(st.cell[2][1]) < 1e-6 * a);
    // The relaxed-ion tensor has trigonal (3m) symmetry: C11 = C22, C13 = C23, C44 = C55,
    // C66 = (C11 - C12) / 2, C14 = -C24 = C56, the rest zero; and it is symmetric.
    const auto c = elastic_tensor(p, st, 0.003, true);
    const double scale = c[0][0];
    const auto near = [&](double x, double y) { return std::abs(x - y) < 1e-4 * scale; };
    for (std::size_t i = 0; i < 6; ++i)
      for (std::size_t j = 0; j < i; ++j) {
        CAPTURE(i);
        CAPTURE(j);
        CHECK(near(c[i][j], c[j][i]));
      }
    CHECK(near(c[0][0], c[1][1]));
    CHECK(near(c[0][2], c[1][2]));
    CHECK(near(c[3][3], c[4][4]));
    CHECK(near(c[5][5], 0.5 * (c[0][0] - c[0][1])));
    CHECK(near(c[0][3], -c[1][3]));
    CHECK(near(c[0][3], c[4][5]));
    CHECK(std::abs(c[0][3]) > 1e-3 * scale); // C14 is not zero by symmetry in this setting
    for (const auto& [i, j] :
         {std::pair{0, 4}, {0, 5}, {1, 4}, {1, 5}, {2, 3}, {2, 4}, {2, 5}, {3, 4}, {3, 5}})
      CHECK(near(c[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)], 0.0));
    // At a pressure the stress is -P; the equation of state with shape and positions free has the
    // Reuss bulk modulus of the relaxed-ion tensor.
    structure compressed = st;
    const double pressure = 0.05; // eV/Å³ = 8 GPa
    REQUIRE(relax_cell(p, compressed, pressure).converged);
    const auto sigma = *p.compute(compressed).stress;
    for (std::size_t k = 0; k < 3; ++k)
      CHECK(sigma[k][k] == doctest::Approx(-pressure).epsilon(1e-4));
    CHECK(compressed.volume() < st.volume());
    const auto eos = equation_of_state_relaxed(p, st, 0.02, 7);
    CHECK(eos.v0 == doctest::Approx(st.volume() / 30).epsilon(1e-5));
    CHECK(eos.b0 == doctest::Approx(reuss_bulk_modulus(c)).epsilon(5e-3));
    CHECK(std::abs(eos.e0 - r.energy / 30) < 1e-6); // eV/atom: the fit's residual
  }

  TEST_CASE("vacancies and the (0001) surface of corundum: definitions") {
    const oxide_pair_potential p;
    structure st = crystal::corundum(13, 8, 4.759, 12.991, 0.3522, 0.3064);
    REQUIRE(relax_cell(p, st).converged);
    const double e_bulk = p.compute(st).energy;
    // Removing an O: unrelaxed, the energy of its broken bonds (to its own periodic images, which
    // go with it, half of it per cell).
    const auto v = vacancy_energy(p, st, 12);
    REQUIRE(st.numbers[12] == 8);
    const neighbor_list nl(st, neighbor_list_options{p.rc});
    double bonds = 0;
    for (std::size_t k = nl.begin(12); k < nl.end(12); ++k) {
      double f, d1;
      p.phi(8, st.numbers[nl.index()[k]], nl.r()[k], f, d1);
      bonds += nl.index()[k] == 12 ? 0.5 * f : f;
    }
    CHECK(v.unrelaxed == doctest::Approx(-bonds).epsilon(1e-10));
    CHECK(v.relaxed < v.unrelaxed);
    CHECK(v.atoms == 29);
    CHECK_THROWS_AS((void)vacancy_energy(p, st, 30), annp::error);
    // The surface energy of the Al-terminated slab: positive, lowered by relaxation, the same for
    // any vacuum wider than the cutoff, and converged in the slab thickness.
    double area = 0;
    const auto gamma = [&](std::size_t repeats, double vacuum) {
      const structure slab = crystal::corundum_0001_slab(st, repeats, vacuum, area);
      return surface_energy(p, slab, static_cast<double>(repeats) * e_bulk);
    };
    const auto g2 = gamma(2, 8.0), g2wide = gamma(2, 12.0), g3 = gamma(3, 8.0);
    CHECK(g2.unrelaxed > 0);
    CHECK(g2.relaxed < g2.unrelaxed);
    CHECK(g2wide.unrelaxed == doctest::Approx(g2.unrelaxed).epsilon(1e-10));
    CHECK(g3.unrelaxed == doctest::Approx(g2.unrelaxed).epsilon(1e-10)); // faces beyond rc apart
    CHECK(g3.relaxed == doctest::Approx(g2.relaxed).epsilon(1e-3));
    structure other = st;
    other.numbers[0] = 8; // not corundum any more
    other.add_atom(13, {0, 0, 1});
    CHECK_THROWS_AS((void)crystal::corundum_0001_slab(other, 1, 8.0, area), annp::error);
  }

  TEST_CASE("corundum_properties: the report's numbers are consistent with each other") {
    const oxide_pair_potential p;
    corundum_options o;
    o.eos_points = 7;
    o.eos_range = 0.02;
    o.vacancy_cells = {{1, 1, 1}};
    std::vector<std::string> stages;
    const auto r = corundum_properties(p, 13, 8, o, [&](const char* s) { stages.emplace_back(s); });
    CHECK(stages.size() == 6);
    CHECK(r.u > 0.3);
    CHECK(r.u < 0.4);
    CHECK(r.x > 0.25);
    CHECK(r.x < 0.4);
    CHECK(r.volume_per_formula == doctest::Approx(std::sqrt(3.0) / 2 * r.a * r.a * r.c / 6));
    CHECK(r.eos.b0_gpa() == doctest::Approx(r.bulk_reuss).epsilon(5e-3));
    CHECK(r.bulk_reuss <= r.bulk_voigt + 1e-9); // Reuss <= Voigt
    CHECK(r.cij[5][5] == doctest::Approx(0.5 * (r.cij[0][0] - r.cij[0][1])).epsilon(5e-3));
    // The molecule: a stationary point of the O-O term at the reported bond and energy (for this
    // potential, whose O-O repulsion outweighs its bond, the shallow well near the cutoff).
    double f, d1;
    p.phi(8, 8, r.o2.bond, f, d1);
    CHECK(r.o2.energy == doctest::Approx(f).epsilon(1e-12));
    CHECK(std::abs(d1) < 1e-5);
    // The metal: fcc at zero stress.
    CHECK(std::abs((*p.compute(crystal::fcc(13, r.metal_a)).stress)[0][0]) < 1e-5);
    CHECK(r.formation ==
          doctest::Approx(r.energy_per_formula - 2 * r.metal_energy - 1.5 * r.o2.energy));
    // The two limits differ by the formation energy: O vacancy by -E_f/3, metal by +E_f/2.
    REQUIRE(r.vacancies.size() == 2);
    for (const auto& v : r.vacancies) {
      CAPTURE(v.oxygen);
      CHECK(v.atoms == 29);
      CHECK(v.oxygen_rich - v.metal_rich ==
            doctest::Approx(v.oxygen ? -r.formation / 3 : r.formation / 2));
      CHECK(v.metal_rich <= v.unrelaxed_metal_rich + 1e-12);
    }
    REQUIRE(r.slabs.size() == 2);
    CHECK(r.slabs[0].atoms == 30);
    CHECK(r.slabs[1].atoms == 60);
    CHECK(r.slabs[1].gamma.relaxed > 0);
  }

  TEST_CASE("corundum_properties: a model that does not bind the metal still gets its report") {
    // The oxide's own pair terms, but every metal-only cell under a tension that no change of
    // the cell removes: the fcc metal cannot relax (an oxide-only model far from its data).
    struct metal_never_relaxes {
      oxide_pair_potential inner;
      double rc = inner.rc;
      potential_result compute(const structure& st) const {
        auto r = inner.compute(st);
        const bool oxide = std::count(st.numbers.begin(), st.numbers.end(), 8) > 0;
        if (!oxide && r.stress)
          for (std::size_t i = 0; i < 3; ++i)
            (*r.stress)[i][i] = std::abs((*r.stress)[i][i]) + 0.05;
        return r;
      }
    };
    static_assert(calculator<metal_never_relaxes>);
    const metal_never_relaxes p;
    corundum_options o;
    o.eos_points = 5;
    o.eos_range = 0.02;
    o.vacancy_cells = {{1, 1, 1}};
    o.slab_repeats = {1};
    const auto r = corundum_properties(p, 13, 8, o);
    CHECK_FALSE(r.metal_relaxed);
    CHECK(std::isnan(r.metal_energy));
    CHECK(std::isnan(r.metal_a));
    CHECK(std::isnan(r.formation));
    CHECK(r.a > 4);
    CHECK(r.cij[0][0] > 0);
    CHECK(std::isfinite(r.o2.energy));
    REQUIRE(r.vacancies.size() == 2);
    for (const auto& v : r.vacancies) {
      CAPTURE(v.oxygen);
      CHECK(std::isfinite(v.oxygen_rich)); // needs O2 and the oxide only
      CHECK(std::isnan(v.metal_rich));
    }
    REQUIRE(r.slabs.size() == 1);
    CHECK(r.slabs[0].gamma.relaxed > 0);
  }
}
