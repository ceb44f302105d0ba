// lmp-annp: LAMMPS (the installed liblammps) with pair_style annp registered, for LAMMPS builds
// without the PLUGIN package. Same command line as lmp:
//
//   lmp-annp -in in.lammps            mpirun -np 2 lmp-annp -in in.lammps

#include "pair_annp.h"

#include "force.h"
#include "input.h"
#include "lammps.h"

#include <mpi.h>

namespace {
LAMMPS_NS::Pair* create_annp(LAMMPS_NS::LAMMPS* lmp) { return new LAMMPS_NS::PairANNP(lmp); }
} // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    auto* lmp = new LAMMPS_NS::LAMMPS(argc, argv, MPI_COMM_WORLD);
    (*lmp->force->pair_map)["annp"] = &create_annp;
    lmp->input->file();
    delete lmp;
  }
  MPI_Finalize();
  return 0;
}
