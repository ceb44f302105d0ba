// mpi-train: data-parallel training over MPI ranks. Every rank reads the data and prepares the
// descriptors; every epoch's structures are shared between the ranks (annp::mpi_distribution),
// and all ranks end with the same parameters — bit for bit those of a single process. Rank 0
// prints the progress and writes the model.
//
//   mpirun -np 2 build/examples/mpi-train DATA MODEL_OUT [EPOCHS [FORCE_WEIGHT [TRAIN_LIMIT]]]
//
// DATA: extended XYZ or n2p2 input.data; the study's model (12 radial + 18 angular symmetry
// functions, 2x20 tanh), L-BFGS, energies (+ forces with FORCE_WEIGHT > 0), split 80/10/10 by
// config_type (seed 1); TRAIN_LIMIT > 0 keeps that many training structures. Built with
// -DANNP_WITH_MPI=ON. The last line prints the final training loss to 17 digits: it is the same
// for any number of ranks and threads.
#include <annp/annp.hpp>
#include <annp/training/mpi.hpp>

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

namespace {

int run(int argc, char** argv, int rank, int ranks) {
  using namespace annp;
  if (argc < 3) {
    if (rank == 0)
      std::cerr << "usage: mpi-train DATA MODEL_OUT [EPOCHS [FORCE_WEIGHT [TRAIN_LIMIT]]]\n";
    return 2;
  }
  const std::string data_file = argv[1], model_file = argv[2];
  const auto epochs = argc > 3 ? parse_number<std::size_t>(argv[3], "EPOCHS") : 200;
  const auto force_weight = argc > 4 ? parse_number<double>(argv[4], "FORCE_WEIGHT") : 0.0;
  const auto limit = argc > 5 ? parse_number<std::size_t>(argv[5], "TRAIN_LIMIT") : 0;

  const auto structures = read_structures(data_file);
  auto split = split_dataset(structures, {0.1, 0.1}, 1);
  if (limit > 0 && limit < split.train.size()) split.train.resize(limit);
  model_recipe recipe;
  recipe.descriptors.radial_count = 12;
  recipe.descriptors.angular_count = 3;
  recipe.descriptors.zetas = {1.0, 4.0, 16.0};
  model m = initial_model(elements_of(structures), recipe, 1);
  const auto t0 = std::chrono::steady_clock::now();
  auto data = prepare_training(m, structures, split, recipe, force_weight > 0.0);
  const double prepare_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  network_set<> nets(m);
  const loss_weights w{1.0, force_weight, 0.0};
  trainer t(nets, data.train, optim::lbfgs<>{},
            {.validation = &data.validation_in_range, .weights = w});
  mpi_distribution dist;
  t.distribute(&dist);
  std::ostringstream discard;
  callbacks::progress progress{rank == 0 ? &std::cout : &discard, 1};
  if (rank == 0)
    std::cout << ranks << " rank(s) x " << max_threads() << " thread(s); " << split.train.size()
              << " training structures (" << data.train.atom_count() << " atoms); descriptors in "
              << prepare_s << " s\n";
  const auto t1 = std::chrono::steady_clock::now();
  t.run(epochs, progress);
  const double train_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double final_loss = t.history().back().loss;
  t.restore_best();
  nets.store(m);
  const auto table = t.validation_errors();
  if (rank == 0) {
    write_model(model_file, m);
    std::cout << table.format("validation (model selection)") << "best epoch " << t.best_epoch()
              << " of " << t.epoch() << "; " << train_s / static_cast<double>(t.epoch())
              << " s per epoch\nwrote " << model_file << '\n';
    std::printf("final training loss %.17g\n", final_loss);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int code = 0;
  try {
    code = run(argc, argv, rank, ranks);
  } catch (const std::exception& e) {
    // Every rank reads the same data and fails the same way; rank 0 reports.
    if (rank == 0) std::cerr << "mpi-train: " << e.what() << '\n';
    code = 1;
  }
  MPI_Finalize();
  return code;
}
