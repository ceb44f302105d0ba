#include <annp/io/extxyz.hpp>
#include <annp/io/structures.hpp>

#include "test_support.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace annp;

namespace {

std::vector<structure> read_string(const std::string& text, const std::string& name = "test.xyz") {
  std::istringstream in(text);
  return read_extxyz(in, name);
}

std::string write_string(const std::vector<structure>& frames) {
  std::ostringstream out;
  write_extxyz(out, frames);
  return out.str();
}

std::vector<double> numbers_of(const std::string& line) {
  std::vector<double> out;
  const auto tokens = split_whitespace(line);
  for (std::size_t k = 1; k < tokens.size(); ++k) {
    double v = 0;
    REQUIRE(try_parse_double(tokens[k], v));
    out.push_back(v);
  }
  return out;
}

} // namespace

TEST_SUITE("extxyz") {
  TEST_CASE("reads every bundled Al structure with its labels") {
    const auto frames = read_extxyz(test::source_path("data/al/al.xyz"));
    REQUIRE(frames.size() >= 100);
    std::size_t atoms = 0;
    std::set<std::string> types;
    for (const auto& s : frames) {
      atoms += s.size();
      types.insert(s.config_type);
      CHECK(s.fully_periodic());
      CHECK(s.energy.has_value());
      CHECK(s.forces.has_value());
      // Stress is present for everything but the dimers.
      CHECK(s.stress.has_value() == (s.config_type != "dimer"));
      for (int z : s.numbers) CHECK(z == 13);
      // energy and free_energy agree in this set; free_energy stays in info.
      REQUIRE(s.find_info("free_energy"));
      double free = 0;
      REQUIRE(try_parse_double(*s.find_info("free_energy"), free));
      CHECK(free == *s.energy);
      CHECK(s.find_info("energy_zero_smearing"));
      CHECK(s.source.rfind("al.xyz:", s.source.size()) != std::string::npos);
    }
    CHECK(atoms >= frames.size());
    CHECK(types.count("fcc_volume") == 1);
    CHECK(types.count("dimer") == 1);
    // The first frame: fcc at a = 3.434 Å, compressed, so the stress is negative (ASE sign).
    CHECK(frames[0].config_type == "fcc_volume");
    CHECK(frames[0].cell[0][1] == 1.7169999999999999);
    CHECK(*frames[0].energy == -2.2998157930664918);
    CHECK((*frames[0].stress)[0][0] == -0.6905432494940699);
  }

  TEST_CASE("every bundled structure round-trips bit-exactly") {
    const auto frames = read_extxyz(test::source_path("data/al/al.xyz"));
    const auto text = write_string(frames);
    const auto back = read_string(text);
    REQUIRE(back.size() == frames.size());
    for (std::size_t k = 0; k < frames.size(); ++k) CHECK(back[k] == frames[k]);
    // Writing again gives the same text.
    CHECK(write_string(back) == text);
    // And through a file, written atomically.
    const std::string path = test::scratch_dir("extxyz") + "/roundtrip.xyz";
    write_structures(path, frames);
    const auto from_file = read_structures(path);
    REQUIRE(from_file.size() == frames.size());
    for (std::size_t k = 0; k < frames.size(); ++k) CHECK(from_file[k] == frames[k]);
  }

  TEST_CASE("reads exactly what ASE reads from an ASE-written file") {
    const auto frames = read_extxyz(test::source_path("tests/data/ase/ase_written.xyz"));
    std::ifstream ref(test::source_path("tests/data/ase/ase_parsed.txt"));
    REQUIRE(ref);
    std::vector<std::map<std::string, std::string>> expected;
    std::string line;
    while (std::getline(ref, line)) {
      if (line == "frame") {
        expected.emplace_back();
        continue;
      }
      const auto space = line.find(' ');
      expected.back()[line.substr(0, space)] = line;
    }
    REQUIRE(frames.size() == expected.size());
    for (std::size_t f = 0; f < frames.size(); ++f) {
      const auto& s = frames[f];
      auto& e = expected[f];
      INFO("frame ", f);
      const auto numbers = numbers_of(e["numbers"]);
      REQUIRE(numbers.size() == s.size());
      for (std::size_t i = 0; i < s.size(); ++i)
        CHECK(s.numbers[i] == static_cast<int>(numbers[i]));
      const auto pbc = split_whitespace(e["pbc"]);
      for (std::size_t a = 0; a < 3; ++a) CHECK(s.pbc[a] == (pbc[a + 1] == "T"));
      const auto cell = numbers_of(e["cell"]);
      for (std::size_t a = 0; a < 9; ++a) CHECK(s.cell[a / 3][a % 3] == cell[a]);
      const auto pos = numbers_of(e["positions"]);
      for (std::size_t a = 0; a < pos.size(); ++a) CHECK(s.positions(a / 3, a % 3) == pos[a]);
      REQUIRE(s.energy.has_value());
      CHECK(*s.energy == numbers_of(e["energy"])[0]);
      CHECK(s.forces.has_value() == (e.count("forces") == 1));
      if (s.forces) {
        const auto forces = numbers_of(e["forces"]);
        for (std::size_t a = 0; a < forces.size(); ++a)
          CHECK((*s.forces)(a / 3, a % 3) == forces[a]);
      }
      CHECK(s.stress.has_value() == (e.count("stress") == 1));
      if (s.stress) {
        const auto stress = numbers_of(e["stress"]);
        for (std::size_t a = 0; a < 9; ++a) CHECK((*s.stress)[a / 3][a % 3] == stress[a]);
      }
      if (e.count("config_type")) CHECK("config_type " + s.config_type == e["config_type"]);
      if (e.count("tags")) {
        const atom_property* tags = s.find_property("tags");
        REQUIRE(tags);
        CHECK(tags->type == 'I');
        const auto values = numbers_of(e["tags"]);
        for (std::size_t i = 0; i < values.size(); ++i)
          CHECK(tags->integer[i] == static_cast<long long>(values[i]));
      }
      if (e.count("initial_charges")) {
        const atom_property* q = s.find_property("initial_charges");
        REQUIRE(q);
        const auto values = numbers_of(e["initial_charges"]);
        for (std::size_t i = 0; i < values.size(); ++i) CHECK(q->real[i] == values[i]);
      }
    }
    // Info values with spaces, integers and booleans are kept as text.
    REQUIRE(frames[0].find_info("note"));
    CHECK(*frames[0].find_info("note") == "has spaces and = sign");
    CHECK(*frames[0].find_info("temperature_K") == "300");
    CHECK(*frames[0].find_info("converged") == "T");
    // The round trip of these frames is exact too.
    const auto back = read_string(write_string(frames));
    for (std::size_t f = 0; f < frames.size(); ++f) CHECK(back[f] == frames[f]);
  }

  TEST_CASE("Voigt stress, virial, quoting, brackets, bare keys, Z column, blank lines") {
    const std::string text =
        "2\r\n"
        "Lattice=\"3 0 0 0 3 0 0 0 3\" Properties=Z:I:1:pos:R:3:force:R:3 energy=-1.5 "
        "stress=\"1 2 3 4 5 6\" flag quoted=\"say \\\"hi\\\"\" arr=[1, 2, 3] "
        "\"spaced key\"=value\r\n"
        "13 0 0 0 0.1 0.2 0.3\r\n"
        "8 1.5 1.5 1.5 -0.1 -0.2 -0.3\r\n"
        "\n"
        "\n"
        "1\n"
        "Lattice=\"2 0 0 0 2 0 0 0 2\" Properties=species:S:1:pos:R:3 virial=\"4 0 0 0 8 0 0 0 "
        "-8\" free_energy=-3.0 pbc=\"T T F\"\n"
        "Ti 0.5 0.5 0.5\n"
        "\n";
    const auto frames = read_string(text);
    REQUIRE(frames.size() == 2);
    const auto& a = frames[0];
    CHECK(a.numbers == std::vector<int>{13, 8});
    REQUIRE(a.forces);
    CHECK((*a.forces)(1, 2) == -0.3);
    const mat3 s = *a.stress;
    CHECK(s[0][0] == 1);
    CHECK(s[1][1] == 2);
    CHECK(s[2][2] == 3);
    CHECK(s[1][2] == 4);
    CHECK(s[2][1] == 4);
    CHECK(s[0][2] == 5);
    CHECK(s[0][1] == 6);
    CHECK(*a.find_info("flag") == "T");
    CHECK(*a.find_info("quoted") == "say \"hi\"");
    CHECK(*a.find_info("arr") == "[1, 2, 3]");
    CHECK(*a.find_info("spaced key") == "value");
    const auto& b = frames[1];
    CHECK(b.pbc == std::array<bool, 3>{true, true, false});
    CHECK(*b.energy == -3.0); // free_energy used when energy is absent
    // stress = -virial / V with V = 8.
    CHECK((*b.stress)[0][0] == -0.5);
    CHECK((*b.stress)[1][1] == -1.0);
    CHECK((*b.stress)[2][2] == 1.0);
    // Round trip keeps all of it.
    const auto back = read_string(write_string(frames));
    REQUIRE(back.size() == 2);
    CHECK(back[0] == frames[0]);
    CHECK(back[1] == frames[1]);
  }

  TEST_CASE("energy key preference is configurable") {
    const std::string text =
        "1\nProperties=species:S:1:pos:R:3 free_energy=-2 energy=-1\nAl 0 0 0\n";
    auto frames = read_string(text);
    CHECK(*frames[0].energy == -1.0);
    CHECK(*frames[0].find_info("free_energy") == "-2");
    std::istringstream in(text);
    extxyz_read_options options;
    options.energy_keys = {"free_energy"};
    frames = read_extxyz(in, "x.xyz", options);
    CHECK(*frames[0].energy == -2.0);
    CHECK(*frames[0].find_info("energy") == "-1");
  }

  TEST_CASE("a frame without a Lattice is a cluster; pbc defaults follow ASE") {
    const auto frames = read_string("1\n\nAl 0 0 0\n1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nAl 0 0 0\n");
    REQUIRE(frames.size() == 2);
    CHECK_FALSE(frames[0].any_periodic());
    CHECK(frames[1].fully_periodic());
    CHECK_FALSE(frames[0].energy.has_value());
  }
}
