#pragma once
// Physical properties of a potential: equations of state (third-order Birch-Murnaghan), cubic
// elastic constants by finite strain, relaxation (FIRE), vacancy formation and surface energies,
// zone-boundary phonons of fcc by frozen phonons. Works with any calculator `c` for which
// c.compute(structure) returns an annp::potential_result (energy, forces, stress):
// annp::any_potential, annp::potential<D, N>, or a user's reference potential.
//
// Units: Å, eV, GPa (elastic constants, bulk moduli), J/m² (surface energies), THz.

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/units.hpp>
#include <annp/potential/potential.hpp>
#include <annp/structure/crystals.hpp>
#include <annp/structure/structure.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <string>
#include <vector>

namespace annp {

template <class C>
concept calculator = requires(const C c, const structure& s) {
  { c.compute(s) } -> std::convertible_to<potential_result>;
};

// ---- equation of state ------------------------------------------------------------------

/// Third-order Birch-Murnaghan: E(V) = E0 + 9 V0 B0 / 16 {[(V0/V)^(2/3) - 1]^3 B0' +
/// [(V0/V)^(2/3) - 1]^2 [6 - 4 (V0/V)^(2/3)]}, which is a cubic polynomial in V^(-2/3).
struct birch_murnaghan {
  double e0 = 0.0; ///< eV per atom
  double v0 = 0.0; ///< Å³ per atom
  double b0 = 0.0; ///< eV/Å³
  double b0_prime = 0.0;
  double rms = 0.0;             ///< rms residual of the fit, eV per atom
  std::array<double, 4> poly{}; ///< E = sum_k poly[k] x^k, x = V^(-2/3)

  [[nodiscard]] double energy(double v) const {
    const double x = std::pow(v, -2.0 / 3.0);
    return poly[0] + x * (poly[1] + x * (poly[2] + x * poly[3]));
  }
  [[nodiscard]] double b0_gpa() const { return b0 * units::eV_per_A3_in_GPa; }
};

/// Least-squares fit of E(V) (per atom) by the third-order Birch-Murnaghan form. Needs at least
/// five points bracketing the minimum; says so otherwise.
[[nodiscard]] inline birch_murnaghan fit_birch_murnaghan(const std::vector<double>& v,
                                                         const std::vector<double>& e) {
  if (v.size() != e.size() || v.size() < 5)
    throw error("Birch-Murnaghan fit: need at least 5 (volume, energy) points, got " +
                std::to_string(std::min(v.size(), e.size())));
  // Normal equations of the cubic in x (4 x 4), scaled for conditioning.
  double xs = 0;
  for (double vi : v) xs = std::max(xs, std::pow(vi, -2.0 / 3.0));
  double ata[4][4] = {}, atb[4] = {};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = std::pow(v[i], -2.0 / 3.0) / xs;
    double p[4] = {1, x, x * x, x * x * x};
    for (int a = 0; a < 4; ++a) {
      atb[a] += p[a] * e[i];
      for (int b = 0; b < 4; ++b) ata[a][b] += p[a] * p[b];
    }
  }
  for (int c = 0; c < 4; ++c) { // Gaussian elimination with partial pivoting
    int piv = c;
    for (int r = c + 1; r < 4; ++r)
      if (std::abs(ata[r][c]) > std::abs(ata[piv][c])) piv = r;
    std::swap(ata[c], ata[piv]);
    std::swap(atb[c], atb[piv]);
    for (int r = c + 1; r < 4; ++r) {
      const double f = ata[r][c] / ata[c][c];
      for (int k = c; k < 4; ++k) ata[r][k] -= f * ata[c][k];
      atb[r] -= f * atb[c];
    }
  }
  double q[4];
  for (int c = 3; c >= 0; --c) {
    q[c] = atb[c];
    for (int k = c + 1; k < 4; ++k) q[c] -= ata[c][k] * q[k];
    q[c] /= ata[c][c];
  }
  birch_murnaghan bm;
  for (int k = 0; k < 4; ++k) bm.poly[static_cast<std::size_t>(k)] = q[k] / std::pow(xs, k);
  const auto& p = bm.poly;
  // Minimum: dE/dx = p1 + 2 p2 x + 3 p3 x^2 = 0, the root with d2E/dx2 > 0.
  const auto ex1 = [&](double x) { return p[1] + 2 * p[2] * x + 3 * p[3] * x * x; };
  const auto ex2 = [&](double x) { return 2 * p[2] + 6 * p[3] * x; };
  double x0 = 0;
  if (std::abs(p[3]) < 1e-300) {
    x0 = -p[1] / (2 * p[2]);
  } else {
    const double disc = p[2] * p[2] - 3 * p[1] * p[3];
    if (disc < 0) throw error("Birch-Murnaghan fit: the fitted curve has no minimum");
    const double r1 = (-p[2] + std::sqrt(disc)) / (3 * p[3]);
    const double r2 = (-p[2] - std::sqrt(disc)) / (3 * p[3]);
    x0 = ex2(r1) > 0 ? r1 : r2;
  }
  (void)ex1;
  if (!(x0 > 0) || !(ex2(x0) > 0))
    throw error("Birch-Murnaghan fit: the fitted curve has no minimum at a positive volume");
  bm.v0 = std::pow(x0, -1.5);
  bm.e0 = bm.energy(bm.v0);
  // Derivatives with respect to V by the chain rule, x = V^(-2/3).
  const double V = bm.v0;
  const double x1 = -2.0 / 3.0 * std::pow(V, -5.0 / 3.0);
  const double x2 = 10.0 / 9.0 * std::pow(V, -8.0 / 3.0);
  const double x3 = -80.0 / 27.0 * std::pow(V, -11.0 / 3.0);
  const double e1 = ex1(x0), e2 = ex2(x0), e3 = 6 * p[3];
  const double evv = e2 * x1 * x1 + e1 * x2;
  const double evvv = e3 * x1 * x1 * x1 + 3 * e2 * x1 * x2 + e1 * x3;
  bm.b0 = V * evv;
  bm.b0_prime = -1.0 - V * evvv / evv;
  double sq = 0;
  for (std::size_t i = 0; i < v.size(); ++i) sq += std::pow(bm.energy(v[i]) - e[i], 2);
  bm.rms = std::sqrt(sq / static_cast<double>(v.size()));
  return bm;
}

/// E(V) of a lattice at volumes per atom v0_guess * (1 + s) for s in [-range, range] (n points),
/// and its fit.
template <calculator C>
[[nodiscard]] birch_murnaghan
equation_of_state(const C& calc, const structure& cell, double range, std::size_t n,
                  std::vector<double>* volumes = nullptr, std::vector<double>* energies = nullptr) {
  const double v_ref = cell.volume() / static_cast<double>(cell.size());
  std::vector<double> v, e;
  for (std::size_t k = 0; k < n; ++k) {
    const double s = -range + 2 * range * static_cast<double>(k) / static_cast<double>(n - 1);
    const structure t = crystal::with_volume_per_atom(cell, v_ref * (1 + s));
    v.push_back(v_ref * (1 + s));
    e.push_back(calc.compute(t).energy / static_cast<double>(t.size()));
  }
  if (volumes) *volumes = v;
  if (energies) *energies = e;
  return fit_birch_murnaghan(v, e);
}

// ---- relaxation ----------------------------------------------------------------------------

struct relax_result {
  double energy = 0.0;
  double max_force = 0.0;
  std::size_t steps = 0;
  bool converged = false;
};

/// Relaxes atomic positions at fixed cell by FIRE (Bitzek et al., PRL 97, 170201 (2006)) until
/// the largest force component is below fmax (eV/Å).
template <calculator C>
relax_result relax_positions(const C& calc, structure& s, double fmax = 1e-4,
                             std::size_t max_steps = 5000) {
  const std::size_t n = s.size();
  std::vector<double> v(3 * n, 0.0);
  double dt = 0.05, alpha = 0.1;
  const double dt_max = 0.4, mass = 1.0;
  std::size_t since_negative = 0;
  relax_result out;
  for (out.steps = 0; out.steps < max_steps; ++out.steps) {
    const auto r = calc.compute(s);
    out.energy = r.energy;
    out.max_force = 0;
    double p = 0, fn = 0, vn = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < 3; ++d) {
        const double f = r.forces(i, d);
        out.max_force = std::max(out.max_force, std::abs(f));
        p += f * v[3 * i + d];
        fn += f * f;
        vn += v[3 * i + d] * v[3 * i + d];
      }
    if (out.max_force < fmax) {
      out.converged = true;
      break;
    }
    fn = std::sqrt(fn);
    vn = std::sqrt(vn);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < 3; ++d)
        v[3 * i + d] = (1 - alpha) * v[3 * i + d] + alpha * vn * r.forces(i, d) / fn;
    if (p > 0) {
      if (++since_negative > 5) {
        dt = std::min(dt * 1.1, dt_max);
        alpha *= 0.99;
      }
    } else {
      since_negative = 0;
      dt *= 0.5;
      alpha = 0.1;
      std::fill(v.begin(), v.end(), 0.0);
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < 3; ++d) {
        v[3 * i + d] += dt * r.forces(i, d) / mass;
        s.positions(i, d) += dt * v[3 * i + d];
      }
  }
  return out;
}

// ---- elastic constants -------------------------------------------------------------------

struct cubic_elastic_constants {
  double c11 = 0, c12 = 0, c44 = 0; ///< GPa
  [[nodiscard]] double bulk_modulus() const { return (c11 + 2 * c12) / 3; }
};

/// C11, C12, C44 of a cubic crystal by central differences of the stress under strains of
/// +-delta (uniaxial xx for C11 and C12, engineering shear yz for C44), from a cell at the
/// equilibrium lattice constant. With `relax`, atomic positions are relaxed in every strained
/// cell (needed when atoms are not all centres of inversion).
template <calculator C>
[[nodiscard]] cubic_elastic_constants elastic_constants_cubic(const C& calc, const structure& cell,
                                                              double delta = 0.005,
                                                              bool relax = false) {
  const auto stress = [&](const mat3& eps) {
    structure t = crystal::strained(cell, eps);
    if (relax) relax_positions(calc, t, 1e-5);
    const auto r = calc.compute(t);
    if (!r.stress) throw error("elastic constants: the calculator gave no stress");
    return *r.stress; // eV/Å³, tensile positive: sigma = C eps
  };
  mat3 exx{}, eyz{};
  exx[0][0] = delta;
  eyz[1][2] = eyz[2][1] = delta / 2; // engineering shear gamma_yz = delta
  const mat3 sp = stress(exx), sm = stress(-1.0 * exx);
  const mat3 tp = stress(eyz), tm = stress(-1.0 * eyz);
  cubic_elastic_constants c;
  c.c11 = (sp[0][0] - sm[0][0]) / (2 * delta) * units::eV_per_A3_in_GPa;
  c.c12 = (sp[1][1] - sm[1][1]) / (2 * delta) * units::eV_per_A3_in_GPa;
  c.c44 = (tp[1][2] - tm[1][2]) / (2 * delta) * units::eV_per_A3_in_GPa;
  return c;
}

// ---- defects and surfaces ------------------------------------------------------------------

struct vacancy_result {
  double unrelaxed = 0.0, relaxed = 0.0; ///< eV
  std::size_t atoms = 0;                 ///< in the defect cell
};

/// Vacancy formation energy E(N-1) - (N-1)/N E(N) in an n x n x n conventional fcc supercell
/// (4 n^3 sites) at lattice constant a, unrelaxed and with positions relaxed.
template <calculator C>
[[nodiscard]] vacancy_result vacancy_formation_fcc(const C& calc, int z, double a,
                                                   std::size_t n = 3) {
  const structure perfect = crystal::repeat(crystal::fcc_cubic(z, a), n, n, n);
  const double e_perfect = calc.compute(perfect).energy;
  structure defect = crystal::without_atom(perfect, 0);
  const double scale = static_cast<double>(defect.size()) / static_cast<double>(perfect.size());
  vacancy_result out;
  out.atoms = defect.size();
  out.unrelaxed = calc.compute(defect).energy - scale * e_perfect;
  const auto r = relax_positions(calc, defect, 1e-4);
  out.relaxed = r.energy - scale * e_perfect;
  return out;
}

struct surface_result {
  double unrelaxed = 0.0, relaxed = 0.0; ///< J/m²
  std::size_t layers = 0;
};

/// Surface energy (E_slab - N e_bulk) / (2 A) of an fcc slab (facet "100" or "111") at lattice
/// constant a, with e_bulk the energy per atom of bulk fcc at a.
template <calculator C>
[[nodiscard]] surface_result surface_energy_fcc(const C& calc, int z, double a,
                                                const std::string& facet, std::size_t layers = 9,
                                                double vacuum = 15.0) {
  const double e_bulk = calc.compute(crystal::fcc(z, a)).energy;
  double area = 0;
  structure slab = crystal::fcc_slab(z, a, facet, layers, vacuum, area);
  surface_result out;
  out.layers = layers;
  const double n = static_cast<double>(slab.size());
  out.unrelaxed =
      (calc.compute(slab).energy - n * e_bulk) / (2 * area) * units::eV_per_A2_in_J_per_m2;
  const auto r = relax_positions(calc, slab, 1e-4);
  out.relaxed = (r.energy - n * e_bulk) / (2 * area) * units::eV_per_A2_in_J_per_m2;
  return out;
}

struct stacking_fault_result {
  double unrelaxed = 0.0, relaxed = 0.0; ///< mJ/m²
  std::size_t layers = 0;
};

/// Intrinsic stacking-fault energy (E_faulted - E_perfect) / A of fcc at lattice constant a: a
/// periodic stack of `layers` (111) layers (a multiple of 3) whose third vector is tilted by one
/// Shockley partial (crystal::fcc111_stack, one fault per period) against the same stack untilted;
/// relaxed: atomic positions of the faulted stack relaxed at fixed cell.
template <calculator C>
[[nodiscard]] stacking_fault_result stacking_fault_fcc(const C& calc, int z, double a,
                                                       std::size_t layers = 9) {
  if (layers < 3 || layers % 3 != 0)
    throw error("stacking_fault_fcc: the number of layers must be a multiple of 3, got " +
                std::to_string(layers));
  const structure perfect = crystal::fcc111_stack(z, a, layers, 0.0);
  structure faulted = crystal::fcc111_stack(z, a, layers, 1.0);
  const double area = norm(cross(perfect.cell[0], perfect.cell[1]));
  const double k = 1000 * units::eV_per_A2_in_J_per_m2 / area;
  const double e_perfect = calc.compute(perfect).energy;
  stacking_fault_result out;
  out.layers = layers;
  out.unrelaxed = (calc.compute(faulted).energy - e_perfect) * k;
  out.relaxed = (relax_positions(calc, faulted, 1e-4).energy - e_perfect) * k;
  return out;
}

// ---- phonons -------------------------------------------------------------------------------

struct zone_boundary_phonons {
  double x_longitudinal = 0, x_transverse = 0; ///< THz
  double l_longitudinal = 0, l_transverse = 0; ///< THz
};

/// Frozen-phonon frequencies of fcc at X = 2pi/a (1,0,0) and L = pi/a (1,1,1) in a 2x2x2
/// conventional supercell (32 atoms): for a mode pattern u_j = A e cos(q.r_j),
/// omega^2 = -sum_j F_j.u_j / (m sum_j u_j.u_j), forces from central differences (+-A).
template <calculator C>
[[nodiscard]] zone_boundary_phonons phonons_fcc(const C& calc, int z, double a, double mass_amu,
                                                double amplitude = 0.01) {
  const structure cell = crystal::repeat(crystal::fcc_cubic(z, a), 2, 2, 2);
  const double pi = 3.141592653589793;
  const auto frequency = [&](const vec3& q, const vec3& e) {
    std::vector<vec3> u(cell.size());
    double uu = 0;
    for (std::size_t i = 0; i < cell.size(); ++i) {
      u[i] = std::cos(dot(q, cell.position(i))) * e;
      uu += dot(u[i], u[i]);
    }
    double work = 0;
    for (double sign : {1.0, -1.0}) {
      structure t = cell;
      for (std::size_t i = 0; i < t.size(); ++i)
        t.set_position(i, t.position(i) + sign * amplitude * u[i]);
      const auto r = calc.compute(t);
      for (std::size_t i = 0; i < t.size(); ++i)
        work +=
            sign * (r.forces(i, 0) * u[i][0] + r.forces(i, 1) * u[i][1] + r.forces(i, 2) * u[i][2]);
    }
    const double omega2 = -work / (2 * amplitude) / (mass_amu * uu); // eV/(Å² amu)
    return std::copysign(std::sqrt(std::abs(omega2)), omega2) * units::THz_per_sqrt_eV_A2_u;
  };
  zone_boundary_phonons p;
  const vec3 qx{2 * pi / a, 0, 0}, ql{pi / a, pi / a, pi / a};
  p.x_longitudinal = frequency(qx, {1, 0, 0});
  p.x_transverse = frequency(qx, {0, 1, 0});
  const double s3 = 1 / std::sqrt(3.0), s2 = 1 / std::sqrt(2.0);
  p.l_longitudinal = frequency(ql, {s3, s3, s3});
  p.l_transverse = frequency(ql, {s2, -s2, 0});
  return p;
}

} // namespace annp
