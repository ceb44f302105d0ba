#include <annp/core/parallel.hpp>
#include <annp/io/n2p2_data.hpp>
#include <annp/io/n2p2_model.hpp>
#include <annp/potential/any_potential.hpp>
#include <annp/potential/committee.hpp>
#include <annp/properties/properties.hpp>

#include "potential/model_support.hpp"
#include "test_support.hpp"

#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <tuple>

using namespace annp;

namespace {

double max_abs(const xt::xtensor<double, 2>& a) {
  double m = 0.0;
  for (double x : a) m = std::max(m, std::abs(x));
  return m;
}

/// Two results of the same evaluation (host_result or potential_result) are bit-identical.
template <class Result> void check_same_result(const Result& a, const Result& b) {
  CHECK(std::memcmp(&a.energy, &b.energy, sizeof(double)) == 0);
  CHECK(a.forces == b.forces);
  CHECK(a.atomic_energies == b.atomic_energies);
  CHECK(a.atomic_virials == b.atomic_virials);
  CHECK(a.virial == b.virial);
}

} // namespace

TEST_SUITE("potential") {
  TEST_CASE("forces are minus the gradient of the energy (central differences, every cutoff)") {
    std::vector<cutoff_kind> kinds;
    registry::for_each<cutoff_list>([&]<class C>(C) { kinds.push_back(cutoff_kind_of<C>()); });
    REQUIRE(kinds.size() == cutoff_list::size);
    for (const cutoff_kind kind : kinds) {
      const any_potential pot(test::make_test_model(10 + kind.index(), kind));
      std::mt19937_64 rng(5);
      structure s = test::random_al_o(rng, 6);
      const auto r = pot.compute(s);
      const double scale = std::max(1e-3, max_abs(r.forces));
      const double h = 1e-5;
      double worst = 0.0;
      for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t d = 0; d < 3; ++d) {
          structure p = s, m = s;
          p.positions(i, d) += h;
          m.positions(i, d) -= h;
          compute_options o;
          o.forces = false;
          const double fd = -(pot.compute(p, o).energy - pot.compute(m, o).energy) / (2 * h);
          worst = std::max(worst, std::abs(fd - r.forces(i, d)) / scale);
        }
      INFO("cutoff ", cutoff_kind_name(kind));
      // The hard cutoff is discontinuous at r_c: a pair within h of it would spoil the difference.
      if (kind != cutoff_kind_of<cutoff::hard>()) CHECK(worst < 1e-6);
      // Total force vanishes (translation invariance).
      for (std::size_t d = 0; d < 3; ++d) {
        double sum = 0.0;
        for (std::size_t i = 0; i < s.size(); ++i) sum += r.forces(i, d);
        CHECK(std::abs(sum) < 1e-12 * scale * static_cast<double>(s.size()));
      }
    }
  }

  TEST_CASE("stress is the strain derivative of the energy over the volume") {
    const any_potential pot(test::make_test_model(3));
    std::mt19937_64 rng(8);
    const structure s = test::random_al_o(rng, 7);
    const auto r = pot.compute(s);
    REQUIRE(r.stress.has_value());
    const double h = 1e-6;
    double scale = 1e-6;
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) scale = std::max(scale, std::abs((*r.stress)[a][b]));
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) {
        const auto energy = [&](double eps) {
          compute_options o;
          o.forces = false;
          return pot.compute(test::strained(s, a, b, eps), o).energy;
        };
        const double fd = (energy(h) - energy(-h)) / (2 * h) / s.volume();
        INFO("component ", a, b);
        CHECK(std::abs(fd - (*r.stress)[a][b]) < 1e-6 * scale);
      }
    // The virial is symmetric.
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b)
        CHECK(std::abs(r.virial[a][b] - r.virial[b][a]) <
              1e-10 * std::max(1.0, std::abs(r.virial[a][b])));
  }

  TEST_CASE("energy is invariant and forces covariant under rotation and translation") {
    const any_potential pot(test::make_test_model(4));
    std::mt19937_64 rng(9);
    const structure s = test::random_al_o(rng, 6);
    const auto r = pot.compute(s);
    const mat3 rot = test::random_cell(rng, 1.0, 1.0, 0.0); // orthonormal
    structure t = s;
    t.cell = s.cell * transpose(rot);
    for (std::size_t i = 0; i < s.size(); ++i)
      t.set_position(i, s.position(i) * transpose(rot) + vec3{1.3, -0.4, 7.7});
    const auto q = pot.compute(t);
    CHECK(q.energy == doctest::Approx(r.energy).epsilon(1e-12));
    for (std::size_t i = 0; i < s.size(); ++i) {
      const vec3 f{r.forces(i, 0), r.forces(i, 1), r.forces(i, 2)};
      const vec3 g = f * transpose(rot);
      for (std::size_t d = 0; d < 3; ++d)
        CHECK(std::abs(q.forces(i, d) - g[d]) < 1e-10 * std::max(1.0, max_abs(r.forces)));
    }
  }

  TEST_CASE("energy of a supercell is N times the primitive energy to 1e-10") {
    const any_potential pot(test::make_test_model(6));
    std::mt19937_64 rng(10);
    const structure s = test::random_al_o(rng, 4);
    const double e1 = pot.compute(s).energy;
    for (auto [na, nb, nc] : {std::array{2, 2, 2}, std::array{3, 1, 2}}) {
      structure big;
      big.pbc = s.pbc;
      big.cell[0] = static_cast<double>(na) * s.cell[0];
      big.cell[1] = static_cast<double>(nb) * s.cell[1];
      big.cell[2] = static_cast<double>(nc) * s.cell[2];
      for (int a = 0; a < na; ++a)
        for (int b = 0; b < nb; ++b)
          for (int c = 0; c < nc; ++c)
            for (std::size_t i = 0; i < s.size(); ++i)
              big.add_atom(s.numbers[i], s.position(i) + static_cast<double>(a) * s.cell[0] +
                                             static_cast<double>(b) * s.cell[1] +
                                             static_cast<double>(c) * s.cell[2]);
      const double n = static_cast<double>(na * nb * nc);
      CHECK(std::abs(pot.compute(big).energy - n * e1) <= 1e-10 * std::abs(n * e1));
    }
  }

  TEST_CASE("reproduces n2p2's energies (1e-9 eV/atom) and forces (1e-8 eV/A) for its own model") {
    const model m = read_n2p2_model(test::source_path("tests/data/n2p2-al"));
    CHECK(m.elements == std::vector<int>{13});
    CHECK(m.networks[0].describe() == "32-20-20-1 tanh tanh linear");
    using descriptor = descriptor_set<cutoff::cosine, radial_g2<16>, angular_narrow<16>>;
    using net = network<32, dense<20, act::tanh>, dense<20, act::tanh>, dense<1, act::linear>>;
    const potential<descriptor, net> pot(m);
    const auto structures = read_n2p2_data(test::source_path("tests/data/n2p2-al/structures.data"));
    const auto expected = read_n2p2_data(test::source_path("tests/data/n2p2-al/output.data"));
    REQUIRE(structures.size() == expected.size());
    double worst_e = 0.0, worst_f = 0.0, worst_convention = 0.0;
    for (std::size_t k = 0; k < structures.size(); ++k) {
      const auto& s = structures[k];
      const auto r = pot.compute(s);
      const double n = static_cast<double>(s.size());
      worst_e = std::max(worst_e, std::abs(r.energy - *expected[k].energy) / n);
      // n2p2 leaves out the derivative of an atom's own energy with respect to its own periodic
      // images (Mode::calculateForces skips the atom in its unique-neighbour list), so where an
      // atom sees its own images its forces are not -grad E. That convention, computed here
      // independently, reproduces n2p2; annp's forces are the exact gradient.
      const auto conv = test::n2p2_convention_forces(pot, s);
      bool self_images = false;
      for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t d = 0; d < 3; ++d) {
          const double ref = (*expected[k].forces)(i, d);
          worst_convention = std::max(worst_convention, std::abs(conv.n2p2(i, d) - ref));
          CHECK(std::abs(conv.exact(i, d) - r.forces(i, d)) < 1e-12);
          if (!conv.has_self_images) worst_f = std::max(worst_f, std::abs(r.forces(i, d) - ref));
          self_images = self_images || conv.has_self_images;
        }
      if (self_images) {
        // There, annp's forces are checked against the gradient of the (n2p2-identical) energy.
        const double h = 1e-5;
        for (std::size_t i = 0; i < s.size(); ++i)
          for (std::size_t d = 0; d < 3; ++d) {
            structure p = s, q = s;
            p.positions(i, d) += h;
            q.positions(i, d) -= h;
            compute_options o;
            o.forces = false;
            const double fd = -(pot.compute(p, o).energy - pot.compute(q, o).energy) / (2 * h);
            CHECK(std::abs(fd - r.forces(i, d)) < 1e-8);
          }
      }
    }
    CHECK(worst_e <= 1e-9);
    CHECK(worst_f <= 1e-8);
    CHECK(worst_convention <= 1e-8);
    MESSAGE("n2p2 reference: largest energy difference ", worst_e,
            " eV/atom; forces: largest difference ", worst_f,
            " eV/A (structures without self-images), n2p2's convention reproduced to ",
            worst_convention, " eV/A");
    // The dynamic path gives the same numbers.
    const any_potential dyn(m);
    const auto a = dyn.compute(structures[0]);
    const auto b = pot.compute(structures[0]);
    CHECK(a.energy == b.energy);
    CHECK(a.forces == b.forces);
  }

  TEST_CASE("flags the same extrapolating (structure, atom, function) triples as n2p2") {
    const any_potential pot(read_n2p2_model(test::source_path("tests/data/n2p2-al")));
    const auto structures = read_n2p2_data(test::source_path("tests/data/n2p2-al/structures.data"));
    std::set<std::tuple<std::size_t, std::size_t, std::size_t>> ours, theirs;
    for (std::size_t k = 0; k < structures.size(); ++k) {
      const auto r = pot.compute(structures[k]);
      for (const auto& rec : r.extrapolations) ours.insert({k, rec.atom, rec.descriptor});
      CHECK(r.extrapolated_values == r.extrapolations.size());
    }
    std::ifstream in(test::source_path("tests/data/n2p2-al/extrapolation-warnings.txt"));
    std::string line;
    while (std::getline(in, line)) {
      const auto t = split_whitespace(line);
      // ### NNP EXTRAPOLATION WARNING ### STRUCTURE: 2 ATOM: 5 ELEMENT: Al SYMFUNC: 11 ...
      std::size_t s = 0, a = 0, f = 0;
      for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (t[i] == "STRUCTURE:") REQUIRE(try_parse_integer(t[i + 1], s));
        if (t[i] == "ATOM:") REQUIRE(try_parse_integer(t[i + 1], a));
        if (t[i] == "SYMFUNC:") REQUIRE(try_parse_integer(t[i + 1], f));
      }
      theirs.insert({s, a, f - 1}); // n2p2 numbers symmetry functions from 1
    }
    CHECK(theirs.size() == 12);
    CHECK(ours == theirs);
    // Policies: error names the first one; warn writes one line each.
    compute_options o;
    o.extrapolation = extrapolation_policy::error;
    test::expect_error([&] { (void)pot.compute(structures[2], o); },
                       {"extrapolation", "descriptor 10", "outside the training range"});
    std::vector<std::string> lines;
    o.extrapolation = extrapolation_policy::warn;
    o.warning_sink = [&](const std::string& l) { lines.push_back(l); };
    (void)pot.compute(structures[2], o);
    CHECK(lines.size() == 12);
  }

  TEST_CASE("annp model files round-trip bit-exactly; n2p2 export and import agree") {
    const model m = test::make_test_model(21);
    const std::string dir = test::scratch_dir("model");
    write_model(dir + "/test.annp", m);
    const model back = read_model(dir + "/test.annp");
    CHECK(back == m);
    CHECK(format_model(back) == format_model(m));
    const any_potential a(m), b(back);
    std::mt19937_64 rng(2);
    const structure s = test::random_al_o(rng, 5);
    const auto ra = a.compute(s), rb = b.compute(s);
    CHECK(ra.energy == rb.energy);
    CHECK(ra.forces == rb.forces);
    // n2p2 needs its function order; the imported n2p2 model has it.
    const model n = read_n2p2_model(test::source_path("tests/data/n2p2-al"));
    write_n2p2_model(dir + "/n2p2", n);
    const model n2 = read_n2p2_model(dir + "/n2p2");
    const any_potential pn(n), pn2(n2);
    const auto st = read_n2p2_data(test::source_path("tests/data/n2p2-al/structures.data"));
    for (const auto& x : st) {
      const auto r1 = pn.compute(x), r2 = pn2.compute(x);
      CHECK(r2.energy == doctest::Approx(r1.energy).epsilon(1e-14));
      CHECK(max_abs(r1.forces - r2.forces) < 1e-12);
    }
    CHECK(n2.networks == n.networks);
    CHECK(n2.scaling == n.scaling);
    CHECK(n2.functions == n.functions);
    // A two-element model of annp's own (radial, narrow and wide angular, compact polynomial
    // functions of every element pair, per-element networks and reference energies) through
    // n2p2's files and back: the same energies and forces.
    const model two = test::make_test_model(23, cutoff_kind_of<cutoff::cosine>(), 4.6, true);
    write_n2p2_model(dir + "/n2p2-alo", two);
    const model two_back = read_n2p2_model(dir + "/n2p2-alo");
    // n2p2 sorts the elements by atomic number (O before Al); each keeps its reference energy.
    CHECK(two_back.elements == std::vector<int>{8, 13});
    CHECK(two_back.atomic_energies ==
          std::vector<double>{two.atomic_energies[1], two.atomic_energies[0]});
    const any_potential p2(two), p2b(two_back);
    for (int k = 0; k < 4; ++k) {
      const structure x = test::random_al_o(rng, 7);
      const auto r1 = p2.compute(x), r2 = p2b.compute(x);
      CHECK(r2.energy == doctest::Approx(r1.energy).epsilon(1e-13));
      CHECK(max_abs(r1.forces - r2.forces) < 1e-11);
    }
    // A model with Chebyshev functions cannot be written for n2p2.
    test::expect_error([&] { write_n2p2_model(dir + "/cheb", m); },
                       {"chebyshev_angular order=2", "n2p2 has no such symmetry function"});
  }

  TEST_CASE("a static type refuses a model of another architecture, saying what differs") {
    const model m = test::make_test_model(1);
    using desc = descriptor_set<cutoff::cosine>;
    using wrong_net = network<13, dense<9, act::tanh>, dense<8, act::tanh>, dense<1, act::linear>>;
    test::expect_error([&] { potential<desc, wrong_net> p(m); },
                       {"element Al", "layer 1: expected 9 -> 8, got 9 -> 7"});
    using poly = descriptor_set<cutoff::poly2>;
    test::expect_error([&] { potential<poly, dynamic_network> p(m); },
                       {"cosine cutoff", "compiled for poly2"});
    using pattern = descriptor_set<cutoff::cosine, radial_g2<4>, angular_narrow<8>>;
    test::expect_error([&] { potential<pattern, dynamic_network> p(m); },
                       {"the descriptor set is [radial x 4, angular_narrow x 8]"});
  }

  TEST_CASE("results are bit-identical for 1 and 2 threads") {
    const any_potential pot(test::make_test_model(2));
    std::mt19937_64 rng(12);
    const structure s = test::random_al_o(rng, 40, 9.0, 10.0);
    const int before = max_threads();
    set_threads(1);
    const auto one = pot.compute(s);
    set_threads(2);
    const auto two = pot.compute(s);
    set_threads(before);
    CHECK(std::memcmp(&one.energy, &two.energy, sizeof(double)) == 0);
    CHECK(one.forces == two.forces);
    CHECK(one.virial == two.virial);
  }

  TEST_CASE("host path with explicit ghost atoms equals the structure path") {
    const any_potential pot(test::make_test_model(7));
    std::mt19937_64 rng(13);
    const structure s = test::random_al_o(rng, 6);
    compute_options o;
    o.atomic_energies = true;
    o.atomic_virials = true;
    const auto ref = pot.compute(s, o);
    // Ghosts: every periodic image within 2 cells, as a host with a halo would hold them.
    std::vector<double> pos;
    std::vector<int> elem, owner;
    for (std::size_t i = 0; i < s.size(); ++i) {
      pos.insert(pos.end(), {s.positions(i, 0), s.positions(i, 1), s.positions(i, 2)});
      elem.push_back(pot.element_index(s.numbers[i]));
      owner.push_back(static_cast<int>(i));
    }
    for (int a = -2; a <= 2; ++a)
      for (int b = -2; b <= 2; ++b)
        for (int c = -2; c <= 2; ++c) {
          if (a == 0 && b == 0 && c == 0) continue;
          for (std::size_t i = 0; i < s.size(); ++i) {
            const vec3 x = s.position(i) + static_cast<double>(a) * s.cell[0] +
                           static_cast<double>(b) * s.cell[1] + static_cast<double>(c) * s.cell[2];
            pos.insert(pos.end(), {x[0], x[1], x[2]});
            elem.push_back(pot.element_index(s.numbers[i]));
            owner.push_back(static_cast<int>(i));
          }
        }
    const std::size_t np = elem.size();
    std::vector<int> all(np);
    for (std::size_t k = 0; k < np; ++k) all[k] = static_cast<int>(k);
    host_system h;
    h.particles = np;
    h.positions = pos.data();
    h.element = elem.data();
    h.contributing = s.size();
    h.neighbours = [&](std::size_t, int& n, const int*& list) { // everything: filtered by r
      n = static_cast<int>(np);
      list = all.data();
    };
    host_result hr;
    pot.compute(h, hr, o);
    CHECK(hr.energy == doctest::Approx(ref.energy).epsilon(1e-13));
    std::vector<double> folded(3 * s.size(), 0.0);
    for (std::size_t k = 0; k < np; ++k)
      for (std::size_t d = 0; d < 3; ++d)
        folded[3 * static_cast<std::size_t>(owner[k]) + d] += hr.forces[3 * k + d];
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (std::size_t d = 0; d < 3; ++d)
        CHECK(std::abs(folded[3 * i + d] - ref.forces(i, d)) <
              1e-12 * std::max(1.0, max_abs(ref.forces)));
      CHECK(hr.atomic_energies[i] == doctest::Approx(ref.atomic_energies[i]).epsilon(1e-13));
    }
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b)
        CHECK(std::abs(hr.virial[a][b] - ref.virial[a][b]) <
              1e-10 * std::max(1.0, std::abs(ref.virial[a][b])));
    // Per-atom virials sum to the virial.
    std::array<double, 6> sum{};
    for (const auto& v : ref.atomic_virials)
      for (std::size_t k = 0; k < 6; ++k) sum[k] += v[k];
    CHECK(sum[0] == doctest::Approx(ref.virial[0][0]).epsilon(1e-12));
    CHECK(sum[3] == doctest::Approx(ref.virial[1][2]).epsilon(1e-12));
  }

  TEST_CASE("a host_result reused across calls of other sizes equals a fresh one") {
    // MD codes keep one host_result and its working arrays between steps; what a larger
    // previous system left in them must never show in the next one's numbers.
    const any_potential pot(test::make_test_model(8));
    std::mt19937_64 rng(15);
    struct host {
      std::vector<double> pos;
      std::vector<int> elem, all;
      host_system h;
    };
    const auto make = [&](const structure& s) { // periodic images as explicit ghosts
      auto out = std::make_unique<host>();
      for (int a = -1; a <= 1; ++a)
        for (int b = -1; b <= 1; ++b)
          for (int c = -1; c <= 1; ++c)
            for (std::size_t i = 0; i < s.size(); ++i) {
              const vec3 x = s.position(i) + static_cast<double>(a) * s.cell[0] +
                             static_cast<double>(b) * s.cell[1] +
                             static_cast<double>(c) * s.cell[2];
              const bool own = a == 0 && b == 0 && c == 0;
              // owned atoms first: ghosts follow the home cell's atoms
              out->pos.insert(own ? out->pos.begin() + 3 * static_cast<std::ptrdiff_t>(i)
                                  : out->pos.end(),
                              {x[0], x[1], x[2]});
              out->elem.insert(own ? out->elem.begin() + static_cast<std::ptrdiff_t>(i)
                                   : out->elem.end(),
                               pot.element_index(s.numbers[i]));
            }
      const std::size_t np = out->elem.size();
      for (std::size_t k = 0; k < np; ++k) out->all.push_back(static_cast<int>(k));
      out->h.particles = np;
      out->h.positions = out->pos.data();
      out->h.element = out->elem.data();
      out->h.contributing = s.size();
      host* self = out.get();
      out->h.neighbours = [self](std::size_t, int& n, const int*& list) {
        n = static_cast<int>(self->all.size());
        list = self->all.data();
      };
      return out;
    };
    const auto big = make(test::random_al_o(rng, 9, 6.0, 7.0));
    const auto small = make(test::random_al_o(rng, 3));
    compute_options o;
    o.atomic_energies = true;
    o.atomic_virials = true;
    host_result reused, fresh_small, fresh_big;
    pot.compute(big->h, reused, o);
    pot.compute(big->h, fresh_big, o);
    pot.compute(small->h, reused, o);
    pot.compute(small->h, fresh_small, o);
    const auto same = check_same_result<host_result>;
    same(reused, fresh_small);
    CHECK(reused.forces.size() == 3 * small->h.particles);
    pot.compute(big->h, reused, o);
    same(reused, fresh_big);
  }

  TEST_CASE("a potential_result reused across structures of other sizes equals a fresh one") {
    // ASE-like loops call compute(structure, result) with one result: its kept neighbour list
    // and working arrays must never leak a previous structure into the next one's numbers.
    const any_potential pot(test::make_test_model(9));
    std::mt19937_64 rng(16);
    const structure big = test::random_al_o(rng, 16, 6.0, 7.0);
    const structure small = test::random_al_o(rng, 4);
    compute_options o;
    o.atomic_energies = true;
    o.atomic_virials = true;
    const auto same = [](const potential_result& a, const potential_result& b) {
      check_same_result(a, b);
      CHECK(a.stress.has_value() == b.stress.has_value());
    };
    potential_result reused;
    pot.compute(big, reused, o);
    same(reused, pot.compute(big, o));
    pot.compute(small, reused, o);
    same(reused, pot.compute(small, o));
    CHECK(reused.forces.shape(0) == small.size());
    compute_options energy_only;
    energy_only.forces = false;
    pot.compute(big, reused, energy_only);
    same(reused, pot.compute(big, energy_only));
    CHECK(reused.atomic_energies.empty());
    pot.compute(big, reused, o);
    same(reused, pot.compute(big, o));
    // Forces moved out of the result (as the Python module hands them to NumPy) are refilled.
    const xt::xtensor<double, 2> taken = std::move(reused.forces);
    pot.compute(big, reused, o);
    same(reused, pot.compute(big, o));
    CHECK(taken == reused.forces);
    // A copy carries the numbers, not the working storage.
    const potential_result copy = reused;
    same(copy, reused);
    CHECK(copy.buffers.value.forces.empty());
    CHECK(!reused.buffers.value.forces.empty());
  }

  TEST_CASE("committee: mean and spread of the members") {
    std::vector<any_potential> members;
    for (std::uint64_t k = 0; k < 3; ++k) members.emplace_back(test::make_test_model(30 + k));
    const committee<any_potential> c(members);
    std::mt19937_64 rng(14);
    const structure s = test::random_al_o(rng, 5);
    const auto r = c.compute(s);
    std::vector<double> e;
    for (const auto& m : members) e.push_back(m.compute(s).energy);
    const double mean = (e[0] + e[1] + e[2]) / 3.0;
    double var = 0.0;
    for (double x : e) var += (x - mean) * (x - mean);
    CHECK(r.energy == doctest::Approx(mean));
    CHECK(r.energy_spread == doctest::Approx(std::sqrt(var / 2.0)));
    CHECK(r.max_force_spread > 0.0);
    REQUIRE(r.stress);
    double sxy = 0.0;
    for (const auto& m : members) sxy += (*m.compute(s).stress)[0][1] / 3.0;
    CHECK((*r.stress)[0][1] == doctest::Approx(sxy).epsilon(1e-13));
    test::expect_error([&] { committee<any_potential> one({members[0]}); }, {"at least two"});
  }

  TEST_CASE("committee_mean: one calculator whose every output is the members' mean") {
    static_assert(calculator<committee_mean<any_potential>>);
    std::vector<any_potential> members;
    for (std::uint64_t k = 0; k < 3; ++k) members.emplace_back(test::make_test_model(40 + k));
    const committee_mean<any_potential> bag(members);
    std::mt19937_64 rng(15);
    const structure s = test::random_al_o(rng, 6);
    compute_options o;
    o.atomic_energies = true;
    o.atomic_virials = true;
    const potential_result r = bag.compute(s, o);
    std::vector<potential_result> m;
    for (const auto& p : members) m.push_back(p.compute(s, o));
    const auto avg = [](double a, double b, double c) { return (a + b + c) / 3.0; };
    CHECK(r.energy == doctest::Approx(avg(m[0].energy, m[1].energy, m[2].energy)).epsilon(1e-14));
    REQUIRE(r.stress);
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b) {
        CHECK((*r.stress)[a][b] ==
              doctest::Approx(avg((*m[0].stress)[a][b], (*m[1].stress)[a][b], (*m[2].stress)[a][b]))
                  .epsilon(1e-13));
        CHECK(r.virial[a][b] ==
              doctest::Approx(avg(m[0].virial[a][b], m[1].virial[a][b], m[2].virial[a][b]))
                  .epsilon(1e-13));
      }
    double sum_atomic = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      sum_atomic += r.atomic_energies[i];
      CHECK(r.atomic_virials[i][3] ==
            doctest::Approx(avg(m[0].atomic_virials[i][3], m[1].atomic_virials[i][3],
                                m[2].atomic_virials[i][3]))
                .epsilon(1e-13));
      for (std::size_t d = 0; d < 3; ++d)
        CHECK(r.forces(i, d) ==
              doctest::Approx(avg(m[0].forces(i, d), m[1].forces(i, d), m[2].forces(i, d)))
                  .epsilon(1e-13));
    }
    CHECK(sum_atomic == doctest::Approx(r.energy).epsilon(1e-12));
    // The mean's forces are the gradient of the mean's energy (central differences).
    const double h = 1e-5;
    for (std::size_t i : {std::size_t{0}, s.size() - 1})
      for (std::size_t d = 0; d < 3; ++d) {
        structure sp = s, sm = s;
        auto x = s.position(i);
        x[d] += h;
        sp.set_position(i, x);
        x[d] -= 2 * h;
        sm.set_position(i, x);
        const double fd = -(bag.compute(sp).energy - bag.compute(sm).energy) / (2 * h);
        CHECK(r.forces(i, d) == doctest::Approx(fd).epsilon(1e-6).scale(1.0));
      }
  }

  TEST_CASE("clear errors: unknown element, overlapping atoms") {
    const any_potential pot(test::make_test_model(1));
    structure s;
    s.source = "md.xyz:10";
    s.add_atom(13, {0, 0, 0});
    s.add_atom(26, {2, 0, 0});
    test::expect_error([&] { (void)pot.compute(s); }, {"md.xyz:10", "atom 1 is Fe", "Al, O"});
    s.numbers[1] = 8;
    s.set_position(1, {0.01, 0, 0});
    test::expect_error([&] { (void)pot.compute(s); }, {"md.xyz:10", "overlapping atoms"});
  }
}
