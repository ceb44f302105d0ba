#pragma once
// Descriptor statistics and scaling (n2p2's scale_symmetry_functions, center_symmetry_functions
// and scale_symmetry_functions_sigma, with scale_min_short / scale_max_short = s_min / s_max):
//
//   none          G_s = G
//   scale         G_s = s_min + (s_max - s_min) (G - G_min) / (G_max - G_min)
//   center        G_s = G - <G>
//   scale_center  G_s = s_min + (s_max - s_min) (G - <G>) / (G_max - G_min)
//   scale_sigma   G_s = s_min + (s_max - s_min) (G - <G>) / sigma_G
//
// Statistics are per element and per descriptor over all atoms of that element in a data set
// (sigma is the population standard deviation). A descriptor that is constant over the data set
// (zero range or sigma) gets a scaling factor of 0: it carries no information. The same minimum
// and maximum define the range outside which an atom's descriptor counts as an extrapolation.
//
// min_range makes the scaling robust to degenerate descriptors: one whose training range
// max - min is at most min_range (e.g. a narrow radial Gaussian centred where no pair of the data
// ever is, with values 1e-262 ... 1e-65) is inactive, with factor 0, instead of being blown up by
// 1 / range into inputs of 1e65 for the first pair that comes closer. Its values still define the
// extrapolation range. annp-train's default is min_range = 1e-4: descriptor values are O(1) per
// neighbour, so a function that changes by less than a ten-thousandth of one neighbour at its
// centre over the whole training set carries nothing a network can learn from, while 1 / range
// would still amplify the first closer pair ten-thousandfold. 0 (n2p2's behaviour, and annp
// models written before min_range existed) keeps every non-constant descriptor.

#include <annp/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace annp {

enum class scaling_mode { none, scale, center, scale_center, scale_sigma };

[[nodiscard]] inline std::string_view scaling_mode_name(scaling_mode m) noexcept {
  switch (m) {
  case scaling_mode::none: return "none";
  case scaling_mode::scale: return "scale";
  case scaling_mode::center: return "center";
  case scaling_mode::scale_center: return "scale_center";
  case scaling_mode::scale_sigma: return "scale_sigma";
  }
  return "none";
}
[[nodiscard]] inline scaling_mode scaling_mode_from_name(std::string_view s) {
  for (auto m : {scaling_mode::none, scaling_mode::scale, scaling_mode::center,
                 scaling_mode::scale_center, scaling_mode::scale_sigma})
    if (scaling_mode_name(m) == s) return m;
  throw error("unknown scaling mode '" + std::string(s) +
              "' (expected none, scale, center, scale_center or scale_sigma)");
}

/// Per-descriptor statistics of one element.
struct descriptor_stats {
  std::vector<double> min, max, mean, sigma;
  std::size_t count = 0; ///< atoms seen
};

/// Accumulates statistics (Welford's algorithm: numerically stable in one pass).
class descriptor_statistics {
 public:
  descriptor_statistics() = default;
  explicit descriptor_statistics(const std::vector<std::size_t>& sizes) {
    for (auto n : sizes) {
      element_acc a;
      a.min.assign(n, std::numeric_limits<double>::infinity());
      a.max.assign(n, -std::numeric_limits<double>::infinity());
      a.mean.assign(n, 0.0);
      a.m2.assign(n, 0.0);
      m_acc.push_back(std::move(a));
    }
  }

  void add(std::size_t element, std::span<const double> g) {
    auto& a = m_acc.at(element);
    if (g.size() != a.mean.size())
      throw error("descriptor statistics: expected " + std::to_string(a.mean.size()) +
                  " values, got " + std::to_string(g.size()));
    ++a.count;
    const double n = static_cast<double>(a.count);
    for (std::size_t m = 0; m < g.size(); ++m) {
      a.min[m] = std::min(a.min[m], g[m]);
      a.max[m] = std::max(a.max[m], g[m]);
      const double d = g[m] - a.mean[m];
      a.mean[m] += d / n;
      a.m2[m] += d * (g[m] - a.mean[m]);
    }
  }

  [[nodiscard]] std::size_t element_count() const noexcept { return m_acc.size(); }
  [[nodiscard]] descriptor_stats result(std::size_t element) const {
    const auto& a = m_acc.at(element);
    descriptor_stats s;
    s.count = a.count;
    s.min = a.min;
    s.max = a.max;
    s.mean = a.mean;
    s.sigma.resize(a.m2.size());
    for (std::size_t m = 0; m < a.m2.size(); ++m)
      s.sigma[m] = a.count > 0 ? std::sqrt(a.m2[m] / static_cast<double>(a.count)) : 0.0;
    return s;
  }

 private:
  struct element_acc {
    std::vector<double> min, max, mean, m2;
    std::size_t count = 0;
  };
  std::vector<element_acc> m_acc;
};

/// Scaling of every element's descriptors; also the reference range for extrapolation checks.
class descriptor_scaling {
 public:
  descriptor_scaling() = default;

  /// Identity scaling for descriptor vectors of the given sizes (no range information).
  static descriptor_scaling identity(const std::vector<std::size_t>& sizes) {
    descriptor_scaling s;
    for (auto n : sizes) {
      descriptor_stats st;
      st.min.assign(n, -std::numeric_limits<double>::infinity());
      st.max.assign(n, std::numeric_limits<double>::infinity());
      st.mean.assign(n, 0.0);
      st.sigma.assign(n, 1.0);
      s.m_stats.push_back(std::move(st));
    }
    s.update();
    return s;
  }

  descriptor_scaling(scaling_mode mode, double smin, double smax,
                     std::vector<descriptor_stats> stats, double min_range = 0.0)
      : m_mode(mode), m_smin(smin), m_smax(smax), m_min_range(min_range),
        m_stats(std::move(stats)) {
    if (!(smin < smax) && mode != scaling_mode::none && mode != scaling_mode::center)
      throw error("scaling needs s_min < s_max, got " + std::to_string(smin) + " and " +
                  std::to_string(smax));
    if (!(min_range >= 0.0) || !std::isfinite(min_range))
      throw error("scaling: min_range must be finite and >= 0, got " + std::to_string(min_range));
    for (const auto& st : m_stats) {
      const std::size_t n = st.min.size();
      if (st.max.size() != n || st.mean.size() != n || st.sigma.size() != n)
        throw error("scaling statistics have inconsistent lengths");
      for (std::size_t m = 0; m < n; ++m)
        if (!(st.min[m] <= st.max[m]) && st.count > 0)
          throw error("scaling statistics: descriptor " + std::to_string(m) + " has min > max");
    }
    update();
  }

  [[nodiscard]] scaling_mode mode() const noexcept { return m_mode; }
  [[nodiscard]] double smin() const noexcept { return m_smin; }
  [[nodiscard]] double smax() const noexcept { return m_smax; }
  [[nodiscard]] double min_range() const noexcept { return m_min_range; }
  /// Whether descriptor m of element e is inactive (training range at most min_range).
  [[nodiscard]] bool inactive(std::size_t e, std::size_t m) const {
    const auto& st = m_stats.at(e);
    return m_min_range > 0.0 && st.count > 0 && st.max[m] - st.min[m] <= m_min_range;
  }
  /// Number of inactive descriptors of element e.
  [[nodiscard]] std::size_t inactive_count(std::size_t e) const {
    std::size_t n = 0;
    for (std::size_t m = 0; m < m_stats.at(e).min.size(); ++m) n += inactive(e, m) ? 1 : 0;
    return n;
  }
  [[nodiscard]] const descriptor_stats& stats(std::size_t e) const { return m_stats.at(e); }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_stats.size(); }

  /// Scales G (element e) in place.
  void apply(std::size_t e, double* g) const noexcept {
    const auto& f = m_factor[e];
    const auto& s = m_shift[e];
    for (std::size_t m = 0; m < f.size(); ++m) g[m] = m_offset + f[m] * (g[m] - s[m]);
  }
  /// dG_s / dG of descriptor m of element e (the scaling is linear).
  [[nodiscard]] const std::vector<double>& factors(std::size_t e) const { return m_factor[e]; }
  [[nodiscard]] const std::vector<double>& shifts(std::size_t e) const { return m_shift[e]; }
  [[nodiscard]] double offset() const noexcept { return m_offset; }

  /// Whether raw value g of descriptor m of element e lies outside the reference range.
  [[nodiscard]] bool outside(std::size_t e, std::size_t m, double g) const noexcept {
    return g < m_stats[e].min[m] || g > m_stats[e].max[m];
  }

  friend bool operator==(const descriptor_scaling& a, const descriptor_scaling& b) {
    if (a.m_mode != b.m_mode || a.m_smin != b.m_smin || a.m_smax != b.m_smax ||
        a.m_min_range != b.m_min_range || a.m_stats.size() != b.m_stats.size())
      return false;
    for (std::size_t e = 0; e < a.m_stats.size(); ++e) {
      const auto &x = a.m_stats[e], &y = b.m_stats[e];
      if (x.min != y.min || x.max != y.max || x.mean != y.mean || x.sigma != y.sigma ||
          x.count != y.count)
        return false;
    }
    return true;
  }

 private:
  void update() {
    m_factor.clear();
    m_shift.clear();
    const double span = m_smax - m_smin;
    m_offset = (m_mode == scaling_mode::none || m_mode == scaling_mode::center) ? 0.0 : m_smin;
    for (std::size_t e = 0; e < m_stats.size(); ++e) {
      const auto& st = m_stats[e];
      const std::size_t n = st.min.size();
      std::vector<double> f(n, 1.0), s(n, 0.0);
      for (std::size_t m = 0; m < n; ++m) {
        const double range = st.max[m] - st.min[m];
        const auto safe = [](double num, double den) { return den > 0.0 ? num / den : 0.0; };
        switch (m_mode) {
        case scaling_mode::none: break;
        case scaling_mode::scale:
          f[m] = safe(span, range);
          s[m] = st.min[m];
          break;
        case scaling_mode::center: s[m] = st.mean[m]; break;
        case scaling_mode::scale_center:
          f[m] = safe(span, range);
          s[m] = st.mean[m];
          break;
        case scaling_mode::scale_sigma:
          f[m] = safe(span, st.sigma[m]);
          s[m] = st.mean[m];
          break;
        }
        if (m_mode != scaling_mode::none && m_mode != scaling_mode::center && inactive(e, m))
          f[m] = 0.0;
      }
      m_factor.push_back(std::move(f));
      m_shift.push_back(std::move(s));
    }
  }

  scaling_mode m_mode = scaling_mode::none;
  double m_smin = 0.0, m_smax = 1.0, m_min_range = 0.0;
  std::vector<descriptor_stats> m_stats;
  std::vector<std::vector<double>> m_factor, m_shift;
  double m_offset = 0.0;
};

} // namespace annp
