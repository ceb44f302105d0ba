#pragma once
// Extended XYZ, as ASE reads and writes it.
//
//   <number of atoms>
//   Lattice="ax ay az bx by bz cx cy cz" Properties=species:S:1:pos:R:3:forces:R:3 energy=-3.2
//       stress="9 or 6 (Voigt xx yy zz yz xz xy) values" pbc="T T T" config_type=fcc any=thing
//   Al 0.0 0.0 0.0 0.01 0.0 -0.02
//   ...
//
// - Lattice rows are the lattice vectors (Å). Without pbc=, a frame with a Lattice is periodic
//   along all axes and one without is not; pbc= with a T and no Lattice is an error.
// - Properties lists name:type:columns triples (types S, R, I, L). "species" (or an integer "Z")
//   and "pos" are required; "forces" (or "force") become the force labels; any other column is
//   kept as an atom_property.
// - The energy label is the first of options.energy_keys present (default energy, then
//   free_energy); "virial" (eV) is converted to stress = -virial / volume.
// - Values may be quoted ("...", with \" and \\ escapes) or bracketed ([...] or {...}); a key
//   without '=' means T. Every other key lands in structure::info in file order.
// - Writing uses the shortest decimal form of every double, so read(write(s)) == s exactly.
// Every malformed input raises annp::error naming the file, the line and what was expected.

#include <annp/core/atomic_file.hpp>
#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/text.hpp>
#include <annp/structure/structure.hpp>

#include <istream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace annp {

struct extxyz_read_options {
  /// Keys tried, in order, for the energy label.
  std::vector<std::string> energy_keys{"energy", "free_energy"};
};

namespace detail {

struct key_value {
  std::string key;
  std::string value;
};

// Splits an extended XYZ comment line into key=value pairs.
inline std::vector<key_value> parse_extxyz_comment(std::string_view line, const line_reader& in) {
  std::vector<key_value> out;
  std::size_t i = 0;
  const auto read_quoted = [&](std::string& into) {
    const std::size_t open = i;
    ++i; // opening quote
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        into += line[i] == 'n' ? '\n' : line[i];
      } else {
        into += line[i];
      }
      ++i;
    }
    if (i >= line.size())
      in.fail("unterminated quote starting at column " + std::to_string(open + 1) +
              " of the comment line (expected a closing \")");
    ++i; // closing quote
  };
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) break;
    key_value kv;
    if (line[i] == '"') {
      read_quoted(kv.key);
    } else {
      while (i < line.size() && !is_space(line[i]) && line[i] != '=') kv.key += line[i++];
    }
    if (kv.key.empty())
      in.fail("expected a key before '=' at column " + std::to_string(i + 1) +
              " of the comment line");
    std::size_t j = i;
    while (j < line.size() && is_space(line[j])) ++j;
    if (j < line.size() && line[j] == '=') {
      i = j + 1;
      while (i < line.size() && is_space(line[i])) ++i;
      if (i >= line.size()) in.fail("expected a value after '" + kv.key + "=' on the comment line");
      if (line[i] == '"') {
        read_quoted(kv.value);
      } else if (line[i] == '[' || line[i] == '{') {
        const char open = line[i];
        const char close = open == '[' ? ']' : '}';
        int depth = 0;
        const std::size_t start = i;
        for (; i < line.size(); ++i) {
          if (line[i] == open) ++depth;
          if (line[i] == close && --depth == 0) break;
        }
        if (i >= line.size())
          in.fail("unterminated '" + std::string(1, open) + "' in the value of '" + kv.key +
                  "' (expected a closing '" + std::string(1, close) + "')");
        kv.value = std::string(line.substr(start, i - start + 1));
        ++i;
      } else {
        while (i < line.size() && !is_space(line[i])) kv.value += line[i++];
      }
    } else {
      kv.value.assign(1, 'T'); // a bare key is a true flag, as in ASE
    }
    for (const auto& seen : out)
      if (seen.key == kv.key) in.fail("key '" + kv.key + "' appears twice on the comment line");
    out.push_back(std::move(kv));
  }
  return out;
}

// Numbers of an array value such as "1 2 3", "[1, 2, 3]" or "[[1,0,0],[0,1,0],[0,0,1]]".
inline std::vector<double> parse_number_list(const std::string& value, std::string_view key,
                                             const line_reader& in) {
  std::string cleaned = value;
  for (char& c : cleaned)
    if (c == '[' || c == ']' || c == '{' || c == '}' || c == ',') c = ' ';
  std::vector<double> out;
  for (auto token : split_whitespace(cleaned))
    out.push_back(in.parse_double(token, "a number in '" + std::string(key) + "'"));
  return out;
}

struct column_spec {
  std::string name;
  char type;
  std::size_t columns;
  std::size_t first; // first token index on an atom line
};

inline std::vector<column_spec> parse_properties(const std::string& value, const line_reader& in) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : value) {
    if (c == ':') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  if (parts.size() % 3 != 0)
    in.fail("expected Properties as name:type:columns triples, got " + quote_token(value, 80));
  std::vector<column_spec> out;
  std::size_t first = 0;
  for (std::size_t k = 0; k < parts.size(); k += 3) {
    column_spec spec;
    spec.name = parts[k];
    if (spec.name.empty()) in.fail("empty column name in Properties=" + quote_token(value, 80));
    if (parts[k + 1].size() != 1 ||
        std::string_view("RISL").find(parts[k + 1][0]) == std::string_view::npos)
      in.fail("expected column type R, I, S or L for property '" + spec.name + "', got " +
              quote_token(parts[k + 1]));
    spec.type = parts[k + 1][0];
    std::size_t columns = 0;
    if (!try_parse_integer(parts[k + 2], columns) || columns == 0)
      in.fail("expected a positive column count for property '" + spec.name + "', got " +
              quote_token(parts[k + 2]));
    spec.columns = columns;
    spec.first = first;
    first += columns;
    for (const auto& seen : out)
      if (seen.name == spec.name)
        in.fail("property '" + spec.name + "' appears twice in Properties");
    out.push_back(std::move(spec));
  }
  return out;
}

inline std::string describe_columns(const std::vector<column_spec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    if (!out.empty()) out += ' ';
    out += s.name + ":" + s.type + ":" + std::to_string(s.columns);
  }
  return out;
}

inline bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v)
    if (is_space(c) || c == '"' || c == '=' || c == '\\') return true;
  return v.front() == '[' || v.front() == '{';
}

inline void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
}

} // namespace detail

/// Streams frames out of an extended XYZ file one at a time (for files too large to hold).
class extxyz_reader {
 public:
  extxyz_reader(std::istream& in, std::string name, extxyz_read_options options = {})
      : m_in(in, std::move(name)), m_options(std::move(options)) {}

  /// Reads the next frame into s; returns false at the end of the input.
  bool next(structure& s) {
    std::string line;
    // Blank lines between frames and at the end of the file are allowed.
    do {
      if (!m_in.next(line)) return false;
    } while (trim(line).empty());
    s = structure{};
    s.source = m_in.location();
    const auto count_tokens = split_whitespace(line);
    std::size_t natoms = 0;
    if (count_tokens.size() != 1 || !try_parse_integer(count_tokens[0], natoms))
      m_in.fail("expected the number of atoms (a non-negative integer) on the first line of a "
                "frame, got " +
                detail::quote_token(trim(line)));
    if (natoms > 100'000'000) m_in.fail("implausible number of atoms " + std::to_string(natoms));
    if (!m_in.next(line))
      m_in.fail("file ends after the atom count (expected the comment line of the frame)");
    parse_comment(s, line);
    read_atoms(s, natoms);
    if (auto problem = s.problem(); !problem.empty()) m_in.fail(problem);
    return true;
  }

 private:
  void parse_comment(structure& s, const std::string& line) {
    auto pairs = detail::parse_extxyz_comment(line, m_in);
    bool have_lattice = false, have_pbc = false;
    m_columns.clear();
    std::optional<std::size_t> energy_rank;
    std::string energy_text;
    std::optional<std::vector<double>> virial;
    for (auto& kv : pairs) {
      if (kv.key == "Lattice" || kv.key == "lattice") {
        const auto v = detail::parse_number_list(kv.value, kv.key, m_in);
        if (v.size() != 9)
          m_in.fail("expected 9 numbers in Lattice (three lattice vectors, Å), got " +
                    std::to_string(v.size()));
        for (std::size_t a = 0; a < 3; ++a)
          for (std::size_t b = 0; b < 3; ++b) s.cell[a][b] = v[3 * a + b];
        have_lattice = true;
      } else if (kv.key == "Properties" || kv.key == "properties") {
        m_columns = detail::parse_properties(kv.value, m_in);
      } else if (kv.key == "pbc") {
        const auto tokens = split_whitespace(kv.value);
        if (tokens.size() != 3)
          m_in.fail("expected pbc as three T/F values, got " + detail::quote_token(kv.value));
        for (std::size_t a = 0; a < 3; ++a) s.pbc[a] = m_in.parse_bool(tokens[a], "pbc");
        have_pbc = true;
      } else if (kv.key == "stress") {
        s.stress = stress_from(detail::parse_number_list(kv.value, kv.key, m_in), "stress");
      } else if (kv.key == "virial") {
        virial = detail::parse_number_list(kv.value, kv.key, m_in);
      } else if (kv.key == "config_type") {
        s.config_type = kv.value;
      } else if (auto rank = energy_key_rank(kv.key);
                 rank && (!energy_rank || *rank < *energy_rank)) {
        // A better-ranked energy key: the previous one (if any) goes back to info.
        if (energy_rank) s.info.emplace_back(m_options.energy_keys[*energy_rank], energy_text);
        s.energy = m_in.parse_double(kv.value, "the energy '" + kv.key + "' (eV)");
        energy_rank = rank;
        energy_text = kv.value;
      } else {
        s.info.emplace_back(std::move(kv.key), std::move(kv.value));
      }
    }
    if (m_columns.empty()) m_columns = detail::parse_properties("species:S:1:pos:R:3", m_in);
    if (!have_pbc) s.pbc = {have_lattice, have_lattice, have_lattice};
    if (s.any_periodic() && !have_lattice)
      m_in.fail("the frame is periodic (pbc has a T) but has no Lattice=\"...\" (expected 9 "
                "numbers: the lattice vectors in Å)");
    if (auto problem = structure::cell_problem_of(s.cell, s.pbc); !problem.empty())
      m_in.fail("Lattice: " + problem);
    if (virial) {
      if (s.stress) m_in.fail("both stress and virial are given (expected one of them)");
      const double volume = s.volume();
      if (!(volume > 0.0)) m_in.fail("virial needs a cell with non-zero volume to give a stress");
      s.stress = (-1.0 / volume) * stress_from(*virial, "virial");
    }
    // Locate the required columns.
    m_species = m_z = m_pos = m_forces = npos;
    for (std::size_t k = 0; k < m_columns.size(); ++k) {
      const auto& c = m_columns[k];
      if (c.name == "species") {
        if (c.type != 'S' || c.columns != 1)
          m_in.fail("expected species:S:1 in Properties, got species:" + std::string(1, c.type) +
                    ":" + std::to_string(c.columns));
        m_species = k;
      } else if (c.name == "Z" && c.type == 'I' && c.columns == 1) {
        m_z = k;
      } else if (c.name == "pos") {
        if (c.type != 'R' || c.columns != 3)
          m_in.fail("expected pos:R:3 in Properties, got pos:" + std::string(1, c.type) + ":" +
                    std::to_string(c.columns));
        m_pos = k;
      }
    }
    // "forces" (ASE's name) is the force label; "force" only when there is no "forces".
    for (const char* name : {"forces", "force"}) {
      for (std::size_t k = 0; k < m_columns.size() && m_forces == npos; ++k) {
        const auto& c = m_columns[k];
        if (c.name != name) continue;
        if (c.type != 'R' || c.columns != 3)
          m_in.fail("expected " + c.name + ":R:3 in Properties, got " + c.name + ":" +
                    std::string(1, c.type) + ":" + std::to_string(c.columns));
        m_forces = k;
      }
    }
    if (m_species == npos && m_z == npos)
      m_in.fail("Properties has no species:S:1 (or Z:I:1) column; got " +
                detail::describe_columns(m_columns));
    if (m_pos == npos)
      m_in.fail("Properties has no pos:R:3 column; got " + detail::describe_columns(m_columns));
  }

  void read_atoms(structure& s, std::size_t natoms) {
    std::size_t ncols = 0;
    for (const auto& c : m_columns) ncols += c.columns;
    // Storage grows with the lines actually read, so that a corrupt atom count cannot make the
    // reader allocate gigabytes before it finds out that the lines are not there.
    const std::size_t expected = std::min<std::size_t>(natoms, std::size_t{1} << 16);
    s.numbers.reserve(expected);
    std::vector<double> positions, forces;
    positions.reserve(3 * expected);
    if (m_forces != npos) forces.reserve(3 * expected);
    // Extra columns become atom properties.
    std::vector<std::size_t> extra;
    for (std::size_t k = 0; k < m_columns.size(); ++k) {
      if (k == m_species || k == m_pos || k == m_forces || (k == m_z && m_species == npos))
        continue;
      extra.push_back(k);
      atom_property p;
      p.name = m_columns[k].name;
      p.type = m_columns[k].type;
      p.columns = m_columns[k].columns;
      s.properties.push_back(std::move(p));
    }
    std::string line;
    for (std::size_t i = 0; i < natoms; ++i) {
      if (!m_in.next(line))
        m_in.fail("file ends inside a frame: expected " + std::to_string(natoms) +
                  " atom lines, found " + std::to_string(i) +
                  " (truncated frame, or wrong atom count in " + s.source + ")");
      const auto tokens = split_whitespace(line);
      if (tokens.size() != ncols)
        m_in.fail("expected " + std::to_string(ncols) + " columns (" +
                  detail::describe_columns(m_columns) + "), got " + std::to_string(tokens.size()));
      s.numbers.push_back(species_of(tokens));
      for (std::size_t k = 0; k < 3; ++k)
        positions.push_back(
            m_in.parse_double(tokens[m_columns[m_pos].first + k], "a position (Å)"));
      if (m_forces != npos)
        for (std::size_t k = 0; k < 3; ++k)
          forces.push_back(
              m_in.parse_double(tokens[m_columns[m_forces].first + k], "a force (eV/Å)"));
      for (std::size_t e = 0; e < extra.size(); ++e) {
        const auto& c = m_columns[extra[e]];
        auto& p = s.properties[e];
        for (std::size_t k = 0; k < c.columns; ++k) {
          const auto token = tokens[c.first + k];
          const std::string what = "a value of '" + c.name + "'";
          switch (c.type) {
          case 'R': p.real.push_back(m_in.parse_double(token, what)); break;
          case 'I': p.integer.push_back(m_in.parse_integer<long long>(token, what)); break;
          case 'L': p.integer.push_back(m_in.parse_bool(token, what)); break;
          default: p.text.emplace_back(token); break;
          }
        }
      }
    }
    s.positions = as_n_by_3(positions, natoms);
    if (m_forces != npos) s.forces = as_n_by_3(forces, natoms);
  }

  int species_of(const std::vector<std::string_view>& tokens) const {
    if (m_species != npos) {
      const auto sym = tokens[m_columns[m_species].first];
      if (const int z = find_atomic_number(sym); z > 0) return z;
      try {
        (void)atomic_number(sym); // throws with a helpful message
      } catch (const error& e) {
        m_in.fail(e.what());
      }
    }
    const int z = m_in.parse_integer<int>(tokens[m_columns[m_z].first], "atomic number Z");
    if (!is_atomic_number(z))
      m_in.fail("unknown atomic number " + std::to_string(z) + " (expected 1 ... 118)");
    return z;
  }

  static xt::xtensor<double, 2> as_n_by_3(const std::vector<double>& values, std::size_t n) {
    xt::xtensor<double, 2> out = xt::zeros<double>({n, std::size_t{3}});
    std::copy(values.begin(), values.end(), out.data());
    return out;
  }

  [[nodiscard]] std::optional<std::size_t> energy_key_rank(const std::string& key) const {
    for (std::size_t r = 0; r < m_options.energy_keys.size(); ++r)
      if (m_options.energy_keys[r] == key) return r;
    return std::nullopt;
  }

  mat3 stress_from(const std::vector<double>& v, std::string_view what) const {
    mat3 m;
    if (v.size() == 9) {
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) m[a][b] = v[3 * a + b];
    } else if (v.size() == 6) { // Voigt order xx yy zz yz xz xy
      m[0][0] = v[0];
      m[1][1] = v[1];
      m[2][2] = v[2];
      m[1][2] = m[2][1] = v[3];
      m[0][2] = m[2][0] = v[4];
      m[0][1] = m[1][0] = v[5];
    } else {
      m_in.fail("expected 9 or 6 (Voigt) numbers in " + std::string(what) + ", got " +
                std::to_string(v.size()));
    }
    return m;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  line_reader m_in;
  extxyz_read_options m_options;
  std::vector<detail::column_spec> m_columns;
  std::size_t m_species = npos, m_z = npos, m_pos = npos, m_forces = npos;
};

/// Reads every frame of an extended XYZ stream; name is used in error messages.
[[nodiscard]] inline std::vector<structure> read_extxyz(std::istream& in, const std::string& name,
                                                        const extxyz_read_options& options = {}) {
  extxyz_reader reader(in, name, options);
  std::vector<structure> frames;
  structure s;
  while (reader.next(s)) frames.push_back(std::move(s));
  return frames;
}

/// Reads every frame of an extended XYZ file.
[[nodiscard]] inline std::vector<structure> read_extxyz(const std::string& path,
                                                        const extxyz_read_options& options = {}) {
  auto in = open_input_file(path);
  return read_extxyz(in, path, options);
}

/// Appends one frame in extended XYZ form to out.
inline void append_extxyz(std::string& out, const structure& s) {
  s.validate();
  const std::size_t n = s.size();
  out += std::to_string(n);
  out += '\n';
  const bool write_lattice = s.any_periodic() || s.cell != mat3{};
  if (write_lattice) {
    out += "Lattice=\"";
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) {
        if (a + b > 0) out += ' ';
        append_double(out, s.cell[a][b]);
      }
    out += "\" ";
  }
  out += "Properties=species:S:1:pos:R:3";
  if (s.forces) out += ":forces:R:3";
  for (const auto& p : s.properties) {
    out += ':';
    out += p.name;
    out += ':';
    out += p.type;
    out += ':';
    out += std::to_string(p.columns);
  }
  if (s.energy) {
    out += " energy=";
    append_double(out, *s.energy);
  }
  if (s.stress) {
    out += " stress=\"";
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) {
        if (a + b > 0) out += ' ';
        append_double(out, (*s.stress)[a][b]);
      }
    out += '"';
  }
  if (!s.config_type.empty()) {
    out += " config_type=";
    detail::append_value(out, s.config_type);
  }
  for (const auto& [key, value] : s.info) {
    out += ' ';
    detail::append_value(out, key);
    out += '=';
    detail::append_value(out, value);
  }
  out += " pbc=\"";
  for (std::size_t a = 0; a < 3; ++a) {
    if (a > 0) out += ' ';
    out += s.pbc[a] ? 'T' : 'F';
  }
  out += "\"\n";
  for (std::size_t i = 0; i < n; ++i) {
    out += symbol(s.numbers[i]);
    for (std::size_t k = 0; k < 3; ++k) {
      out += ' ';
      append_double(out, s.positions(i, k));
    }
    if (s.forces)
      for (std::size_t k = 0; k < 3; ++k) {
        out += ' ';
        append_double(out, (*s.forces)(i, k));
      }
    for (const auto& p : s.properties)
      for (std::size_t k = 0; k < p.columns; ++k) {
        out += ' ';
        const std::size_t at = i * p.columns + k;
        switch (p.type) {
        case 'R': append_double(out, p.real[at]); break;
        case 'I': out += std::to_string(p.integer[at]); break;
        case 'L': out += p.integer[at] != 0 ? 'T' : 'F'; break;
        default:
          if (p.text[at].empty() || split_whitespace(p.text[at]).size() != 1)
            throw error("per-atom string property '" + p.name +
                        "' holds an empty value or one with spaces; extended XYZ cannot store it");
          out += p.text[at];
          break;
        }
      }
    out += '\n';
  }
}

/// Writes frames to a stream.
inline void write_extxyz(std::ostream& out, const std::vector<structure>& frames) {
  std::string text;
  for (const auto& s : frames) {
    text.clear();
    append_extxyz(text, s);
    out << text;
  }
}

/// Writes frames to a file atomically (temporary file + rename).
inline void write_extxyz(const std::string& path, const std::vector<structure>& frames) {
  std::string text;
  for (const auto& s : frames) append_extxyz(text, s);
  write_file_atomically(path, text);
}

} // namespace annp
