#pragma once
// Helpers shared by the test suites: data locations, random structures, error expectations.

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/structure/structure.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace annp::test {

inline std::string source_path(const std::string& relative) {
  return std::string(ANNP_SOURCE_DIR) + "/" + relative;
}
inline std::string shared_path(const std::string& relative) {
  return std::string(ANNP_SHARED_DIR) + "/" + relative;
}
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(ANNP_BINARY_DIR) + "/scratch/" + name;
  std::filesystem::create_directories(dir);
  return dir;
}

/// Ends the current test as skipped (CTest SKIP_RETURN_CODE 77), saying why on stderr.
[[noreturn]] inline void skip_test(const std::string& reason) {
  std::fprintf(stderr, "SKIPPED: %s\n", reason.c_str());
  std::fflush(stderr);
  std::_Exit(77);
}

/// Decompresses the EAM-labelled Al set from ../shared into the build tree once and returns its
/// path, or skips the test when the shared data or xz is not available.
inline std::string eam_dataset_or_skip() {
  const std::string compressed = shared_path("datasets/al-eam/al-eam.xyz.xz");
  if (!std::filesystem::exists(compressed))
    skip_test("the EAM-labelled Al set is not available at " + compressed +
              " (it lives in ../shared, beside the repository)");
  const std::string out = scratch_dir("al-eam") + "/al-eam.xyz";
  if (!std::filesystem::exists(out)) {
    const std::string tmp = out + ".partial";
    const std::string cmd = "xz -dc '" + compressed + "' > '" + tmp + "'";
    if (std::system(cmd.c_str()) != 0) skip_test("cannot decompress " + compressed + " with xz");
    std::filesystem::rename(tmp, out);
  }
  return out;
}

/// A random cell: rows are lattice vectors with lengths in [lo, hi] and random skew.
inline mat3 random_cell(std::mt19937_64& rng, double lo, double hi, double skew) {
  std::uniform_real_distribution<double> len(lo, hi), tilt(-skew, skew);
  mat3 c;
  c[0] = {len(rng), 0.0, 0.0};
  c[1] = {tilt(rng) * hi, len(rng), 0.0};
  c[2] = {tilt(rng) * hi, tilt(rng) * hi, len(rng)};
  // Random rotation so that no lattice vector is axis-aligned.
  std::normal_distribution<double> g;
  vec3 a{g(rng), g(rng), g(rng)};
  a *= 1.0 / norm(a);
  vec3 b{g(rng), g(rng), g(rng)};
  b -= dot(a, b) * a;
  b *= 1.0 / norm(b);
  const vec3 cc = cross(a, b);
  const mat3 rot{{a, b, cc}};
  return c * rot;
}

/// Random atoms inside a cell (fractional coordinates in [-0.5, 1.5) to exercise wrapping).
inline structure random_structure(std::mt19937_64& rng, const mat3& cell, std::array<bool, 3> pbc,
                                  std::size_t n, const std::vector<int>& species,
                                  double min_distance = 0.8) {
  structure s;
  s.cell = cell;
  s.pbc = pbc;
  std::uniform_real_distribution<double> frac(-0.5, 1.5);
  std::uniform_int_distribution<std::size_t> pick(0, species.size() - 1);
  for (std::size_t attempt = 0; s.size() < n && attempt < 200 * n; ++attempt) {
    const vec3 f{frac(rng), frac(rng), frac(rng)};
    const vec3 x = f * cell;
    bool ok = true;
    for (std::size_t i = 0; i < s.size() && ok; ++i) {
      // Check the distance to every periodic image nearby (cheap, small n).
      for (int a = -1; a <= 1 && ok; ++a)
        for (int b = -1; b <= 1 && ok; ++b)
          for (int c = -1; c <= 1 && ok; ++c) {
            const vec3 shift = (pbc[0] ? a : 0) * cell[0] + (pbc[1] ? b : 0) * cell[1] +
                               (pbc[2] ? c : 0) * cell[2];
            if (norm(x - s.position(i) - shift) < min_distance) ok = false;
          }
    }
    if (ok) s.add_atom(species[pick(rng)], x);
  }
  return s;
}

/// Expects fn() to throw annp::error whose message contains every needle.
template <class Fn> void expect_error(Fn&& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    FAIL("expected annp::error, nothing was thrown");
  } catch (const annp::error& e) {
    const std::string what = e.what();
    for (const auto& needle : needles) {
      INFO("message: ", what);
      CHECK_MESSAGE(what.find(needle) != std::string::npos, "missing '", needle, "'");
    }
  }
}

} // namespace annp::test
