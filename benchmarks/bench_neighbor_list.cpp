// Neighbour-list build time: fcc Al, rattled, cutoff 6 Å (about 78 neighbours per atom in the
// full list). Sizes 4 000 (10^3 cells) and 32 000 (20^3 cells) atoms.
#include <annp/structure/neighbor_list.hpp>

#include "bench_support.hpp"

#include <benchmark/benchmark.h>

namespace {

void build(benchmark::State& state, annp::list_kind kind) {
  const auto cells = static_cast<std::size_t>(state.range(0));
  const annp::structure s = annp::bench::fcc_rattled(cells);
  annp::neighbor_list nl;
  const annp::neighbor_list_options options{6.0, kind};
  for (auto _ : state) {
    nl.build(s, options);
    benchmark::DoNotOptimize(nl.pairs());
  }
  state.counters["atoms"] = static_cast<double>(s.size());
  state.counters["pairs"] = static_cast<double>(nl.pairs());
  // items = atoms: items_per_second is atoms per second.
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.size()));
}

void full_list(benchmark::State& state) { build(state, annp::list_kind::full); }
void half_list(benchmark::State& state) { build(state, annp::list_kind::half); }

} // namespace

BENCHMARK(full_list)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond);
BENCHMARK(half_list)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
