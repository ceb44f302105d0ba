// Training throughput: one evaluation of the E+F loss and its exact gradient over structures of
// the EAM-labelled Al set (../shared/datasets/al-eam; 36-108 atoms each), per structure and per
// atom, 1 and 2 threads; the same for energies only; and the one-time preparation of the
// descriptors and their derivatives. The model is the bundled Al model's shape (30 symmetry
// functions, 30-20-20-1 tanh). Skipped with a message when the set is absent.
//
// ANNP_BENCH_SMOKE=1 (the bench_smoke CTest label) uses 8 structures instead of 64.
#include <annp/annp.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {

using namespace annp;

struct fixture {
  std::vector<structure> structures;
  model m;
  model_recipe recipe;
  dataset_split split;
  std::unique_ptr<prepared_training> data;
  std::string why_not;
};

fixture& eam_data() {
  static fixture f = [] {
    fixture out;
    const std::string compressed = std::string(ANNP_SHARED_DIR) + "/datasets/al-eam/al-eam.xyz.xz";
    if (!std::filesystem::exists(compressed)) {
      out.why_not = "the EAM-labelled Al set is not at " + compressed;
      return out;
    }
    const auto file = std::filesystem::temp_directory_path() / "annp_bench_al_eam.xyz";
    if (!std::filesystem::exists(file)) {
      const std::string tmp = file.string() + ".partial";
      if (std::system(("xz -dc '" + compressed + "' > '" + tmp + "'").c_str()) != 0) {
        out.why_not = "cannot decompress " + compressed + " with xz";
        return out;
      }
      std::filesystem::rename(tmp, file);
    }
    auto all = read_structures(file.string());
    const std::size_t n = std::getenv("ANNP_BENCH_SMOKE") ? 8 : 64;
    all.resize(std::min(n, all.size()));
    out.structures = std::move(all);
    out.recipe.descriptors.radial_count = 12;
    out.recipe.descriptors.angular_count = 3;
    out.recipe.descriptors.zetas = {1.0, 4.0, 16.0};
    out.m = initial_model(elements_of(out.structures), out.recipe, 1);
    for (std::size_t k = 0; k < out.structures.size(); ++k) out.split.train.push_back(k);
    out.data = std::make_unique<prepared_training>(
        prepare_training(out.m, out.structures, out.split, out.recipe, true));
    return out;
  }();
  return f;
}

void loss_gradient(benchmark::State& state, loss_weights w) {
  auto& f = eam_data();
  if (!f.why_not.empty()) {
    state.SkipWithError(f.why_not.c_str());
    return;
  }
  set_threads(static_cast<int>(state.range(0)));
  network_set<> nets(f.m);
  training_objective obj(nets, f.data->train, w);
  std::vector<double> g(obj.size());
  for (auto _ : state) benchmark::DoNotOptimize(obj.value_and_gradient(g));
  // items = structures; the label gives the atoms per structure for the per-atom time.
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(obj.sample_count()));
  state.counters["atoms_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(f.data->train.atom_count()),
      benchmark::Counter::kIsRate);
  set_threads(max_threads());
}

void energy_and_forces(benchmark::State& state) { loss_gradient(state, {1.0, 0.01, 0.0}); }
void energies_only(benchmark::State& state) { loss_gradient(state, {1.0, 0.0, 0.0}); }

void prepare(benchmark::State& state) {
  auto& f = eam_data();
  if (!f.why_not.empty()) {
    state.SkipWithError(f.why_not.c_str());
    return;
  }
  set_threads(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    model m = initial_model(elements_of(f.structures), f.recipe, 1);
    auto d = prepare_training(m, f.structures, f.split, f.recipe, true);
    benchmark::DoNotOptimize(d.train.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.structures.size()));
  set_threads(max_threads());
}

} // namespace

BENCHMARK(energy_and_forces)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(energies_only)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(prepare)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
