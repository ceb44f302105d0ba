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

#include <benchmark/benchmark.h>

namespace {

using namespace annp;
constexpr int Al = 13;
constexpr double rc = 6.0;

std::vector<symmetry_function> exponential_set(sf_kind angular) {
  descriptor_recipe r;
  r.rc = rc;
  r.radial_count = 8;
  r.angular_kind = angular;
  r.angular_count = 4;
  r.zetas = {1.0, 4.0};
  return make_descriptor_functions({Al}, r);
}

// Polynomial (compact) functions with one support end r_c = 6 Å, as n2p2 types 20 and 21: the
// lower ends r_l shift the centres; four angular windows.
std::vector<symmetry_function> polynomial_set() {
  std::vector<symmetry_function> out;
  for (int i = 0; i < 8; ++i) {
    symmetry_function f;
    f.kind = sf_kind_of<sf_kinds::radial_compact>();
    f.center = f.e1 = Al;
    f.rc = rc;
    f.rl = -rc + 1.25 * i;
    f.core = core_function{core_kind::poly2};
    out.push_back(f);
  }
  const double windows[4][2] = {{0, 90}, {45, 135}, {90, 180}, {0, 180}};
  for (double rl : {-6.0, -3.0, 0.0, 2.0})
    for (const auto& w : windows) {
      symmetry_function f;
      f.kind = sf_kind_of<sf_kinds::angular_narrow_compact>();
      f.center = f.e1 = f.e2 = Al;
      f.rc = rc;
      f.rl = rl;
      f.angle_left = w[0];
      f.angle_right = w[1];
      f.core = core_function{core_kind::poly2};
      out.push_back(f);
    }
  return out;
}

std::vector<symmetry_function> chebyshev_set(int radial = 8, int angular = 16) {
  std::vector<symmetry_function> out;
  for (int order = 0; order < radial; ++order) {
    symmetry_function f;
    f.kind = sf_kind_of<sf_kinds::chebyshev_radial>();
    f.center = Al;
    f.rc = rc;
    f.order = order;
    out.push_back(f);
  }
  for (int order = 0; order < angular; ++order) {
    symmetry_function f;
    f.kind = sf_kind_of<sf_kinds::chebyshev_angular>();
    f.center = Al;
    f.rc = rc;
    f.order = order;
    out.push_back(f);
  }
  return out;
}

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
      const std::size_t b = nl.begin(i);
      eng.gather(ws, 0, nl.count(i), nl.dx().data() + b, nl.dy().data() + b, nl.dz().data() + b,
                 nl.r().data() + b, element.data());
      if (what == 2)
        eng.compute_contracted(ws, 0, w.data(), g.data());
      else
        eng.compute(ws, 0, g.data(), what == 1);
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
BENCHMARK_MAIN();
