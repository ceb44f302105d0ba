#pragma once
// n2p2's symfunction_short lines <-> annp::symmetry_function. The fields after
// "symfunction_short <centre> <type>" are each kind's n2p2_fields (symmetry_function.hpp):
//
//   type  fields
//   2     <e1> <eta> <rs> <rc>
//   3, 9  <e1> <e2> <eta> <lambda> <zeta> <rc> [<rs>]
//   12    <eta> <rs> <rc>
//   13    <eta> <rs> <lambda> <zeta> <rc>
//   20    <e1> <rl> <rc> <core>
//   21,22 <e1> <e2> <rl> <rc> <left> <right> <core>
//   23    <rl> <rc> <core>
//   24,25 <rl> <rc> <left> <right> <core>
//
// Lengths in the unit of the file (annp: Å), angles in degrees, core (n2p2's subtype) p1..p4[a]
// or e.

#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/registry.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/symmetry_function.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace annp {

/// The kind of an n2p2 symmetry-function type number; throws for types annp does not read.
[[nodiscard]] inline sf_kind kind_from_n2p2_type(int type) {
  return sf_kind::coded([]<class K>(K) { return K::n2p2_type; }, type, -1,
                        "n2p2 symmetry function type");
}

/// Parses the fields of a symfunction_short line (without the keyword). Throws annp::error
/// (without location; callers add file and line) saying what was expected.
[[nodiscard]] inline symmetry_function
parse_n2p2_symfunction(const std::vector<std::string_view>& t) {
  if (t.size() < 2) throw error("symfunction_short: expected <element> <type> <parameters...>");
  symmetry_function f;
  f.center = atomic_number(t[0]);
  int type = 0;
  if (!try_parse_integer(t[1], type))
    throw error("symfunction_short: expected an integer type as field 3, got " +
                detail::quote_token(t[1]));
  f.kind = kind_from_n2p2_type(type);
  with_sf_kind(f.kind, [&]<class K>(K) {
    const std::size_t most = 2 + K::n2p2_fields.size(), least = most - K::n2p2_optional;
    if (t.size() < least || t.size() > most) {
      std::string form = "<centre> " + std::to_string(K::n2p2_type);
      for (std::size_t k = 0; k < K::n2p2_fields.size(); ++k) {
        const bool optional = k + K::n2p2_optional >= K::n2p2_fields.size();
        form += std::string(" ") + (optional ? "[" : "") + "<" +
                std::string(sf_field_key(K::n2p2_fields[k])) + ">" + (optional ? "]" : "");
      }
      throw error("symfunction_short: expected '" + form + "', got " + std::to_string(t.size()) +
                  " fields");
    }
    for (std::size_t k = 0; k + 2 < t.size(); ++k) {
      try {
        set_sf_field(f, K::n2p2_fields[k], t[k + 2]);
      } catch (const error& e) {
        throw error("symfunction_short: field " + std::to_string(k + 4) + ": " + e.what());
      }
    }
  });
  if (f.e1 > f.e2 && is_angular(f.kind) && is_element_resolved(f.kind)) std::swap(f.e1, f.e2);
  f.validate();
  return f;
}

/// The symfunction_short line (with keyword) for a function, numbers in shortest round-trip form.
[[nodiscard]] inline std::string format_n2p2_symfunction(const symmetry_function& f) {
  if (n2p2_type(f.kind) < 0) throw error(f.describe() + ": n2p2 has no such symmetry function");
  std::string s = "symfunction_short " + std::string(symbol(f.center)) + " " +
                  std::to_string(n2p2_type(f.kind));
  with_sf_kind(f.kind, [&]<class K>(K) {
    for (const sf_field field : K::n2p2_fields) s += " " + sf_field_text(f, field);
  });
  return s;
}

} // namespace annp
