#pragma once
// group_distribution: how the work of a training evaluation is shared between processes.
//
// training_objective cuts every evaluation (loss and gradient over a set or mini-batch, the
// error tables) into fixed groups of structures in index order. Without a distribution one
// process evaluates all groups. With one (annp/training/mpi.hpp shares the groups between MPI
// ranks), each process evaluates its share, the partial results of all groups are exchanged,
// and every process reduces them in the same fixed order — so every process holds the same
// numbers, bit for bit equal to a single process's, for any number of processes and threads.

#include <cstddef>
#include <span>
#include <utility>

namespace annp {

class group_distribution {
 public:
  group_distribution() = default;
  group_distribution(const group_distribution&) = default;
  group_distribution& operator=(const group_distribution&) = default;
  virtual ~group_distribution() = default;

  /// The groups [first, second) of `groups` that this process evaluates (contiguous blocks, in
  /// process order, covering all groups).
  [[nodiscard]] virtual std::pair<std::size_t, std::size_t> share(std::size_t groups) const = 0;

  /// values holds the results of all groups, group g in [offsets[g], offsets[g + 1]); this
  /// process has filled its share. On return every process holds every group's values.
  virtual void exchange(std::span<double> values, std::span<const std::size_t> offsets) const = 0;
};

/// Contiguous block of `groups` for `part` of `parts` (sizes differ by at most one).
[[nodiscard]] inline std::pair<std::size_t, std::size_t>
group_block(std::size_t groups, std::size_t part, std::size_t parts) {
  const std::size_t q = groups / parts, r = groups % parts;
  const std::size_t begin = part * q + (part < r ? part : r);
  return {begin, begin + q + (part < r ? 1 : 0)};
}

} // namespace annp
