#pragma once
// n2p2's symfunction_short lines <-> annp::symmetry_function.
//
//   type  fields after "symfunction_short <centre> <type>"
//   2     <e1> <eta> <rs> <rc>
//   3, 9  <e1> <e2> <eta> <lambda> <zeta> <rc> [<rs>]
//   12    <eta> <rs> <rc>
//   13    <eta> <rs> <lambda> <zeta> <rc>
//   20    <e1> <rl> <rc> <subtype>
//   21,22 <e1> <e2> <rl> <rc> <angle_left> <angle_right> <subtype>
//   23    <rl> <rc> <subtype>
//   24,25 <rl> <rc> <angle_left> <angle_right> <subtype>
//
// Lengths in the unit of the file (annp: Å), angles in degrees, subtype p1..p4[a] or e.

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/symmetry_function.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace annp {

/// Parses the fields of a symfunction_short line (without the keyword). Throws annp::error
/// (without location; callers add file and line) saying what was expected.
[[nodiscard]] inline symmetry_function
parse_n2p2_symfunction(const std::vector<std::string_view>& t) {
  const auto number = [&](std::size_t k, const char* what) {
    double v = 0.0;
    if (k >= t.size() || !try_parse_double(t[k], v))
      throw error(
          std::string("symfunction_short: expected ") + what + " as field " +
          std::to_string(k + 2) +
          (k < t.size() ? ", got " + detail::quote_token(t[k]) : ", the line is too short"));
    return v;
  };
  const auto element = [&](std::size_t k) {
    if (k >= t.size())
      throw error("symfunction_short: expected an element symbol as field " +
                  std::to_string(k + 2));
    return atomic_number(t[k]);
  };
  const auto expect_fields = [&](std::size_t lo, std::size_t hi, const char* form) {
    if (t.size() < lo || t.size() > hi)
      throw error(std::string("symfunction_short: expected '") + form + "', got " +
                  std::to_string(t.size()) + " fields");
  };
  if (t.size() < 2) throw error("symfunction_short: expected <element> <type> <parameters...>");
  symmetry_function f;
  f.center = element(0);
  int type = 0;
  if (!try_parse_integer(t[1], type))
    throw error("symfunction_short: expected an integer type as field 3, got " +
                detail::quote_token(t[1]));
  switch (type) {
  case 2:
    expect_fields(6, 6, "<centre> 2 <e1> <eta> <rs> <rc>");
    f.kind = sf_kind::radial;
    f.e1 = element(2);
    f.eta = number(3, "eta");
    f.rs = number(4, "rs");
    f.rc = number(5, "rc");
    break;
  case 3:
  case 9:
    expect_fields(8, 9, "<centre> 3|9 <e1> <e2> <eta> <lambda> <zeta> <rc> [<rs>]");
    f.kind = type == 3 ? sf_kind::angular_narrow : sf_kind::angular_wide;
    f.e1 = element(2);
    f.e2 = element(3);
    f.eta = number(4, "eta");
    f.lambda = number(5, "lambda");
    f.zeta = number(6, "zeta");
    f.rc = number(7, "rc");
    if (t.size() == 9) f.rs = number(8, "rs");
    break;
  case 12:
    expect_fields(5, 5, "<centre> 12 <eta> <rs> <rc>");
    f.kind = sf_kind::radial_weighted;
    f.eta = number(2, "eta");
    f.rs = number(3, "rs");
    f.rc = number(4, "rc");
    break;
  case 13:
    expect_fields(7, 7, "<centre> 13 <eta> <rs> <lambda> <zeta> <rc>");
    f.kind = sf_kind::angular_narrow_weighted;
    f.eta = number(2, "eta");
    f.rs = number(3, "rs");
    f.lambda = number(4, "lambda");
    f.zeta = number(5, "zeta");
    f.rc = number(6, "rc");
    break;
  case 20:
    expect_fields(6, 6, "<centre> 20 <e1> <rl> <rc> <subtype>");
    f.kind = sf_kind::radial_compact;
    f.e1 = element(2);
    f.rl = number(3, "rl");
    f.rc = number(4, "rc");
    f.core = core_function::from_n2p2_name(t[5]);
    break;
  case 21:
  case 22:
    expect_fields(9, 9, "<centre> 21|22 <e1> <e2> <rl> <rc> <left> <right> <subtype>");
    f.kind = type == 21 ? sf_kind::angular_narrow_compact : sf_kind::angular_wide_compact;
    f.e1 = element(2);
    f.e2 = element(3);
    f.rl = number(4, "rl");
    f.rc = number(5, "rc");
    f.angle_left = number(6, "the left angle (degrees)");
    f.angle_right = number(7, "the right angle (degrees)");
    f.core = core_function::from_n2p2_name(t[8]);
    break;
  case 23:
    expect_fields(5, 5, "<centre> 23 <rl> <rc> <subtype>");
    f.kind = sf_kind::radial_compact_weighted;
    f.rl = number(2, "rl");
    f.rc = number(3, "rc");
    f.core = core_function::from_n2p2_name(t[4]);
    break;
  case 24:
  case 25:
    expect_fields(7, 7, "<centre> 24|25 <rl> <rc> <left> <right> <subtype>");
    f.kind = type == 24 ? sf_kind::angular_narrow_compact_weighted
                        : sf_kind::angular_wide_compact_weighted;
    f.rl = number(2, "rl");
    f.rc = number(3, "rc");
    f.angle_left = number(4, "the left angle (degrees)");
    f.angle_right = number(5, "the right angle (degrees)");
    f.core = core_function::from_n2p2_name(t[6]);
    break;
  default:
    throw error("symfunction_short: unsupported symmetry function type " + std::to_string(type) +
                " (annp reads n2p2 types 2, 3, 9, 12, 13, 20-25)");
  }
  if (f.e1 > f.e2 && is_angular(f.kind) && is_element_resolved(f.kind)) std::swap(f.e1, f.e2);
  f.validate();
  return f;
}

/// The symfunction_short line (with keyword) for a function, numbers in shortest round-trip form.
[[nodiscard]] inline std::string format_n2p2_symfunction(const symmetry_function& f) {
  if (is_chebyshev(f.kind))
    throw error(f.describe() + ": n2p2 has no Chebyshev symmetry functions");
  std::string s = "symfunction_short " + std::string(symbol(f.center)) + " " +
                  std::to_string(static_cast<int>(f.kind));
  const auto put = [&](double v) { s += " " + format_double(v); };
  const auto el = [&](int z) { s += " " + std::string(symbol(z)); };
  switch (f.kind) {
  case sf_kind::radial:
    el(f.e1);
    put(f.eta);
    put(f.rs);
    put(f.rc);
    break;
  case sf_kind::angular_narrow:
  case sf_kind::angular_wide:
    el(f.e1);
    el(f.e2);
    put(f.eta);
    put(f.lambda);
    put(f.zeta);
    put(f.rc);
    put(f.rs);
    break;
  case sf_kind::radial_weighted:
    put(f.eta);
    put(f.rs);
    put(f.rc);
    break;
  case sf_kind::angular_narrow_weighted:
    put(f.eta);
    put(f.rs);
    put(f.lambda);
    put(f.zeta);
    put(f.rc);
    break;
  case sf_kind::radial_compact:
    el(f.e1);
    put(f.rl);
    put(f.rc);
    s += " " + f.core.n2p2_name();
    break;
  case sf_kind::angular_narrow_compact:
  case sf_kind::angular_wide_compact:
    el(f.e1);
    el(f.e2);
    put(f.rl);
    put(f.rc);
    put(f.angle_left);
    put(f.angle_right);
    s += " " + f.core.n2p2_name();
    break;
  case sf_kind::radial_compact_weighted:
    put(f.rl);
    put(f.rc);
    s += " " + f.core.n2p2_name();
    break;
  default:
    put(f.rl);
    put(f.rc);
    put(f.angle_left);
    put(f.angle_right);
    s += " " + f.core.n2p2_name();
    break;
  }
  return s;
}

} // namespace annp
