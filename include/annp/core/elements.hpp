#pragma once
// Periodic table: symbol <-> atomic number <-> standard atomic mass (u), Z = 1 ... 118.
// Masses are the IUPAC standard atomic weights (conventional values); for elements without
// stable isotopes, the mass of the longest-lived isotope.

#include <annp/core/error.hpp>

#include <array>
#include <cctype>
#include <string>
#include <string_view>

namespace annp {

struct element_info {
  int number;
  std::string_view symbol;
  double mass;
};

namespace detail {
// clang-format off
inline constexpr std::array<element_info, 118> element_table{{
  {1, "H", 1.008},           {2, "He", 4.002602},      {3, "Li", 6.94},
  {4, "Be", 9.0121831},      {5, "B", 10.81},          {6, "C", 12.011},
  {7, "N", 14.007},          {8, "O", 15.999},         {9, "F", 18.998403163},
  {10, "Ne", 20.1797},       {11, "Na", 22.98976928},  {12, "Mg", 24.305},
  {13, "Al", 26.9815385},    {14, "Si", 28.085},       {15, "P", 30.973761998},
  {16, "S", 32.06},          {17, "Cl", 35.45},        {18, "Ar", 39.948},
  {19, "K", 39.0983},        {20, "Ca", 40.078},       {21, "Sc", 44.955908},
  {22, "Ti", 47.867},        {23, "V", 50.9415},       {24, "Cr", 51.9961},
  {25, "Mn", 54.938044},     {26, "Fe", 55.845},       {27, "Co", 58.933194},
  {28, "Ni", 58.6934},       {29, "Cu", 63.546},       {30, "Zn", 65.38},
  {31, "Ga", 69.723},        {32, "Ge", 72.630},       {33, "As", 74.921595},
  {34, "Se", 78.971},        {35, "Br", 79.904},       {36, "Kr", 83.798},
  {37, "Rb", 85.4678},       {38, "Sr", 87.62},        {39, "Y", 88.90584},
  {40, "Zr", 91.224},        {41, "Nb", 92.90637},     {42, "Mo", 95.95},
  {43, "Tc", 97.90721},      {44, "Ru", 101.07},       {45, "Rh", 102.90550},
  {46, "Pd", 106.42},        {47, "Ag", 107.8682},     {48, "Cd", 112.414},
  {49, "In", 114.818},       {50, "Sn", 118.710},      {51, "Sb", 121.760},
  {52, "Te", 127.60},        {53, "I", 126.90447},     {54, "Xe", 131.293},
  {55, "Cs", 132.90545196},  {56, "Ba", 137.327},      {57, "La", 138.90547},
  {58, "Ce", 140.116},       {59, "Pr", 140.90766},    {60, "Nd", 144.242},
  {61, "Pm", 144.91276},     {62, "Sm", 150.36},       {63, "Eu", 151.964},
  {64, "Gd", 157.25},        {65, "Tb", 158.92535},    {66, "Dy", 162.500},
  {67, "Ho", 164.93033},     {68, "Er", 167.259},      {69, "Tm", 168.93422},
  {70, "Yb", 173.045},       {71, "Lu", 174.9668},     {72, "Hf", 178.49},
  {73, "Ta", 180.94788},     {74, "W", 183.84},        {75, "Re", 186.207},
  {76, "Os", 190.23},        {77, "Ir", 192.217},      {78, "Pt", 195.084},
  {79, "Au", 196.966569},    {80, "Hg", 200.592},      {81, "Tl", 204.38},
  {82, "Pb", 207.2},         {83, "Bi", 208.98040},    {84, "Po", 208.98243},
  {85, "At", 209.98715},     {86, "Rn", 222.01758},    {87, "Fr", 223.01974},
  {88, "Ra", 226.02541},     {89, "Ac", 227.02775},    {90, "Th", 232.0377},
  {91, "Pa", 231.03588},     {92, "U", 238.02891},     {93, "Np", 237.04817},
  {94, "Pu", 244.06421},     {95, "Am", 243.06138},    {96, "Cm", 247.07035},
  {97, "Bk", 247.07031},     {98, "Cf", 251.07959},    {99, "Es", 252.0830},
  {100, "Fm", 257.09511},    {101, "Md", 258.09843},   {102, "No", 259.1010},
  {103, "Lr", 262.110},      {104, "Rf", 267.122},     {105, "Db", 268.126},
  {106, "Sg", 271.134},      {107, "Bh", 270.133},     {108, "Hs", 269.1338},
  {109, "Mt", 278.156},      {110, "Ds", 281.165},     {111, "Rg", 281.166},
  {112, "Cn", 285.177},      {113, "Nh", 286.182},     {114, "Fl", 289.190},
  {115, "Mc", 289.194},      {116, "Lv", 293.204},     {117, "Ts", 293.208},
  {118, "Og", 294.214},
}};
// clang-format on

inline bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}
} // namespace detail

inline constexpr int max_atomic_number = 118;

/// True when z is an atomic number in the table.
[[nodiscard]] constexpr bool is_atomic_number(int z) noexcept {
  return z >= 1 && z <= max_atomic_number;
}

/// The element with atomic number z; throws annp::error for an unknown number.
[[nodiscard]] inline const element_info& element(int z) {
  if (!is_atomic_number(z))
    throw error("unknown atomic number " + std::to_string(z) + " (expected 1 ... 118)");
  return detail::element_table[static_cast<std::size_t>(z - 1)];
}

/// Atomic number of a symbol ("Al" -> 13), or 0 when it is not an element symbol. Exact case.
[[nodiscard]] inline int find_atomic_number(std::string_view symbol) noexcept {
  for (const auto& e : detail::element_table)
    if (e.symbol == symbol) return e.number;
  return 0;
}

/// Atomic number of a symbol; throws annp::error naming the symbol (and the correctly
/// capitalised one, when only the case is wrong).
[[nodiscard]] inline int atomic_number(std::string_view symbol) {
  if (int z = find_atomic_number(symbol); z > 0) return z;
  for (const auto& e : detail::element_table) {
    if (detail::iequal(e.symbol, symbol))
      throw error("unknown element symbol " + detail::quote_token(symbol) + " (did you mean '" +
                  std::string(e.symbol) + "'? symbols are case-sensitive)");
  }
  throw error("unknown element symbol " + detail::quote_token(symbol) +
              " (expected a chemical symbol such as Al, Ti, O)");
}

[[nodiscard]] inline std::string_view symbol(int z) { return element(z).symbol; }
[[nodiscard]] inline double atomic_mass(int z) { return element(z).mass; }

} // namespace annp
