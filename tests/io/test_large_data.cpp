// Large-data checks on the EAM-labelled Al set from ../shared (label: slow). Skipped with a
// message when the set is absent.

#include <annp/io/extxyz.hpp>
#include <annp/structure/neighbor_list.hpp>

#include "test_support.hpp"

#include <fstream>
#include <set>
#include <sstream>

using namespace annp;

TEST_SUITE("large_data") {
  TEST_CASE("streams, round-trips and lists neighbours of all EAM-labelled structures") {
    const std::string path = test::eam_dataset_or_skip();
    std::ifstream in(path);
    extxyz_reader reader(in, path);
    structure s;
    std::size_t frames = 0, atoms = 0;
    std::set<std::string> types;
    neighbor_list nl;
    std::string text;
    while (reader.next(s)) {
      ++frames;
      atoms += s.size();
      types.insert(s.config_type);
      REQUIRE(s.energy);
      REQUIRE(s.forces);
      REQUIRE(s.stress);
      // Round trip.
      text.clear();
      append_extxyz(text, s);
      std::istringstream back_in(text);
      const auto back = read_extxyz(back_in, "roundtrip");
      REQUIRE(back.size() == 1);
      REQUIRE(back[0] == s);
      // Neighbour counts at 6 Å are those of a dense metal (a vacancy or a surface lowers them).
      nl.build(s, neighbor_list_options{6.0});
      for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(nl.count(i) >= 15);
        CHECK(nl.count(i) <= 110);
      }
    }
    CHECK(frames == 2000);
    CHECK(atoms == 155640);
    CHECK(types.size() >= 5);
  }
}
