// Malformed model files: every problem names the file, the line and what was expected.
#include <annp/io/model_file.hpp>
#include <annp/io/n2p2_model.hpp>
#include <annp/io/structures.hpp>
#include <annp/potential/any_potential.hpp>

#include "potential/model_support.hpp"
#include "test_support.hpp"

#include <fstream>
#include <sstream>

using namespace annp;

namespace {

std::string good_text() { return format_model(test::make_test_model(5)); }

// Replaces the first occurrence of `from` by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::size_t line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return static_cast<std::size_t>(
             std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) +
         1;
}

void expect_model_error(const std::string& text, std::size_t line,
                        std::initializer_list<std::string> needles) {
  std::istringstream in(text);
  try {
    (void)read_model(in, "bad.annp");
    FAIL("no error");
  } catch (const error& e) {
    INFO("message: ", std::string(e.what()));
    CHECK(e.file() == "bad.annp");
    if (line > 0) CHECK(e.line() == line);
    for (const auto& n : needles)
      CHECK_MESSAGE(std::string(e.what()).find(n) != std::string::npos, n);
  }
}

} // namespace

TEST_SUITE("model_files") {
  TEST_CASE("malformed annp model files") {
    const std::string good = good_text();
    {
      std::istringstream in(good);
      CHECK_NOTHROW((void)read_model(in, "good.annp"));
    }
    expect_model_error("xyz 1\n", 1, {"annp-model <version>"});
    expect_model_error("annp-model 7\n", 1, {"version 7 is not supported"});
    expect_model_error(good.substr(0, good.size() / 2), 0, {"ends"});
    expect_model_error(edit(good, "energy_scale 0.35", "energy_scale abc"),
                       line_of(good, "energy_scale"), {"energy scale", "'abc'"});
    expect_model_error(edit(good, "cutoff cosine", "cutoff sine"), line_of(good, "cutoff cosine"),
                       {"unknown cutoff function 'sine'"});
    expect_model_error(edit(good, "sf radial e1=Al", "sf radial e1=Xx"),
                       line_of(good, "sf radial e1=Al"), {"unknown element symbol 'Xx'"});
    expect_model_error(edit(good, "sf radial e1=Al rc=", "sf radial e1=Al zeta=1 rc="),
                       line_of(good, "sf radial e1=Al"),
                       {"key 'zeta' does not belong to a radial"});
    expect_model_error(edit(good, "sf radial e1=Al rc=4.6 ", "sf radial e1=Al "),
                       line_of(good, "sf radial e1=Al"), {"needs rc=<value>"});
    expect_model_error(edit(good, "layer 9 7 tanh", "layer 9 7 sw-ish"), line_of(good, "layer 9 7"),
                       {"activation 'sw-ish' is neither built in nor a valid name"});
    // An unknown but well-formed name is a user activation: the file reads, and only a static
    // network type naming it can evaluate it (tests/network/test_custom_activation.cpp).
    {
      std::istringstream in(edit(good, "layer 9 7 tanh", "layer 9 7 swish"));
      const model m = read_model(in, "custom.annp");
      test::expect_error([&] { const any_potential p(m); },
                         {"custom activation 'swish'", "only a static network type naming it"});
    }
    // A shape error is found when the last layer line has been read.
    expect_model_error(edit(good, "layer 9 7 tanh", "layer 9 6 tanh"),
                       line_of(good, "layer 9 7") + 1,
                       {"layer 2 takes 7 inputs but layer 1 has 6 neurons"});
    expect_model_error(edit(good, "parameters 204", "parameters 203"),
                       line_of(good, "parameters 204"), {"has 204 parameters, the file says 203"});
    expect_model_error(edit(good, "elements Al O", "elements Al O\nfrobnicate 3"),
                       line_of(good, "elements Al O") + 1, {"unknown keyword 'frobnicate'"});
    expect_model_error(edit(good, "atomic_energy O -4.7\n", ""), 0, {"no 'atomic_energy O"});
    expect_model_error(edit(good, "scaling scale_sigma", "scaling magic"),
                       line_of(good, "scaling scale_sigma"), {"unknown scaling mode 'magic'"});
    test::expect_error([] { (void)read_model("/nonexistent/model.annp"); },
                       {"/nonexistent/model.annp", "cannot open"});
  }

  TEST_CASE("malformed n2p2 model directories") {
    const std::string dir = test::scratch_dir("n2p2bad");
    const std::string ref = test::source_path("tests/data/n2p2-al/");
    const auto copy_with = [&](const std::string& name, const std::string& from,
                               const std::string& to) {
      for (const char* f : {"input.nn", "scaling.data", "weights.013.data"}) {
        std::ifstream in(ref + f);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        if (name == f) text = edit(text, from, to);
        std::ofstream(dir + "/" + f) << text;
      }
    };
    copy_with("input.nn", "global_activation_short         t t l", "global_activation_short t q l");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"input.nn", "unknown n2p2 activation letter 'q'"});
    copy_with("input.nn", "cutoff_type                     1", "normalize_nodes\ncutoff_type 1");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"normalize_nodes", "does not support"});
    copy_with("input.nn", "cutoff_type                     1", "cutoff_type 9");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"input.nn", "unknown n2p2 cutoff_type 9 (expected one of 0, 1, 2, 3, 4, 5, "
                                    "6, 7, 8)"});
    copy_with("scaling.data", "         1         32", "         1         33");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"scaling.data", "symmetry-function index 33 out of range"});
    copy_with("weights.013.data", " -2.2990177901067618E-01 a         1",
              " -2.2990177901067618E-01 x         1");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"weights.013.data", "expected '<value> a"});
    copy_with("input.nn", "symfunction_short Al 2 Al 0.001    0.0 6.0",
              "symfunction_short Al 2 Al 0.001 6.0");
    test::expect_error([&] { (void)read_n2p2_model(dir); },
                       {"input.nn", "expected '<centre> 2 <e1>"});
  }
}

TEST_CASE("cutoff kinds: names, n2p2 numbers and any_potential alternatives from cutoff_list") {
  std::size_t count = 0;
  registry::for_each<cutoff_list>([&]<class C>(C) {
    const cutoff_kind k = cutoff_kind_of<C>();
    CHECK(k.index() == count++);
    CHECK(cutoff_kind_name(k) == C::name);
    CHECK(cutoff_kind_from_name(C::name) == k);
    if constexpr (C::n2p2_type >= 0) {
      CHECK(cutoff_kind_n2p2_type(k) == C::n2p2_type);
      CHECK(cutoff_kind_from_n2p2(C::n2p2_type) == k);
    } else { // a cutoff n2p2 lacks: export refuses it by name
      test::expect_error([&] { (void)cutoff_kind_n2p2_type(k); },
                         {std::string(C::name), "no n2p2 equivalent"});
    }
    // The any_potential built for a model with this cutoff holds the alternative of C.
    model m = test::make_test_model(1, k);
    const any_potential pot(m);
    CHECK(pot.variant().index() == k.index());
    CHECK(std::holds_alternative<dynamic_potential<C>>(pot.variant()));
  });
  CHECK(count == cutoff_list::size);
  test::expect_error([] { (void)cutoff_kind_from_name("sine"); },
                     {"unknown cutoff function 'sine' (expected hard, cosine, tanh_unnormalized, "
                      "tanh, exponential, poly1, poly2, poly3",
                      registry::name_list<cutoff_list>()});
}

TEST_CASE("the bundled Al model loads into its static type and agrees with any_potential") {
  using namespace annp;
  using descriptor = descriptor_set<cutoff::cosine, radial_g2<12>, angular_narrow<18>>;
  using net = network<30, dense<20, act::tanh>, dense<20, act::tanh>, dense<1, act::linear>>;
  const model m = read_model(test::source_path("data/models/al.annp"));
  const potential<descriptor, net> fast(m);
  const any_potential any(m);
  const auto frames = read_structures(test::source_path("data/al/al.xyz"));
  for (std::size_t k = 0; k < frames.size(); k += 37) {
    const auto a = fast.compute(frames[k]);
    const auto b = any.compute(frames[k]);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
  }
}
