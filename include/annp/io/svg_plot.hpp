#pragma once
// Self-contained SVG plots, written by the library (no plotting package needed): parity plots
// for training and property reports, learning curves (training/plots.hpp), anything else. A plot
// is a list of series (lines or points) on linear or logarithmic axes; render_svg() gives the
// document, write_svg() writes it atomically.

#include <annp/core/atomic_file.hpp>
#include <annp/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace annp {

struct plot_series {
  std::string label;
  std::vector<double> x, y;
  bool points = false; ///< markers instead of a line
  std::string color;   ///< CSS colour; empty: from the palette
};

struct plot {
  std::string title, xlabel, ylabel;
  bool log_x = false, log_y = false;
  bool diagonal = false; ///< draw y = x (parity plots)
  std::vector<plot_series> series;
  std::vector<std::string> notes; ///< text lines in the upper left corner
  int width = 720, height = 480;
};

namespace detail {

inline std::string svg_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

inline std::string svg_number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

// "Nice" tick positions covering [lo, hi] (linear axis).
inline std::vector<double> linear_ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 6.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step)
    t.push_back(std::abs(v) < 1e-12 * span ? 0.0 : v);
  return t;
}

inline std::string tick_label(double v) {
  char b[32];
  const double a = std::abs(v);
  if (a != 0.0 && (a < 1e-3 || a >= 1e5))
    std::snprintf(b, sizeof b, "%.0e", v);
  else
    std::snprintf(b, sizeof b, "%g", v);
  return b;
}

} // namespace detail

/// The SVG document of a plot. Non-finite points (and non-positive ones on log axes) are
/// skipped; a series with no drawable point is listed in the legend only.
[[nodiscard]] inline std::string render_svg(const plot& p) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"};
  const auto usable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!p.log_x || x > 0) && (!p.log_y || y > 0);
  };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : p.series)
    for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k)
      if (usable(s.x[k], s.y[k])) {
        x0 = std::min(x0, s.x[k]);
        x1 = std::max(x1, s.x[k]);
        y0 = std::min(y0, s.y[k]);
        y1 = std::max(y1, s.y[k]);
      }
  if (!std::isfinite(x0)) { // nothing to draw (e.g. only values <= 0 on a log axis): empty axes
    x0 = p.log_x ? 1 : 0, x1 = p.log_x ? 10 : 1;
    y0 = p.log_y ? 1 : 0, y1 = p.log_y ? 10 : 1;
  }
  if (p.diagonal) x0 = y0 = std::min(x0, y0), x1 = y1 = std::max(x1, y1);
  const auto fx = [&](double v) { return p.log_x ? std::log10(v) : v; };
  const auto fy = [&](double v) { return p.log_y ? std::log10(v) : v; };
  double a0 = fx(x0), a1 = fx(x1), b0 = fy(y0), b1 = fy(y1);
  if (a1 - a0 <= 0) a0 -= 0.5, a1 += 0.5;
  if (b1 - b0 <= 0) b0 -= 0.5, b1 += 0.5;
  if (p.log_y)
    b0 = std::floor(b0), b1 = std::ceil(b1);
  else {
    const double pad = 0.04 * (b1 - b0);
    b0 -= pad, b1 += pad;
  }
  if (p.log_x)
    a0 = std::floor(a0), a1 = std::ceil(a1);
  else if (!p.diagonal) {
    const double pad = 0.02 * (a1 - a0);
    a0 -= pad, a1 += pad;
  }
  if (p.diagonal) {
    const double pad = 0.04 * (a1 - a0);
    a0 -= pad, a1 += pad, b0 = a0, b1 = a1;
  }
  const double L = 80, R = 20, T = 40, B = 60;
  const double W = p.width, H = p.height, pw = W - L - R, ph = H - T - B;
  const auto px = [&](double v) { return L + (fx(v) - a0) / (a1 - a0) * pw; };
  const auto py = [&](double v) { return T + ph - (fy(v) - b0) / (b1 - b0) * ph; };
  using detail::svg_number;
  std::string o;
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(p.width) +
       "\" height=\"" + std::to_string(p.height) + "\" viewBox=\"0 0 " + std::to_string(p.width) +
       " " + std::to_string(p.height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + svg_number(W / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
       detail::svg_escape(p.title) + "</text>\n";
  // Ticks and grid.
  const auto axis_ticks = [&](bool log, double lo, double hi) {
    std::vector<double> t;
    if (log)
      for (double e = lo; e <= hi + 1e-9; e += std::max(1.0, std::floor((hi - lo) / 8.0)))
        t.push_back(std::pow(10.0, e));
    else
      t = detail::linear_ticks(lo, hi);
    return t;
  };
  for (double v : axis_ticks(p.log_x, a0, a1)) {
    const double x = px(v);
    o += "<line x1=\"" + svg_number(x) + "\" y1=\"" + svg_number(T) + "\" x2=\"" + svg_number(x) +
         "\" y2=\"" + svg_number(T + ph) + "\" stroke=\"#e0e0e0\"/>\n";
    o += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(T + ph + 16) +
         "\" text-anchor=\"middle\">" + detail::tick_label(v) + "</text>\n";
  }
  for (double v : axis_ticks(p.log_y, b0, b1)) {
    const double y = py(v);
    o += "<line x1=\"" + svg_number(L) + "\" y1=\"" + svg_number(y) + "\" x2=\"" +
         svg_number(L + pw) + "\" y2=\"" + svg_number(y) + "\" stroke=\"#e0e0e0\"/>\n";
    o += "<text x=\"" + svg_number(L - 6) + "\" y=\"" + svg_number(y + 4) +
         "\" text-anchor=\"end\">" + detail::tick_label(v) + "</text>\n";
  }
  o += "<rect x=\"" + svg_number(L) + "\" y=\"" + svg_number(T) + "\" width=\"" + svg_number(pw) +
       "\" height=\"" + svg_number(ph) + "\" fill=\"none\" stroke=\"black\"/>\n";
  o += "<text x=\"" + svg_number(L + pw / 2) + "\" y=\"" + svg_number(H - 18) +
       "\" text-anchor=\"middle\">" + detail::svg_escape(p.xlabel) + "</text>\n";
  o += "<text transform=\"translate(18," + svg_number(T + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + detail::svg_escape(p.ylabel) + "</text>\n";
  if (p.diagonal)
    o += "<line x1=\"" + svg_number(L) + "\" y1=\"" + svg_number(T + ph) + "\" x2=\"" +
         svg_number(L + pw) + "\" y2=\"" + svg_number(T) +
         "\" stroke=\"#808080\" stroke-dasharray=\"4 3\"/>\n";
  // Series.
  for (std::size_t si = 0; si < p.series.size(); ++si) {
    const auto& s = p.series[si];
    const std::string color = s.color.empty() ? palette[si % 10] : s.color;
    if (s.points) {
      o += "<g fill=\"" + color + "\" fill-opacity=\"0.6\">\n";
      for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k)
        if (usable(s.x[k], s.y[k]))
          o += "<circle cx=\"" + svg_number(px(s.x[k])) + "\" cy=\"" + svg_number(py(s.y[k])) +
               "\" r=\"2.2\"/>\n";
      o += "</g>\n";
    } else {
      std::string path;
      bool pen = false;
      for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k) {
        if (!usable(s.x[k], s.y[k])) {
          pen = false;
          continue;
        }
        path += (pen ? " L" : " M") + svg_number(px(s.x[k])) + " " + svg_number(py(s.y[k]));
        pen = true;
      }
      if (!path.empty())
        o += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"1.6\"/>\n";
    }
    const double ly = T + 16 + 16 * static_cast<double>(si);
    const double lx = L + pw - 190;
    if (s.points)
      o += "<circle cx=\"" + svg_number(lx + 10) + "\" cy=\"" + svg_number(ly - 4) +
           "\" r=\"3\" fill=\"" + color + "\"/>\n";
    else
      o += "<line x1=\"" + svg_number(lx) + "\" y1=\"" + svg_number(ly - 4) + "\" x2=\"" +
           svg_number(lx + 20) + "\" y2=\"" + svg_number(ly - 4) + "\" stroke=\"" + color +
           "\" stroke-width=\"2\"/>\n";
    o += "<text x=\"" + svg_number(lx + 26) + "\" y=\"" + svg_number(ly) + "\">" +
         detail::svg_escape(s.label) + "</text>\n";
  }
  for (std::size_t k = 0; k < p.notes.size(); ++k)
    o += "<text x=\"" + svg_number(L + 8) + "\" y=\"" +
         svg_number(T + 18 + 16 * static_cast<double>(k)) + "\">" + detail::svg_escape(p.notes[k]) +
         "</text>\n";
  o += "</svg>\n";
  return o;
}

inline void write_svg(const std::string& path, const plot& p) {
  write_file_atomically(path, render_svg(p));
}

/// Predicted against reference values with the y = x line and the RMSE in the corner.
[[nodiscard]] inline plot parity_plot(const std::vector<double>& reference,
                                      const std::vector<double>& predicted,
                                      const std::string& title, const std::string& unit) {
  if (reference.size() != predicted.size())
    throw error("parity plot: " + std::to_string(reference.size()) + " reference and " +
                std::to_string(predicted.size()) + " predicted values");
  plot p;
  p.title = title;
  p.xlabel = "reference (" + unit + ")";
  p.ylabel = "predicted (" + unit + ")";
  p.diagonal = true;
  p.series.push_back({"structures", reference, predicted, true, ""});
  if (reference.size() == 1)
    p.series.back().label = "1 value";
  else
    p.series.back().label = std::to_string(reference.size()) + " values";
  double sq = 0.0;
  for (std::size_t k = 0; k < reference.size(); ++k)
    sq += (predicted[k] - reference[k]) * (predicted[k] - reference[k]);
  char b[64];
  std::snprintf(b, sizeof b, "RMSE %.4g %s",
                reference.empty() ? 0.0 : std::sqrt(sq / static_cast<double>(reference.size())),
                unit.c_str());
  p.notes.push_back(b);
  return p;
}

} // namespace annp
