// _annp: the native part of annp's Python module (pybind11). The Python package `annp`
// (integrations/python/annp/__init__.py) builds the ASE calculator and the training front end on
// it. Positions are copied once into the library's structure (3 doubles per atom, nothing next
// to an evaluation); forces and per-atom results are handed to NumPy without a copy (the arrays
// own the library's buffers). The GIL is released while the library computes or trains.

#include <annp/annp.hpp>
#include <annp/tools/model_list.hpp>
#include <annp/tools/train_command.hpp>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// A NumPy array that owns a moved-in C++ container (no copy).
template <class Container>
py::array_t<double> adopt(Container&& c, std::vector<py::ssize_t> shape) {
  auto* owner = new Container(std::move(c));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<Container*>(p); });
  return py::array_t<double>(shape, owner->data(), free_when_done);
}

/// One model or a committee of models read from annp model files (or n2p2 model directories).
class model_handle {
 public:
  explicit model_handle(const std::vector<std::string>& paths)
      : m_paths(paths), m_members(annp::read_models(paths)) {
    if (m_members.size() > 1) m_committee.emplace(m_members);
  }

  [[nodiscard]] std::vector<std::string> elements() const {
    std::vector<std::string> out;
    for (int z : m_members.front().elements()) out.emplace_back(annp::symbol(z));
    return out;
  }
  [[nodiscard]] double cutoff() const { return m_members.front().cutoff(); }
  [[nodiscard]] std::size_t size() const { return m_members.size(); }
  [[nodiscard]] const std::vector<std::string>& paths() const { return m_paths; }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> metadata() const {
    return m_members.front().to_model().metadata;
  }

  /// Seconds per evaluation of the first model inside C++ (the structure built once): the
  /// reference for measuring the Python call overhead (benchmarks/python_overhead.py).
  double
  time_library(const py::array_t<int, py::array::c_style | py::array::forcecast>& numbers,
               const py::array_t<double, py::array::c_style | py::array::forcecast>& positions,
               const py::array_t<double, py::array::c_style | py::array::forcecast>& cell,
               const std::vector<bool>& pbc, int repeats) const {
    const annp::structure s = make_structure(numbers, positions, cell, pbc);
    annp::potential_result r;
    py::gil_scoped_release unlocked;
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < repeats; ++k) m_members.front().compute(s, r, annp::compute_options{});
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    return dt.count() / std::max(1, repeats);
  }

  py::dict compute(const py::array_t<int, py::array::c_style | py::array::forcecast>& numbers,
                   const py::array_t<double, py::array::c_style | py::array::forcecast>& positions,
                   const py::array_t<double, py::array::c_style | py::array::forcecast>& cell,
                   const std::vector<bool>& pbc, bool forces, bool atomic_energies) const {
    const annp::structure s = make_structure(numbers, positions, cell, pbc);
    const std::size_t n = s.size();
    annp::compute_options o;
    o.forces = forces;
    o.atomic_energies = atomic_energies;
    // One result per thread, kept between calls: its neighbour list and working arrays keep
    // their capacity (an MD loop through ASE calls this every step; docs/performance.md). Every
    // field read below is rewritten by the compute.
    static thread_local annp::potential_result r;
    std::optional<annp::committee_result> c;
    {
      py::gil_scoped_release unlocked;
      m_members.front().compute(s, r, o);
      if (m_committee) c = m_committee->compute(s, o, &r);
    }
    py::dict out;
    const auto sn = static_cast<py::ssize_t>(n);
    if (c) {
      r.energy = c->energy;
      r.forces = c->forces;
    }
    out["energy"] = r.energy;
    if (forces) out["forces"] = adopt(std::move(r.forces), {sn, 3});
    if (forces && r.stress) {
      std::vector<double> st(9);
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) st[3 * a + b] = (*r.stress)[a][b];
      out["stress"] = adopt(std::move(st), {3, 3});
    }
    if (atomic_energies) out["energies"] = adopt(std::move(r.atomic_energies), {sn});
    out["extrapolated_atoms"] = r.extrapolated_atoms;
    out["extrapolated_values"] = r.extrapolated_values;
    if (c) {
      out["energy_std"] = c->energy_spread;
      out["max_force_dev"] = c->max_force_spread;
      std::vector<double> dev(n, 0.0);
      for (std::size_t i = 0; i < n && forces; ++i) {
        double v = 0.0;
        for (std::size_t d = 0; d < 3; ++d) v += c->force_spread(i, d) * c->force_spread(i, d);
        dev[i] = std::sqrt(v);
      }
      out["force_dev"] = adopt(std::move(dev), {sn});
      out["member_energies"] = c->member_energies;
    }
    return out;
  }

 private:
  annp::structure
  make_structure(const py::array_t<int, py::array::c_style | py::array::forcecast>& numbers,
                 const py::array_t<double, py::array::c_style | py::array::forcecast>& positions,
                 const py::array_t<double, py::array::c_style | py::array::forcecast>& cell,
                 const std::vector<bool>& pbc) const {
    if (numbers.ndim() != 1) throw annp::error("numbers: expected a 1-d array of atomic numbers");
    const auto n = static_cast<std::size_t>(numbers.shape(0));
    if (positions.ndim() != 2 || static_cast<std::size_t>(positions.shape(0)) != n ||
        positions.shape(1) != 3)
      throw annp::error("positions: expected shape (" + std::to_string(n) + ", 3)");
    if (cell.ndim() != 2 || cell.shape(0) != 3 || cell.shape(1) != 3)
      throw annp::error("cell: expected shape (3, 3)");
    if (pbc.size() != 3) throw annp::error("pbc: expected three booleans");
    annp::structure s;
    s.numbers.assign(numbers.data(), numbers.data() + n);
    s.positions = xt::xtensor<double, 2>::from_shape({n, std::size_t{3}});
    const double* x = positions.data();
    for (std::size_t k = 0; k < 3 * n; ++k) {
      if (!std::isfinite(x[k]))
        throw annp::error("atom " + std::to_string(k / 3) + " has a non-finite position (" +
                          std::to_string(x[k]) + ")");
      s.positions.data()[k] = x[k];
    }
    for (std::size_t a = 0; a < 3; ++a) {
      s.pbc[a] = pbc[a];
      for (std::size_t b = 0; b < 3; ++b) s.cell[a][b] = cell.data()[3 * a + b];
    }
    for (std::size_t i = 0; i < n; ++i)
      if (m_members.front().element_index(s.numbers[i]) < 0)
        throw annp::error("atom " + std::to_string(i) + ": element " +
                          (annp::is_atomic_number(s.numbers[i])
                               ? std::string(annp::symbol(s.numbers[i]))
                               : "Z=" + std::to_string(s.numbers[i])) +
                          " is not in the model (it has " + join(elements()) + ")");
    return s;
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
    return s;
  }
  std::vector<std::string> m_paths;
  std::vector<annp::any_potential> m_members;
  std::optional<annp::committee<annp::any_potential>> m_committee;
};

/// A stream buffer that hands every complete line to a Python callable (with the GIL).
class line_sink : public std::streambuf {
 public:
  explicit line_sink(py::object callback) : m_callback(std::move(callback)) {}
  ~line_sink() override { flush_line(); }

 protected:
  int overflow(int c) override {
    if (c == EOF) return 0;
    if (c == '\n' || c == '\r')
      flush_line();
    else
      m_line.push_back(static_cast<char>(c));
    return c;
  }

 private:
  void flush_line() {
    if (m_line.empty()) return;
    py::gil_scoped_acquire locked;
    try {
      m_callback(m_line);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("annp training progress callback");
    }
    m_line.clear();
  }
  py::object m_callback;
  std::string m_line;
};

int train(const std::vector<std::string>& args, const py::object& progress) {
  line_sink sink(progress);
  std::ostream console(&sink);
  py::gil_scoped_release unlocked;
  return annp::tools::train_command(args, console);
}

} // namespace

PYBIND11_MODULE(_annp, m) {
  m.doc() = "annp native module: models, committees and training (use the annp package)";
  static py::exception<annp::error> error_type(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const annp::error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });
  py::class_<model_handle>(m, "NativeModel")
      .def(py::init<const std::vector<std::string>&>(), py::arg("paths"))
      .def_property_readonly("elements", &model_handle::elements)
      .def_property_readonly("cutoff", &model_handle::cutoff)
      .def_property_readonly("size", &model_handle::size)
      .def_property_readonly("paths", &model_handle::paths)
      .def_property_readonly("metadata", &model_handle::metadata)
      .def("compute", &model_handle::compute, py::arg("numbers"), py::arg("positions"),
           py::arg("cell"), py::arg("pbc"), py::arg("forces") = true,
           py::arg("atomic_energies") = false)
      .def("time_library", &model_handle::time_library, py::arg("numbers"), py::arg("positions"),
           py::arg("cell"), py::arg("pbc"), py::arg("repeats"));
  m.def("set_threads", [](int n) {
    if (n < 1) throw annp::error("threads must be at least 1, got " + std::to_string(n));
    annp::set_threads(n);
  });
  m.def("train_command", &train, py::arg("args"), py::arg("progress"));
}
