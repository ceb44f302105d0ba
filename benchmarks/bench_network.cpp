// Network evaluation: forward and forward+backward (dE/dG) for blocks of atoms, tanh networks
// 2x20 and 3x64 with 24 or 64 inputs, three implementations:
//   simd     annp's block path (register-tiled xsimd kernels)
//   scalar   annp's plain per-atom path (a scalar loop per atom)
//   xtensor  the same layer written as an xtensor expression
// and static_* : the same networks as static types (network<24, dense<20, tanh>, ...>: constant
// sizes, fixed-size parameters, activations called directly) against the dynamic ones above.
// Counters: GFLOPs (2 flops per multiply-add of the dense layers; activations not counted) and
// the fraction of this core's FMA peak, measured by peak_fma (independent FMA chains on full SIMD
// registers).
#include <annp/network/init.hpp>
#include <annp/network/network.hpp>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "bench_support.hpp"

#include <benchmark/benchmark.h>

#include <random>

namespace {

using namespace annp;

dynamic_network make(std::size_t in, std::size_t width, std::size_t hidden,
                     activation_kind act = activation_kind::of<activation::tanh>()) {
  std::vector<layer_shape> shapes;
  std::size_t prev = in;
  for (std::size_t l = 0; l < hidden; ++l) {
    shapes.push_back({prev, width, act});
    prev = width;
  }
  shapes.push_back({prev, 1, activation_kind::of<activation::linear>()});
  dynamic_network net(shapes);
  initialize(net, init::nguyen_widrow{}, 1);
  return net;
}

double flops_per_atom(const dynamic_network& net) {
  double f = 0.0;
  for (const auto& s : net.layers()) f += 2.0 * static_cast<double>(s.in * s.out);
  return f;
}

std::vector<double> inputs(std::size_t n, std::size_t in) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> g;
  std::vector<double> x(n * in);
  for (auto& v : x) v = g(rng);
  return x;
}

void counters(benchmark::State& state, const dynamic_network& net, std::size_t atoms,
              double factor) {
  const double flops = factor * flops_per_atom(net) * static_cast<double>(atoms);
  state.counters["GFLOPs"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(atoms));
  state.counters["atoms"] = static_cast<double>(atoms);
}

// Arguments: inputs, width, hidden layers, atoms in the block.
void simd_forward(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)));
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  std::vector<double> e(n);
  network_workspace ws;
  for (auto _ : state) {
    net.energies(ws, x.data(), n, net.input_count(), e.data());
    benchmark::DoNotOptimize(e.data());
  }
  counters(state, net, n, 1.0);
}

// The same with linear hidden layers: the dense-layer kernels alone, without activations.
void simd_forward_linear(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)), activation_kind::of<activation::linear>());
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  std::vector<double> e(n);
  network_workspace ws;
  for (auto _ : state) {
    net.energies(ws, x.data(), n, net.input_count(), e.data());
    benchmark::DoNotOptimize(e.data());
  }
  counters(state, net, n, 1.0);
}

void simd_forward_backward(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)));
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  std::vector<double> e(n), d(n * net.input_count());
  network_workspace ws;
  for (auto _ : state) {
    net.energies_and_input_gradients(ws, x.data(), n, net.input_count(), e.data(), d.data(),
                                     net.input_count());
    benchmark::DoNotOptimize(d.data());
  }
  counters(state, net, n, 2.0);
}

void scalar_forward(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)));
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  for (auto _ : state)
    for (std::size_t a = 0; a < n; ++a)
      benchmark::DoNotOptimize(net.evaluate(x.data() + a * net.input_count()));
  counters(state, net, n, 1.0);
}

void scalar_forward_backward(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)));
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  std::vector<double> d(net.input_count());
  for (auto _ : state)
    for (std::size_t a = 0; a < n; ++a)
      benchmark::DoNotOptimize(net.evaluate(x.data() + a * net.input_count(), d.data()));
  counters(state, net, n, 2.0);
}

// The forward pass as xtensor expressions: Z = sum_i W[o, i] X[i, a] + b, A = tanh(Z).
void xtensor_forward(benchmark::State& state) {
  const auto net =
      make(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
           static_cast<std::size_t>(state.range(2)));
  const auto n = static_cast<std::size_t>(state.range(3));
  const auto x = inputs(n, net.input_count());
  std::vector<xt::xtensor<double, 2>> W;
  std::vector<xt::xtensor<double, 1>> b;
  for (std::size_t l = 0; l < net.layer_count(); ++l) {
    const auto& s = net.layers()[l];
    W.push_back(xt::adapt(net.weights(l).data(), s.in * s.out, xt::no_ownership(),
                          std::vector<std::size_t>{s.out, s.in}));
    b.push_back(
        xt::adapt(net.bias(l).data(), s.out, xt::no_ownership(), std::vector<std::size_t>{s.out}));
  }
  // Feature-major input block.
  xt::xtensor<double, 2> X0 = xt::transpose(xt::adapt(
      x.data(), x.size(), xt::no_ownership(), std::vector<std::size_t>{n, net.input_count()}));
  for (auto _ : state) {
    xt::xtensor<double, 2> a = X0;
    for (std::size_t l = 0; l < net.layer_count(); ++l) {
      xt::xtensor<double, 2> z = xt::sum(xt::view(W[l], xt::all(), xt::all(), xt::newaxis()) *
                                             xt::view(a, xt::newaxis(), xt::all(), xt::all()),
                                         {1}) +
                                 xt::view(b[l], xt::all(), xt::newaxis());
      if (net.layers()[l].activation == activation_kind::of<activation::tanh>())
        a = xt::tanh(z);
      else
        a = std::move(z);
    }
    benchmark::DoNotOptimize(a.data());
  }
  counters(state, net, n, 1.0);
}

// FMA peak of one core (bench_support.hpp), the denominator of the fractions above.
void peak_fma(benchmark::State& state) { bench::peak_fma(state); }

// tanh on 4096 values: annp's formula (fast_exp + one division) vs xsimd::tanh.
template <bool Xsimd> void tanh_values(benchmark::State& state) {
  const auto x = inputs(4096, 1);
  std::vector<double> y(x.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < x.size(); i += simd::width) {
      const simd::batch v = simd::load(x.data() + i);
      simd::store(y.data() + i, Xsimd ? xsimd::tanh(v) : act::tanh::value(v));
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * 4096);
}
void tanh_annp(benchmark::State& state) { tanh_values<false>(state); }
void tanh_xsimd(benchmark::State& state) { tanh_values<true>(state); }

// Static networks of the two hidden shapes above, 24 and 64 inputs.
using static_24_2x20 =
    network<24, dense<20, act::tanh>, dense<20, act::tanh>, dense<1, act::linear>>;
using static_64_3x64 = network<64, dense<64, act::tanh>, dense<64, act::tanh>, dense<64, act::tanh>,
                               dense<1, act::linear>>;

template <class Net> Net make_static() {
  Net net;
  initialize(net, init::nguyen_widrow{}, 1);
  return net;
}

// Argument: atoms in the block.
template <class Net> void static_forward(benchmark::State& state) {
  const auto net = make_static<Net>();
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = inputs(n, Net::input_size);
  std::vector<double> e(n);
  network_workspace ws;
  for (auto _ : state) {
    net.energies(ws, x.data(), n, Net::input_size, e.data());
    benchmark::DoNotOptimize(e.data());
  }
  counters(state, dynamic_network(net), n, 1.0);
}

template <class Net> void static_forward_backward(benchmark::State& state) {
  const auto net = make_static<Net>();
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = inputs(n, Net::input_size);
  std::vector<double> e(n), d(n * Net::input_size);
  network_workspace ws;
  for (auto _ : state) {
    net.energies_and_input_gradients(ws, x.data(), n, Net::input_size, e.data(), d.data(),
                                     Net::input_size);
    benchmark::DoNotOptimize(d.data());
  }
  counters(state, dynamic_network(net), n, 2.0);
}

template <class Net> void static_scalar_forward(benchmark::State& state) {
  const auto net = make_static<Net>();
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = inputs(n, Net::input_size);
  for (auto _ : state)
    for (std::size_t a = 0; a < n; ++a)
      benchmark::DoNotOptimize(net.evaluate(x.data() + a * Net::input_size));
  counters(state, dynamic_network(net), n, 1.0);
}

void blocks(benchmark::internal::Benchmark* b) {
  for (long block : {1, 16, 128, 1024}) b->Arg(block);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (long in : {24, 64})
    for (auto [width, hidden] : {std::pair{20L, 2L}, std::pair{64L, 3L}})
      for (long block : {1, 16, 128, 1024}) b->Args({in, width, hidden, block});
}

} // namespace

BENCHMARK(peak_fma);
BENCHMARK(tanh_annp);
BENCHMARK(tanh_xsimd);
BENCHMARK(simd_forward)->Apply(shapes);
BENCHMARK(simd_forward_linear)->Apply(shapes);
BENCHMARK(scalar_forward)->Apply(shapes);
BENCHMARK(xtensor_forward)->Apply(shapes);
BENCHMARK(simd_forward_backward)->Apply(shapes);
BENCHMARK(scalar_forward_backward)->Apply(shapes);
BENCHMARK_TEMPLATE(static_forward, static_24_2x20)->Apply(blocks);
BENCHMARK_TEMPLATE(static_forward, static_64_3x64)->Apply(blocks);
BENCHMARK_TEMPLATE(static_forward_backward, static_24_2x20)->Apply(blocks);
BENCHMARK_TEMPLATE(static_forward_backward, static_64_3x64)->Apply(blocks);
BENCHMARK_TEMPLATE(static_scalar_forward, static_24_2x20)->Apply(blocks);
BENCHMARK_TEMPLATE(static_scalar_forward, static_64_3x64)->Apply(blocks);
BENCHMARK_MAIN();
