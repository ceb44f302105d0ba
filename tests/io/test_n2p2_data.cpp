#include <annp/io/extxyz.hpp>
#include <annp/io/n2p2_data.hpp>
#include <annp/io/structures.hpp>

#include "test_support.hpp"

#include <sstream>

using namespace annp;

namespace {
std::vector<structure> read_string(const std::string& text) {
  std::istringstream in(text);
  return read_n2p2_data(in, "input.data");
}
std::string write_string(const std::vector<structure>& frames) {
  std::ostringstream out;
  write_n2p2_data(out, frames);
  return out.str();
}
} // namespace

TEST_SUITE("n2p2_data") {
  TEST_CASE("reads the n2p2 reference structures and predictions") {
    const auto structures = read_n2p2_data(test::source_path("tests/data/n2p2-al/structures.data"));
    const auto predicted = read_n2p2_data(test::source_path("tests/data/n2p2-al/output.data"));
    REQUIRE(structures.size() == 5);
    REQUIRE(predicted.size() == 5);
    for (std::size_t k = 0; k < 5; ++k) {
      CHECK(structures[k].size() == predicted[k].size());
      CHECK(structures[k].fully_periodic());
      CHECK(*structures[k].energy == 0.0);
      CHECK(*predicted[k].energy != 0.0);
    }
    CHECK(structures[0].size() == 32);
    CHECK(structures[0].config_type == "fcc_2x2x2_rattled");
    CHECK(structures[0].cell[0][0] == 8.0800000000000001);
    CHECK(structures[0].positions(0, 0) == -7.9015249996301468e-02);
    CHECK(*predicted[0].energy == -1.1622849150733022E+02);
  }

  TEST_CASE("round-trips bit-exactly, and through extended XYZ") {
    const auto frames = read_n2p2_data(test::source_path("tests/data/n2p2-al/output.data"));
    const auto text = write_string(frames);
    const auto back = read_string(text);
    REQUIRE(back.size() == frames.size());
    for (std::size_t k = 0; k < frames.size(); ++k) CHECK(back[k] == frames[k]);
    CHECK(write_string(back) == text);
    // n2p2 -> extxyz -> n2p2 keeps everything n2p2 can express.
    std::ostringstream xyz;
    write_extxyz(xyz, frames);
    std::istringstream xin(xyz.str());
    const auto via_xyz = read_extxyz(xin, "via.xyz");
    CHECK(write_string(via_xyz) == text);
    // Through a file.
    const std::string path = test::scratch_dir("n2p2") + "/input.data";
    write_structures(path, frames);
    const auto from_file = read_structures(path);
    for (std::size_t k = 0; k < frames.size(); ++k) CHECK(from_file[k] == frames[k]);
  }

  TEST_CASE("charges, comments, clusters") {
    const std::string text = "begin\ncomment two words\natom 0 0 0 O -0.8 0 0 0 0\n"
                             "atom 0 0 1 H 0.4 0 0 0 0.5\natom 0 1 0 H 0.4 0 0 0 0\n"
                             "energy -14.0\ncharge 0.0\nend\n";
    const auto frames = read_string(text);
    REQUIRE(frames.size() == 1);
    const auto& s = frames[0];
    CHECK_FALSE(s.any_periodic());
    CHECK(s.config_type.empty());
    CHECK(*s.find_info("comment") == "two words");
    REQUIRE(s.find_property("charges"));
    CHECK(s.find_property("charges")->real[0] == -0.8);
    CHECK(s.find_property("n2p2_n") == nullptr);
    CHECK((*s.forces)(1, 2) == 0.5);
    CHECK(read_string(write_string(frames))[0] == s);
  }

  TEST_CASE("partially periodic structures cannot be written") {
    structure s;
    s.cell = mat3::identity();
    s.pbc = {true, true, false};
    s.add_atom(13, {0, 0, 0});
    test::expect_error([&] { (void)write_string({s}); }, {"fully periodic or non-periodic"});
  }
}
