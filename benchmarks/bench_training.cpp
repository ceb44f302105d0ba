// Training throughput: one evaluation of the E+F loss and its exact gradient over structures of
// the EAM-labelled Al set (../shared/datasets/al-eam; 36-108 atoms each), per structure and per
// atom, 1 and 2 threads; the same for energies only; and the one-time preparation of the
// descriptors and their derivatives. The model is the bundled Al model's shape (30 symmetry
// functions, 30-20-20-1 tanh). Skipped with a message when the set is absent.
//
// epoch_scaling: memory of the precomputed descriptors and derivatives and the time of one
// E+F epoch for 16, 160 and 1 600 structures (about 1.2 k, 12 k and 125 k atoms), with the
// derivatives stored and streamed (recomputed at every use).
//
// error_table_after_step: the per-epoch error table, predicted again and from the predictions
// the last loss evaluation kept.
//
// ANNP_BENCH_SMOKE=1 (the bench_smoke CTest label) uses 8 structures instead of 64 (16 for
// epoch_scaling).
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

// The whole EAM-labelled set (empty with the reason in why_not when absent).
const std::vector<structure>& eam_structures(std::string& why_not) {
  static std::string reason;
  static const std::vector<structure> all = [] {
    const std::string compressed = std::string(ANNP_SHARED_DIR) + "/datasets/al-eam/al-eam.xyz.xz";
    if (!std::filesystem::exists(compressed)) {
      reason = "the EAM-labelled Al set is not at " + compressed;
      return std::vector<structure>{};
    }
    const auto file = std::filesystem::temp_directory_path() / "annp_bench_al_eam.xyz";
    if (!std::filesystem::exists(file)) {
      const std::string tmp = file.string() + ".partial";
      if (std::system(("xz -dc '" + compressed + "' > '" + tmp + "'").c_str()) != 0) {
        reason = "cannot decompress " + compressed + " with xz";
        return std::vector<structure>{};
      }
      std::filesystem::rename(tmp, file);
    }
    return read_structures(file.string());
  }();
  why_not = reason;
  return all;
}

model_recipe bundled_shape() {
  model_recipe r;
  r.descriptors.radial_count = 12;
  r.descriptors.angular_count = 3;
  r.descriptors.zetas = {1.0, 4.0, 16.0};
  return r;
}

fixture& eam_data() {
  static fixture f = [] {
    fixture out;
    auto all = eam_structures(out.why_not);
    if (!out.why_not.empty()) return out;
    const std::size_t n = std::getenv("ANNP_BENCH_SMOKE") ? 8 : 64;
    all.resize(std::min(n, all.size()));
    out.structures = std::move(all);
    out.recipe = bundled_shape();
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

// The error table a trainer records every epoch (errors(): energy, force and stress RMSEs per
// config_type), one thread: Arg 0 predicts every structure again (an objective that has evaluated
// nothing); Arg 1 tabulates the predictions kept by the whole-set loss evaluation an optimiser's
// step ends with (training_objective::predictions_kept()).
void error_table_after_step(benchmark::State& state) {
  auto& f = eam_data();
  if (!f.why_not.empty()) {
    state.SkipWithError(f.why_not.c_str());
    return;
  }
  set_threads(1);
  network_set<> nets(f.m);
  const loss_weights w{1.0, 0.01, 0.0};
  training_objective stepped(nets, f.data->train, w), fresh(nets, f.data->train, w);
  std::vector<double> g(stepped.size());
  (void)stepped.value_and_gradient(g);
  const bool kept = state.range(0) != 0;
  auto& obj = kept ? stepped : fresh;
  if (obj.predictions_kept() != kept) {
    state.SkipWithError("the objective does not keep what this case measures");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(obj.errors().total().force.rmse());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(obj.sample_count()));
  set_threads(max_threads());
}

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

// Training memory and epoch time against the amount of data: the first N structures of the set
// (about 78 atoms each), energies + forces, one thread. Counters: atoms, bytes of precomputed
// descriptors and derivatives per atom, their total in MB; the time is one epoch (loss and
// gradient over all N).
void epoch_scaling(benchmark::State& state) {
  std::string why_not;
  const auto& all = eam_structures(why_not);
  if (!why_not.empty()) {
    state.SkipWithError(why_not.c_str());
    return;
  }
  // The smoke run (ANNP_BENCH_SMOKE) caps every size at 16 structures.
  const std::size_t cap = std::getenv("ANNP_BENCH_SMOKE") ? 16 : all.size();
  const auto n = std::min(cap, static_cast<std::size_t>(state.range(0)));
  const std::vector<structure> some(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  const model_recipe recipe = bundled_shape();
  model m = initial_model(elements_of(some), recipe, 1);
  dataset_split split;
  for (std::size_t k = 0; k < n; ++k) split.train.push_back(k);
  const bool stream = state.range(1) != 0;
  const auto data = prepare_training(m, some, split, recipe, true, stream);
  set_threads(1);
  network_set<> nets(m);
  training_objective obj(nets, data.train, loss_weights{1.0, 0.01, 0.0});
  std::vector<double> g(obj.size());
  for (auto _ : state) benchmark::DoNotOptimize(obj.value_and_gradient(g));
  const auto atoms = static_cast<double>(data.train.atom_count());
  const auto bytes = static_cast<double>(data.train.memory_bytes());
  state.counters["atoms"] = atoms;
  state.counters["bytes_per_atom"] = bytes / atoms;
  state.counters["MB"] = bytes / 1e6;
  set_threads(max_threads());
}

} // namespace

BENCHMARK(epoch_scaling)
    ->ArgNames({"structures", "streamed"})
    ->Args({16, 0})
    ->Args({160, 0})
    ->Args({1600, 0})
    ->Args({16, 1})
    ->Args({160, 1})
    ->Args({1600, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);
BENCHMARK(energy_and_forces)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(energies_only)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(error_table_after_step)
    ->ArgName("kept")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(prepare)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
