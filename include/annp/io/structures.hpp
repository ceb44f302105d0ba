#pragma once
// Format-agnostic structure I/O: picks extended XYZ or n2p2 input.data from the file name
// (*.data -> n2p2, everything else -> extended XYZ).

#include <annp/io/extxyz.hpp>
#include <annp/io/n2p2_data.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace annp {

enum class structure_format { extxyz, n2p2 };

[[nodiscard]] inline structure_format guess_structure_format(std::string_view path) noexcept {
  const auto slash = path.find_last_of('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() >= 5 && name.substr(name.size() - 5) == ".data") return structure_format::n2p2;
  return structure_format::extxyz;
}

/// Reads all structures of a file in either format.
[[nodiscard]] inline std::vector<structure> read_structures(const std::string& path) {
  return guess_structure_format(path) == structure_format::n2p2 ? read_n2p2_data(path)
                                                                : read_extxyz(path);
}

/// Writes structures atomically in the format the file name implies.
inline void write_structures(const std::string& path, const std::vector<structure>& frames) {
  if (guess_structure_format(path) == structure_format::n2p2)
    write_n2p2_data(path, frames);
  else
    write_extxyz(path, frames);
}

} // namespace annp
