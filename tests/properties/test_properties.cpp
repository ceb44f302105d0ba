// The property code on a pair potential whose answers follow from lattice sums: equation of
// state, elastic constants (Born; Cauchy relation C12 = C44), unrelaxed vacancy (= -E/atom) and
// surface energies (broken bonds), zone-boundary phonons (dynamical matrix).

#include <annp/properties/properties.hpp>
#include <annp/structure/neighbor_list.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace annp;

namespace {

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
    potential_result out;
    out.forces = xt::zeros<double>({st.size(), std::size_t{3}});
    const neighbor_list nl(st, neighbor_list_options{rc});
    mat3 sigma{};
    for (std::size_t i = 0; i < st.size(); ++i)
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        const double r = nl.r()[k];
        double f, d1, d2;
        phi(r, f, d1, d2);
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
};
static_assert(calculator<pair_potential>);

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
}
