#pragma once
// Physical properties of a potential: equations of state (third-order Birch-Murnaghan, also with
// the cell shape free), elastic tensors by finite strain (clamped- or relaxed-ion), relaxation of
// positions (FIRE) and of the cell, vacancy formation and surface energies, molecules,
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

namespace detail {
/// Solves the small dense system a x = b by Gaussian elimination with partial pivoting; throws
/// when a is singular to working precision.
template <std::size_t N>
[[nodiscard]] std::array<double, N> solve(std::array<std::array<double, N>, N> a,
                                          std::array<double, N> b) {
  double scale = 0;
  for (const auto& row : a)
    for (double v : row) scale = std::max(scale, std::abs(v));
  for (std::size_t c = 0; c < N; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < N; ++r)
      if (std::abs(a[r][c]) > std::abs(a[piv][c])) piv = r;
    if (!(std::abs(a[piv][c]) > 1e-14 * scale))
      throw error("linear system of order " + std::to_string(N) + " is singular");
    std::swap(a[c], a[piv]);
    std::swap(b[c], b[piv]);
    for (std::size_t r = c + 1; r < N; ++r) {
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k < N; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::array<double, N> x{};
  for (std::size_t c = N; c-- > 0;) {
    x[c] = b[c];
    for (std::size_t k = c + 1; k < N; ++k) x[c] -= a[c][k] * x[k];
    x[c] /= a[c][c];
  }
  return x;
}
} // namespace detail

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
  std::array<std::array<double, 4>, 4> ata{};
  std::array<double, 4> atb{};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = std::pow(v[i], -2.0 / 3.0) / xs;
    double p[4] = {1, x, x * x, x * x * x};
    for (std::size_t a = 0; a < 4; ++a) {
      atb[a] += p[a] * e[i];
      for (std::size_t b = 0; b < 4; ++b) ata[a][b] += p[a] * p[b];
    }
  }
  const auto q = detail::solve(ata, atb);
  birch_murnaghan bm;
  for (std::size_t k = 0; k < 4; ++k) bm.poly[k] = q[k] / std::pow(xs, static_cast<double>(k));
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

/// 6 x 6 matrices and 6-vectors in Voigt order xx, yy, zz, yz, xz, xy (engineering shears).
using voigt_vector = std::array<double, 6>;
using voigt_matrix = std::array<voigt_vector, 6>;

namespace detail {
inline constexpr std::size_t voigt_a[6] = {0, 1, 2, 1, 0, 0}, voigt_b[6] = {0, 1, 2, 2, 2, 1};
/// The symmetric strain tensor of a Voigt strain vector (engineering shears halved).
[[nodiscard]] inline mat3 strain_tensor(const voigt_vector& e) {
  mat3 m{};
  for (std::size_t k = 0; k < 6; ++k) {
    const double v = k < 3 ? e[k] : e[k] / 2;
    m[voigt_a[k]][voigt_b[k]] = v;
    m[voigt_b[k]][voigt_a[k]] = v;
  }
  return m;
}
[[nodiscard]] inline voigt_vector voigt(const mat3& t) {
  voigt_vector v{};
  for (std::size_t k = 0; k < 6; ++k) v[k] = t[voigt_a[k]][voigt_b[k]];
  return v;
}
template <calculator C> [[nodiscard]] voigt_vector stress_of(const C& calc, const structure& s) {
  const auto r = calc.compute(s);
  if (!r.stress) throw error("elastic constants: the calculator gave no stress");
  return voigt(*r.stress); // eV/Å³, tensile positive: sigma = C eps
}
/// d sigma / d eps_j (eV/Å³) by central differences at +-delta, positions relaxed if asked.
template <calculator C>
[[nodiscard]] voigt_vector stress_derivative(const C& calc, const structure& cell, std::size_t j,
                                             double delta, bool relax) {
  voigt_vector sp{}, sm{};
  for (const double sign : {1.0, -1.0}) {
    voigt_vector e{};
    e[j] = sign * delta;
    structure t = crystal::strained(cell, strain_tensor(e));
    if (relax) relax_positions(calc, t, 1e-6);
    (sign > 0 ? sp : sm) = stress_of(calc, t);
  }
  voigt_vector d{};
  for (std::size_t i = 0; i < 6; ++i) d[i] = (sp[i] - sm[i]) / (2 * delta);
  return d;
}
} // namespace detail

/// The elastic tensor C_ij = d sigma_i / d eps_j (Voigt, eV/Å³) of a cell at zero stress, by
/// central differences of the stress under strains of +-delta along each Voigt component. With
/// `relax`, atomic positions are relaxed (fmax 1e-6 eV/Å) in every strained cell: the relaxed-ion
/// constants, needed whenever atoms are not all centres of inversion (corundum, hcp). Returned
/// as measured, not symmetrised: C_ij - C_ji measures the numerical error.
template <calculator C>
[[nodiscard]] voigt_matrix elastic_tensor(const C& calc, const structure& cell,
                                          double delta = 0.005, bool relax = false) {
  voigt_matrix c{};
  for (std::size_t j = 0; j < 6; ++j) {
    const voigt_vector d = detail::stress_derivative(calc, cell, j, delta, relax);
    for (std::size_t i = 0; i < 6; ++i) c[i][j] = d[i];
  }
  return c;
}

/// The Reuss (uniform-stress) bulk modulus 1 / sum_{i,j<3} S_ij, S = C^-1: for a single crystal
/// the exact response to hydrostatic pressure with the cell shape free. Units of C.
[[nodiscard]] inline double reuss_bulk_modulus(const voigt_matrix& c) {
  double sum = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    voigt_vector unit{};
    unit[k] = 1;
    const auto col = detail::solve(c, unit);
    sum += col[0] + col[1] + col[2];
  }
  return 1 / sum;
}

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
  const voigt_vector uniaxial = detail::stress_derivative(calc, cell, 0, delta, relax);
  const voigt_vector shear = detail::stress_derivative(calc, cell, 3, delta, relax);
  const double k = units::eV_per_A3_in_GPa;
  return {uniaxial[0] * k, uniaxial[1] * k, shear[3] * k};
}

// ---- cell relaxation ---------------------------------------------------------------------

struct cell_relax_result {
  double energy = 0.0;     ///< eV, of the final structure
  double max_stress = 0.0; ///< largest |sigma + P| component, eV/Å³
  double max_force = 0.0;  ///< eV/Å
  std::size_t cell_steps = 0;
  bool converged = false;
};

/// Relaxes the cell (all six strain components) and the atomic positions of a periodic structure
/// to the hydrostatic pressure `pressure` (eV/Å³, compressive positive): atomic positions by
/// FIRE to fmax at each cell, the cell by quasi-Newton steps eps = -J^-1 (sigma + P), where J
/// starts as the clamped-ion elastic tensor of the starting cell and learns the relaxed-ion
/// response from every step (Broyden's update); no strain component changes by more than
/// max_strain per step. Stops when every stress component is within smax of -P, or unconverged
/// after max_steps cell steps or when the atoms do not settle at some cell (relax_positions'
/// step limit: the structure is not a minimum of the potential).
template <calculator C>
cell_relax_result relax_cell(const C& calc, structure& s, double pressure = 0.0, double fmax = 1e-4,
                             double smax = 1e-6, std::size_t max_steps = 60,
                             double max_strain = 0.03) {
  if (!s.fully_periodic())
    throw error("relax_cell: the structure must be periodic in 3 dimensions");
  cell_relax_result out;
  voigt_matrix jac = elastic_tensor(calc, s, 0.002, false);
  voigt_vector r_last{}, e_last{};
  for (out.cell_steps = 0;; ++out.cell_steps) {
    const auto rp = relax_positions(calc, s, fmax);
    out.energy = rp.energy;
    out.max_force = rp.max_force;
    if (!rp.converged) break; // atoms that do not settle: not a (meta)stable crystal
    voigt_vector r = detail::stress_of(calc, s);
    for (std::size_t k = 0; k < 3; ++k) r[k] += pressure;
    out.max_stress = 0;
    for (double v : r) out.max_stress = std::max(out.max_stress, std::abs(v));
    if (out.max_stress < smax && rp.converged) {
      out.converged = true;
      break;
    }
    if (out.cell_steps == max_steps) break;
    if (out.cell_steps > 0) { // Broyden: J += (dr - J e) e^T / (e^T e)
      double ee = 0;
      for (double v : e_last) ee += v * v;
      for (std::size_t i = 0; i < 6; ++i) {
        double je = 0;
        for (std::size_t j = 0; j < 6; ++j) je += jac[i][j] * e_last[j];
        const double w = (r[i] - r_last[i] - je) / ee;
        for (std::size_t j = 0; j < 6; ++j) jac[i][j] += w * e_last[j];
      }
    }
    voigt_vector e = detail::solve(jac, r);
    double largest = 0;
    for (double v : e) largest = std::max(largest, std::abs(v));
    const double step = largest > max_strain ? max_strain / largest : 1.0; // trust region
    for (double& v : e) v *= -step;
    s = crystal::strained(s, detail::strain_tensor(e));
    r_last = r;
    e_last = e;
  }
  return out;
}

/// The equation of state of a crystal of any symmetry with its shape and atomic positions free:
/// the cell relaxed (relax_cell) at n hydrostatic pressures chosen to span volumes of about
/// (1 +- range) V0 (from the Reuss bulk modulus of the relaxed cell), and a third-order
/// Birch-Murnaghan fit of the energies per atom. `cell` must be relaxed at zero pressure.
template <calculator C>
[[nodiscard]] birch_murnaghan equation_of_state_relaxed(const C& calc, const structure& cell,
                                                        double range, std::size_t n,
                                                        std::vector<double>* volumes = nullptr,
                                                        std::vector<double>* energies = nullptr) {
  if (n < 5) throw error("equation_of_state_relaxed: need at least 5 points");
  const double b = reuss_bulk_modulus(elastic_tensor(calc, cell, 0.002, true));
  std::vector<double> v, e;
  for (std::size_t k = 0; k < n; ++k) {
    const double s = -range + 2 * range * static_cast<double>(k) / static_cast<double>(n - 1);
    structure t = crystal::strained(cell, (std::cbrt(1 + s) - 1) * mat3::identity());
    const auto r = relax_cell(calc, t, -b * s);
    if (!r.converged)
      throw error("equation_of_state_relaxed: the cell did not relax at pressure " +
                  std::to_string(-b * s * units::eV_per_A3_in_GPa) + " GPa");
    v.push_back(t.volume() / static_cast<double>(t.size()));
    e.push_back(r.energy / static_cast<double>(t.size()));
  }
  if (volumes) *volumes = v;
  if (energies) *energies = e;
  return fit_birch_murnaghan(v, e);
}

// ---- defects and surfaces ------------------------------------------------------------------

struct vacancy_result {
  double unrelaxed = 0.0, relaxed = 0.0; ///< eV
  std::size_t atoms = 0;                 ///< in the defect cell
};

/// Removing atom `site` from a structure: E(defect) - E(perfect), unrelaxed and with atomic
/// positions relaxed (fmax 1e-4 eV/Å) at fixed cell. The formation energy is this plus the
/// chemical potential of the removed atom (the bulk energy per atom for an element).
template <calculator C>
[[nodiscard]] vacancy_result vacancy_energy(const C& calc, const structure& perfect,
                                            std::size_t site) {
  if (site >= perfect.size())
    throw error("vacancy_energy: site " + std::to_string(site) + " of a structure of " +
                std::to_string(perfect.size()) + " atoms");
  const double e_perfect = calc.compute(perfect).energy;
  structure defect = crystal::without_atom(perfect, site);
  vacancy_result out;
  out.atoms = defect.size();
  out.unrelaxed = calc.compute(defect).energy - e_perfect;
  out.relaxed = relax_positions(calc, defect, 1e-4).energy - e_perfect;
  return out;
}

/// Vacancy formation energy E(N-1) - (N-1)/N E(N) in an n x n x n conventional fcc supercell
/// (4 n^3 sites) at lattice constant a, unrelaxed and with positions relaxed.
template <calculator C>
[[nodiscard]] vacancy_result vacancy_formation_fcc(const C& calc, int z, double a,
                                                   std::size_t n = 3) {
  const structure perfect = crystal::repeat(crystal::fcc_cubic(z, a), n, n, n);
  const double mu = calc.compute(perfect).energy / static_cast<double>(perfect.size());
  vacancy_result out = vacancy_energy(calc, perfect, 0);
  out.unrelaxed += mu;
  out.relaxed += mu;
  return out;
}

struct surface_result {
  double unrelaxed = 0.0, relaxed = 0.0; ///< J/m²
  std::size_t layers = 0;
};

/// Surface energy (E_slab - e_bulk) / (2 A) of a slab with two equivalent faces normal to z
/// (A = |a1 x a2|), e_bulk the energy of the same atoms in the bulk crystal: unrelaxed, and with
/// atomic positions relaxed at fixed cell. J/m².
template <calculator C>
[[nodiscard]] surface_result surface_energy(const C& calc, structure slab, double e_bulk) {
  const double k = units::eV_per_A2_in_J_per_m2 / (2 * norm(cross(slab.cell[0], slab.cell[1])));
  surface_result out;
  out.unrelaxed = (calc.compute(slab).energy - e_bulk) * k;
  out.relaxed = (relax_positions(calc, slab, 1e-4).energy - e_bulk) * k;
  return out;
}

/// Surface energy (E_slab - N e_bulk) / (2 A) of an fcc slab (facet "100" or "111") at lattice
/// constant a, with e_bulk the energy per atom of bulk fcc at a.
template <calculator C>
[[nodiscard]] surface_result surface_energy_fcc(const C& calc, int z, double a,
                                                const std::string& facet, std::size_t layers = 9,
                                                double vacuum = 15.0) {
  const double e_bulk = calc.compute(crystal::fcc(z, a)).energy;
  double area = 0;
  const structure slab = crystal::fcc_slab(z, a, facet, layers, vacuum, area);
  surface_result out = surface_energy(calc, slab, static_cast<double>(slab.size()) * e_bulk);
  out.layers = layers;
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

// ---- molecules ---------------------------------------------------------------------------

struct dimer_result {
  double energy = 0.0; ///< eV, of the molecule at its bond length
  double bond = 0.0;   ///< Å
};

/// The homonuclear dimer (O2, N2, ...) at its equilibrium bond length, found by relaxing an
/// isolated molecule from r_start (Å) to fmax 1e-5 eV/Å; the molecule's spin state is whatever
/// the calculator's reference data gave it (O2: the triplet of spin-polarised labels).
template <calculator C>
[[nodiscard]] dimer_result dimer_minimum(const C& calc, int z, double r_start) {
  structure m;
  m.pbc = {false, false, false};
  m.add_atom(z, {0, 0, 0});
  m.add_atom(z, {0, 0, r_start});
  const auto r = relax_positions(calc, m, 1e-5);
  if (!r.converged) throw error("dimer_minimum: the molecule did not relax");
  return {r.energy, norm(m.position(1) - m.position(0))};
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
