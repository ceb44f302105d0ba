// Every kind of malformed input gives an annp::error that names the file, the line and what was
// expected -- never a crash and never silently wrong data.

#include <annp/io/extxyz.hpp>
#include <annp/io/n2p2_data.hpp>
#include <annp/io/structures.hpp>

#include "test_support.hpp"

#include <sstream>

using namespace annp;

namespace {

struct bad_case {
  const char* what;
  std::string text;
  std::size_t line;
  std::vector<std::string> needles;
};

template <class Reader>
void check_cases(const std::vector<bad_case>& cases, const std::string& file, Reader read) {
  for (const auto& c : cases) {
    INFO("case: ", std::string(c.what));
    std::istringstream in(c.text);
    try {
      (void)read(in, file);
      FAIL_CHECK("no error for: ", c.what);
    } catch (const annp::error& e) {
      const std::string what = e.what();
      INFO("message: ", what);
      CHECK(e.file() == file);
      CHECK(e.line() == c.line);
      CHECK(what.rfind(file + ":" + std::to_string(c.line) + ": ", 0) == 0);
      for (const auto& needle : c.needles)
        CHECK_MESSAGE(what.find(needle) != std::string::npos, "missing '", needle, "'");
    } catch (const std::exception& e) {
      FAIL_CHECK("wrong exception type for ", c.what, ": ", e.what());
    }
  }
}

const std::string header =
    "Lattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3";

} // namespace

TEST_SUITE("malformed") {
  TEST_CASE("extended XYZ: 24 kinds of bad input") {
    const std::vector<bad_case> cases = {
        {"truncated frame",
         "3\n" + header + "\nAl 0 0 0 0 0 0\nAl 1 1 1 0 0 0\n",
         4,
         {"file ends inside a frame", "expected 3 atom lines, found 2"}},
        {"non-integer atom count", "2.5\n" + header + "\n", 1, {"number of atoms", "'2.5'"}},
        {"negative atom count", "-1\n" + header + "\n", 1, {"non-negative integer", "'-1'"}},
        {"text instead of count", "Al 0 0 0\n", 1, {"number of atoms"}},
        {"missing comment line", "1", 1, {"file ends after the atom count"}},
        {"non-numeric position",
         "1\n" + header + "\nAl 0 x 0 0 0 0\n",
         3,
         {"position (Å) as a finite number", "'x'"}},
        {"NaN position", "1\n" + header + "\nAl 0 nan 0 0 0 0\n", 3, {"finite number", "'nan'"}},
        {"infinite force", "1\n" + header + "\nAl 0 0 0 inf 0 0\n", 3, {"force", "'inf'"}},
        {"too few columns",
         "1\n" + header + "\nAl 0 0 0 0 0\n",
         3,
         {"expected 7 columns", "species:S:1 pos:R:3 forces:R:3", "got 6"}},
        {"too many columns",
         "1\n" + header + "\nAl 0 0 0 0 0 0 9\n",
         3,
         {"expected 7 columns", "got 8"}},
        {"unknown element",
         "1\n" + header + "\nXx 0 0 0 0 0 0\n",
         3,
         {"unknown element symbol", "'Xx'"}},
        {"wrong case element", "1\n" + header + "\nAL 0 0 0 0 0 0\n", 3, {"did you mean 'Al'"}},
        {"periodic without Lattice",
         "1\npbc=\"T T T\" Properties=species:S:1:pos:R:3\nAl 0 0 0\n",
         2,
         {"no Lattice", "pbc has a T"}},
        {"Lattice with 8 numbers",
         "1\nLattice=\"4 0 0 0 4 0 0 0\"\nAl 0 0 0\n",
         2,
         {"expected 9 numbers in Lattice", "got 8"}},
        {"Lattice non-numeric",
         "1\nLattice=\"4 0 0 0 4 0 0 0 a\"\nAl 0 0 0\n",
         2,
         {"number in 'Lattice'", "'a'"}},
        {"unterminated quote",
         "1\nLattice=\"4 0 0 0 4 0 0 0 4\ncomment\nAl 0 0 0\n",
         2,
         {"unterminated quote"}},
        {"Properties not triples",
         "1\nProperties=species:S:1:pos:R\nAl 0 0 0\n",
         2,
         {"name:type:columns triples"}},
        {"Properties bad type",
         "1\nProperties=species:S:1:pos:X:3\nAl 0 0 0\n",
         2,
         {"column type R, I, S or L", "'X'"}},
        {"Properties bad count",
         "1\nProperties=species:S:1:pos:R:zero\nAl 0 0 0\n",
         2,
         {"positive column count", "'zero'"}},
        {"Properties without pos",
         "1\nProperties=species:S:1:x:R:3\nAl 0 0 0\n",
         2,
         {"no pos:R:3 column"}},
        {"Properties without species", "1\nProperties=pos:R:3\n0 0 0\n", 2, {"no species:S:1"}},
        {"stress with 5 values",
         "1\n" + header + " stress=\"1 2 3 4 5\"\nAl 0 0 0 0 0 0\n",
         2,
         {"expected 9 or 6 (Voigt) numbers in stress", "got 5"}},
        {"bad pbc",
         "1\nLattice=\"4 0 0 0 4 0 0 0 4\" pbc=\"T T\"\nAl 0 0 0\n",
         2,
         {"pbc as three T/F values"}},
        {"non-numeric energy",
         "1\n" + header + " energy=abc\nAl 0 0 0 0 0 0\n",
         2,
         {"energy 'energy' (eV) as a finite number", "'abc'"}},
        {"NaN energy", "1\n" + header + " energy=NaN\nAl 0 0 0 0 0 0\n", 2, {"'NaN'"}},
        {"duplicate key",
         "1\n" + header + " energy=1 energy=2\nAl 0 0 0 0 0 0\n",
         2,
         {"key 'energy' appears twice"}},
        {"key without value",
         "1\n" + header + " energy=\nAl 0 0 0 0 0 0\n",
         2,
         {"expected a value after 'energy='"}},
        {"second frame truncated",
         "1\n" + header + "\nAl 0 0 0 0 0 0\n2\n" + header + "\nAl 0 0 0 0 0 0\n",
         6,
         {"expected 2 atom lines, found 1", "bad.xyz:4"}},
        {"degenerate periodic cell",
         "1\nLattice=\"4 0 0 4 0 0 0 0 4\"\nAl 0 0 0\n",
         2,
         {"linearly independent"}},
        {"binary garbage",
         std::string("1\nProperties=species:S:1:pos:R:3\nAl 0 0\0 0\n", 40),
         3,
         {"NUL byte"}},
    };
    CHECK(cases.size() >= 15);
    check_cases(cases, "bad.xyz",
                [](std::istream& in, const std::string& name) { return read_extxyz(in, name); });
  }

  TEST_CASE("n2p2 input.data: 14 kinds of bad input") {
    const std::string atom = "atom 0 0 0 Al 0 0 0 0 0\n";
    const std::vector<bad_case> cases = {
        {"missing begin", atom, 1, {"expected 'begin'"}},
        {"missing end", "begin\n" + atom + "energy 1\n", 3, {"file ends inside", "'end'"}},
        {"nested begin", "begin\n" + atom + "begin\n", 3, {"'begin' inside a structure"}},
        {"unknown keyword", "begin\n" + atom + "enrgy 1\nend\n", 3, {"unknown keyword", "'enrgy'"}},
        {"atom line too short",
         "begin\natom 0 0 0 Al 0 0 0 0\nenergy 1\nend\n",
         2,
         {"atom <x> <y> <z> <element>", "10 fields", "got 9"}},
        {"non-numeric coordinate",
         "begin\natom 0 a 0 Al 0 0 0 0 0\nenergy 1\nend\n",
         2,
         {"position (Å)", "'a'"}},
        {"NaN force", "begin\natom 0 0 0 Al 0 0 0 nan 0\nenergy 1\nend\n", 2, {"force", "'nan'"}},
        {"unknown element",
         "begin\natom 0 0 0 Qq 0 0 0 0 0\nenergy 1\nend\n",
         2,
         {"unknown element symbol", "'Qq'"}},
        {"two lattice lines",
         "begin\nlattice 4 0 0\nlattice 0 4 0\n" + atom + "energy 1\nend\n",
         6,
         {"has 2 'lattice' lines (expected 0 or 3)"}},
        {"four lattice lines",
         "begin\nlattice 4 0 0\nlattice 0 4 0\nlattice 0 0 4\nlattice 1 1 1\n",
         5,
         {"more than three 'lattice' lines"}},
        {"no energy", "begin\n" + atom + "end\n", 3, {"no 'energy' line"}},
        {"no atoms", "begin\nenergy 1\nend\n", 3, {"no 'atom' lines"}},
        {"bad energy", "begin\n" + atom + "energy x\nend\n", 3, {"energy (eV)", "'x'"}},
        {"lattice after atoms",
         "begin\n" + atom + "lattice 4 0 0\n",
         3,
         {"'lattice' after 'atom' lines"}},
        {"overlong lattice line", "begin\nlattice 4 0 0 0\n", 2, {"lattice <x> <y> <z>"}},
    };
    CHECK(cases.size() >= 14);
    check_cases(cases, "input.data",
                [](std::istream& in, const std::string& name) { return read_n2p2_data(in, name); });
  }

  TEST_CASE("missing files are named") {
    test::expect_error([] { (void)read_structures("/no/such/dir/train.xyz"); },
                       {"/no/such/dir/train.xyz", "cannot open"});
    test::expect_error([] { (void)read_structures("/no/such/dir/input.data"); },
                       {"/no/such/dir/input.data", "cannot open"});
  }
}
