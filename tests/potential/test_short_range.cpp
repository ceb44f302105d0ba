// The short-range core (ZBL repulsion with the network damped below r_outer) and the robust
// descriptor scaling (inactive degenerate descriptors).
#include <annp/io/model_file.hpp>
#include <annp/io/n2p2_model.hpp>
#include <annp/potential/any_potential.hpp>
#include <annp/training/setup.hpp>

#include "potential/model_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

using namespace annp;

namespace {

model model_with_core(double inner, double outer, std::uint64_t seed = 21) {
  model m = test::make_test_model(seed);
  m.core = short_range::zbl(inner, outer);
  return m;
}

// A cluster and a periodic cell in which several pairs lie inside the core: some below inner,
// some in the switching band, one atom with three close neighbours (product rule of lambda).
std::vector<structure> close_structures() {
  std::vector<structure> out;
  structure c;
  c.add_atom(13, {0.0, 0.0, 0.0});
  c.add_atom(8, {1.45, 0.1, 0.0});   // band
  c.add_atom(13, {-0.3, 1.6, 0.2});  // band
  c.add_atom(8, {0.2, -0.2, -0.85}); // below inner
  c.add_atom(13, {2.9, 1.8, 0.4});
  c.add_atom(8, {1.1, 2.6, 1.7});
  out.push_back(c);
  std::mt19937_64 rng(4);
  structure p = test::random_structure(rng, test::random_cell(rng, 4.6, 5.4, 0.2),
                                       {true, true, true}, 9, {13, 8}, 0.75);
  out.push_back(p);
  return out;
}

double zbl_reference(int z1, int z2, double r) {
  // Ziegler, Biersack, Littmark (1985), universal screening function, with the screening length
  // 0.46850 Å / (Z1^0.23 + Z2^0.23) and e^2/(4 pi eps0) = 14.399645 eV Å as LAMMPS's pair_style
  // zbl uses them.
  const double x = r * (std::pow(z1, 0.23) + std::pow(z2, 0.23)) / 0.46850;
  const double phi = 0.18175 * std::exp(-3.1998 * x) + 0.50986 * std::exp(-0.94229 * x) +
                     0.28022 * std::exp(-0.4029 * x) + 0.02817 * std::exp(-0.20162 * x);
  return 14.399645 * z1 * z2 / r * phi;
}

// Forces and (for periodic cells) stress against central differences of the energy.
void check_derivatives(const any_potential& pot, const structure& s) {
  const auto r = pot.compute(s);
  double scale = 1e-3;
  for (double f : r.forces) scale = std::max(scale, std::abs(f));
  const double h = 1e-6;
  double worst = 0.0;
  compute_options o;
  o.forces = false;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t d = 0; d < 3; ++d) {
      structure p = s, m = s;
      p.positions(i, d) += h;
      m.positions(i, d) -= h;
      const double fd = -(pot.compute(p, o).energy - pot.compute(m, o).energy) / (2 * h);
      worst = std::max(worst, std::abs(fd - r.forces(i, d)) / scale);
    }
  INFO("structure with ", s.size(), " atoms; largest force ", scale, " eV/Å");
  CHECK(worst < 1e-7);
  CHECK(scale > 1.0); // the core is really acting
  if (!s.fully_periodic()) return;
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < 3; ++b) {
      const auto energy = [&](double eps) {
        return pot.compute(test::strained(s, a, b, eps), o).energy;
      };
      const double fd = (energy(h) - energy(-h)) / (2 * h) / s.volume();
      CHECK(std::abs(fd - (*r.stress)[a][b]) < 1e-6 * std::max(1.0, std::abs(fd)));
    }
}

// A model file's text with one edit, read back (for the error messages).
model read_edited(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  std::istringstream is(text);
  return read_model(is, "bad.annp");
}

} // namespace

TEST_SUITE("potential") {
  TEST_CASE("short-range core: forces and stress are exact derivatives of the energy") {
    const any_potential pot(model_with_core(1.0, 1.9));
    for (const auto& s : close_structures()) check_derivatives(pot, s);
  }

  TEST_CASE("short-range core: exactly the network where no pair is inside r_outer") {
    model plain = test::make_test_model(21);
    const any_potential with(model_with_core(0.7, 1.25)), without(plain);
    std::mt19937_64 rng(9);
    const structure s = test::random_al_o(rng, 8); // pairs >= 1.3 Å
    const auto a = with.compute(s), b = without.compute(s);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
    CHECK(*a.stress == *b.stress);
  }

  TEST_CASE("short-range core: inside r_inner, two free atoms plus the ZBL repulsion") {
    const any_potential pot(model_with_core(1.0, 1.9));
    const auto free_atom = [&](int z) {
      structure s;
      s.add_atom(z, {0.0, 0.0, 0.0});
      return pot.compute(s).energy;
    };
    for (const auto& zz : {std::pair{13, 13}, std::pair{13, 8}, std::pair{8, 8}})
      for (double r : {0.3, 0.6, 0.99}) {
        const int z1 = zz.first, z2 = zz.second; // not structured bindings: INFO captures them
        structure s;
        s.add_atom(z1, {0.0, 0.0, 0.0});
        s.add_atom(z2, {r * 0.6, r * 0.8, 0.0});
        const double expect = free_atom(z1) + free_atom(z2) + zbl_reference(z1, z2, r);
        INFO("Z ", z1, "-", z2, " at ", r, " Å");
        CHECK(std::abs(pot.compute(s).energy - expect) < 1e-12 * std::abs(expect));
      }
  }

  TEST_CASE("short-range core: the host path with ghost atoms equals the structure path") {
    const any_potential pot(model_with_core(1.0, 1.9));
    const structure s = close_structures()[1];
    const auto r = pot.compute(s);
    const auto h = test::n2p2_convention_forces(pot, s);
    double worst = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t d = 0; d < 3; ++d)
        worst = std::max(worst, std::abs(h.exact(i, d) - r.forces(i, d)));
    CHECK(worst < 1e-9);
  }

  TEST_CASE("short-range core and min_range: model files round-trip; errors name the line") {
    model m = model_with_core(1.1, 1.8);
    const auto& st = m.scaling;
    std::vector<descriptor_stats> stats{st.stats(0), st.stats(1)};
    stats[0].max[2] = stats[0].min[2] + 1e-7; // degenerate
    m.scaling = descriptor_scaling(st.mode(), st.smin(), st.smax(), stats, 1e-4);
    const std::string text = format_model(m);
    CHECK(text.find("short_range zbl inner=1.1 outer=1.8") != std::string::npos);
    CHECK(text.find("min_range=1e-04") != std::string::npos);
    std::istringstream in(text);
    const model back = read_model(in, "m.annp");
    CHECK(back == m);
    CHECK(format_model(back) == text);
    // A model without a core writes no short_range line and no min_range.
    const std::string plain = format_model(test::make_test_model(21));
    CHECK(plain.find("short_range") == std::string::npos);
    CHECK(plain.find("min_range") == std::string::npos);
    const auto broken = [&](const std::string& from, const std::string& to) {
      return read_edited(text, from, to);
    };
    test::expect_error([&] { (void)broken("inner=1.1", "inner=1.9"); },
                       {"bad.annp:", "0 < inner < outer"});
    test::expect_error([&] { (void)broken("short_range zbl", "short_range lj"); },
                       {"bad.annp:", "unknown short-range baseline 'lj'"});
    test::expect_error([&] { (void)broken("min_range=1e-04", "min_range=-1"); },
                       {"bad.annp:", "min_range must be finite and >= 0"});
    test::expect_error([&] { (void)broken("outer=1.8", "outer=9"); },
                       {"bad.annp:", "beyond the descriptor cutoff"});
    // n2p2 can express neither.
    test::expect_error([&] { write_n2p2_model(test::scratch_dir("core-n2p2"), m); },
                       {"n2p2 has no short-range pair baseline"});
    m.core = {};
    test::expect_error([&] { write_n2p2_model(test::scratch_dir("core-n2p2"), m); },
                       {"1 descriptors of Al", "below min_range"});
  }

  TEST_CASE("short-range core by element pair: each pair its own radii, exact derivatives, "
            "model files round-trip") {
    // Defaults 0.6-0.9 Å; Al-O 1.0-1.9 Å and O-O 0.7-1.2 Å of their own (Al-Al keeps 0.6-0.9).
    model m = model_with_core(0.6, 0.9);
    m.core.set_pair(8, 13, 1.0, 1.9);
    m.core.set_pair(8, 8, 0.7, 1.2);
    REQUIRE(m.core.pairs.size() == 2);
    CHECK(m.core.radii(13, 8) == std::pair{1.0, 1.9});
    CHECK(m.core.radii(13, 13) == std::pair{0.6, 0.9});
    CHECK(m.core.reach() == 1.9);
    const any_potential pot(m);
    const any_potential plain(test::make_test_model(21));
    const auto free_atom = [&](int z) {
      structure s;
      s.add_atom(z, {0.0, 0.0, 0.0});
      return pot.compute(s).energy;
    };
    const auto dimer = [](int z1, int z2, double r) {
      structure s;
      s.add_atom(z1, {0.0, 0.0, 0.0});
      s.add_atom(z2, {r * 0.6, 0.0, r * 0.8});
      return s;
    };
    // Al-O at 0.95 Å: inside its own inner radius, free atoms + ZBL (the defaults would leave it
    // to the network); Al-Al at 0.95 Å and O-O at 1.25 Å: beyond their radii, the network alone.
    const double expect = free_atom(13) + free_atom(8) + zbl_reference(13, 8, 0.95);
    CHECK(std::abs(pot.compute(dimer(13, 8, 0.95)).energy - expect) < 1e-12 * std::abs(expect));
    CHECK(pot.compute(dimer(13, 13, 0.95)).energy == plain.compute(dimer(13, 13, 0.95)).energy);
    CHECK(pot.compute(dimer(8, 8, 1.25)).energy == plain.compute(dimer(8, 8, 1.25)).energy);
    CHECK(pot.compute(dimer(8, 8, 1.1)).energy != plain.compute(dimer(8, 8, 1.1)).energy);
    // Forces and stress of close structures (pairs in every band) are derivatives of the energy.
    for (const auto& s : close_structures()) check_derivatives(pot, s);
    // The model file keeps the pairs exactly; errors name the line.
    const std::string text = format_model(m);
    CHECK(text.find("short_range_pair O O inner=0.7 outer=1.2\n"
                    "short_range_pair O Al inner=1 outer=1.9") != std::string::npos);
    std::istringstream in(text);
    const model back = read_model(in, "m.annp");
    CHECK(back == m);
    CHECK(format_model(back) == text);
    const auto broken = [&](const std::string& from, const std::string& to) {
      return read_edited(text, from, to);
    };
    test::expect_error([&] { (void)broken("O O inner=0.7", "O Al inner=0.7"); },
                       {"bad.annp:", "'short_range_pair' O Al appears twice"});
    test::expect_error([&] { (void)broken("O Al inner=1 ", "O Al inner=2 "); },
                       {"bad.annp:", "element pair O-Al", "0 < inner < outer"});
    test::expect_error([&] { (void)broken("O Al inner=1 ", "O Fe inner=1 "); },
                       {"bad.annp:", "Fe"});
    test::expect_error([&] { (void)broken("outer=1.9", "outer=7"); },
                       {"bad.annp:", "beyond the descriptor cutoff"});
    test::expect_error(
        [&] {
          std::string t = text;
          const auto line = t.find("short_range zbl");
          t.erase(line, t.find('\n', line) + 1 - line);
          std::istringstream is(t);
          (void)read_model(is, "bad.annp");
        },
        {"bad.annp:", "before the 'short_range' line"});
  }

  TEST_CASE("degenerate descriptors are inactive under min_range, never amplified") {
    descriptor_stats st;
    st.count = 10;
    st.min = {1e-262, 0.5, 2.0};
    st.max = {4e-65, 0.5 + 2e-5, 7.0};
    st.mean = {1e-66, 0.5 + 1e-5, 4.0};
    st.sigma = {2.3e-66, 5e-6, 1.5};
    for (auto mode : {scaling_mode::scale, scaling_mode::scale_center, scaling_mode::scale_sigma}) {
      const descriptor_scaling old(mode, 0.0, 1.0, {st});
      CHECK(old.factors(0)[0] > 1e60); // what min_range prevents
      const descriptor_scaling robust(mode, 0.0, 1.0, {st}, 1e-4);
      CHECK(robust.factors(0)[0] == 0.0);
      CHECK(robust.factors(0)[1] == 0.0);
      CHECK(robust.factors(0)[2] == old.factors(0)[2]);
      CHECK(robust.inactive_count(0) == 2);
      // A close pair drives the dead function to O(1): the scaled input stays finite and small.
      double g[3] = {0.9, 0.9, 3.0};
      robust.apply(0, g);
      CHECK(std::abs(g[0]) <= 1.0);
      // ... and is still reported as an extrapolation.
      CHECK(robust.outside(0, 0, 0.9));
    }
  }

  TEST_CASE("training refuses a core that reaches into the training data") {
    std::mt19937_64 rng(2);
    std::vector<structure> data;
    for (int k = 0; k < 6; ++k) {
      structure s = test::random_al_o(rng, 5);
      s.energy = -3.0 * static_cast<double>(s.size());
      s.config_type = "random";
      s.source = "data.xyz:" + std::to_string(1 + 9 * k);
      data.push_back(s);
    }
    model_recipe recipe;
    recipe.descriptors.rc = 4.0;
    recipe.descriptors.radial_count = 3;
    recipe.descriptors.angular_count = 0;
    recipe.core = short_range::zbl(1.0, 2.5); // random_al_o keeps pairs >= 1.3 Å
    model m = initial_model(elements_of(data), recipe, 1);
    dataset_split split;
    split.train = {0, 1, 2, 3, 4, 5};
    test::expect_error([&] { (void)prepare_training(m, data, split, recipe, false); },
                       {"data.xyz:", "Å apart, inside the short-range core's outer radius 2.5 Å"});
    double shortest = 10.0;
    for (const auto& s : data) shortest = std::min(shortest, shortest_distance(s, shortest));
    recipe.core = short_range::zbl(0.5 * shortest, shortest); // the boundary itself is allowed
    model ok = initial_model(elements_of(data), recipe, 1);
    CHECK_NOTHROW((void)prepare_training(ok, data, split, recipe, false));
    CHECK(ok.core == recipe.core);
    // By element pair: the Al-O radius alone reaching into the data is refused, named.
    const auto closest = shortest_pair_distances(data[0], 10.0);
    double al_o = 10.0;
    for (const auto& s : data) {
      const auto d = shortest_pair_distances(s, 10.0);
      if (d.count({8, 13})) al_o = std::min(al_o, d.at({8, 13}));
    }
    REQUIRE(al_o < 10.0);
    CHECK(closest.size() >= 2);
    recipe.core = short_range::zbl(0.5, 0.6);
    recipe.core.set_pair(13, 8, 0.8 * al_o, al_o + 0.01);
    model by_pair = initial_model(elements_of(data), recipe, 1);
    test::expect_error([&] { (void)prepare_training(by_pair, data, split, recipe, false); },
                       {"data.xyz:", "(O-Al)", "outer radius " + format_double(al_o + 0.01)});
    recipe.core.set_pair(13, 8, 0.8 * al_o, al_o);
    model by_pair_ok = initial_model(elements_of(data), recipe, 1);
    CHECK_NOTHROW((void)prepare_training(by_pair_ok, data, split, recipe, false));
  }
}

TEST_SUITE("potential") {
  TEST_CASE("bundled Al model: the dimer energy rises monotonically below the shortest training "
            "distance, the force is repulsive, and a close pair is no longer flat") {
    const any_potential pot(read_model(test::source_path("data/models/al.annp")));
    const model m = pot.to_model();
    REQUIRE(m.core.enabled()); // the old bundled model had none: flat at -0.968 eV below 2 Å
    double previous = std::numeric_limits<double>::infinity();
    for (double r = 0.3; r < m.core.outer; r += 0.005) {
      structure s;
      s.add_atom(13, {0.0, 0.0, 0.0});
      s.add_atom(13, {r, 0.0, 0.0});
      const auto res = pot.compute(s);
      INFO("r = ", r, " Å: E = ", res.energy, " eV, F = ", res.forces(1, 0), " eV/Å");
      REQUIRE(res.energy < previous);
      REQUIRE(res.forces(1, 0) > 0.0); // pushes the second atom away
      previous = res.energy;
    }
  }
}
