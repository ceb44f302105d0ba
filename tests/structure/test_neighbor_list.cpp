#include <annp/structure/neighbor_list.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

using namespace annp;

namespace {

struct pair_entry {
  std::uint32_t i, j;
  neighbor_list::image s;
  double r;
  bool operator<(const pair_entry& o) const { return std::tie(i, j, s) < std::tie(o.i, o.j, o.s); }
};

// Deliberately naive: every pair of atoms and every image vector in a box large enough to hold
// all images within the cutoff.
std::vector<pair_entry> brute_force(const structure& st, double rc, list_kind kind) {
  std::array<int, 3> range{0, 0, 0};
  const double volume = std::abs(determinant(st.cell));
  for (std::size_t a = 0; a < 3; ++a) {
    if (!st.pbc[a]) continue;
    const double width = volume / norm(cross(st.cell[(a + 1) % 3], st.cell[(a + 2) % 3]));
    // Unwrapped atoms may sit up to ~1.5 cells away from the cell: allow for that.
    range[a] = static_cast<int>(std::ceil(rc / width)) + 3;
  }
  std::vector<pair_entry> out;
  for (std::uint32_t i = 0; i < st.size(); ++i)
    for (std::uint32_t j = 0; j < st.size(); ++j)
      for (int a = -range[0]; a <= range[0]; ++a)
        for (int b = -range[1]; b <= range[1]; ++b)
          for (int c = -range[2]; c <= range[2]; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const neighbor_list::image s{a, b, c};
            if (kind == list_kind::half) {
              const bool positive = a != 0 ? a > 0 : (b != 0 ? b > 0 : c > 0);
              if (j < i || (j == i && !positive)) continue;
            }
            const vec3 d = st.position(j) - st.position(i) + static_cast<double>(a) * st.cell[0] +
                           static_cast<double>(b) * st.cell[1] +
                           static_cast<double>(c) * st.cell[2];
            const double r = norm(d);
            if (r < rc) out.push_back({i, j, s, r});
          }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pair_entry> listed(const neighbor_list& nl, const structure& st) {
  std::vector<pair_entry> out;
  for (std::uint32_t i = 0; i < nl.size(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      out.push_back({i, nl.index()[k], nl.shift()[k], nl.r()[k]});
      // The stored displacement is r_j + S·cell - r_i and r is its length.
      const auto& s = nl.shift()[k];
      const vec3 d =
          st.position(nl.index()[k]) - st.position(i) + static_cast<double>(s[0]) * st.cell[0] +
          static_cast<double>(s[1]) * st.cell[1] + static_cast<double>(s[2]) * st.cell[2];
      CHECK(nl.dx()[k] == doctest::Approx(d[0]).epsilon(1e-12));
      CHECK(nl.dy()[k] == doctest::Approx(d[1]).epsilon(1e-12));
      CHECK(nl.dz()[k] == doctest::Approx(d[2]).epsilon(1e-12));
      CHECK(nl.r()[k] == doctest::Approx(norm(d)).epsilon(1e-14));
    }
  std::sort(out.begin(), out.end());
  return out;
}

bool same_pairs(const std::vector<pair_entry>& a, const std::vector<pair_entry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k].i != b[k].i || a[k].j != b[k].j || a[k].s != b[k].s) return false;
  return true;
}

structure fcc_primitive(double a) {
  structure s;
  s.cell[0] = {0.0, a / 2, a / 2};
  s.cell[1] = {a / 2, 0.0, a / 2};
  s.cell[2] = {a / 2, a / 2, 0.0};
  s.pbc = {true, true, true};
  s.add_atom(13, {0, 0, 0});
  return s;
}

} // namespace

TEST_SUITE("neighbor_list") {
  TEST_CASE("one-atom fcc cell: all images of the atom itself are neighbours") {
    const structure s = fcc_primitive(4.04);
    const neighbor_list nl(s, 6.0);
    // fcc shells within 6 Å at a = 4.04: 12 (2.86) + 6 (4.04) + 24 (4.95) + 12 (5.71) = 54.
    CHECK(nl.count(0) == 54);
    CHECK(same_pairs(listed(nl, s), brute_force(s, 6.0, list_kind::full)));
    const neighbor_list half(s, 6.0, list_kind::half);
    CHECK(half.count(0) == 27);
    // rc = 6.5 Å adds the 5th shell (24 at a·sqrt(5/2) = 6.39 Å): 78.
    CHECK(neighbor_list(s, 6.5).count(0) == 78);
  }

  TEST_CASE("equals brute force on 1200 random cells: triclinic, tiny, slab, wire, cluster") {
    std::mt19937_64 rng(2024);
    std::uniform_real_distribution<double> cutoff(2.0, 7.0);
    int cases = 0;
    std::size_t total_pairs = 0;
    for (int trial = 0; trial < 1200; ++trial) {
      const int kind = trial % 6;
      mat3 cell;
      std::array<bool, 3> pbc{true, true, true};
      std::size_t atoms = 1 + static_cast<std::size_t>(trial % 7);
      switch (kind) {
      case 0: cell = test::random_cell(rng, 3.0, 9.0, 0.3); break; // moderately triclinic
      case 1: cell = test::random_cell(rng, 3.0, 8.0, 0.9); break; // strongly skewed
      case 2: cell = test::random_cell(rng, 1.2, 3.0, 0.4); break; // tiny: rc >> cell
      case 3:
        cell = test::random_cell(rng, 3.0, 8.0, 0.4);
        pbc = {true, true, false};
        break;
      case 4:
        cell = test::random_cell(rng, 2.5, 6.0, 0.4);
        pbc = {false, true, false};
        break;
      default:
        cell = test::random_cell(rng, 4.0, 9.0, 0.2);
        pbc = {false, false, false};
        atoms += 6;
        break;
      }
      const structure s = test::random_structure(rng, cell, pbc, atoms, {13, 8, 22}, 0.9);
      const double rc = cutoff(rng);
      neighbor_list_options options{rc, list_kind::full, 0.0, 0.0}; // random cells may be dense
      const neighbor_list full(s, options);
      const auto expected_full = brute_force(s, rc, list_kind::full);
      REQUIRE_MESSAGE(same_pairs(listed(full, s), expected_full),
                      "full list differs from brute force, trial ", trial);
      options.kind = list_kind::half;
      const neighbor_list half(s, options);
      REQUIRE_MESSAGE(same_pairs(listed(half, s), brute_force(s, rc, list_kind::half)),
                      "half list differs from brute force, trial ", trial);
      CHECK(2 * half.pairs() == full.pairs());
      total_pairs += full.pairs();
      ++cases;
    }
    CHECK(cases == 1200);
    CHECK(total_pairs > 50000); // the cases are not trivially empty
  }

  TEST_CASE("a cluster without any cell") {
    structure s;
    s.add_atom(13, {0, 0, 0});
    s.add_atom(13, {2.5, 0, 0});
    s.add_atom(13, {0, 7.0, 0});
    s.add_atom(13, {100.0, 0, 0}); // far away: no bins explosion
    const neighbor_list nl(s, 3.0);
    CHECK(nl.count(0) == 1);
    CHECK(nl.count(1) == 1);
    CHECK(nl.count(2) == 0);
    CHECK(nl.count(3) == 0);
    CHECK(nl.r()[nl.begin(0)] == doctest::Approx(2.5));
  }

  TEST_CASE("translating atoms by lattice vectors changes nothing but the image vectors") {
    std::mt19937_64 rng(5);
    const mat3 cell = test::random_cell(rng, 4.0, 6.0, 0.5);
    structure a = test::random_structure(rng, cell, {true, true, true}, 6, {13});
    structure b = a;
    std::uniform_int_distribution<int> jump(-3, 3);
    for (std::size_t i = 0; i < b.size(); ++i)
      b.set_position(i, b.position(i) + static_cast<double>(jump(rng)) * cell[0] +
                            static_cast<double>(jump(rng)) * cell[2]);
    const neighbor_list na(a, 5.5), nb(b, 5.5);
    REQUIRE(na.pairs() == nb.pairs());
    std::vector<std::tuple<std::uint32_t, std::uint32_t, double, double, double>> da, db;
    for (std::uint32_t i = 0; i < a.size(); ++i) {
      for (std::size_t k = na.begin(i); k < na.end(i); ++k)
        da.emplace_back(i, na.index()[k], std::round(na.dx()[k] * 1e9),
                        std::round(na.dy()[k] * 1e9), std::round(na.dz()[k] * 1e9));
      for (std::size_t k = nb.begin(i); k < nb.end(i); ++k)
        db.emplace_back(i, nb.index()[k], std::round(nb.dx()[k] * 1e9),
                        std::round(nb.dy()[k] * 1e9), std::round(nb.dz()[k] * 1e9));
    }
    std::sort(da.begin(), da.end());
    std::sort(db.begin(), db.end());
    CHECK(da == db);
  }

  TEST_CASE("overlapping atoms and bad cutoffs are errors") {
    structure s = fcc_primitive(4.04);
    s.add_atom(13, {0.01, 0.0, 0.0});
    s.source = "cells.xyz:7";
    test::expect_error([&] { neighbor_list nl(s, 6.0); },
                       {"cells.xyz:7", "overlapping atoms", "atoms 0 and 1"});
    const structure ok = fcc_primitive(4.04);
    test::expect_error([&] { neighbor_list nl(ok, -1.0); }, {"cutoff must be a positive"});
    structure flat = fcc_primitive(4.04);
    flat.cell[2] = flat.cell[0];
    test::expect_error([&] { neighbor_list nl(flat, 5.0); }, {"linearly independent"});
  }

  TEST_CASE("input that would exhaust memory is refused before anything is allocated") {
    // A one-atom cell of 0.01 Å (5.7 GB before the check), fcc written in nm, a huge cutoff.
    structure tiny;
    tiny.cell = mat3{vec3{0.01, 0, 0}, vec3{0, 0.01, 0}, vec3{0, 0, 0.01}};
    tiny.pbc = {true, true, true};
    tiny.add_atom(13, {0, 0, 0});
    test::expect_error([&] { neighbor_list nl(tiny, 6.0); },
                       {"only 0.01 Å long", "its own periodic image", "not nm or bohr"});
    structure nm = fcc_primitive(0.404); // the lattice constant in nm
    nm.source = "nm.xyz:1";
    test::expect_error([&] { neighbor_list nl(nm, 6.0); },
                       {"nm.xyz:1", "atoms per Å³", "not nm or bohr"});
    const structure al = fcc_primitive(4.04);
    test::expect_error([&] { neighbor_list nl(al, 1000.0); },
                       {"cutoff 1e+03 Å would need", "periodic images", "GB"});
    // A slab's image along its one short periodic axis only: still a clear error.
    structure wire;
    wire.cell = mat3{vec3{0.05, 0, 0}, vec3{0, 0, 0}, vec3{0, 0, 0}};
    wire.pbc = {true, false, false};
    wire.add_atom(13, {0, 0, 0});
    test::expect_error([&] { neighbor_list nl(wire, 6.0); }, {"its own periodic image"});
    // Ordinary input passes: a dense but real solid and a large cutoff on a large cell.
    neighbor_list ok(fcc_primitive(3.57), 6.0);
    CHECK(ok.count(0) > 0);
  }

  TEST_CASE("empty structure and rebuilding reuse") {
    structure empty;
    neighbor_list nl(empty, 5.0);
    CHECK(nl.size() == 0);
    CHECK(nl.pairs() == 0);
    const structure s = fcc_primitive(4.04);
    nl.build(s, neighbor_list_options{6.0});
    CHECK(nl.count(0) == 54);
    nl.build(s, neighbor_list_options{6.0});
    CHECK(nl.count(0) == 54);
    CHECK(nl.max_count() == 54);
  }
}
