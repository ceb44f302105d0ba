#pragma once
// annp's model file: a versioned, self-describing text format that round-trips bit-exactly
// (every double in shortest round-trip form) and is written atomically. Specification:
// docs/model-format.md. Example (abridged):
//
//   annp-model 1
//   meta trained_on data/al/al.xyz
//   elements Al
//   cutoff cosine alpha=0
//   energy_scale 1
//   atomic_energy Al -3.259
//   spins 1
//   descriptor Al 32
//   sf radial e1=Al rc=6 eta=0.001 rs=0
//   ...
//   short_range zbl inner=1.2 outer=1.9  (optional: repulsive pair baseline)
//   short_range_pair Al O inner=1.4 outer=1.75   (optional: radii of one element pair)
//   scaling scale_sigma smin=0 smax=1 min_range=0.0001   (min_range optional, default 0)
//   scaling_stats Al atoms=4000 count=32
//   0.7695 17.19 9.003 3.290          (min max mean sigma, one line per descriptor)
//   ...
//   network Al layers=3
//   layer 32 20 tanh
//   layer 20 20 tanh
//   layer 20 1 linear
//   parameters 1101
//   <values, several per line>
//   end
//
// read_model() reports every problem as annp::error with file, line and what was expected.

#include <annp/core/atomic_file.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/potential/model.hpp>

#include <algorithm>
#include <cctype>
#include <istream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace annp {

inline constexpr int model_format_version = 1;

namespace detail {

// The parameters a function of each kind has in a model file, in writing order.
inline std::vector<sf_field> sf_file_fields(sf_kind k) {
  std::vector<sf_field> fields;
  if (is_element_resolved(k)) {
    fields.push_back(sf_field::e1);
    if (is_angular(k)) fields.push_back(sf_field::e2);
  }
  fields.push_back(sf_field::rc);
  if (is_chebyshev(k)) {
    fields.insert(fields.end(), {sf_field::order, sf_field::weighted});
  } else if (is_compact(k)) {
    fields.push_back(sf_field::rl);
    if (is_angular(k)) fields.insert(fields.end(), {sf_field::left, sf_field::right});
    fields.push_back(sf_field::core);
  } else {
    fields.insert(fields.end(), {sf_field::eta, sf_field::rs});
    if (is_angular(k)) fields.insert(fields.end(), {sf_field::zeta, sf_field::lambda});
  }
  return fields;
}

class model_reader {
 public:
  model_reader(std::istream& in, std::string name) : m_in(in, std::move(name)) {}

  model read() {
    model m;
    next_required("the header 'annp-model <version>'");
    if (m_tokens.size() != 2 || m_tokens[0] != "annp-model")
      m_in.fail("expected the header 'annp-model <version>' (is this an annp model file?)");
    const int version = m_in.parse_integer<int>(m_tokens[1], "the format version");
    if (version != model_format_version)
      m_in.fail("model format version " + std::to_string(version) +
                " is not supported (this "
                "annp reads version " +
                std::to_string(model_format_version) + ")");
    bool have_scaling = false, done = false;
    scaling_mode mode = scaling_mode::none;
    double smin = 0.0, smax = 1.0, min_range = 0.0;
    bool have_core = false;
    std::vector<descriptor_stats> stats;
    std::vector<bool> have_network, have_stats, have_energy, have_descriptors;
    while (!done && next()) {
      const std::string_view key = m_tokens[0];
      if (key == "meta") {
        expect(2, 1000, "meta <key> <value>");
        const auto pos = m_line.find(m_tokens[1]) + m_tokens[1].size();
        m.metadata.emplace_back(std::string(m_tokens[1]), std::string(trim(m_line.substr(pos))));
      } else if (key == "elements") {
        expect(2, 200, "elements <symbol> ...");
        if (!m.elements.empty()) m_in.fail("'elements' appears twice");
        for (std::size_t k = 1; k < m_tokens.size(); ++k)
          m.elements.push_back(element_z(m_tokens[k]));
        const std::size_t ne = m.elements.size();
        m.networks.resize(ne);
        m.atomic_energies.assign(ne, 0.0);
        stats.resize(ne);
        have_network.assign(ne, false);
        have_stats.assign(ne, false);
        have_energy.assign(ne, false);
        have_descriptors.assign(ne, false);
      } else if (key == "cutoff") {
        expect(3, 3, "cutoff <kind> alpha=<value>");
        m.cutoff = guarded([&] { return cutoff_kind_from_name(m_tokens[1]); });
        m.cutoff_alpha = value_of(m_tokens[2], "alpha");
      } else if (key == "energy_scale") {
        expect(2, 2, "energy_scale <value>");
        m.energy_scale = m_in.parse_double(m_tokens[1], "the energy scale");
      } else if (key == "atomic_energy") {
        expect(3, 3, "atomic_energy <element> <eV>");
        const auto e = element_index(m, m_tokens[1]);
        m.atomic_energies[e] = m_in.parse_double(m_tokens[2], "an atomic reference energy (eV)");
        have_energy[e] = true;
      } else if (key == "spins") {
        need_elements(m);
        expect(1 + m.elements.size(), 1 + m.elements.size(), "spins <one value per element>");
        m.spins.clear();
        for (std::size_t k = 1; k < m_tokens.size(); ++k)
          m.spins.push_back(m_in.parse_double(m_tokens[k], "an element spin"));
      } else if (key == "descriptor") {
        expect(3, 3, "descriptor <element> <count>");
        const auto e = element_index(m, m_tokens[1]);
        if (have_descriptors[e])
          m_in.fail("descriptors of " + std::string(m_tokens[1]) + " appear twice");
        have_descriptors[e] = true;
        const auto n = m_in.parse_integer<std::size_t>(m_tokens[2], "the number of functions");
        for (std::size_t k = 0; k < n; ++k) {
          next_required("an 'sf' line (" + std::to_string(n - k) + " more expected)");
          m.functions.push_back(read_sf(m.elements[e]));
        }
      } else if (key == "scaling") {
        expect(4, 5, "scaling <mode> smin=<value> smax=<value> [min_range=<value>]");
        mode = guarded([&] { return scaling_mode_from_name(m_tokens[1]); });
        smin = value_of(m_tokens[2], "smin");
        smax = value_of(m_tokens[3], "smax");
        if (m_tokens.size() == 5) min_range = value_of(m_tokens[4], "min_range");
        have_scaling = true;
      } else if (key == "short_range") {
        expect(4, 4, "short_range zbl inner=<Å> outer=<Å>");
        if (have_core) m_in.fail("'short_range' appears twice");
        have_core = true;
        m.core.type = guarded([&] { return short_range::kind_from_name(m_tokens[1]); });
        m.core.inner = value_of(m_tokens[2], "inner");
        m.core.outer = value_of(m_tokens[3], "outer");
        guarded([&] {
          m.core.validate();
          return 0;
        });
      } else if (key == "short_range_pair") {
        expect(5, 5, "short_range_pair <element> <element> inner=<Å> outer=<Å>");
        if (!have_core) m_in.fail("'short_range_pair' before the 'short_range' line it refines");
        const int z1 = m.elements.at(element_index(m, m_tokens[1]));
        const int z2 = m.elements.at(element_index(m, m_tokens[2]));
        const std::pair<int, int> zz = std::minmax(z1, z2);
        if (std::any_of(m.core.pairs.begin(), m.core.pairs.end(), [&](const auto& p) {
              return std::pair{p.z1, p.z2} == zz;
            }))
          m_in.fail("'short_range_pair' " + std::string(m_tokens[1]) + " " +
                    std::string(m_tokens[2]) + " appears twice");
        const double ri = value_of(m_tokens[3], "inner"), ro = value_of(m_tokens[4], "outer");
        guarded([&] {
          m.core.set_pair(z1, z2, ri, ro);
          return 0;
        });
      } else if (key == "scaling_stats") {
        expect(4, 4, "scaling_stats <element> atoms=<count> count=<n>");
        const auto e = element_index(m, m_tokens[1]);
        auto& st = stats[e];
        st.count = static_cast<std::size_t>(value_of(m_tokens[2], "atoms"));
        const auto n = static_cast<std::size_t>(value_of(m_tokens[3], "count"));
        for (std::size_t k = 0; k < n; ++k) {
          next_required("a scaling line '<min> <max> <mean> <sigma>'");
          expect(4, 4, "<min> <max> <mean> <sigma>");
          st.min.push_back(number(0, "the minimum"));
          st.max.push_back(number(1, "the maximum"));
          st.mean.push_back(number(2, "the mean"));
          st.sigma.push_back(number(3, "the standard deviation"));
        }
        have_stats[e] = true;
      } else if (key == "network") {
        expect(3, 3, "network <element> layers=<count>");
        const auto e = element_index(m, m_tokens[1]);
        const auto nl = static_cast<std::size_t>(value_of(m_tokens[2], "layers"));
        std::vector<layer_shape> shapes;
        std::vector<std::string> names;
        for (std::size_t l = 0; l < nl; ++l) {
          next_required("a 'layer <in> <out> <activation>' line");
          expect(4, 4, "layer <in> <out> <activation>");
          if (m_tokens[0] != "layer")
            m_in.fail("expected 'layer', got " + detail::quote_token(m_tokens[0]));
          layer_shape s;
          s.in = m_in.parse_integer<std::size_t>(m_tokens[1], "the layer's input count");
          s.out = m_in.parse_integer<std::size_t>(m_tokens[2], "the layer's neuron count");
          // A name that is not built in is a user-written activation: the static network type
          // that names it evaluates it.
          s.activation = is_builtin_activation_name(m_tokens[3]) ? activation_from_name(m_tokens[3])
                                                                 : activation_kind::unlisted();
          if (!s.activation.is_listed() && !is_identifier(m_tokens[3]))
            m_in.fail("activation " + detail::quote_token(m_tokens[3]) +
                      " is neither built in nor a valid name (letters, digits, _)");
          shapes.push_back(s);
          names.emplace_back(m_tokens[3]);
        }
        auto net = guarded([&] { return dynamic_network(shapes, names); });
        next_required("'parameters <count>'");
        expect(2, 2, "parameters <count>");
        if (m_tokens[0] != "parameters") m_in.fail("expected 'parameters <count>'");
        const auto np = m_in.parse_integer<std::size_t>(m_tokens[1], "the parameter count");
        if (np != net.parameter_size())
          m_in.fail("the network " + net.describe() + " has " +
                    std::to_string(net.parameter_size()) + " parameters, the file says " +
                    std::to_string(np));
        std::size_t got = 0;
        while (got < np) {
          next_required("parameter values (" + std::to_string(np - got) + " more expected)");
          for (auto t : m_tokens) {
            if (got == np)
              m_in.fail("more parameter values than the " + std::to_string(np) + " expected");
            net.parameters()[got++] = m_in.parse_double(t, "a network parameter");
          }
        }
        m.networks[e] = std::move(net);
        have_network[e] = true;
      } else if (key == "end") {
        expect(1, 1, "end");
        done = true;
      } else {
        m_in.fail(
            "unknown keyword " + detail::quote_token(key) +
            " (expected meta, elements, cutoff, energy_scale, atomic_energy, spins, "
            "short_range, short_range_pair, descriptor, scaling, scaling_stats, network or end)");
      }
    }
    if (!done) m_in.fail("the file ends without 'end' (truncated model file?)");
    need_elements(m);
    for (std::size_t e = 0; e < m.elements.size(); ++e) {
      const std::string el(symbol(m.elements[e]));
      if (!have_descriptors[e]) m_in.fail("no 'descriptor " + el + " ...' section");
      if (!have_network[e]) m_in.fail("no 'network " + el + " ...' section");
      if (!have_stats[e]) m_in.fail("no 'scaling_stats " + el + " ...' section");
      if (!have_energy[e]) m_in.fail("no 'atomic_energy " + el + " ...' line");
    }
    if (!have_scaling) m_in.fail("no 'scaling' line");
    if (m.spins.empty()) m.spins = std::vector<double>(m.elements.size(), 1.0);
    m.scaling = guarded([&] { return descriptor_scaling(mode, smin, smax, stats, min_range); });
    guarded([&] {
      m.validate();
      return 0;
    });
    return m;
  }

 private:
  bool next() {
    while (m_in.next(m_line)) {
      m_content = m_line.substr(0, m_line.find('#'));
      m_tokens = split_whitespace(m_content);
      if (!m_tokens.empty()) return true;
    }
    return false;
  }
  void next_required(const std::string& what) {
    if (!next()) m_in.fail("the file ends early: expected " + what);
  }
  void expect(std::size_t lo, std::size_t hi, const std::string& form) const {
    if (m_tokens.size() < lo || m_tokens.size() > hi)
      m_in.fail("expected '" + form + "', got " + std::to_string(m_tokens.size()) + " fields");
  }
  double number(std::size_t k, const char* what) const {
    return m_in.parse_double(m_tokens[k], what);
  }
  double value_of(std::string_view token, std::string_view key) const {
    const auto eq = token.find('=');
    if (eq == std::string_view::npos || token.substr(0, eq) != key)
      m_in.fail("expected " + std::string(key) + "=<value>, got " + detail::quote_token(token));
    return m_in.parse_double(token.substr(eq + 1), std::string(key));
  }
  template <class F> auto guarded(F&& f) const -> decltype(f()) {
    try {
      return f();
    } catch (const error& e) {
      m_in.fail(e.what());
    }
  }
  int element_z(std::string_view s) const {
    return guarded([&] { return atomic_number(s); });
  }
  void need_elements(const model& m) const {
    if (m.elements.empty()) m_in.fail("'elements' must come before element-specific sections");
  }
  static bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
  }
  std::size_t element_index(const model& m, std::string_view s) const {
    need_elements(m);
    const int z = element_z(s);
    for (std::size_t e = 0; e < m.elements.size(); ++e)
      if (m.elements[e] == z) return e;
    m_in.fail("element " + std::string(s) + " is not in the 'elements' line");
  }

  static std::string join(const std::vector<sf_field>& fields) {
    std::string out;
    for (auto f : fields) out += (out.empty() ? "" : ", ") + std::string(sf_field_key(f));
    return out;
  }

  symmetry_function read_sf(int centre) {
    if (m_tokens[0] != "sf" || m_tokens.size() < 2)
      m_in.fail("expected 'sf <kind> key=value ...', got " + detail::quote_token(m_tokens[0]));
    symmetry_function f;
    f.center = centre;
    f.kind = guarded([&] { return kind_from_name(m_tokens[1]); });
    std::map<std::string, std::string, std::less<>> kv;
    for (std::size_t k = 2; k < m_tokens.size(); ++k) {
      const auto t = m_tokens[k];
      const auto eq = t.find('=');
      if (eq == std::string_view::npos)
        m_in.fail("expected key=value, got " + detail::quote_token(t));
      if (!kv.emplace(std::string(t.substr(0, eq)), std::string(t.substr(eq + 1))).second)
        m_in.fail("key '" + std::string(t.substr(0, eq)) + "' given twice");
    }
    // The keys are exactly those the writer writes for this kind.
    const auto fields = sf_file_fields(f.kind);
    for (const auto& entry : kv) {
      const std::string& k = entry.first;
      if (std::none_of(fields.begin(), fields.end(),
                       [&](sf_field field) { return sf_field_key(field) == k; }))
        m_in.fail("key '" + k + "' does not belong to a " + std::string(kind_name(f.kind)) +
                  " function (its keys: " + join(fields) + ")");
    }
    for (const sf_field field : fields) {
      const auto it = kv.find(sf_field_key(field));
      if (it == kv.end())
        m_in.fail("a " + std::string(kind_name(f.kind)) + " function needs " +
                  std::string(sf_field_key(field)) + "=<value>");
      guarded([&] {
        set_sf_field(f, field, it->second);
        return 0;
      });
    }
    guarded([&] {
      f.validate();
      return 0;
    });
    return f;
  }

  line_reader m_in;
  std::string m_line, m_content;
  std::vector<std::string_view> m_tokens;
};

} // namespace detail

[[nodiscard]] inline model read_model(std::istream& in, const std::string& name) {
  return detail::model_reader(in, name).read();
}

/// Reads an annp model file.
[[nodiscard]] inline model read_model(const std::string& path) {
  auto in = open_input_file(path);
  return read_model(in, path);
}

/// The model as text.
[[nodiscard]] inline std::string format_model(const model& m) {
  m.validate();
  std::string s = "annp-model " + std::to_string(model_format_version) + "\n";
  s += "# annp model file: a Behler-Parrinello neural-network potential (docs/model-format.md)\n";
  s += "# energies eV, lengths Angstrom\n";
  for (const auto& [k, v] : m.metadata) {
    if (k.empty() || split_whitespace(k).size() != 1 || v.find('\n') != std::string::npos)
      throw error("model metadata key '" + k + "' must be one word and its value one line");
    s += "meta " + k + " " + v + "\n";
  }
  s += "elements";
  for (int z : m.elements) s += " " + std::string(symbol(z));
  s += "\ncutoff " + std::string(cutoff_kind_name(m.cutoff)) +
       " alpha=" + format_double(m.cutoff_alpha);
  s += "\nenergy_scale " + format_double(m.energy_scale) + "\n";
  for (std::size_t e = 0; e < m.elements.size(); ++e)
    s += "atomic_energy " + std::string(symbol(m.elements[e])) + " " +
         format_double(m.atomic_energies[e]) + "\n";
  if (!m.spins.empty()) {
    s += "spins";
    for (double x : m.spins) s += " " + format_double(x);
    s += "\n";
  }
  for (int z : m.elements) {
    const auto fs = m.functions_of(z);
    s += "descriptor " + std::string(symbol(z)) + " " + std::to_string(fs.size()) + "\n";
    for (const auto& f : fs) {
      s += "sf " + std::string(kind_name(f.kind));
      for (const sf_field field : detail::sf_file_fields(f.kind))
        s += " " + std::string(sf_field_key(field)) + "=" + sf_field_text(f, field);
      s += "\n";
    }
  }
  if (m.core.enabled()) {
    s += "short_range " + std::string(short_range::kind_name(m.core.type)) +
         " inner=" + format_double(m.core.inner) + " outer=" + format_double(m.core.outer) + "\n";
    for (const auto& p : m.core.pairs)
      s += "short_range_pair " + std::string(symbol(p.z1)) + " " + std::string(symbol(p.z2)) +
           " inner=" + format_double(p.inner) + " outer=" + format_double(p.outer) + "\n";
  }
  s += "scaling " + std::string(scaling_mode_name(m.scaling.mode())) +
       " smin=" + format_double(m.scaling.smin()) + " smax=" + format_double(m.scaling.smax());
  if (m.scaling.min_range() > 0.0) s += " min_range=" + format_double(m.scaling.min_range());
  s += "\n";
  for (std::size_t e = 0; e < m.elements.size(); ++e) {
    const auto& st = m.scaling.stats(e);
    s += "scaling_stats " + std::string(symbol(m.elements[e])) +
         " atoms=" + std::to_string(st.count) + " count=" + std::to_string(st.min.size()) + "\n";
    for (std::size_t k = 0; k < st.min.size(); ++k) {
      append_double(s, st.min[k]);
      s += ' ';
      append_double(s, st.max[k]);
      s += ' ';
      append_double(s, st.mean[k]);
      s += ' ';
      append_double(s, st.sigma[k]);
      s += '\n';
    }
  }
  for (std::size_t e = 0; e < m.elements.size(); ++e) {
    const auto& net = m.networks[e];
    s += "network " + std::string(symbol(m.elements[e])) +
         " layers=" + std::to_string(net.layer_count()) + "\n";
    for (std::size_t l = 0; l < net.layer_count(); ++l)
      s += "layer " + std::to_string(net.layers()[l].in) + " " +
           std::to_string(net.layers()[l].out) + " " + net.activation_name(l) + "\n";
    s += "parameters " + std::to_string(net.parameter_size()) + "\n";
    const auto p = net.parameters();
    for (std::size_t k = 0; k < p.size(); ++k) {
      append_double(s, p[k]);
      s += (k % 4 == 3 || k + 1 == p.size()) ? '\n' : ' ';
    }
  }
  s += "end\n";
  return s;
}

/// Writes an annp model file atomically (temporary file + rename).
inline void write_model(const std::string& path, const model& m) {
  write_file_atomically(path, format_model(m));
}

} // namespace annp
