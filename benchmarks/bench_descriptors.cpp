// Descriptors + derivatives per atom: fcc Al (a = 4.05 Å), 4 000 atoms rattled by 0.1 Å,
// r_c = 6 Å (about 54 neighbours), a standard set of 8 radial + 16 angular functions in four
// variants: narrow angular (n2p2 type 3), wide angular (type 9), polynomial (types 20 + 21) and
// Chebyshev (aenet). Reported as time per atom (items = atoms); one thread.
// *_static: the same functions through the engine of a static descriptor set
// (descriptor_set<cutoff::cosine, radial_g2<8>, angular_narrow<16>>::engine_type and so on):
// kernels compiled for exactly those kinds' families, against the run-time engine.
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/parameter_grid.hpp>

#include "bench_support.hpp"
#include "descriptor_sets.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace annp;
using bench::Al;
using bench::chebyshev_set;
using bench::exponential_set;
using bench::polynomial_set;

// what: 0 values only, 1 values + full Jacobian, 2 values + contracted derivative (forces).
template <class Engine = descriptor_engine<cutoff::cosine>>
void run(benchmark::State& state, const std::vector<symmetry_function>& functions, long what) {
  const Engine eng({Al}, functions);
  const structure s = bench::fcc_rattled(10);
  const neighbor_list nl(s, eng.max_cutoff());
  typename Engine::workspace ws;
  std::vector<int> element(nl.max_count(), 0);
  std::vector<double> g(eng.size(0)), w(eng.size(0), 0.5);
  for (auto _ : state) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      bench::compute_atom(eng, ws, nl, i, element, what, w, g);
      benchmark::DoNotOptimize(g.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.size()));
  state.counters["neighbours"] = static_cast<double>(nl.pairs()) / static_cast<double>(s.size());
}

void narrow(benchmark::State& st) {
  run(st, exponential_set(sf_kind_of<sf_kinds::angular_narrow>()), st.range(0));
}
void wide(benchmark::State& st) {
  run(st, exponential_set(sf_kind_of<sf_kinds::angular_wide>()), st.range(0));
}
void polynomial(benchmark::State& st) { run(st, polynomial_set(), st.range(0)); }
void chebyshev(benchmark::State& st) { run(st, chebyshev_set(), st.range(0)); }
// Radial orders 0..7 and angular orders 0..N-1: up to N = 7 (degree 6) the angular functions run
// through moments, from N = 8 over neighbour pairs; the crossover of the two kernels.
void chebyshev_angular_orders(benchmark::State& st) {
  run(st, chebyshev_set(8, static_cast<int>(st.range(0))), st.range(1));
}

template <class... Kinds>
using static_engine = typename descriptor_set<cutoff::cosine, Kinds...>::engine_type;
void narrow_static(benchmark::State& st) {
  run<static_engine<radial_g2<8>, angular_narrow<16>>>(
      st, exponential_set(sf_kind_of<sf_kinds::angular_narrow>()), st.range(0));
}
void wide_static(benchmark::State& st) {
  run<static_engine<radial_g2<8>, angular_wide<16>>>(
      st, exponential_set(sf_kind_of<sf_kinds::angular_wide>()), st.range(0));
}
void polynomial_static(benchmark::State& st) {
  run<static_engine<radial_compact<8>, angular_narrow_compact<16>>>(st, polynomial_set(),
                                                                    st.range(0));
}
void chebyshev_static(benchmark::State& st) {
  run<static_engine<chebyshev_radial<8>, chebyshev_angular<16>>>(st, chebyshev_set(), st.range(0));
}

// The denominator of the fraction of the FMA peak (docs/performance.md, benchmarks/count_flops.py).
void peak_fma(benchmark::State& state) { bench::peak_fma(state); }

} // namespace

// Argument: 0 values only, 1 values + full Jacobian, 2 values + contracted derivatives.
BENCHMARK(narrow)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(wide)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(polynomial)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(chebyshev)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(chebyshev_angular_orders)
    ->ArgsProduct({{4, 7, 8, 12, 16}, {0, 2}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(narrow_static)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(wide_static)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(polynomial_static)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(chebyshev_static)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(peak_fma);
BENCHMARK_MAIN();
