// The floating-point work of one atom's descriptors, for counting by benchmarks/count_flops.py:
//   descriptor_flops SET MODE [ATOMS]
// SET: narrow, wide, polynomial, chebyshev (the sets of bench_descriptors, same box); MODE: 0
// values, 1 values + full Jacobian, 2 values + contracted derivatives (bench_descriptors's
// argument). Every atom is computed once to warm the workspace, then the first ATOMS atoms (1)
// again between the calls annp_count_begin() and annp_count_end(), which the counter steps
// through instruction by instruction. SET calibrate runs a loop of known work instead: MODE
// iterations of 12 fused multiply-adds on full SIMD registers and one scalar multiply, so that
// the counter can be checked against an exact number.
#include <annp/descriptors/engine.hpp>
#include <annp/structure/neighbor_list.hpp>

#include "bench_support.hpp"
#include "descriptor_sets.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

extern "C" {
// Markers for the counter: calls the compiler must treat as unknown (no inlining, no
// inter-procedural analysis), so that no work on escaped memory moves across them.
__attribute__((noipa)) void annp_count_begin() { asm volatile("" ::: "memory"); }
__attribute__((noipa)) void annp_count_end() { asm volatile("" ::: "memory"); }
}

namespace {

using namespace annp;

int calibrate(long iterations) {
  bench::fma_chains chains;
  asm volatile("" : : "r"(chains.acc) : "memory"); // escapes: its work stays between the markers
  volatile double x = 0.5, y = 3.0, product = 0.0;
  annp_count_begin();
  chains.run(iterations);
  product = x * y;
  annp_count_end();
  double sum = product;
  for (const auto& a : chains.acc) sum += simd::reduce_add(a);
  std::printf("calibrate: %ld iterations x %d FMA x %zu lanes + 1 multiply, checksum %.6f\n",
              iterations, bench::fma_chains::count, simd::width, sum);
  return 0;
}

int count(const std::string& set, int what, std::size_t atoms) {
  std::vector<symmetry_function> functions;
  if (set == "narrow")
    functions = bench::exponential_set(sf_kind_of<sf_kinds::angular_narrow>());
  else if (set == "wide")
    functions = bench::exponential_set(sf_kind_of<sf_kinds::angular_wide>());
  else if (set == "polynomial")
    functions = bench::polynomial_set();
  else if (set == "chebyshev")
    functions = bench::chebyshev_set();
  else
    throw std::invalid_argument("unknown set '" + set +
                                "' (expected narrow, wide, polynomial, chebyshev or calibrate)");
  if (what < 0 || what > 2)
    throw std::invalid_argument("MODE must be 0 (values), 1 (Jacobian) or 2 (contracted)");
  const descriptor_engine<cutoff::cosine> eng({bench::Al}, functions);
  const structure s = bench::fcc_rattled(10);
  const neighbor_list nl(s, eng.max_cutoff());
  if (atoms < 1 || atoms > s.size())
    throw std::invalid_argument("ATOMS must be 1.." + std::to_string(s.size()));
  descriptor_engine<cutoff::cosine>::workspace ws;
  std::vector<int> element(nl.max_count(), 0);
  std::vector<double> g(eng.size(0)), w(eng.size(0), 0.5);
  double checksum = 0.0;
  asm volatile("" : : "r"(&ws), "r"(g.data()) : "memory"); // stays between the markers
  const auto pass = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      bench::compute_atom(eng, ws, nl, i, element, what, w, g);
      checksum += g[0];
    }
  };
  pass(s.size());
  annp_count_begin();
  pass(atoms);
  annp_count_end();
  std::printf("%s mode %d: %zu atoms, %zu functions, %.1f neighbours per atom, checksum %.6f\n",
              set.c_str(), what, atoms, eng.size(0),
              static_cast<double>(nl.pairs()) / static_cast<double>(s.size()), checksum);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 3 || argc > 4) {
      std::fprintf(stderr, "usage: %s SET MODE [ATOMS]\n", argv[0]);
      return 2;
    }
    const std::string set = argv[1];
    const long mode = std::stol(argv[2]);
    if (set == "calibrate") return calibrate(mode);
    return count(set, static_cast<int>(mode),
                 argc == 4 ? static_cast<std::size_t>(std::stoul(argv[3])) : std::size_t{1});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "descriptor_flops: %s\n", e.what());
    return 2;
  }
}
