#pragma once
// The models a command-line tool is given: "M1,M2,..." names a committee (every member with the
// same elements); a directory is an n2p2 model (input.nn, scaling.data, weights.*.data), a file an
// annp model. One place for annp-predict, annp-properties and annp-corundum.

#include <annp/annp.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace annp {

[[nodiscard]] inline std::vector<any_potential> read_model_list(const std::string& list) {
  std::vector<any_potential> members;
  for (const auto& path : split_list(list, ',')) {
    if (path.empty()) throw error("'" + list + "': empty model path in the list");
    members.emplace_back(std::filesystem::is_directory(path) ? read_n2p2_model(path)
                                                             : read_model(path));
    if (members.back().elements() != members.front().elements())
      throw error(path + ": a committee's models must have the same elements");
  }
  return members;
}

} // namespace annp
