#include <annp/descriptors/parameter_grid.hpp>
#include <annp/descriptors/scaling.hpp>

#include "test_support.hpp"

#include <cmath>
#include <random>

using namespace annp;

TEST_SUITE("scaling") {
  TEST_CASE("statistics equal a direct two-pass computation") {
    std::mt19937_64 rng(4);
    std::normal_distribution<double> g(3.0, 2.0);
    descriptor_statistics st({3, 2});
    std::vector<std::vector<double>> rows;
    for (int k = 0; k < 1000; ++k) {
      std::vector<double> v{g(rng), g(rng) * 10.0, 1e6 + g(rng)};
      st.add(0, v);
      rows.push_back(v);
    }
    st.add(1, std::vector<double>{1.0, 5.0});
    const auto r = st.result(0);
    CHECK(r.count == 1000);
    for (std::size_t m = 0; m < 3; ++m) {
      double mean = 0, lo = 1e300, hi = -1e300;
      for (const auto& v : rows) {
        mean += v[m];
        lo = std::min(lo, v[m]);
        hi = std::max(hi, v[m]);
      }
      mean /= 1000.0;
      double var = 0;
      for (const auto& v : rows) var += (v[m] - mean) * (v[m] - mean);
      const double sigma = std::sqrt(var / 1000.0);
      CHECK(r.mean[m] == doctest::Approx(mean).epsilon(1e-13));
      CHECK(r.sigma[m] == doctest::Approx(sigma).epsilon(1e-9));
      CHECK(r.min[m] == lo);
      CHECK(r.max[m] == hi);
    }
    CHECK(st.result(1).sigma[1] == 0.0);
    test::expect_error([&] { st.add(1, std::vector<double>{1.0}); }, {"expected 2 values, got 1"});
  }

  TEST_CASE("every scaling mode follows n2p2's formula") {
    descriptor_stats s;
    s.min = {1.0, 5.0};
    s.max = {3.0, 5.0}; // second descriptor constant
    s.mean = {1.5, 5.0};
    s.sigma = {0.5, 0.0};
    s.count = 10;
    const double g0 = 2.2;
    const auto scaled = [&](scaling_mode mode) {
      descriptor_scaling sc(mode, -1.0, 1.0, {s});
      double g[2] = {g0, 5.0};
      sc.apply(0, g);
      return std::pair{g[0], sc.factors(0)[0]};
    };
    CHECK(scaled(scaling_mode::none).first == g0);
    CHECK(scaled(scaling_mode::scale).first == doctest::Approx(-1.0 + 2.0 * (g0 - 1.0) / 2.0));
    CHECK(scaled(scaling_mode::center).first == doctest::Approx(g0 - 1.5));
    CHECK(scaled(scaling_mode::scale_center).first ==
          doctest::Approx(-1.0 + 2.0 * (g0 - 1.5) / 2.0));
    CHECK(scaled(scaling_mode::scale_sigma).first ==
          doctest::Approx(-1.0 + 2.0 * (g0 - 1.5) / 0.5));
    CHECK(scaled(scaling_mode::scale_sigma).second == doctest::Approx(4.0));
    // A constant descriptor is switched off, not divided by zero.
    descriptor_scaling sc(scaling_mode::scale, 0.0, 1.0, {s});
    CHECK(sc.factors(0)[1] == 0.0);
    double g[2] = {2.0, 5.0};
    sc.apply(0, g);
    CHECK(std::isfinite(g[1]));
    CHECK(sc.outside(0, 0, 3.5));
    CHECK_FALSE(sc.outside(0, 0, 2.0));
    CHECK(scaling_mode_from_name("scale_sigma") == scaling_mode::scale_sigma);
    test::expect_error([] { (void)scaling_mode_from_name("minmax"); }, {"unknown scaling mode"});
    test::expect_error([&] { descriptor_scaling bad(scaling_mode::scale, 1.0, 0.0, {s}); },
                       {"s_min < s_max"});
  }
}

TEST_SUITE("parameter_grid") {
  TEST_CASE("imbalzano2018 grids (n2p2 sfparamgen rules)") {
    const auto c = make_radial_grid(6.0, 5, grid_mode::centred);
    REQUIRE(c.eta.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
      const double v = std::pow(4.0, static_cast<double>(i) / 4.0) / 6.0;
      CHECK(c.eta[i] == doctest::Approx(v * v));
      CHECK(c.rs[i] == 0.0);
    }
    const auto s = make_radial_grid(6.0, 4, grid_mode::shifted);
    // r_s = 6 / 4^(i/4), i = 1..4, ascending; eta from neighbouring grid points.
    const double ext[5] = {6.0, 6.0 / std::pow(4.0, 0.25), 6.0 / std::pow(4.0, 0.5),
                           6.0 / std::pow(4.0, 0.75), 1.5};
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t i = 4 - k;
      CHECK(s.rs[k] == doctest::Approx(ext[i]));
      CHECK(s.eta[k] == doctest::Approx(1.0 / ((ext[i - 1] - ext[i]) * (ext[i - 1] - ext[i]))));
    }
    CHECK(std::is_sorted(s.rs.begin(), s.rs.end()));
  }

  TEST_CASE("gastegger2018 grids") {
    const auto c = make_radial_grid(6.0, 3, grid_mode::centred, grid_rule::gastegger2018, 1.0, 5.0);
    CHECK(c.eta[0] == doctest::Approx(0.5));
    CHECK(c.eta[1] == doctest::Approx(1.0 / 18.0));
    CHECK(c.eta[2] == doctest::Approx(1.0 / 50.0));
    const auto s = make_radial_grid(6.0, 5, grid_mode::shifted, grid_rule::gastegger2018, 0.0);
    CHECK(s.rs[4] == doctest::Approx(6.0));
    CHECK(s.eta[2] == doctest::Approx(1.0 / (2.0 * 1.5 * 1.5)));
    test::expect_error([] { (void)make_radial_grid(6.0, 1, grid_mode::centred); }, {"at least 2"});
    test::expect_error(
        [] { (void)make_radial_grid(6.0, 3, grid_mode::centred, grid_rule::gastegger2018, 0.0); },
        {"0 < r_lower"});
  }

  TEST_CASE("a full two-element set from a recipe") {
    descriptor_recipe r;
    r.rc = 6.0;
    r.radial_count = 8;
    r.angular_count = 2;
    r.zetas = {1.0, 4.0};
    const auto fs = make_descriptor_functions({22, 8}, r);
    // Per centre: 2 x 8 radial + 3 pairs x 2 x 2 x 2 angular = 16 + 24.
    CHECK(fs.size() == 2 * (16 + 24));
    for (const auto& f : fs) f.validate();
    CHECK(fs[0].center == 22);
    CHECK(fs[16].center == 8);
  }

  TEST_CASE("a second angular family with its own cutoff, after the first") {
    descriptor_recipe r;
    r.rc = 6.0;
    r.radial_count = 4;
    r.angular_count = 3;
    r.angular_kind = sf_kind_of<sf_kinds::angular_wide>();
    r.zetas = {1.0, 4.0};
    r.rule = grid_rule::gastegger2018;
    r.r_lower = 2.0;
    r.angular2_count = 2;
    r.angular2_kind = sf_kind_of<sf_kinds::angular_narrow>();
    r.angular2_rc = 4.5;
    r.angular2_zetas = {16.0};
    const auto fs = make_descriptor_functions({13, 8}, r);
    // Each family for every centre in turn: per centre 2 x 4 radial, 3 pairs x 3 x 2 zetas x 2
    // lambdas wide, 3 pairs x 2 x 1 x 2 narrow.
    REQUIRE(fs.size() == 2 * (8 + 36 + 12));
    const auto centred =
        make_radial_grid(4.5, 2, grid_mode::centred, grid_rule::gastegger2018, 2.0);
    for (std::size_t m = 0; m < fs.size(); ++m) {
      INFO(fs[m].describe());
      fs[m].validate();
      if (m < 16) {
        CHECK(fs[m].kind == sf_kind_of<sf_kinds::radial>());
        CHECK(fs[m].center == (m < 8 ? 13 : 8));
      } else if (m < 88) {
        CHECK(fs[m].kind == sf_kind_of<sf_kinds::angular_wide>());
        CHECK(fs[m].center == (m < 52 ? 13 : 8));
        CHECK(fs[m].rc == 6.0);
      } else {
        const std::size_t k = (m - 88) % 12; // pair x grid point x lambda
        CHECK(fs[m].kind == sf_kind_of<sf_kinds::angular_narrow>());
        CHECK(fs[m].center == (m < 100 ? 13 : 8));
        CHECK(fs[m].rc == 4.5);
        CHECK(fs[m].zeta == 16.0);
        CHECK(fs[m].eta == centred.eta[k / 2 % 2]);
      }
    }
    // Without it the set is the first family alone.
    r.angular2_count = 0;
    CHECK(make_descriptor_functions({13, 8}, r).size() == 2 * 44);
    // Its cutoff lies in (0, r_c]; its kind is narrow or wide; the Chebyshev set has none.
    r.angular2_count = 2;
    r.angular2_rc = 6.5;
    test::expect_error([&] { (void)make_descriptor_functions({13}, r); }, {"(0, 6", "6.5"});
    r.angular2_rc = 4.5;
    r.angular2_kind = sf_kind_of<sf_kinds::radial>();
    test::expect_error([&] { (void)make_descriptor_functions({13}, r); }, {"angular2_kind"});
    r.angular2_kind = sf_kind_of<sf_kinds::angular_narrow>();
    r.angular2_zetas.clear();
    test::expect_error([&] { (void)make_descriptor_functions({13}, r); }, {"at least one zeta"});
    r.angular2_zetas = {16.0};
    r.angular_kind = sf_kind_of<sf_kinds::chebyshev_angular>();
    test::expect_error([&] { (void)make_descriptor_functions({13}, r); },
                       {"no second angular family"});
  }

  TEST_CASE("aenet's Chebyshev set from a recipe: orders, and spin-weighted copies") {
    descriptor_recipe r;
    r.rc = 5.5;
    r.radial_count = 4;
    r.angular_count = 3;
    r.angular_kind = sf_kind_of<sf_kinds::chebyshev_angular>();
    // One element: orders 0..3 radial, 0..2 angular, no weighted copies.
    const auto one = make_descriptor_functions({13}, r);
    REQUIRE(one.size() == 7);
    for (std::size_t m = 0; m < one.size(); ++m) {
      one[m].validate();
      const bool radial = m < 4;
      CHECK(one[m].kind == (radial ? sf_kind_of<sf_kinds::chebyshev_radial>()
                                   : sf_kind_of<sf_kinds::chebyshev_angular>()));
      CHECK(one[m].order == static_cast<int>(radial ? m : m - 4));
      CHECK_FALSE(one[m].weighted);
      CHECK(one[m].rc == 5.5);
    }
    // Two elements: per centre the same orders unweighted, then weighted by the spins.
    const auto two = make_descriptor_functions({13, 8}, r);
    REQUIRE(two.size() == 2 * 14);
    for (std::size_t m = 0; m < two.size(); ++m) {
      const std::size_t k = m % 14;
      CHECK(two[m].center == (m < 14 ? 13 : 8));
      CHECK(two[m].weighted == ((k >= 4 && k < 8) || k >= 11));
      const bool radial = k < 8;
      CHECK(is_angular(two[m].kind) == !radial);
      CHECK(two[m].order == static_cast<int>(radial ? k % 4 : (k - 8) % 3));
    }
  }
}
