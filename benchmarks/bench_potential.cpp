// Energy + forces per atom-step: fcc Al (a = 4.05 Å, 4 000 atoms, displaced by up to 0.1 Å) with
// the imported n2p2 reference model (16 G2 + 16 narrow G4, r_c = 6 Å, 32-20-20-1 tanh), through
// the statically typed potential and through any_potential; 1 and 2 threads. The neighbour list
// is rebuilt in every evaluation (it is part of the cost), except in static_potential_host_lists:
// there the potential gets the neighbour lists as a host code hands them over (LAMMPS's pair style,
// the KIM driver): ghost atoms and full lists with a 1 Å skin, built once, filtered by distance in
// every evaluation — what an evaluation costs "without its neighbour list", as n2p2's timings are
// quoted (benchmarks/n2p2_side_by_side.py).
//
// lammps_eam runs Debian's LAMMPS (lmp) on the same box with the EAM potential of Mendelev et al.
// (Al_mm.eam.fs) for 200 NVE steps and reports LAMMPS's own loop time per atom-step, so that the
// ratio to a classical potential is measured in one run on one machine. It is skipped with a
// message when lmp or the potential file is missing.
#include <annp/io/n2p2_model.hpp>
#include <annp/potential/any_potential.hpp>

#include "bench_support.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace {

using namespace annp;
using descriptor = descriptor_set<cutoff::cosine, radial_g2<16>, angular_narrow<16>>;
using net = network<32, dense<20, act::tanh>, dense<20, act::tanh>, dense<1, act::linear>>;

const model& reference_model() {
  static const model m = read_n2p2_model(std::string(ANNP_SOURCE_DIR) + "/tests/data/n2p2-al");
  return m;
}

// The reference model with the ZBL core of examples/al.conf's kind switched on (inner 1.8 Å,
// outer 2.25 Å): in this box no pair is that close, so this measures what the core costs when it
// only has to be checked, the usual case in MD.
const model& reference_model_with_core() {
  static const model m = [] {
    model c = reference_model();
    c.core.type = short_range::kind::zbl;
    c.core.inner = 1.8;
    c.core.outer = 2.25;
    return c;
  }();
  return m;
}

template <class P> void energy_forces(benchmark::State& state, const model& m) {
  const P pot(m);
  const structure s = bench::fcc_rattled(10);
  set_threads(static_cast<int>(state.range(0)));
  potential_result r;
  for (auto _ : state) {
    pot.compute(s, r);
    benchmark::DoNotOptimize(r.energy);
  }
  // items = atoms: 1e6 / items_per_second is the time per atom-step in microseconds.
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.size()));
  set_threads(max_threads());
}

// A host's view of a periodic structure: its atoms, one ghost per periodic image that some list
// reaches, and a full neighbour list (cutoff + skin) of every atom over atoms and ghosts.
struct host_copy {
  std::vector<double> positions;
  std::vector<int> element;
  std::vector<std::vector<int>> lists;
  host_system system;

  host_copy(const structure& s, int element_index, double reach) {
    const neighbor_list nl(s, reach);
    std::map<std::array<std::int64_t, 4>, int> ghost; // (atom, image) -> particle
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t d = 0; d < 3; ++d) positions.push_back(s.positions(i, d));
    element.assign(s.size(), element_index);
    lists.resize(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
        const auto j = nl.index()[k];
        const auto& n = nl.shift()[k];
        int particle = static_cast<int>(j);
        if (n[0] != 0 || n[1] != 0 || n[2] != 0) {
          const auto [at, fresh] = ghost.try_emplace({j, n[0], n[1], n[2]}, 0);
          if (fresh) {
            at->second = static_cast<int>(element.size());
            const vec3 x = s.position(i) + vec3{nl.dx()[k], nl.dy()[k], nl.dz()[k]};
            positions.insert(positions.end(), {x[0], x[1], x[2]});
            element.push_back(element_index);
          }
          particle = at->second;
        }
        lists[i].push_back(particle);
      }
    system.particles = element.size();
    system.positions = positions.data();
    system.element = element.data();
    system.contributing = s.size();
    system.neighbours = [this](std::size_t i, int& count, const int*& list) {
      count = static_cast<int>(lists[i].size());
      list = lists[i].data();
    };
  }
};

void static_potential_host_lists(benchmark::State& state) {
  const potential<descriptor, net> pot(reference_model());
  const structure s = bench::fcc_rattled(10);
  const host_copy host(s, pot.element_index(13), pot.cutoff() + 1.0);
  set_threads(static_cast<int>(state.range(0)));
  host_result r;
  pot.compute(host.system, r);
  if (std::abs(r.energy - pot.compute(s).energy) > 1e-9 * static_cast<double>(s.size())) {
    state.SkipWithError("the host path's energy differs from the structure path's");
    return;
  }
  for (auto _ : state) {
    pot.compute(host.system, r);
    benchmark::DoNotOptimize(r.energy);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.size()));
  state.counters["ghosts"] = static_cast<double>(host.system.particles - s.size());
  set_threads(max_threads());
}

void static_potential(benchmark::State& state) {
  energy_forces<potential<descriptor, net>>(state, reference_model());
}
void static_potential_with_core(benchmark::State& state) {
  energy_forces<potential<descriptor, net>>(state, reference_model_with_core());
}
void any_model_potential(benchmark::State& state) {
  energy_forces<any_potential>(state, reference_model());
}

void lammps_eam(benchmark::State& state) {
  const std::string eam = "/usr/share/lammps/potentials/Al_mm.eam.fs";
  if (std::system("command -v lmp > /dev/null 2>&1") != 0 || !std::filesystem::exists(eam)) {
    state.SkipWithError("LAMMPS (Debian package lammps) or Al_mm.eam.fs (lammps-data) missing");
    return;
  }
  const auto dir = std::filesystem::temp_directory_path() / "annp_bench_eam";
  std::filesystem::create_directories(dir);
  const int ranks = static_cast<int>(state.range(0));
  // The bench_smoke CTest run only checks that this works: a few steps.
  const bool smoke = std::getenv("ANNP_BENCH_SMOKE") != nullptr;
  const int steps = smoke ? 10 : 200;
  std::ofstream(dir / "in.eam") << "units metal\natom_style atomic\nlattice fcc 4.05\n"
                                   "region box block 0 10 0 10 0 10\ncreate_box 1 box\n"
                                   "create_atoms 1 box\nmass 1 26.982\n"
                                   "displace_atoms all random 0.1 0.1 0.1 12345\n"
                                   "pair_style eam/fs\npair_coeff * * "
                                << eam
                                << " Al\nvelocity all create 300 4928459\n"
                                   "fix 1 all nve\nthermo 100\nrun "
                                << steps << "\n";
  double per_atom_step = 0.0;
  for (auto _ : state) {
    const std::string cmd =
        (ranks > 1 ? "mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " "
                   : std::string()) +
        "lmp -nocite -log none -screen " + (dir / "out.txt").string() + " -in " +
        (dir / "in.eam").string() + " > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      state.SkipWithError("lmp failed");
      return;
    }
    std::ifstream in(dir / "out.txt");
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    const std::string t = text.str();
    if (!std::regex_search(t, m, std::regex("Loop time of ([0-9.eE+-]+) on"))) {
      state.SkipWithError("no loop time in LAMMPS output");
      return;
    }
    const double loop = std::stod(m[1]);
    per_atom_step = loop / (static_cast<double>(steps) * 4000.0);
    state.SetIterationTime(loop);
  }
  state.counters["us_per_atom_step"] = 1e6 * per_atom_step;
}

} // namespace

BENCHMARK(static_potential)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(static_potential_host_lists)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(static_potential_with_core)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(any_model_potential)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(lammps_eam)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);
// (under ANNP_BENCH_SMOKE each of the three iterations runs 10 steps)
BENCHMARK_MAIN();
