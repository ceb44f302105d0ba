#pragma once
// Learning-curve plots of a training history (the SVG plotting itself: io/svg_plot.hpp).

#include <annp/io/svg_plot.hpp>
#include <annp/training/trainer.hpp>

#include <string>
#include <vector>

namespace annp {

/// Energy and force RMSE (meV/atom, meV/Å) against the epoch, train and validation, log scale.
[[nodiscard]] inline plot learning_curve_plot(const std::vector<epoch_record>& h,
                                              const std::string& title, bool forces) {
  plot p;
  p.title = title;
  p.xlabel = "epoch";
  p.ylabel = forces ? "force RMSE (meV/Å)" : "energy RMSE (meV/atom)";
  p.log_y = true;
  plot_series tr{"train", {}, {}, false, ""}, va{"validation", {}, {}, false, ""};
  for (const auto& r : h) {
    tr.x.push_back(static_cast<double>(r.epoch));
    va.x.push_back(static_cast<double>(r.epoch));
    tr.y.push_back(1000.0 * (forces ? r.train_forces : r.train_energy));
    va.y.push_back(1000.0 * (forces ? r.validation_forces : r.validation_energy));
  }
  p.series = {tr, va};
  return p;
}

} // namespace annp
