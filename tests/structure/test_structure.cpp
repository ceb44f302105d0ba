#include <annp/structure/structure.hpp>

#include "test_support.hpp"

#include <limits>

using namespace annp;

TEST_SUITE("structure") {
  TEST_CASE("atoms, volume, composition and formula") {
    structure s;
    s.cell = mat3{{{4.0, 0, 0}, {0, 5.0, 0}, {1.0, 0, 6.0}}};
    s.pbc = {true, true, true};
    s.add_atom(22, {0, 0, 0});
    s.add_atom(8, {1, 1, 1});
    s.add_atom(8, {2, 2, 2});
    CHECK(s.size() == 3);
    CHECK(s.volume() == doctest::Approx(120.0));
    CHECK(formula(s) == "O2Ti");
    const auto comp = composition(s);
    REQUIRE(comp.size() == 2);
    CHECK(comp[0] == std::pair<int, std::size_t>{8, 2});
    CHECK(s.position(2)[1] == 2.0);
    s.validate();
  }

  TEST_CASE("validate names the structure and the problem") {
    structure s;
    s.source = "set.xyz:3";
    s.add_atom(13, {0, 0, 0});
    s.positions(0, 1) = std::numeric_limits<double>::quiet_NaN();
    test::expect_error([&] { s.validate(); }, {"set.xyz:3", "non-finite position"});
    s.positions(0, 1) = 0.0;
    s.numbers[0] = 0;
    test::expect_error([&] { s.validate(); }, {"unknown atomic number 0"});
    s.numbers[0] = 13;
    s.pbc = {true, false, false};
    test::expect_error([&] { s.validate(); }, {"linearly independent"});
    s.pbc = {false, false, false};
    s.energy = std::numeric_limits<double>::infinity();
    test::expect_error([&] { s.validate(); }, {"energy is not finite"});
    s.energy = -1.0;
    s.forces = xt::zeros<double>({std::size_t{2}, std::size_t{3}});
    test::expect_error([&] { s.validate(); }, {"forces must have shape {1, 3}"});
  }

  TEST_CASE("info and equality") {
    structure a;
    a.add_atom(13, {0.5, 0, 0});
    a.set_info("temperature_K", "300");
    a.set_info("temperature_K", "400");
    REQUIRE(a.find_info("temperature_K"));
    CHECK(*a.find_info("temperature_K") == "400");
    CHECK(a.info.size() == 1);
    structure b = a;
    b.source = "elsewhere";
    CHECK(a == b);
    b.positions(0, 0) = std::nextafter(0.5, 1.0);
    CHECK_FALSE(a == b);
  }
}
