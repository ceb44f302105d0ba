// The annp KIM-API 2 model driver: a portable model built on it carries an annp model file
// (written by annp-train or annp::write_model) as its single parameter file.
//
// - Units: the model works in Å and eV; the driver accepts the units the simulator requests
//   (LAMMPS `kim init <model> metal` or `real`, ...) and converts lengths, energies, forces and
//   virials with KIM's own conversion factors.
// - Neighbours: one full list with cutoff = influence distance = the model's cutoff;
//   neighbours of non-contributing particles are never requested. KIM lists may contain
//   particles beyond the cutoff; the potential filters by distance.
// - Results: energy, forces (set for every particle, ghosts included), per-particle energy,
//   virial and per-particle virial (partialParticleVirial, for LAMMPS compute stress/atom).
//   KIM's virial is minus annp's sum of r_ij (x) f_ij.
// - No exception crosses the KIM boundary: errors are logged (kim.log) with the message of the
//   annp::error and reported as a non-zero return, which the simulator turns into its error.

#include <annp/potential/any_potential.hpp>

#include "KIM_ModelDriverHeaders.hpp"

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct driver_state {
  annp::any_potential potential;
  double cutoff = 0.0; // in the simulator's length unit
  int no_ghost_neighbours = 1;
  double length = 1.0;           // 1 Å in the simulator's length unit
  double energy = 1.0;           // 1 eV in the simulator's energy unit
  std::vector<double> positions; // scratch: positions in Å
  annp::host_result result;
  long warnings = 0; // extrapolation warnings given (at most warning_limit, per process)
};
constexpr long warning_limit = 10;

// Errors go to the KIM log (kim.log) and to standard error, where the simulator's user sees them
// next to the simulator's own message.
template <class Object> void report(Object* object, const std::string& message, int line) {
  object->LogEntry(KIM::LOG_VERBOSITY::error, message, line, __FILE__);
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
}
#define LOG_ENTRY(object, verbosity, message) report((object), (message), __LINE__)

int compute_arguments_create(KIM::ModelCompute const* const,
                             KIM::ModelComputeArgumentsCreate* const a) {
  using namespace KIM::COMPUTE_ARGUMENT_NAME;
  const KIM::SupportStatus optional = KIM::SUPPORT_STATUS::optional;
  return a->SetArgumentSupportStatus(partialEnergy, optional) ||
         a->SetArgumentSupportStatus(partialForces, optional) ||
         a->SetArgumentSupportStatus(partialParticleEnergy, optional) ||
         a->SetArgumentSupportStatus(partialVirial, optional) ||
         a->SetArgumentSupportStatus(partialParticleVirial, optional);
}

int compute_arguments_destroy(KIM::ModelCompute const* const,
                              KIM::ModelComputeArgumentsDestroy* const) {
  return 0;
}

int compute(KIM::ModelCompute const* const model, KIM::ModelComputeArguments const* const args) {
  driver_state* state = nullptr;
  model->GetModelBufferPointer(reinterpret_cast<void**>(&state));
  const int* particles = nullptr;
  const int* species = nullptr;
  const int* contributing = nullptr;
  const double* coords = nullptr;
  double* energy = nullptr;
  double* forces = nullptr;
  double* particle_energy = nullptr;
  double* virial = nullptr;
  double* particle_virial = nullptr;
  using namespace KIM::COMPUTE_ARGUMENT_NAME;
  if (args->GetArgumentPointer(numberOfParticles, &particles) ||
      args->GetArgumentPointer(particleSpeciesCodes, &species) ||
      args->GetArgumentPointer(particleContributing, &contributing) ||
      args->GetArgumentPointer(coordinates, &coords) ||
      args->GetArgumentPointer(partialEnergy, &energy) ||
      args->GetArgumentPointer(partialForces, &forces) ||
      args->GetArgumentPointer(partialParticleEnergy, &particle_energy) ||
      args->GetArgumentPointer(partialVirial, &virial) ||
      args->GetArgumentPointer(partialParticleVirial, &particle_virial)) {
    LOG_ENTRY(args, error, "annp: cannot get the compute arguments");
    return 1;
  }
  try {
    const auto n = static_cast<std::size_t>(*particles);
    state->positions.resize(3 * n);
    for (std::size_t k = 0; k < 3 * n; ++k) {
      state->positions[k] = coords[k] / state->length;
      if (!std::isfinite(state->positions[k])) {
        LOG_ENTRY(args, error,
                  "annp: particle " + std::to_string(k / 3) +
                      " has a non-finite position (the run has blown up)");
        return 1;
      }
    }
    annp::host_system h;
    h.particles = n;
    h.positions = state->positions.data();
    h.element = species; // species codes are the model's element indices
    h.contributing_mask = contributing;
    int failed = 0;
    h.neighbours = [&](std::size_t i, int& count, const int*& list) {
      if (args->GetNeighborList(0, static_cast<int>(i), &count, &list)) {
        failed = 1;
        count = 0;
      }
    };
    annp::compute_options options;
    options.forces = forces || virial || particle_virial;
    options.atomic_energies = particle_energy != nullptr;
    options.atomic_virials = particle_virial != nullptr;
    state->potential.compute(h, state->result, options);
    if (failed) {
      LOG_ENTRY(args, error, "annp: the simulator did not provide a neighbour list");
      return 1;
    }
    const auto& r = state->result;
    if (!std::isfinite(r.energy)) {
      LOG_ENTRY(args, error,
                "annp: non-finite energy (overlapping atoms, or the run has blown up)");
      return 1;
    }
    if (r.extrapolated_atoms > 0 && state->warnings < warning_limit) {
      ++state->warnings;
      const std::string message =
          "annp: " + std::to_string(r.extrapolated_atoms) +
          " atom(s) with descriptors outside the training range (this process)" +
          (state->warnings == warning_limit ? "; further warnings suppressed" : "");
      args->LogEntry(KIM::LOG_VERBOSITY::warning, message, __LINE__, __FILE__);
      std::fprintf(stderr, "WARNING: %s\n", message.c_str());
    }
    const double e = state->energy, f = state->energy / state->length;
    if (energy) *energy = e * r.energy;
    if (forces)
      for (std::size_t k = 0; k < 3 * n; ++k) forces[k] = f * r.forces[k];
    if (particle_energy)
      for (std::size_t i = 0; i < n; ++i) particle_energy[i] = e * r.atomic_energies[i];
    if (virial) {
      // Voigt order xx yy zz yz xz xy; KIM's virial is -sum r (x) f.
      const auto& v = r.virial;
      const double voigt[6] = {v[0][0], v[1][1], v[2][2], v[1][2], v[0][2], v[0][1]};
      for (int k = 0; k < 6; ++k) virial[k] = -e * voigt[k];
    }
    if (particle_virial)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < 6; ++k)
          particle_virial[6 * i + k] = -e * r.atomic_virials[i][k];
    return 0;
  } catch (const std::exception& ex) {
    LOG_ENTRY(args, error, std::string("annp: ") + ex.what());
    return 1;
  }
}

int destroy(KIM::ModelDestroy* const model) {
  driver_state* state = nullptr;
  model->GetModelBufferPointer(reinterpret_cast<void**>(&state));
  delete state;
  return 0;
}

// The KIM API writes the parameter files into a fresh temporary directory for the driver and
// removes it when the model is destroyed; when creation fails it leaves it behind, so the driver
// removes it on every failure (only a directory of the KIM API's own naming).
void remove_parameter_directory(const std::string* dir) {
  if (dir == nullptr ||
      dir->find("kim-shared-library-parameter-file-directory") == std::string::npos)
    return;
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
}

int create_model(KIM::ModelDriverCreate* create, KIM::LengthUnit length_unit,
                 KIM::EnergyUnit energy_unit, const std::string*& dir);

} // namespace

extern "C" int annp_model_driver_create(KIM::ModelDriverCreate* const create,
                                        KIM::LengthUnit const length_unit,
                                        KIM::EnergyUnit const energy_unit, KIM::ChargeUnit const,
                                        KIM::TemperatureUnit const, KIM::TimeUnit const) {
  const std::string* dir = nullptr;
  const int failed = create_model(create, length_unit, energy_unit, dir);
  if (failed) remove_parameter_directory(dir);
  return failed;
}

namespace {

int create_model(KIM::ModelDriverCreate* create, KIM::LengthUnit length_unit,
                 KIM::EnergyUnit energy_unit, const std::string*& dir) {
  try {
    int files = 0;
    create->GetNumberOfParameterFiles(&files);
    if (files != 1) {
      LOG_ENTRY(create, error,
                "annp: expected exactly one parameter file (an annp model), got " +
                    std::to_string(files));
      return 1;
    }
    const std::string* base = nullptr;
    create->GetParameterFileDirectoryName(&dir);
    if (create->GetParameterFileBasename(0, &base) || dir == nullptr) {
      LOG_ENTRY(create, error, "annp: cannot get the parameter file name");
      return 1;
    }
    auto* state = new driver_state;
    try {
      state->potential = annp::any_potential::from_file(*dir + "/" + *base);
    } catch (...) {
      delete state;
      throw;
    }
    // Units: the model's are Å and eV; convert to what the simulator asked for.
    const KIM::LengthUnit A = KIM::LENGTH_UNIT::A;
    const KIM::EnergyUnit eV = KIM::ENERGY_UNIT::eV;
    const KIM::ChargeUnit no_charge = KIM::CHARGE_UNIT::unused;
    const KIM::TemperatureUnit no_temperature = KIM::TEMPERATURE_UNIT::unused;
    const KIM::TimeUnit no_time = KIM::TIME_UNIT::unused;
    if (KIM::ModelDriverCreate::ConvertUnit(A, eV, no_charge, no_temperature, no_time, length_unit,
                                            energy_unit, no_charge, no_temperature, no_time, 1.0,
                                            0.0, 0.0, 0.0, 0.0, &state->length) ||
        KIM::ModelDriverCreate::ConvertUnit(A, eV, no_charge, no_temperature, no_time, length_unit,
                                            energy_unit, no_charge, no_temperature, no_time, 0.0,
                                            1.0, 0.0, 0.0, 0.0, &state->energy)) {
      delete state;
      LOG_ENTRY(create, error, "annp: cannot convert Å and eV to the requested units");
      return 1;
    }
    state->cutoff = state->potential.cutoff() * state->length;
    int error = create->SetUnits(length_unit, energy_unit, no_charge, no_temperature, no_time) ||
                create->SetModelNumbering(KIM::NUMBERING::zeroBased);
    const auto& elements = state->potential.elements();
    for (std::size_t e = 0; e < elements.size() && !error; ++e)
      error = create->SetSpeciesCode(KIM::SpeciesName(std::string(annp::symbol(elements[e]))),
                                     static_cast<int>(e));
    create->SetInfluenceDistancePointer(&state->cutoff);
    create->SetNeighborListPointers(1, &state->cutoff, &state->no_ghost_neighbours);
    using namespace KIM::MODEL_ROUTINE_NAME;
    const KIM::LanguageName cpp = KIM::LANGUAGE_NAME::cpp;
    error =
        error ||
        create->SetRoutinePointer(ComputeArgumentsCreate, cpp, true,
                                  reinterpret_cast<KIM::Function*>(compute_arguments_create)) ||
        create->SetRoutinePointer(Compute, cpp, true, reinterpret_cast<KIM::Function*>(compute)) ||
        create->SetRoutinePointer(ComputeArgumentsDestroy, cpp, true,
                                  reinterpret_cast<KIM::Function*>(compute_arguments_destroy)) ||
        create->SetRoutinePointer(Destroy, cpp, true, reinterpret_cast<KIM::Function*>(destroy));
    if (error) {
      delete state;
      LOG_ENTRY(create, error, "annp: cannot register the model with the KIM API");
      return 1;
    }
    create->SetModelBufferPointer(state);
    return 0;
  } catch (const std::exception& ex) {
    LOG_ENTRY(create, error, std::string("annp: ") + ex.what());
    return 1;
  }
}

} // namespace
