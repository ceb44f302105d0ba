// pair_style annp: an annp model in LAMMPS, natively.
//
//   pair_style annp [warn N] [stop N] [mean]
//   pair_coeff * * al.annp Al            (one element symbol per atom type; NULL: not modelled)
//   pair_coeff * * m1.annp,m2.annp,m3.annp Al     (a committee: MD with m1, deviation of all;
//                                                  with pair_style annp mean: MD with the mean)
//
// Extrapolation guard: every step the style counts the atoms with a descriptor outside the
// training range; `warn N` (default 10) prints at most N warnings (step, count, then a note
// that further ones are suppressed, as n2p2's pair_style hdnnp does), `stop N` (default 0:
// never) stops the run when N or more atoms extrapolate in one step. With
// `fix ID all property/atom d_extrapolation` each atom's count of out-of-range descriptor values
// is written there (dump it). Non-finite positions or results stop the run with the atom named.
// `compute ID all pair annp` gives c_ID[1] = extrapolating atoms this step, and for a committee
// c_ID[2] and c_ID[3] (below).
//
// Committee: the first model drives the dynamics — or, with `mean`, the members' mean (energy,
// forces, virial, per-atom energies and virials: a bagged model; each step then costs the
// members' sum, as it does for the deviation anyway); every step all members are evaluated and
// the per-atom force deviation (|sample standard deviation vector of the members' forces|, eV/Å,
// as annp-predict's force_dev) is written into the per-atom property d_force_dev when the input
// defines it (fix ID all property/atom d_force_dev), so it can be dumped; `compute ID all pair
// annp` gives c_ID[2] = the largest deviation over all atoms and c_ID[3] = the standard deviation
// of the members' total energies (eV), for thermo output or fix halt (stop on a threshold).
//
// Thin adaptor around annp::any_potential (the model sits behind one pointer). Many-body, one
// pair_coeff * * line, units metal (Å, eV). Neighbour lists: the style builds the full
// neighbourhood of every owned atom over owned and ghost atoms itself (binning), within the
// cutoff plus LAMMPS's skin, on the steps where LAMMPS re-neighbours, and reuses it until the
// next (as LAMMPS's own lists are reused), so it needs no LAMMPS neighbour request. (A full-list
// request cannot be made through the headers Debian's LAMMPS installs: its request flags live in
// neigh_request.h, which liblammps-dev does not ship.) newton_pair on: forces on ghosts are
// reverse- communicated by LAMMPS; newton_pair off: by the style (comm->reverse_comm_pair). The
// virial is the model's sum over pairs (no f.r over ghosts); per-atom energies and virials are
// provided (compute pe/atom, stress/atom).
//
// Use: copy pair_annp.h and pair_annp.cpp into LAMMPS's src/ (with the annp headers on the
// include path, C++20), or load pair_annp_plugin.cpp as a plugin (LAMMPS with PLUGIN), or
// register it in a host program (integrations/lammps/lmp_annp.cpp).

#ifdef PAIR_CLASS
// clang-format off
PairStyle(annp,PairANNP);
// clang-format on
#else

#ifndef LMP_PAIR_ANNP_H
#define LMP_PAIR_ANNP_H

#include "pair.h"

#include <memory>
#include <string>
#include <vector>

namespace annp {
class any_potential;
struct host_result;
struct compute_options;
} // namespace annp

namespace LAMMPS_NS {

class PairANNP : public Pair {
 public:
  explicit PairANNP(class LAMMPS*);
  ~PairANNP() override;
  void compute(int, int) override;
  void settings(int, char**) override;
  void coeff(int, char**) override;
  void init_style() override;
  double init_one(int, int) override;
  int pack_reverse_comm(int, int, double*) override;
  void unpack_reverse_comm(int, int*, double*) override;

 private:
  void build_neighbours(int nlocal, int nall, double range);
  void committee_deviation(int nlocal, int nall, const void* system,
                           const annp::compute_options& options);

  std::unique_ptr<annp::any_potential> model_;
  std::unique_ptr<annp::host_result> result_;
  std::unique_ptr<annp::host_result> member_result_; // committee members, one after another
  std::vector<annp::any_potential> members_; // committee members after the first (may be empty)
  std::vector<double> member_forces_;        // per particle: 3 components x committee size
  bool reverse_members_ = false;             // what pack/unpack_reverse_comm carry
  bool mean_ = false;                        // the committee's mean drives the dynamics
  void extrapolation_guard(int nlocal);
  long warn_limit_ = 10, warnings_ = 0, stop_atoms_ = 0;
  std::vector<int> element_of_type_; // per LAMMPS type (1-based), model element or -1
  std::vector<int> element_;         // per particle
  // Per step, kept for their capacity: the model's element per particle (non-modelled: 0) and
  // which particles are centres.
  std::vector<int> model_element_, contributing_;
  std::vector<int> offsets_, neighbours_, bin_of_, bin_head_, bin_next_;
  int listed_local_ = -1, listed_all_ = -1; // particles when the candidates were found
  double cutoff_ = 0.0;
  bool allocated_ = false;
};

} // namespace LAMMPS_NS

#endif
#endif
