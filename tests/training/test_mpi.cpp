// MPI data parallelism (annp/training/mpi.hpp): run under mpiexec with 2 and 3 ranks by CTest.
// Every check compares, on every rank, a distributed computation with the same computation done
// by this process alone — they must agree bit for bit — and checks that all ranks agree.
#define DOCTEST_CONFIG_IMPLEMENT
#include <annp/annp.hpp>
#include <annp/training/mpi.hpp>

#include "training/training_support.hpp"

#include <doctest/doctest.h>
#include <mpi.h>

#include <cstring>
#include <vector>

using namespace annp;
using namespace annp::test;

namespace {

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

/// True when every rank holds exactly these values.
bool same_on_all_ranks(std::span<const double> v) {
  std::vector<double> lo(v.begin(), v.end()), hi(v.begin(), v.end());
  MPI_Allreduce(MPI_IN_PLACE, lo.data(), static_cast<int>(lo.size()), MPI_DOUBLE, MPI_MIN,
                MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, hi.data(), static_cast<int>(hi.size()), MPI_DOUBLE, MPI_MAX,
                MPI_COMM_WORLD);
  return same_bits(lo, v) && same_bits(hi, v);
}

std::vector<double> totals(const error_table& t) {
  std::vector<double> out;
  for (const auto& [type, e] : t.by_type())
    for (const auto* s : {&e.energy, &e.force, &e.stress}) {
      out.push_back(static_cast<double>(s->count()));
      if (s->count()) out.push_back(s->rmse());
    }
  return out;
}

} // namespace

TEST_SUITE("training") {
  TEST_CASE("distributed loss, gradients and error tables equal one process's, bit for bit") {
    mpi_distribution dist;
    REQUIRE(dist.size() > 1);
    // 37 structures: 5 groups of 8, shared unevenly between the ranks.
    const auto s = labelled_structures(17, 37);
    const model m = make_test_model(5);
    test_potential pot(m);
    const auto data = scaled_data(pot, s);
    const loss_weights w{1.0, 0.5, 2.0, 1e-4};
    training_objective alone(pot, data, w), shared(pot, data, w);
    shared.distribute(&dist);
    std::vector<double> g1(alone.size()), g2(alone.size());
    const double l1 = alone.value_and_gradient(g1), l2 = shared.value_and_gradient(g2);
    CHECK(std::memcmp(&l1, &l2, sizeof l1) == 0);
    CHECK(same_bits(g1, g2));
    CHECK(same_on_all_ranks(g2));
    CHECK(alone.value() == shared.value());
    // A mini-batch of 19 structures (3 groups).
    std::vector<std::size_t> batch;
    for (std::size_t k = 0; k < 37; k += 2) batch.push_back(k);
    CHECK(alone.value_and_gradient(batch, g1) == shared.value_and_gradient(batch, g2));
    CHECK(same_bits(g1, g2));
    // Error tables: every config_type's counts and RMSEs.
    const auto t1 = totals(alone.errors()), t2 = totals(shared.errors());
    CHECK(same_bits(t1, t2));
    CHECK(same_on_all_ranks(t2));
    // The same tables from the predictions a whole-set evaluation keeps (each rank its groups).
    (void)alone.value();
    (void)shared.value();
    REQUIRE(shared.predictions_kept());
    CHECK(same_bits(totals(shared.errors()), t1));
    CHECK(same_bits(totals(alone.errors()), t1));
  }

  TEST_CASE("a distributed trainer ends with one process's parameters on every rank") {
    mpi_distribution dist;
    const auto s = labelled_structures(23, 29);
    const auto v = labelled_structures(24, 11);
    const model m = make_test_model(9);
    test_potential p1(m), p2(m);
    const auto train = scaled_data(p1, s), validation = scaled_data(p1, v);
    const loss_weights w{1.0, 1.0, 0.0};
    trainer alone(p1, train, optim::lbfgs<>{},
                  {.validation = &validation, .weights = w, .seed = 3});
    trainer shared(p2, train, optim::lbfgs<>{},
                   {.validation = &validation, .weights = w, .seed = 3});
    shared.distribute(&dist);
    alone.run(6);
    shared.run(6);
    CHECK(same_bits(alone.objective().parameters(), shared.objective().parameters()));
    CHECK(same_on_all_ranks(shared.objective().parameters()));
    CHECK(alone.best_epoch() == shared.best_epoch());
    CHECK(same_bits(totals(alone.validation_errors()), totals(shared.validation_errors())));
    // The loss went down: the run did something.
    CHECK(shared.history().back().loss < shared.history().front().loss);
  }
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  doctest::Context context(argc, argv);
  if (rank != 0) context.setOption("out", "/dev/null"); // one report, from rank 0
  int failed = context.run();
  // Every rank's verdict counts.
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return failed;
}
