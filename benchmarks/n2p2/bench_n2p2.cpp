// n2p2's own evaluation of its reference model on the box of bench_potential, for a side-by-side
// comparison on one machine (benchmarks/n2p2_side_by_side.sh builds and runs it). Links against
// libnnp of an n2p2 build (not part of annp, never built by annp's CMake).
//
// The box: fcc Al, a = 4.05 Å, 10 x 10 x 10 cubic cells (4 000 atoms), every coordinate displaced
// by a uniform random amount in [-0.1, 0.1] Å (std::mt19937_64, seed 1): the same numbers as
// annp::bench::fcc_rattled(10), so annp and n2p2 evaluate the same structure (the script checks
// that the energies agree). It is written to box.data in the working directory, which must hold
// the model (input.nn, scaling.data, weights.013.data).
//
// Timed, one thread, median of the repetitions:
//   without neighbour list: symmetry functions with derivatives (n2p2's groups), networks,
//     energy and forces on a structure whose neighbour list is already built;
//   end to end: the same plus n2p2's neighbour list (Mode::evaluateNNP).
#include "Prediction.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

void write_box(const std::string& path) {
  constexpr std::size_t cells = 10;
  constexpr double a = 4.05, rattle = 0.1;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(-rattle, rattle);
  const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  std::ofstream f(path);
  f.precision(17);
  const double l = a * static_cast<double>(cells);
  f << "begin\nlattice " << l << " 0 0\nlattice 0 " << l << " 0\nlattice 0 0 " << l << "\n";
  for (std::size_t x = 0; x < cells; ++x)
    for (std::size_t y = 0; y < cells; ++y)
      for (std::size_t z = 0; z < cells; ++z)
        for (const auto& b : basis) {
          // one statement per coordinate: the draws happen in annp's order (x, y, z)
          const double px = a * (static_cast<double>(x) + b[0]) + d(rng);
          const double py = a * (static_cast<double>(y) + b[1]) + d(rng);
          const double pz = a * (static_cast<double>(z) + b[2]) + d(rng);
          f << "atom " << px << " " << py << " " << pz << " Al 0 0 0 0 0\n";
        }
  f << "energy 0\ncharge 0\nend\n";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 5;
  if (repetitions < 1) {
    std::fprintf(stderr, "usage: bench_n2p2 [REPETITIONS >= 1]\n");
    return 2;
  }
  write_box("box.data");
  nnp::Prediction p;
  p.log.writeToStdout = false;
  p.setup();
  p.readStructureFromFile("box.data");
  nnp::Structure& s = p.structure;
  const auto forget_descriptors = [&] {
    s.hasSymmetryFunctions = false;
    s.hasSymmetryFunctionDerivatives = false;
    for (auto& atom : s.atoms) {
      atom.hasSymmetryFunctions = false;
      atom.hasSymmetryFunctionDerivatives = false;
    }
  };
  using clock = std::chrono::steady_clock;
  const auto seconds = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  p.evaluateNNP(s, true); // warm-up; builds the neighbour list
  std::vector<double> without_list, end_to_end;
  for (int r = 0; r < repetitions; ++r) {
    forget_descriptors();
    const auto t0 = clock::now();
    p.calculateSymmetryFunctionGroups(s, true);
    p.calculateAtomicNeuralNetworks(s, true);
    p.calculateEnergy(s);
    p.calculateForces(s);
    const auto t1 = clock::now();
    without_list.push_back(seconds(t0, t1));
    s.clearNeighborList();
    const auto t2 = clock::now();
    p.evaluateNNP(s, true);
    const auto t3 = clock::now();
    end_to_end.push_back(seconds(t2, t3));
  }
  const double n = static_cast<double>(s.numAtoms);
  s.toPhysicalUnits(p.getMeanEnergy(), p.getConvEnergy(), p.getConvLength(), p.getConvCharge());
  p.addEnergyOffset(s, false);
  std::printf("atoms %zu\n", s.numAtoms);
  std::printf("energy_eV %.12f\n", s.energy);
  std::printf("force_atom0_x %.12f\n", s.atoms[0].f[0]);
  std::printf("without_neighbour_list_us_per_atom %.3f\n", 1e6 * median(without_list) / n);
  std::printf("end_to_end_us_per_atom %.3f\n", 1e6 * median(end_to_end) / n);
  return 0;
}
