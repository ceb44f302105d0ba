#pragma once
// Units. annp works in the units ASE and LAMMPS "metal" use:
//   energy eV, length Å, force eV/Å, stress eV/Å³ (ASE sign: positive = tensile),
//   mass u (g/mol), time fs only where dynamics is concerned.
// The constants below convert to and from units that hosts ask for (LAMMPS "real", GPa).

namespace annp::units {

inline constexpr double eV = 1.0;
inline constexpr double angstrom = 1.0;

/// 1 kcal/mol in eV (thermochemical calorie, Avogadro constant and e from SI 2019 exact values).
inline constexpr double kcal_per_mol = 0.043364104241800934;
/// 1 eV/Å³ in GPa.
inline constexpr double eV_per_A3_in_GPa = 160.2176634;
/// 1 eV/Å² in J/m² (surface energies).
inline constexpr double eV_per_A2_in_J_per_m2 = 16.02176634;
/// A frequency sqrt(eV / (Å² u)) in THz, cycles per second: sqrt(e / (1e-20 u)) / (2 pi) / 1e12
/// (u = 1.66053906660e-27 kg; phonons from force constants in eV/Å² and masses in u).
inline constexpr double THz_per_sqrt_eV_A2_u = 15.633304239856193;
/// Boltzmann constant in eV/K.
inline constexpr double k_B = 8.617333262e-5;

} // namespace annp::units
