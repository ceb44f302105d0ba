#include <annp/core/atomic_file.hpp>
#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/registry.hpp>
#include <annp/core/simd.hpp>
#include <annp/core/text.hpp>

#include "test_support.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>
#include <variant>
#include <vector>

using namespace annp;

namespace {
struct red {
  static constexpr std::string_view name = "red";
  int id = 1;
};
struct green {
  static constexpr std::string_view name = "green";
  int id = 2;
};
struct blue {
  static constexpr std::string_view name = "blue";
  int id = 3;
};
struct stranger {
  static constexpr std::string_view name = "stranger";
};
using colours = type_list<red, green, blue>;
template <class T> struct box { T value; };
} // namespace

TEST_SUITE("core") {
  TEST_CASE("polynomial elementary functions match libm, and batches match doubles bit for bit") {
    // half_cos_pi: (1 + cos(pi x)) / 2 and -(pi/2) sin(pi x) on [0, 1], including both ends.
    const std::size_t n = 4096 * simd::width;
    std::vector<double> xs(n), v(n), d(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = static_cast<double>(i) / static_cast<double>(n - 1);
    double worst_v = 0.0, worst_d = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      half_cos_pi(xs[i], v[i], d[i]);
      worst_v =
          std::max(worst_v, std::abs(v[i] - 0.5 * (1.0 + std::cos(std::numbers::pi * xs[i]))));
      worst_d = std::max(
          worst_d, std::abs(d[i] + 0.5 * std::numbers::pi * std::sin(std::numbers::pi * xs[i])));
    }
    CHECK(worst_v < 1e-15);
    CHECK(worst_d < 2e-15);
    CHECK(v.front() == 1.0);
    CHECK(std::abs(v.back()) < 1e-16);
    CHECK(std::abs(d.front()) < 1e-15);
    CHECK(std::abs(d.back()) < 1e-15);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < n; i += simd::width) {
      simd::batch bv, bd;
      half_cos_pi(simd::load(xs.data() + i), bv, bd);
      for (std::size_t l = 0; l < simd::width; ++l)
        if (bv.get(l) != v[i + l] || bd.get(l) != d[i + l]) ++mismatches;
    }
    CHECK(mismatches == 0);
    // fast_exp: relative error within 2 ulp over the double range, 0 and inf at the ends.
    double worst_e = 0.0;
    for (double x = -700.0; x < 700.0; x += 0.0137)
      worst_e = std::max(worst_e, std::abs(fast_exp(x) / std::exp(x) - 1.0));
    CHECK(worst_e < 4.5e-16);
    CHECK(fast_exp(-709.0) == 0.0);
    CHECK(std::isinf(fast_exp(710.0)));
    CHECK(fast_exp(0.0) == 1.0);
    const simd::batch bx(-3.25);
    CHECK(fast_exp(bx).get(0) == fast_exp(-3.25));
  }

  TEST_CASE("error carries file and line") {
    const error located("data/x.xyz", 14, "expected 7 columns, got 6");
    CHECK(std::string(located.what()) == "data/x.xyz:14: expected 7 columns, got 6");
    CHECK(located.file() == "data/x.xyz");
    CHECK(located.line() == 14);
    const error file_only("model.annp", 0, "cannot open");
    CHECK(std::string(file_only.what()) == "model.annp: cannot open");
    const error plain("bad cutoff");
    CHECK(std::string(plain.what()) == "bad cutoff");
    CHECK(plain.line() == 0);
    // It is a std::runtime_error, so generic handlers catch it.
    CHECK_THROWS_AS(throw error("x"), std::runtime_error);
  }

  TEST_CASE("element table: symbols, numbers and masses agree in both directions") {
    for (int z = 1; z <= max_atomic_number; ++z) {
      const auto& e = element(z);
      CHECK(e.number == z);
      CHECK(atomic_number(e.symbol) == z);
      CHECK(e.mass > 0.0);
      CHECK(!e.symbol.empty());
      CHECK(std::isupper(static_cast<unsigned char>(e.symbol[0])));
    }
    CHECK(atomic_number("Al") == 13);
    CHECK(atomic_number("Ti") == 22);
    CHECK(atomic_number("O") == 8);
    CHECK(symbol(94) == "Pu");
    CHECK(atomic_mass(13) == doctest::Approx(26.9815385));
    CHECK(atomic_mass(1) == doctest::Approx(1.008));
    // Masses grow with Z apart from the known inversions (Ar/K, Co/Ni, Te/I, Th/Pa, U/Np, Pu/Am,
    // and a few among the short-lived heavy elements).
    std::vector<int> inversions;
    for (int z = 2; z <= max_atomic_number; ++z)
      if (atomic_mass(z) < atomic_mass(z - 1)) inversions.push_back(z);
    CHECK(inversions.size() == 9);
    CHECK(inversions.front() == 19); // K is lighter than Ar
  }

  TEST_CASE("unknown elements give clear errors") {
    test::expect_error([] { (void)atomic_number("Xx"); }, {"unknown element symbol", "'Xx'"});
    test::expect_error([] { (void)atomic_number("AL"); }, {"did you mean 'Al'"});
    test::expect_error([] { (void)element(0); }, {"unknown atomic number 0"});
    test::expect_error([] { (void)element(119); }, {"unknown atomic number 119"});
    CHECK(find_atomic_number("Xx") == 0);
  }

  TEST_CASE("numbers parse strictly and reject non-finite values") {
    double v = 0;
    CHECK(try_parse_double("1.5", v));
    CHECK(v == 1.5);
    CHECK(try_parse_double("-2.25E+01", v));
    CHECK(v == -22.5);
    CHECK(try_parse_double("+3e-2", v));
    CHECK(v == 0.03);
    CHECK_FALSE(try_parse_double("nan", v));
    CHECK_FALSE(try_parse_double("NaN", v));
    CHECK_FALSE(try_parse_double("inf", v));
    CHECK_FALSE(try_parse_double("-infinity", v));
    CHECK_FALSE(try_parse_double("1e999", v));
    CHECK_FALSE(try_parse_double("1.0x", v));
    CHECK_FALSE(try_parse_double("", v));
    CHECK_FALSE(try_parse_double("1.0D+00", v));
    int i = 0;
    CHECK(try_parse_integer("42", i));
    CHECK(i == 42);
    CHECK_FALSE(try_parse_integer("4.2", i));
    CHECK_FALSE(try_parse_integer("99999999999", i));
    std::size_t u = 0;
    CHECK_FALSE(try_parse_integer("-3", u));
    // Throwing forms name what was expected and the offending token.
    CHECK(parse_number<std::size_t>("200", "EPOCHS") == 200);
    CHECK(parse_number<double>("0.01", "FORCE_WEIGHT") == 0.01);
    CHECK_THROWS_WITH_AS((void)parse_number<std::size_t>("-3", "EPOCHS"),
                         "expected EPOCHS as a non-negative integer, got '-3'", annp::error);
    CHECK_THROWS_WITH_AS((void)parse_number<double>("nan", "FORCE_WEIGHT"),
                         "expected FORCE_WEIGHT as a finite number, got 'nan'", annp::error);
    bool b = false;
    CHECK(try_parse_bool("T", b));
    CHECK(b);
    CHECK(try_parse_bool("False", b));
    CHECK_FALSE(b);
    CHECK_FALSE(try_parse_bool("yes", b));
  }

  TEST_CASE("format_double round-trips every double bit-exactly") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> bits;
    int checked = 0;
    for (int k = 0; k < 200000; ++k) {
      const std::uint64_t b = bits(rng);
      double x = 0;
      std::memcpy(&x, &b, sizeof x);
      if (!std::isfinite(x)) continue;
      double y = 0;
      REQUIRE(try_parse_double(format_double(x), y));
      std::uint64_t back = 0;
      std::memcpy(&back, &y, sizeof y);
      REQUIRE(back == b);
      ++checked;
    }
    CHECK(checked > 190000);
    for (double x : {0.0, -0.0, std::numeric_limits<double>::denorm_min(),
                     std::numeric_limits<double>::max(), 0.1, 1.0 / 3.0}) {
      double y = 1;
      REQUIRE(try_parse_double(format_double(x), y));
      CHECK(std::signbit(y) == std::signbit(x));
      CHECK(y == x);
    }
  }

  TEST_CASE("line_reader reports file and line") {
    std::istringstream in("first\r\nsecond\n");
    line_reader r(in, "demo.txt");
    std::string line;
    REQUIRE(r.next(line));
    CHECK(line == "first");
    REQUIRE(r.next(line));
    CHECK(line == "second");
    CHECK(r.location() == "demo.txt:2");
    test::expect_error([&] { (void)r.parse_double("abc", "a position (Å)"); },
                       {"demo.txt:2:", "expected a position (Å) as a finite number", "'abc'"});
    CHECK_FALSE(r.next(line));
  }

  TEST_CASE("geometry: inverse, determinant, products") {
    const mat3 m{{{2.0, 0.3, -0.1}, {0.5, 3.0, 0.2}, {-0.4, 0.7, 4.0}}};
    const mat3 id = m * inverse(m);
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) CHECK(id[a][b] == doctest::Approx(a == b ? 1.0 : 0.0));
    CHECK(determinant(m) ==
          doctest::Approx(2.0 * (12.0 - 0.14) - 0.3 * (2.0 + 0.08) - 0.1 * (0.35 + 1.2)));
    const vec3 f{0.25, 0.5, 0.75};
    const vec3 x = f * m;
    CHECK(x[0] == doctest::Approx(0.25 * 2.0 + 0.5 * 0.5 - 0.75 * 0.4));
    const vec3 back = x * inverse(m);
    for (std::size_t k = 0; k < 3; ++k) CHECK(back[k] == doctest::Approx(f[k]));
    CHECK(dot(cross(m[0], m[1]), m[0]) == doctest::Approx(0.0));
  }

  TEST_CASE("atomic writes replace the file whole and leave nothing behind on failure") {
    const std::string dir = test::scratch_dir("atomic");
    const std::string path = dir + "/model.txt";
    write_file_atomically(path, "first version\n");
    write_file_atomically(path, "second version\n");
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == "second version\n");
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      (void)entry;
      ++files;
    }
    CHECK(files == 1); // no temporary files left
    test::expect_error([&] { write_file_atomically(dir + "/missing/sub/model.txt", "x"); },
                       {"missing/sub/model.txt", "cannot create"});
    test::expect_error([] { (void)open_input_file("/nonexistent/file.xyz"); },
                       {"/nonexistent/file.xyz", "cannot open"});
  }

  TEST_CASE("registries: indices, names, dispatch and variants come from one type list") {
    static_assert(colours::size == 3);
    static_assert(registry::index_of<green, colours> == 1);
    static_assert(registry::index_of<stranger, colours> == registry::npos);
    static_assert(registry::contains<blue, colours> && !registry::contains<stranger, colours>);
    static_assert(std::is_same_v<registry::at<2, colours>, blue>);
    static_assert(registry::find<colours>("blue") == 2);
    static_assert(registry::find<colours>(stranger::name) == registry::npos);
    static_assert(
        std::is_same_v<registry::rebind<std::variant, colours>, std::variant<red, green, blue>>);
    static_assert(std::is_same_v<registry::transform<box, colours>,
                                 type_list<box<red>, box<green>, box<blue>>>);
    CHECK(registry::names<colours>[1] == "green");
    CHECK(registry::name_list<colours>() == "red, green or blue");
    CHECK(registry::name_list<type_list<red>>() == "red");
    // visit reaches the index-th type, for every index.
    for (std::size_t k = 0; k < colours::size; ++k)
      CHECK(registry::visit<colours>(k, [](auto t) { return t.id; }) == static_cast<int>(k) + 1);
    test::expect_error([] { (void)registry::visit<colours>(3, [](auto t) { return t.id; }); },
                       {"registry index 3 outside a list of 3"});
    std::vector<std::string_view> order;
    registry::for_each<colours>([&]<class T>(T) { order.emplace_back(T::name); });
    CHECK(order == std::vector<std::string_view>{"red", "green", "blue"});
    // Look-ups by name or by a member's code, with the members listed when nothing matches.
    CHECK(registry::find_named<colours>("green", "colour") == 1);
    test::expect_error([] { (void)registry::find_named<colours>("mauve", "colour"); },
                       {"unknown colour 'mauve' (expected red, green or blue)"});
    const auto code = [](auto t) { return t.id == 2 ? -1 : 10 * t.id; }; // green has no code
    CHECK(registry::find_code<colours>(code, 30, -1, "paint number") == 2);
    test::expect_error([&] { (void)registry::find_code<colours>(code, 20, -1, "paint number"); },
                       {"unknown paint number 20 (expected one of 10, 30)"});
    using colour = registry::kind<colours, red>;
    CHECK(colour::named("blue", "colour") == colour::of<blue>());
    CHECK(colour::coded(code, 10, -1, "paint number") == colour::of<red>());
  }
}
