#pragma once
// Exact text serialisation of optimiser run state, for save_state/load_state of optimisers and
// update rules (the library's and one's own). Every entry is one line "key value..."; numbers
// are written in the shortest form that reads back to the same double (NaN and ±infinity
// included), so a checkpoint resumes bit for bit. Readers check the key and throw annp::error
// naming what was expected.
//
//   void save_state(std::ostream& os) const {
//     annp::state::write(os, "steps", m_steps);
//     annp::state::write(os, "mean_square", m_mean_square);
//   }
//   void load_state(std::istream& is) {
//     m_steps = annp::state::read_count(is, "steps");
//     m_mean_square = annp::state::read_vector(is, "mean_square");
//   }

#include <annp/core/error.hpp>
#include <annp/core/text.hpp>

#include <cmath>
#include <cstddef>
#include <istream>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace annp::state {

inline void write(std::ostream& os, std::string_view key, double v) {
  os << key << ' ' << format_double(v) << '\n';
}
inline void write(std::ostream& os, std::string_view key, std::size_t v) {
  os << key << ' ' << v << '\n';
}
inline void write(std::ostream& os, std::string_view key, bool v) {
  os << key << ' ' << (v ? 1 : 0) << '\n';
}
inline void write(std::ostream& os, std::string_view key, const std::vector<double>& v) {
  os << key << ' ' << v.size();
  for (double x : v) os << ' ' << format_double(x);
  os << '\n';
}

namespace detail {
inline void expect_key(std::istream& is, std::string_view key) {
  std::string k;
  if (!(is >> k)) throw error("optimiser state: expected '" + std::string(key) + "', got the end");
  if (k != key)
    throw error("optimiser state: expected '" + std::string(key) + "', got '" + k + "'");
}
inline double number(std::istream& is, std::string_view key) {
  std::string t;
  if (!(is >> t))
    throw error("optimiser state: expected a number for '" + std::string(key) + "', got the end");
  double v = 0;
  if (try_parse_double(t, v)) return v;
  if (t == "nan" || t == "-nan") return std::numeric_limits<double>::quiet_NaN();
  if (t == "inf") return std::numeric_limits<double>::infinity();
  if (t == "-inf") return -std::numeric_limits<double>::infinity();
  throw error("optimiser state: bad number '" + t + "' for '" + std::string(key) + "'");
}
inline std::size_t count(std::istream& is, std::string_view key) {
  std::string t;
  std::size_t n = 0;
  if (!(is >> t) || !try_parse_integer(t, n))
    throw error("optimiser state: expected a non-negative integer for '" + std::string(key) +
                "', got '" + t + "'");
  return n;
}
} // namespace detail

[[nodiscard]] inline double read_number(std::istream& is, std::string_view key) {
  detail::expect_key(is, key);
  return detail::number(is, key);
}
[[nodiscard]] inline std::size_t read_count(std::istream& is, std::string_view key) {
  detail::expect_key(is, key);
  return detail::count(is, key);
}
[[nodiscard]] inline bool read_flag(std::istream& is, std::string_view key) {
  const std::size_t v = read_count(is, key);
  if (v > 1) throw error("optimiser state: '" + std::string(key) + "' must be 0 or 1");
  return v == 1;
}
[[nodiscard]] inline std::vector<double> read_vector(std::istream& is, std::string_view key) {
  detail::expect_key(is, key);
  std::vector<double> v(detail::count(is, key));
  for (auto& x : v) x = detail::number(is, key);
  return v;
}

} // namespace annp::state
