#pragma once
// Error statistics of predictions against reference labels, per config_type and in total:
// RMSE and MAE of the energy per atom (eV/atom), of force components (eV/Å) and of stress
// components (eV/Å³). Used by annp-predict and by the trainer's reports.

#include <annp/core/text.hpp>
#include <annp/structure/structure.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

namespace annp {

/// Count, RMSE and MAE of a stream of differences.
class error_stats {
 public:
  void add(double diff) noexcept {
    ++m_n;
    m_sq += diff * diff;
    m_abs += std::abs(diff);
    m_max = std::max(m_max, std::abs(diff));
  }
  void merge(const error_stats& o) noexcept {
    m_n += o.m_n;
    m_sq += o.m_sq;
    m_abs += o.m_abs;
    m_max = std::max(m_max, o.m_max);
  }
  [[nodiscard]] std::size_t count() const noexcept { return m_n; }
  [[nodiscard]] double rmse() const noexcept {
    return m_n ? std::sqrt(m_sq / static_cast<double>(m_n)) : 0.0;
  }
  [[nodiscard]] double mae() const noexcept { return m_n ? m_abs / static_cast<double>(m_n) : 0.0; }
  [[nodiscard]] double max() const noexcept { return m_max; }

 private:
  std::size_t m_n = 0;
  double m_sq = 0.0, m_abs = 0.0, m_max = 0.0;
};

struct prediction_errors {
  error_stats energy; ///< per atom, eV/atom
  error_stats force;  ///< per component, eV/Å
  error_stats stress; ///< per component, eV/Å³
  std::size_t structures = 0;

  void merge(const prediction_errors& o) {
    energy.merge(o.energy);
    force.merge(o.force);
    stress.merge(o.stress);
    structures += o.structures;
  }
};

/// Errors per config_type ("(none)" when empty) and in total.
class error_table {
 public:
  /// Adds one structure: reference labels from ref (those present), predictions given.
  void add(const structure& ref, double energy, const double* forces,
           const std::optional<mat3>& stress) {
    const std::string type = ref.config_type.empty() ? "(none)" : ref.config_type;
    prediction_errors& e = m_by_type[type];
    ++e.structures;
    if (ref.energy && ref.size() > 0)
      e.energy.add((energy - *ref.energy) / static_cast<double>(ref.size()));
    if (ref.forces && forces)
      for (std::size_t i = 0; i < ref.size(); ++i)
        for (std::size_t d = 0; d < 3; ++d) e.force.add(forces[3 * i + d] - (*ref.forces)(i, d));
    if (ref.stress && stress)
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) e.stress.add((*stress)[a][b] - (*ref.stress)[a][b]);
  }

  void merge(const error_table& o) {
    for (const auto& [k, v] : o.m_by_type) m_by_type[k].merge(v);
  }

  [[nodiscard]] const std::map<std::string, prediction_errors>& by_type() const noexcept {
    return m_by_type;
  }
  [[nodiscard]] prediction_errors total() const {
    prediction_errors t;
    for (const auto& [k, v] : m_by_type) t.merge(v);
    return t;
  }

  /// A plain-text table: meV/atom for energies, meV/Å for forces, meV/Å³ for stress.
  [[nodiscard]] std::string format(const std::string& title = "") const {
    std::string out;
    if (!title.empty()) out += title + "\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-26s %6s %11s %11s %11s %11s %11s\n", "config_type",
                  "struct", "E RMSE", "E MAE", "F RMSE", "F MAE", "S RMSE");
    out += line;
    std::snprintf(line, sizeof line, "%-26s %6s %11s %11s %11s %11s %11s\n", "", "", "meV/atom",
                  "meV/atom", "meV/A", "meV/A", "meV/A^3");
    out += line;
    const auto row = [&](const std::string& name, const prediction_errors& e) {
      const auto cell = [](const error_stats& s, double v) {
        char b[32];
        if (s.count() == 0)
          std::snprintf(b, sizeof b, "%11s", "-");
        else
          std::snprintf(b, sizeof b, "%11.3f", 1000.0 * v);
        return std::string(b);
      };
      std::snprintf(line, sizeof line, "%-26s %6zu", name.c_str(), e.structures);
      out += line;
      out += " " + cell(e.energy, e.energy.rmse()) + " " + cell(e.energy, e.energy.mae()) + " " +
             cell(e.force, e.force.rmse()) + " " + cell(e.force, e.force.mae()) + " " +
             cell(e.stress, e.stress.rmse()) + "\n";
    };
    for (const auto& [k, v] : m_by_type) row(k, v);
    row("total", total());
    return out;
  }

 private:
  std::map<std::string, prediction_errors> m_by_type;
};

} // namespace annp
