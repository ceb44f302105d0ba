#pragma once
// Extrapolation bookkeeping of annp::potential: which atoms' descriptors leave the range the
// training data spanned (descriptor_scaling's statistics), counted exactly, recorded in detail up
// to a limit, and acted on by the compute_options' policy (count, warn, error).

#include <annp/core/error.hpp>
#include <annp/core/parallel.hpp>
#include <annp/core/text.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/potential/pair_list.hpp>
#include <annp/potential/results.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace annp::detail {

/// One evaluation's extrapolation counts and records (atom = centre index until the caller maps
/// it to a particle).
struct extrapolation_log {
  std::size_t atoms = 0, values = 0;
  std::vector<extrapolation_record> records;
};

/// Appends the out-of-range descriptors g[0 .. n) of centre c (element e) to the log's records;
/// safe to call from several threads.
inline void record_extrapolation(extrapolation_log& log, std::size_t c, std::size_t e,
                                 const double* g, std::size_t n, const descriptor_scaling& scaling,
                                 const compute_options& options) {
  if (options.extrapolation == extrapolation_policy::count &&
      options.max_extrapolation_records == 0)
    return;
  std::vector<extrapolation_record> local;
  const auto& st = scaling.stats(e);
  for (std::size_t m = 0; m < n; ++m)
    if (scaling.outside(e, m, g[m])) local.push_back({c, m, g[m], st.min[m], st.max[m]});
  ANNP_OMP("omp critical(annp_extrapolation)")
  log.records.insert(log.records.end(), local.begin(), local.end());
}

/// Counts from the per-centre numbers of out-of-range values, records sorted (threads appended
/// them in any order), then the policy: error throws naming the first one, warn writes every
/// record to the warning sink; finally the records are capped.
inline void finish_extrapolation(extrapolation_log& log, const std::vector<std::uint32_t>& bad,
                                 const pair_list& p, const compute_options& options) {
  log.atoms = 0;
  log.values = 0;
  for (auto b : bad) {
    log.atoms += b > 0 ? 1 : 0;
    log.values += b;
  }
  std::sort(log.records.begin(), log.records.end(), [](const auto& a, const auto& b) {
    return a.atom != b.atom ? a.atom < b.atom : a.descriptor < b.descriptor;
  });
  if (log.records.empty()) return;
  const auto describe = [&](const extrapolation_record& rec) {
    return "atom " + std::to_string(p.particle(rec.atom)) + ": descriptor " +
           std::to_string(rec.descriptor) + " = " + format_double(rec.value) +
           " is outside the training range [" + format_double(rec.min) + ", " +
           format_double(rec.max) + "]";
  };
  if (options.extrapolation == extrapolation_policy::error)
    throw error("extrapolation: " + describe(log.records.front()) + " (" +
                std::to_string(log.values) + " values of " + std::to_string(log.atoms) +
                " atoms are out of range)");
  if (options.extrapolation == extrapolation_policy::warn) {
    for (const auto& rec : log.records) {
      const std::string line = "annp: extrapolation warning: " + describe(rec);
      if (options.warning_sink)
        options.warning_sink(line);
      else
        std::cerr << line << '\n';
    }
  }
  if (log.records.size() > options.max_extrapolation_records)
    log.records.resize(options.max_extrapolation_records);
}

} // namespace annp::detail
