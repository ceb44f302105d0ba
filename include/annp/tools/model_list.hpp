#pragma once
// The models a tool is given: "M1,M2,..." names a committee (every member with the same
// elements); a directory is an n2p2 model (input.nn, scaling.data, weights.*.data), a file an
// annp model. One place for annp-predict, annp-properties, annp-corundum and the Python module.

#include <annp/annp.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace annp {

/// The models at `paths`, in order (one path: one model; several: a committee's members).
[[nodiscard]] inline std::vector<any_potential> read_models(const std::vector<std::string>& paths) {
  if (paths.empty()) throw error("no model path given");
  std::vector<any_potential> members;
  for (const auto& path : paths) {
    if (path.empty()) throw error("an empty model path");
    members.emplace_back(std::filesystem::is_directory(path) ? read_n2p2_model(path)
                                                             : read_model(path));
    if (members.back().elements() != members.front().elements())
      throw error(path + ": a committee's models must have the same elements");
  }
  return members;
}

/// The models of a comma-separated list "M1,M2,...".
[[nodiscard]] inline std::vector<any_potential> read_model_list(const std::string& list) {
  const std::vector<std::string> paths = split_list(list, ',');
  if (std::find(paths.begin(), paths.end(), std::string()) != paths.end())
    throw error("'" + list + "': empty model path in the list");
  return read_models(paths);
}

} // namespace annp
