#pragma once
// n2p2's configuration format (input.data):
//
//   begin
//   comment <text>
//   lattice <ax> <ay> <az>          three lines, or none for a non-periodic structure
//   atom <x> <y> <z> <element> <c> <n> <fx> <fy> <fz>
//   energy <E>
//   charge <Q>
//   end
//
// Mapping to annp::structure:
// - lattice lines -> cell, pbc all true; no lattice lines -> pbc all false.
// - a one-word comment becomes config_type; any other comment is kept as info "comment".
// - the per-atom charge c and the unused column n are kept as atom properties "charges" and
//   "n2p2_n" when any of them is non-zero; a non-zero total charge is kept as info "charge".
// - n2p2 has no stress and no way to mark a missing energy or force: writing stores 0 for a
//   missing energy or force, and drops stress; partially periodic structures cannot be written.

#include <annp/core/atomic_file.hpp>
#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/structure/structure.hpp>

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace annp {

/// Streams structures out of an n2p2 input.data file.
class n2p2_data_reader {
 public:
  n2p2_data_reader(std::istream& in, std::string name) : m_in(in, std::move(name)) {}

  bool next(structure& s) {
    std::string line;
    // Find "begin", allowing blank lines between structures.
    for (;;) {
      if (!m_in.next(line)) return false;
      const auto tokens = split_whitespace(line);
      if (tokens.empty()) continue;
      if (tokens[0] == "begin" && tokens.size() == 1) break;
      m_in.fail("expected 'begin' to start a structure, got " + detail::quote_token(trim(line)));
    }
    s = structure{};
    s.source = m_in.location();
    std::vector<vec3> lattice;
    std::vector<vec3> positions, forces;
    std::vector<double> charges, extra;
    bool have_energy = false, have_charge = false;
    double total_charge = 0.0;
    for (;;) {
      if (!m_in.next(line))
        m_in.fail("file ends inside the structure that begins at " + s.source +
                  " (expected 'end')");
      const auto tokens = split_whitespace(line);
      if (tokens.empty()) continue;
      const auto key = tokens[0];
      if (key == "end") {
        if (tokens.size() != 1) m_in.fail("expected nothing after 'end'");
        break;
      }
      if (key == "begin") m_in.fail("'begin' inside a structure (expected 'end' first)");
      if (key == "comment") {
        const auto pos = line.find("comment");
        const auto text = trim(std::string_view(line).substr(pos + 7));
        // The last comment line wins: one word is a config_type, more is a free comment.
        s.config_type.clear();
        s.remove_info("comment");
        if (!text.empty() && split_whitespace(text).size() == 1)
          s.config_type = std::string(text);
        else if (!text.empty())
          s.set_info("comment", std::string(text));
      } else if (key == "lattice") {
        expect_fields(tokens, 4, "lattice <x> <y> <z>");
        if (lattice.size() == 3) m_in.fail("more than three 'lattice' lines in one structure");
        if (!positions.empty()) m_in.fail("'lattice' after 'atom' lines (expected lattice first)");
        lattice.push_back(parse_vec(tokens, 1, "a lattice vector component (Å)"));
      } else if (key == "atom") {
        expect_fields(tokens, 10, "atom <x> <y> <z> <element> <charge> <n> <fx> <fy> <fz>");
        positions.push_back(parse_vec(tokens, 1, "a position (Å)"));
        const int z = find_atomic_number(tokens[4]);
        if (z == 0) {
          try {
            (void)atomic_number(tokens[4]);
          } catch (const error& e) {
            m_in.fail(e.what());
          }
        }
        s.numbers.push_back(z);
        charges.push_back(m_in.parse_double(tokens[5], "the atomic charge"));
        extra.push_back(m_in.parse_double(tokens[6], "the sixth atom column"));
        forces.push_back(parse_vec(tokens, 7, "a force (eV/Å)"));
      } else if (key == "energy") {
        expect_fields(tokens, 2, "energy <E>");
        if (have_energy) m_in.fail("two 'energy' lines in one structure");
        s.energy = m_in.parse_double(tokens[1], "the energy (eV)");
        have_energy = true;
      } else if (key == "charge") {
        expect_fields(tokens, 2, "charge <Q>");
        if (have_charge) m_in.fail("two 'charge' lines in one structure");
        total_charge = m_in.parse_double(tokens[1], "the total charge");
        have_charge = true;
      } else {
        m_in.fail("unknown keyword " + detail::quote_token(key) +
                  " (expected atom, lattice, comment, energy, charge or end)");
      }
    }
    if (lattice.size() != 0 && lattice.size() != 3)
      m_in.fail("structure beginning at " + s.source + " has " + std::to_string(lattice.size()) +
                " 'lattice' lines (expected 0 or 3)");
    if (positions.empty()) m_in.fail("structure beginning at " + s.source + " has no 'atom' lines");
    if (!have_energy) m_in.fail("structure beginning at " + s.source + " has no 'energy' line");
    if (lattice.size() == 3) {
      for (std::size_t a = 0; a < 3; ++a) s.cell[a] = lattice[a];
      s.pbc = {true, true, true};
    }
    const std::size_t n = positions.size();
    s.positions = xt::zeros<double>({n, std::size_t{3}});
    xt::xtensor<double, 2> f = xt::zeros<double>({n, std::size_t{3}});
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < 3; ++k) {
        s.positions(i, k) = positions[i][k];
        f(i, k) = forces[i][k];
      }
    s.forces = std::move(f);
    keep_if_nonzero(s, "charges", charges);
    keep_if_nonzero(s, "n2p2_n", extra);
    if (total_charge != 0.0) s.set_info("charge", format_double(total_charge));
    if (auto problem = s.problem(); !problem.empty()) m_in.fail(problem);
    return true;
  }

 private:
  void expect_fields(const std::vector<std::string_view>& tokens, std::size_t count,
                     const char* form) const {
    if (tokens.size() != count)
      m_in.fail("expected '" + std::string(form) + "' (" + std::to_string(count) +
                " fields), got " + std::to_string(tokens.size()) + " fields");
  }
  vec3 parse_vec(const std::vector<std::string_view>& tokens, std::size_t first,
                 const char* what) const {
    return {m_in.parse_double(tokens[first], what), m_in.parse_double(tokens[first + 1], what),
            m_in.parse_double(tokens[first + 2], what)};
  }
  static void keep_if_nonzero(structure& s, const char* name, const std::vector<double>& values) {
    for (double v : values)
      if (v != 0.0) {
        atom_property p;
        p.name = name;
        p.type = 'R';
        p.columns = 1;
        p.real = values;
        s.properties.push_back(std::move(p));
        return;
      }
  }

  line_reader m_in;
};

[[nodiscard]] inline std::vector<structure> read_n2p2_data(std::istream& in,
                                                           const std::string& name) {
  n2p2_data_reader reader(in, name);
  std::vector<structure> frames;
  structure s;
  while (reader.next(s)) frames.push_back(std::move(s));
  return frames;
}

[[nodiscard]] inline std::vector<structure> read_n2p2_data(const std::string& path) {
  auto in = open_input_file(path);
  return read_n2p2_data(in, path);
}

/// Appends one structure in input.data form.
inline void append_n2p2_data(std::string& out, const structure& s) {
  s.validate();
  if (s.any_periodic() && !s.fully_periodic())
    throw error((s.source.empty() ? std::string() : s.source + ": ") +
                "n2p2 input.data stores only fully periodic or non-periodic structures, not pbc=" +
                (s.pbc[0] ? "T" : "F") + (s.pbc[1] ? "T" : "F") + (s.pbc[2] ? "T" : "F"));
  const auto column = [&](const char* name) -> const std::vector<double>* {
    const atom_property* p = s.find_property(name);
    return (p && p->type == 'R' && p->columns == 1) ? &p->real : nullptr;
  };
  const auto* charges = column("charges");
  const auto* extra = column("n2p2_n");
  out += "begin\n";
  const std::string* comment = s.find_info("comment");
  if (comment || !s.config_type.empty()) {
    out += "comment ";
    out += comment ? *comment : s.config_type;
    out += '\n';
  }
  const auto put = [&out](double v) {
    out += ' ';
    append_double(out, v);
  };
  if (s.fully_periodic())
    for (std::size_t a = 0; a < 3; ++a) {
      out += "lattice";
      for (std::size_t b = 0; b < 3; ++b) put(s.cell[a][b]);
      out += '\n';
    }
  for (std::size_t i = 0; i < s.size(); ++i) {
    out += "atom";
    for (std::size_t k = 0; k < 3; ++k) put(s.positions(i, k));
    out += ' ';
    out += symbol(s.numbers[i]);
    put(charges ? (*charges)[i] : 0.0);
    put(extra ? (*extra)[i] : 0.0);
    for (std::size_t k = 0; k < 3; ++k) put(s.forces ? (*s.forces)(i, k) : 0.0);
    out += '\n';
  }
  out += "energy";
  put(s.energy.value_or(0.0));
  out += "\ncharge";
  double q = 0.0;
  if (const std::string* text = s.find_info("charge")) (void)try_parse_double(*text, q);
  put(q);
  out += "\nend\n";
}

inline void write_n2p2_data(std::ostream& out, const std::vector<structure>& frames) {
  std::string text;
  for (const auto& s : frames) {
    text.clear();
    append_n2p2_data(text, s);
    out << text;
  }
}

/// Writes structures to an input.data file atomically.
inline void write_n2p2_data(const std::string& path, const std::vector<structure>& frames) {
  std::string text;
  for (const auto& s : frames) append_n2p2_data(text, s);
  write_file_atomically(path, text);
}

} // namespace annp
