#pragma once
// annp::error: the one exception type the library throws for bad input and bad setup.
//
// Messages say where (file and line when the problem comes from a file) and what was expected,
// e.g. "data/al.xyz:14: expected 7 columns (species:S:1 pos:R:3 forces:R:3), got 6".

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace annp {

class error : public std::runtime_error {
 public:
  explicit error(const std::string& message) : std::runtime_error(message) {}

  /// An error located in a file: what() reads "file:line: message" (line 0: "file: message").
  error(std::string file, std::size_t line, const std::string& message)
      : std::runtime_error(locate(file, line) + message), m_file(std::move(file)), m_line(line) {}

  /// The file the error was found in; empty when it did not come from a file.
  [[nodiscard]] const std::string& file() const noexcept { return m_file; }
  /// 1-based line number in file(); 0 when unknown or not applicable.
  [[nodiscard]] std::size_t line() const noexcept { return m_line; }

 private:
  static std::string locate(const std::string& file, std::size_t line) {
    if (file.empty()) return {};
    return line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
  }

  std::string m_file;
  std::size_t m_line = 0;
};

namespace detail {
/// Shortens a token for an error message so that a corrupt multi-megabyte line stays readable.
inline std::string quote_token(std::string_view token, std::size_t max_length = 40) {
  std::string out = "'";
  if (token.size() > max_length) {
    out.append(token.substr(0, max_length));
    out += "...";
  } else {
    out.append(token);
  }
  out += "'";
  return out;
}
} // namespace detail

} // namespace annp

/// Internal invariant checks in hot loops: active only when ANNP_DEBUG_CHECKS is defined.
#ifdef ANNP_DEBUG_CHECKS
#include <cassert>
#define ANNP_ASSERT(condition) assert(condition)
#else
#define ANNP_ASSERT(condition) ((void)0)
#endif
