// Registers pair_style annp with LAMMPS builds that have the PLUGIN package (LAMMPS >= 2021):
//
//   plugin load libannp_lammps_plugin.so
//
// Built only where LAMMPS's lammpsplugin.h is available.

#include "pair_annp.h"

#include "lammpsplugin.h"
#include "version.h"

namespace {
LAMMPS_NS::Pair* create_annp(LAMMPS_NS::LAMMPS* lmp) { return new LAMMPS_NS::PairANNP(lmp); }
} // namespace

extern "C" void lammpsplugin_init(void* lmp, void* handle, void* register_plugin) {
  lammpsplugin_t plugin;
  auto register_function = (lammpsplugin_regfunc)register_plugin;
  plugin.version = LAMMPS_VERSION;
  plugin.style = "pair";
  plugin.name = "annp";
  plugin.info = "annp neural-network potential";
  plugin.author = "annp";
  plugin.creator.v1 = (lammpsplugin_factory1*)&create_annp;
  plugin.handle = handle;
  (*register_function)(&plugin, lmp);
}
