#pragma once
// MPI data parallelism for training: mpi_distribution shares the structure groups of every
// training evaluation between the ranks of a communicator (contiguous blocks of groups per
// rank) and exchanges the groups' partial results with MPI_Allgatherv; every rank then reduces
// them in the same order. Results are bit-identical on every rank and to a single process, for
// any number of ranks and threads.
//
//   annp::mpi_distribution dist;            // MPI_COMM_WORLD; MPI_Init must have been called
//   trainer.distribute(&dist);              // every rank: same data, same trainer, same seed
//   trainer.run(epochs, ...);               // write files from rank 0 only
//
// Not part of <annp/annp.hpp>: it needs <mpi.h>. CMake: configure with -DANNP_WITH_MPI=ON and
// link annp::mpi. Each rank holds the whole training set (descriptors are prepared on every
// rank); what is shared is the per-epoch work (networks, gradients, force terms, error tables).

#include <annp/core/error.hpp>
#include <annp/training/distribution.hpp>

#include <mpi.h>

#include <climits>
#include <string>
#include <vector>

namespace annp {

class mpi_distribution final : public group_distribution {
 public:
  explicit mpi_distribution(MPI_Comm comm = MPI_COMM_WORLD) : m_comm(comm) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) throw error("mpi_distribution: MPI_Init has not been called");
    MPI_Comm_rank(comm, &m_rank);
    MPI_Comm_size(comm, &m_size);
  }

  [[nodiscard]] int rank() const noexcept { return m_rank; }
  [[nodiscard]] int size() const noexcept { return m_size; }

  [[nodiscard]] std::pair<std::size_t, std::size_t> share(std::size_t groups) const override {
    return group_block(groups, static_cast<std::size_t>(m_rank), static_cast<std::size_t>(m_size));
  }

  void exchange(std::span<double> values, std::span<const std::size_t> offsets) const override {
    const std::size_t groups = offsets.size() - 1;
    std::vector<int> counts(static_cast<std::size_t>(m_size)),
        displs(static_cast<std::size_t>(m_size));
    for (std::size_t r = 0; r < counts.size(); ++r) {
      const auto [a, b] = group_block(groups, r, counts.size());
      if (offsets[b] > static_cast<std::size_t>(INT_MAX))
        throw error("mpi_distribution: " + std::to_string(offsets[b]) +
                    " values to exchange exceed MPI's int counts");
      counts[r] = static_cast<int>(offsets[b] - offsets[a]);
      displs[r] = static_cast<int>(offsets[a]);
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), counts.data(), displs.data(),
                   MPI_DOUBLE, m_comm);
  }

 private:
  MPI_Comm m_comm;
  int m_rank = 0, m_size = 1;
};

} // namespace annp
