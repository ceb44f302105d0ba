#pragma once
// Text parsing and formatting shared by every reader and writer in annp.
//
// - Numbers are parsed with std::from_chars (locale independent, exact) and must be finite.
// - Numbers are written with std::to_chars in shortest round-trip form, so writing and reading
//   back gives the same bits.
// - line_reader tracks file name and line number so that every parse error says where it is.

#include <annp/core/error.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace annp {

namespace detail {
inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
} // namespace detail

/// Removes leading and trailing white space.
[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && detail::is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && detail::is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// Splits at every separator (empty fields kept: "a,,b" gives "a", "", "b").
[[nodiscard]] inline std::vector<std::string> split_list(std::string_view s, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == separator) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

/// Splits on runs of white space; the views point into s.
[[nodiscard]] inline std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && detail::is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !detail::is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

/// Parses a finite double from the whole token; returns false on any failure. Accepts a leading
/// '+', and Fortran 'D' exponents are not accepted.
[[nodiscard]] inline bool try_parse_double(std::string_view token, double& value) noexcept {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  if (token.empty()) return false;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  return ec == std::errc() && ptr == last && std::isfinite(value);
}

/// Parses an integer from the whole token; returns false on failure or overflow.
template <class Int>
[[nodiscard]] bool try_parse_integer(std::string_view token, Int& value) noexcept {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  if (token.empty()) return false;
  const char* last = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), last, value);
  return ec == std::errc() && ptr == last;
}

/// Parses the whole token as T (double or an integer type) or throws annp::error naming `what`
/// (command-line arguments and other values without a file position).
template <class T> [[nodiscard]] T parse_number(std::string_view token, std::string_view what) {
  T v{};
  if constexpr (std::is_floating_point_v<T>) {
    if (!try_parse_double(token, v))
      throw error("expected " + std::string(what) + " as a finite number, got " +
                  detail::quote_token(token));
  } else if (!try_parse_integer(token, v)) {
    throw error("expected " + std::string(what) + " as " +
                (std::is_signed_v<T> ? "an integer" : "a non-negative integer") + ", got " +
                detail::quote_token(token));
  }
  return v;
}

/// Parses T/F, True/False, true/false, 1/0 (as extended XYZ and ASE write booleans).
[[nodiscard]] inline bool try_parse_bool(std::string_view token, bool& value) noexcept {
  if (token == "T" || token == "True" || token == "true" || token == "TRUE" || token == "1") {
    value = true;
    return true;
  }
  if (token == "F" || token == "False" || token == "false" || token == "FALSE" || token == "0") {
    value = false;
    return true;
  }
  return false;
}

/// Shortest decimal representation that reads back to the same double.
[[nodiscard]] inline std::string format_double(double value) {
  char buffer[64];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) throw error("internal error: cannot format a floating-point number");
  return std::string(buffer, ptr);
}

/// Appends format_double(value) to out without a temporary string.
inline void append_double(std::string& out, double value) {
  char buffer[64];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) throw error("internal error: cannot format a floating-point number");
  out.append(buffer, ptr);
}

/// Reads a text stream line by line, knowing the file name and line number, and turns parse
/// failures into annp::error("file:line: ...").
class line_reader {
 public:
  line_reader(std::istream& in, std::string file_name) : m_in(in), m_file(std::move(file_name)) {}

  /// Reads the next line (without the newline, without a trailing '\r'); false at end of input.
  bool next(std::string& line) {
    if (!std::getline(m_in, line)) return false;
    ++m_line;
    if (m_line == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3); // UTF-8 byte-order mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\0') != std::string::npos) fail("unexpected NUL byte: this is not a text file");
    return true;
  }

  [[nodiscard]] std::size_t line_number() const noexcept { return m_line; }
  [[nodiscard]] const std::string& file_name() const noexcept { return m_file; }
  /// "file:line", for provenance fields and messages.
  [[nodiscard]] std::string location() const { return m_file + ":" + std::to_string(m_line); }

  [[noreturn]] void fail(const std::string& message) const { throw error(m_file, m_line, message); }

  double parse_double(std::string_view token, std::string_view what) const {
    double v = 0.0;
    if (!try_parse_double(token, v))
      fail("expected " + std::string(what) + " as a finite number, got " +
           detail::quote_token(token));
    return v;
  }

  template <class Int> Int parse_integer(std::string_view token, std::string_view what) const {
    Int v{};
    if (!try_parse_integer(token, v))
      fail("expected " + std::string(what) + " as an integer, got " + detail::quote_token(token));
    return v;
  }

  bool parse_bool(std::string_view token, std::string_view what) const {
    bool v = false;
    if (!try_parse_bool(token, v))
      fail("expected " + std::string(what) + " as T or F, got " + detail::quote_token(token));
    return v;
  }

 private:
  std::istream& m_in;
  std::string m_file;
  std::size_t m_line = 0;
};

/// Opens a file for reading or throws annp::error naming it.
[[nodiscard]] inline std::ifstream open_input_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw error(path, 0, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path, 0, "cannot open file for reading (missing, or no permission)");
  return in;
}

} // namespace annp
