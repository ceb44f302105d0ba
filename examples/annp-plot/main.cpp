// annp-plot: overlays learning curves (annp-train's learning_curve.csv) in one SVG.
//
//   annp-plot [options] OUTPUT.svg LABEL=FILE.csv [LABEL=FILE.csv ...]
//
//   --x COLUMN       x axis column (default epoch; e.g. seconds, evaluations)
//   --y COLUMN       y axis column (default validation_energy_rmse)
//   --scale S        multiply y by S (default 1000: eV -> meV)
//   --ylabel TEXT, --xlabel TEXT, --title TEXT
//   --log-x          logarithmic x axis (the y axis is always logarithmic)

#include <annp/annp.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

annp::plot_series read_series(const std::string& label, const std::string& path,
                              const std::string& xcol, const std::string& ycol, double scale) {
  std::ifstream in(path);
  if (!in) throw annp::error(path + ": cannot open");
  std::string line;
  if (!std::getline(in, line)) throw annp::error(path + ":1: empty file, expected a CSV header");
  const auto header = split_csv(line);
  const auto find = [&](const std::string& name) {
    for (std::size_t k = 0; k < header.size(); ++k)
      if (header[k] == name) return k;
    throw annp::error(path + ":1: no column '" + name + "' in the header");
  };
  const std::size_t xi = find(xcol), yi = find(ycol);
  annp::plot_series s;
  s.label = label;
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    const auto cells = split_csv(line);
    if (cells.size() < header.size())
      throw annp::error(path + ":" + std::to_string(n) + ": expected " +
                        std::to_string(header.size()) + " columns, got " +
                        std::to_string(cells.size()));
    double x = 0.0, y = 0.0;
    if (!annp::try_parse_double(cells[xi], x)) continue;
    if (!annp::try_parse_double(cells[yi], y)) continue; // empty: no such labels
    s.x.push_back(x);
    s.y.push_back(scale * y);
  }
  return s;
}

} // namespace

int main(int argc, char** argv) {
  try {
    annp::plot p;
    p.log_y = true;
    std::string xcol = "epoch", ycol = "validation_energy_rmse", output;
    double scale = 1000.0;
    std::vector<std::string> inputs;
    for (int a = 1; a < argc; ++a) {
      const std::string arg = argv[a];
      const auto value = [&]() -> std::string {
        if (a + 1 >= argc) throw annp::error(arg + " needs a value");
        return argv[++a];
      };
      if (arg == "--x")
        xcol = value();
      else if (arg == "--y")
        ycol = value();
      else if (arg == "--scale") {
        if (!annp::try_parse_double(value(), scale)) throw annp::error("--scale needs a number");
      } else if (arg == "--xlabel")
        p.xlabel = value();
      else if (arg == "--ylabel")
        p.ylabel = value();
      else if (arg == "--title")
        p.title = value();
      else if (arg == "--log-x")
        p.log_x = true;
      else if (output.empty())
        output = arg;
      else
        inputs.push_back(arg);
    }
    if (output.empty() || inputs.empty()) {
      std::cerr << "usage: annp-plot [--x COL] [--y COL] [--scale S] [--title T] [--xlabel T] "
                   "[--ylabel T] [--log-x] OUTPUT.svg LABEL=FILE.csv ...\n";
      return 2;
    }
    if (p.xlabel.empty()) p.xlabel = xcol;
    if (p.ylabel.empty()) p.ylabel = ycol;
    for (const auto& in : inputs) {
      const auto eq = in.find('=');
      if (eq == std::string::npos) throw annp::error("'" + in + "': expected LABEL=FILE.csv");
      p.series.push_back(read_series(in.substr(0, eq), in.substr(eq + 1), xcol, ycol, scale));
    }
    annp::write_svg(output, p);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "annp-plot: " << e.what() << "\n";
    return 1;
  }
}
