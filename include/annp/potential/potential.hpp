#pragma once
// annp::potential<Descriptor, Network>: energies, forces, virial and stress of a Behler-Parrinello
// potential; the object simulation codes embed.
//
//   using descriptor = annp::descriptor_set<annp::cutoff::cosine, annp::radial_g2<16>,
//                                           annp::angular_narrow<16>>;
//   using net = annp::network<32, annp::dense<20, annp::act::tanh>,
//                                 annp::dense<20, annp::act::tanh>, annp::dense<1,
//                                 annp::act::linear>>;
//   annp::potential<descriptor, net> pot(annp::read_model("al.annp"));
//   auto r = pot.compute(structure);   // r.energy, r.forces, r.stress, r.atomic_energies
//
// Elements are fixed at run time (one network, one descriptor scaling, one reference energy per
// element). The object is immutable after construction; compute() may be called from several
// threads at once. Inside one call the work is threaded over atoms with OpenMP (when enabled) and
// every sum is taken in a fixed order, so results are bit-identical for any number of threads.
//
// Forces: pass 1 computes every atom's descriptors; the networks then give dE/dG per element in
// blocks; pass 2 computes for every atom the contracted derivative dE_i/dr_slot (no Jacobian is
// stored) into a per-pair buffer; forces and the virial are assembled from it atom by atom.
//
// A model's short-range baseline (potential/short_range.hpp) is added pair by pair to the same
// energies, pair derivatives and virials, so every host gets it identically.
//
// Hosts that own neighbour lists (LAMMPS, KIM: full lists with ghost atoms) call
// compute(const host_system&, host_result&).

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/parallel.hpp>
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/model.hpp>
#include <annp/potential/short_range.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/structure/structure.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace annp {

/// What to do when an atom's descriptors leave the range seen in training.
enum class extrapolation_policy {
  count, ///< count them in the result (default)
  warn,  ///< count, and write one line per extrapolating atom to the warning sink
  error  ///< throw annp::error naming the first extrapolating atom and descriptor
};

struct compute_options {
  bool forces = true;           ///< forces (and virial/stress)
  bool atomic_energies = false; ///< per-atom energies in the result
  bool atomic_virials = false;  ///< per-atom virials (6 Voigt components, eV)
  extrapolation_policy extrapolation = extrapolation_policy::count;
  std::size_t max_extrapolation_records = 1000; ///< detailed records kept (counts are exact)
  /// Where warn-policy messages go (default: std::cerr).
  std::function<void(const std::string&)> warning_sink;
};

struct extrapolation_record {
  std::size_t atom = 0;       ///< atom (or particle) index
  std::size_t descriptor = 0; ///< index in the atom's element's descriptor vector
  double value = 0.0, min = 0.0, max = 0.0;
};

struct potential_result {
  double energy = 0.0;                               ///< eV
  xt::xtensor<double, 2> forces;                     ///< {atoms, 3}, eV/Å
  mat3 virial{};                                     ///< sum over pairs of r_ij (x) f_ij, eV
  std::optional<mat3> stress;                        ///< -virial / V, eV/Å³ (periodic structures)
  std::vector<double> atomic_energies;               ///< eV (when requested)
  std::vector<std::array<double, 6>> atomic_virials; ///< xx yy zz yz xz xy, eV (when requested)
  std::size_t extrapolated_atoms = 0;  ///< atoms with at least one descriptor out of range
  std::size_t extrapolated_values = 0; ///< descriptor values out of range
  std::vector<extrapolation_record> extrapolations;
};

/// A host's particles and neighbour lists (LAMMPS, KIM). Particles include ghosts; the first
/// `contributing` particles (or those with a non-zero entry in contributing_mask) are the atoms
/// whose energy counts. Neighbour lists are full lists of particle indices, which may include
/// particles beyond the cutoff (they are filtered by distance).
struct host_system {
  std::size_t particles = 0;
  const double* positions = nullptr; ///< 3 * particles, Å
  const int* element = nullptr;      ///< model element index per particle
  std::size_t contributing = 0;      ///< used when contributing_mask is null
  const int* contributing_mask = nullptr;
  /// neighbours(i, count, list): fills the neighbour list of contributing particle i.
  std::function<void(std::size_t, int&, const int*&)> neighbours;
};

struct host_result {
  double energy = 0.0;
  std::vector<double> forces;                        ///< 3 * particles (ghosts included)
  std::vector<double> atomic_energies;               ///< per particle (0 for non-contributing)
  std::vector<std::array<double, 6>> atomic_virials; ///< per particle (xx yy zz yz xz xy)
  mat3 virial{};
  std::size_t extrapolated_atoms = 0, extrapolated_values = 0;
  std::vector<extrapolation_record> extrapolations;
};

template <class Descriptor, class Network> class potential {
  static_assert(network_type<Network>,
                "annp::potential<Descriptor, Network>: Network must be annp::network<...>");
  static_assert(Network::is_dynamic || Descriptor::is_dynamic ||
                    Network::input_size == Descriptor::size,
                "annp::potential<Descriptor, Network>: the network's input size must equal the "
                "descriptor set's size");

 public:
  using descriptor_type = Descriptor;
  using network_type_t = Network;
  using engine_type = typename Descriptor::engine_type;
  using cutoff_type = typename Descriptor::cutoff_type;

  potential() = default;

  potential(Descriptor descriptors, std::vector<Network> networks, descriptor_scaling scaling,
            std::vector<double> atomic_energies, double energy_scale = 1.0)
      : m_descriptors(std::move(descriptors)), m_networks(std::move(networks)),
        m_scaling(std::move(scaling)), m_atomic_energies(std::move(atomic_energies)),
        m_energy_scale(energy_scale) {
    check();
  }

  /// Builds the potential from model data; throws annp::error saying precisely where the model
  /// does not fit this static type (cutoff kind, descriptor pattern, network shape).
  explicit potential(const model& m) {
    m.validate();
    if (cutoff_kind_of<cutoff_type>() != m.cutoff)
      throw error("model uses the " + std::string(cutoff_kind_name(m.cutoff)) +
                  " cutoff function, but this potential type was compiled for " +
                  std::string(cutoff_type::name));
    m_descriptors = Descriptor(m.elements, m.functions, m.cutoff_alpha, m.spins);
    for (std::size_t e = 0; e < m.elements.size(); ++e) {
      try {
        m_networks.emplace_back(m.networks[e]);
        m_networks.back().require_evaluable();
      } catch (const error& ex) {
        throw error("element " + std::string(symbol(m.elements[e])) + ": " + ex.what());
      }
    }
    m_scaling = m.scaling;
    m_atomic_energies = m.atomic_energies;
    m_energy_scale = m.energy_scale;
    m_core = m.core;
    m_metadata = m.metadata;
    check();
  }

  /// The potential as model data (for model files).
  [[nodiscard]] model to_model() const {
    model m;
    m.elements = elements();
    m.cutoff = cutoff_kind_of<cutoff_type>();
    m.cutoff_alpha = engine().cutoff_alpha();
    for (std::size_t e = 0; e < element_count(); ++e)
      for (const auto& f : engine().functions(e)) m.functions.push_back(f);
    m.spins = engine().spins();
    m.scaling = m_scaling;
    for (const auto& n : m_networks) m.networks.emplace_back(n);
    m.atomic_energies = m_atomic_energies;
    m.energy_scale = m_energy_scale;
    m.core = m_core;
    m.metadata = m_metadata;
    return m;
  }

  [[nodiscard]] const engine_type& engine() const noexcept { return m_descriptors.engine(); }
  [[nodiscard]] const Descriptor& descriptors() const noexcept { return m_descriptors; }
  [[nodiscard]] std::size_t element_count() const noexcept { return m_descriptors.element_count(); }
  [[nodiscard]] const std::vector<int>& elements() const noexcept {
    return m_descriptors.elements();
  }
  [[nodiscard]] int element_index(int z) const noexcept { return engine().element_index(z); }
  /// Interaction range (Å): the largest descriptor cutoff.
  [[nodiscard]] double cutoff() const noexcept { return engine().max_cutoff(); }
  [[nodiscard]] const Network& network(std::size_t e) const noexcept { return m_networks[e]; }
  [[nodiscard]] Network& network(std::size_t e) noexcept { return m_networks[e]; }
  [[nodiscard]] const descriptor_scaling& scaling() const noexcept { return m_scaling; }
  void set_scaling(descriptor_scaling s) {
    m_scaling = std::move(s);
    check();
  }
  [[nodiscard]] const std::vector<double>& atomic_energies() const noexcept {
    return m_atomic_energies;
  }
  void set_atomic_energies(std::vector<double> e) {
    m_atomic_energies = std::move(e);
    check();
  }
  [[nodiscard]] double energy_scale() const noexcept { return m_energy_scale; }
  void set_energy_scale(double s) { m_energy_scale = s; }
  /// The short-range pair baseline (type none when the model has none).
  [[nodiscard]] const short_range& core() const noexcept { return m_core; }
  void set_core(const short_range& c) {
    c.validate();
    if (c.enabled() && c.outer > cutoff())
      throw error("potential: the short-range baseline reaches beyond the descriptor cutoff");
    m_core = c;
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>>& metadata() noexcept {
    return m_metadata;
  }

  /// Energy (and by default forces, virial, stress) of a structure.
  [[nodiscard]] potential_result compute(const structure& s,
                                         const compute_options& options = {}) const {
    potential_result r;
    compute(s, r, options);
    return r;
  }

  void compute(const structure& s, potential_result& r, const compute_options& options = {}) const {
    s.validate();
    const auto element = element_indices(engine(), s);
    neighbor_list nl;
    nl.build(s, neighbor_list_options{cutoff()});
    pairs p{s.size(),       s.size(),       nl.offsets().data(), nl.index().data(),
            nl.dx().data(), nl.dy().data(), nl.dz().data(),      nl.r().data()};
    std::vector<double> forces;
    evaluation ev;
    try {
      run(p, element.data(), options, ev, options.forces ? &forces : nullptr);
    } catch (const error& e) {
      throw error(s.source.empty() ? std::string(e.what()) : s.source + ": " + e.what());
    }
    r.energy = ev.energy;
    r.virial = ev.virial;
    r.stress.reset();
    if (options.forces) {
      r.forces = xt::zeros<double>({s.size(), std::size_t{3}});
      std::copy(forces.begin(), forces.end(), r.forces.data());
      if (s.fully_periodic()) r.stress = (-1.0 / s.volume()) * ev.virial;
    } else {
      r.forces = xt::xtensor<double, 2>();
    }
    r.atomic_energies = options.atomic_energies ? std::move(ev.atomic) : std::vector<double>{};
    r.atomic_virials = options.atomic_virials ? std::move(ev.atomic_virials)
                                              : std::vector<std::array<double, 6>>{};
    r.extrapolated_atoms = ev.extrapolated_atoms;
    r.extrapolated_values = ev.extrapolated_values;
    r.extrapolations = std::move(ev.records);
  }

  /// Host path: particles with ghosts and the host's full neighbour lists.
  void compute(const host_system& h, host_result& r, const compute_options& options = {}) const {
    // Contributing particles become the centres; build the pair list (filtered by distance).
    std::vector<std::size_t> centre_particle;
    for (std::size_t i = 0; i < h.particles; ++i)
      if (h.contributing_mask ? h.contributing_mask[i] != 0 : i < h.contributing)
        centre_particle.push_back(i);
    const double rc = cutoff(), rc2 = rc * rc;
    std::vector<std::size_t> offsets{0};
    std::vector<std::uint32_t> target;
    std::vector<double> dx, dy, dz, dr;
    for (std::size_t c : centre_particle) {
      int count = 0;
      const int* list = nullptr;
      h.neighbours(c, count, list);
      const double* xi = h.positions + 3 * c;
      for (int k = 0; k < count; ++k) {
        const auto j = static_cast<std::size_t>(list[k]);
        if (j == c) continue;
        const double* xj = h.positions + 3 * j;
        const double ex = xj[0] - xi[0], ey = xj[1] - xi[1], ez = xj[2] - xi[2];
        const double d2 = ex * ex + ey * ey + ez * ez;
        if (!(d2 < rc2)) continue;
        target.push_back(static_cast<std::uint32_t>(j));
        dx.push_back(ex);
        dy.push_back(ey);
        dz.push_back(ez);
        dr.push_back(std::sqrt(d2));
      }
      offsets.push_back(target.size());
    }
    pairs p{centre_particle.size(),
            h.particles,
            offsets.data(),
            target.data(),
            dx.data(),
            dy.data(),
            dz.data(),
            dr.data()};
    p.centre_particle = centre_particle.data();
    for (std::size_t i = 0; i < h.particles; ++i)
      if (h.element[i] < 0 || static_cast<std::size_t>(h.element[i]) >= element_count())
        throw error("particle " + std::to_string(i) + " has element index " +
                    std::to_string(h.element[i]) + ", which the model does not have");
    evaluation ev;
    run(p, h.element, options, ev, options.forces ? &r.forces : nullptr);
    r.energy = ev.energy;
    r.virial = ev.virial;
    r.atomic_energies.assign(h.particles, 0.0);
    for (std::size_t c = 0; c < centre_particle.size(); ++c)
      r.atomic_energies[centre_particle[c]] = ev.atomic[c];
    if (options.atomic_virials) {
      r.atomic_virials.assign(h.particles, std::array<double, 6>{});
      for (std::size_t c = 0; c < centre_particle.size(); ++c)
        r.atomic_virials[centre_particle[c]] = ev.atomic_virials[c];
    }
    r.extrapolated_atoms = ev.extrapolated_atoms;
    r.extrapolated_values = ev.extrapolated_values;
    r.extrapolations = std::move(ev.records);
    for (auto& rec : r.extrapolations) rec.atom = centre_particle[rec.atom];
  }

 private:
  // A full pair list: for centre c, entries offsets[c] .. offsets[c+1]-1 with target particle,
  // displacement and distance. Centre c is particle centre_particle[c] (or c when null).
  struct pairs {
    std::size_t centres, particles;
    const std::size_t* offsets;
    const std::uint32_t* target;
    const double *dx, *dy, *dz, *r;
    const std::size_t* centre_particle = nullptr;
    [[nodiscard]] std::size_t particle(std::size_t c) const noexcept {
      return centre_particle ? centre_particle[c] : c;
    }
  };

  struct evaluation {
    double energy = 0.0;
    mat3 virial{};
    std::vector<double> atomic;
    std::vector<std::array<double, 6>> atomic_virials;
    std::size_t extrapolated_atoms = 0, extrapolated_values = 0;
    std::vector<extrapolation_record> records;
  };

  void check() const {
    const std::size_t ne = m_descriptors.element_count();
    if (m_networks.size() != ne)
      throw error("potential: " + std::to_string(m_networks.size()) + " networks for " +
                  std::to_string(ne) + " elements");
    if (m_atomic_energies.size() != ne)
      throw error("potential: " + std::to_string(m_atomic_energies.size()) +
                  " reference energies for " + std::to_string(ne) + " elements");
    if (m_scaling.element_count() != ne)
      throw error("potential: scaling data for " + std::to_string(m_scaling.element_count()) +
                  " elements, expected " + std::to_string(ne));
    for (std::size_t e = 0; e < ne; ++e) {
      if (m_networks[e].input_count() != engine().size(e))
        throw error("potential: the " + std::string(symbol(elements()[e])) + " network takes " +
                    std::to_string(m_networks[e].input_count()) + " inputs, but the element has " +
                    std::to_string(engine().size(e)) + " descriptors");
      if (m_scaling.factors(e).size() != engine().size(e))
        throw error("potential: scaling data of " + std::string(symbol(elements()[e])) +
                    " covers " + std::to_string(m_scaling.factors(e).size()) +
                    " descriptors, expected " + std::to_string(engine().size(e)));
    }
  }

  // Gathers centre c's neighbourhood into ws.
  void gather(typename engine_type::workspace& ws, const pairs& p, const int* element,
              std::size_t c, std::vector<int>& ne) const {
    const std::size_t b = p.offsets[c], n = p.offsets[c + 1] - b;
    ne.resize(n);
    for (std::size_t k = 0; k < n; ++k) ne[k] = element[p.target[b + k]];
    const auto e = static_cast<std::size_t>(element[p.particle(c)]);
    engine().gather(ws, e, n, p.dx + b, p.dy + b, p.dz + b, p.r + b, ne.data());
  }

  void run(const pairs& p, const int* element, const compute_options& options, evaluation& ev,
           std::vector<double>* forces) const {
    const std::size_t nc = p.centres, ne = element_count();
    // Descriptor values (scaled) of every centre, grouped per element for the networks.
    std::vector<std::vector<std::size_t>> members(ne);
    std::vector<std::size_t> row(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      const auto e = static_cast<std::size_t>(element[p.particle(c)]);
      row[c] = members[e].size();
      members[e].push_back(c);
    }
    std::vector<std::vector<double>> G(ne), dEdG(ne), out(ne);
    for (std::size_t e = 0; e < ne; ++e) {
      G[e].resize(members[e].size() * engine().size(e));
      out[e].resize(members[e].size());
      if (forces) dEdG[e].resize(G[e].size());
    }
    std::vector<std::uint32_t> bad(nc, 0);
    const auto snc = static_cast<std::ptrdiff_t>(nc);
    ANNP_OMP("omp parallel")
    {
      typename engine_type::workspace ws;
      std::vector<int> nel;
      ANNP_OMP("omp for schedule(dynamic, 16)")
      for (std::ptrdiff_t ci = 0; ci < snc; ++ci) {
        const auto c = static_cast<std::size_t>(ci);
        const auto e = static_cast<std::size_t>(element[p.particle(c)]);
        gather(ws, p, element, c, nel);
        double* g = G[e].data() + row[c] * engine().size(e);
        engine().compute(ws, e, g, false);
        for (std::size_t m = 0; m < engine().size(e); ++m)
          if (m_scaling.outside(e, m, g[m])) ++bad[c];
        if (bad[c] > 0) record_extrapolation(ev, c, e, g, options);
        m_scaling.apply(e, g);
      }
    }
    finish_extrapolation(ev, bad, p, options);
    // Networks, per element, in blocks of atoms.
    for (std::size_t e = 0; e < ne; ++e) {
      const std::size_t n = members[e].size(), nf = engine().size(e);
      const std::size_t chunk = 256;
      const auto chunks = static_cast<std::ptrdiff_t>((n + chunk - 1) / chunk);
      ANNP_OMP("omp parallel")
      {
        network_workspace ws;
        ANNP_OMP("omp for schedule(static)")
        for (std::ptrdiff_t k = 0; k < chunks; ++k) {
          const std::size_t a0 = static_cast<std::size_t>(k) * chunk, m = std::min(chunk, n - a0);
          if (forces)
            m_networks[e].energies_and_input_gradients(
                ws, G[e].data() + a0 * nf, m, nf, out[e].data() + a0, dEdG[e].data() + a0 * nf, nf);
          else
            m_networks[e].energies(ws, G[e].data() + a0 * nf, m, nf, out[e].data() + a0);
        }
      }
    }
    ev.atomic.resize(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      const auto e = static_cast<std::size_t>(element[p.particle(c)]);
      ev.atomic[c] = m_energy_scale * out[e][row[c]] + m_atomic_energies[e];
    }
    // Short-range core: the network's interaction energy damped by (1 - lambda), pair terms added.
    std::vector<double> lambda, excess;
    if (m_core.enabled()) {
      const auto free_atom = free_atom_energies();
      lambda.assign(nc, 0.0);
      excess.assign(nc, 0.0);
      for (std::size_t c = 0; c < nc; ++c) {
        const auto e = static_cast<std::size_t>(element[p.particle(c)]);
        double pair = 0.0;
        lambda[c] = core_lambda(p, element, c, pair, nullptr);
        excess[c] = ev.atomic[c] - free_atom[e];
        ev.atomic[c] = free_atom[e] + (1.0 - lambda[c]) * excess[c] + pair;
      }
    }
    ev.energy = 0.0;
    for (double x : ev.atomic) ev.energy += x;
    if (!forces) return;

    // dE/dG (raw descriptors) = energy_scale * dNN/dG_scaled * scaling factor (* (1 - lambda)).
    for (std::size_t e = 0; e < ne; ++e) {
      const auto& f = m_scaling.factors(e);
      const std::size_t nf = engine().size(e);
      for (std::size_t a = 0; a < members[e].size(); ++a) {
        const double damp = lambda.empty() ? 1.0 : 1.0 - lambda[members[e][a]];
        for (std::size_t m = 0; m < nf; ++m) dEdG[e][a * nf + m] *= damp * m_energy_scale * f[m];
      }
    }
    // Pass 2: dE_c/d(r_entry) for every pair entry, and per-centre virials.
    const std::size_t npairs = p.offsets[nc];
    std::vector<double> pf(3 * npairs, 0.0);
    ev.atomic_virials.assign(nc, std::array<double, 6>{});
    std::vector<mat3> centre_virial(nc);
    ANNP_OMP("omp parallel")
    {
      typename engine_type::workspace ws;
      std::vector<int> nel;
      std::vector<double> g;
      std::vector<core_slope_entry> core_slope;
      double core_pair = 0.0;
      ANNP_OMP("omp for schedule(dynamic, 16)")
      for (std::ptrdiff_t ci = 0; ci < snc; ++ci) {
        const auto c = static_cast<std::size_t>(ci);
        const auto e = static_cast<std::size_t>(element[p.particle(c)]);
        gather(ws, p, element, c, nel);
        g.resize(engine().size(e));
        engine().compute_contracted(ws, e, dEdG[e].data() + row[c] * engine().size(e), g.data());
        const std::size_t b = p.offsets[c];
        mat3 w{};
        for (auto slot : ws.real_slots()) {
          const vec3 f = ws.contracted(slot); // dE_c / d r_slot; the force on the neighbour is -f
          const auto entry = b + static_cast<std::size_t>(ws.source(slot));
          pf[3 * entry] = f[0];
          pf[3 * entry + 1] = f[1];
          pf[3 * entry + 2] = f[2];
          const vec3 d{ws.x(slot), ws.y(slot), ws.z(slot)};
          for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 3; ++j) w[i][j] -= d[i] * f[j];
        }
        if (!lambda.empty()) {
          // dE_c/d(r_k) += -(E_NN,c - E0) dlambda_c/d(r_k) + 1/2 d(S V)/d(r_k), along the pair.
          core_lambda(p, element, c, core_pair, &core_slope);
          for (const auto& [k, dlam, dpair] : core_slope) {
            const vec3 d{p.dx[k], p.dy[k], p.dz[k]};
            const double slope = (dpair - excess[c] * dlam) / p.r[k];
            for (std::size_t i = 0; i < 3; ++i) {
              pf[3 * k + i] += slope * d[i];
              for (std::size_t j = 0; j < 3; ++j) w[i][j] -= d[i] * slope * d[j];
            }
          }
        }
        centre_virial[c] = w;
        ev.atomic_virials[c] = {w[0][0], w[1][1], w[2][2], w[1][2], w[0][2], w[0][1]};
      }
    }
    // Forces: every particle sums, in a fixed order, +f of its own entries (as a centre) and -f of
    // the entries that point at it (as a neighbour). Incoming entries come from a transposed list.
    const std::size_t np = p.particles;
    std::vector<std::size_t> in_offset(np + 1, 0);
    for (std::size_t k = 0; k < npairs; ++k) ++in_offset[p.target[k] + 1];
    for (std::size_t i = 0; i < np; ++i) in_offset[i + 1] += in_offset[i];
    std::vector<std::size_t> incoming(npairs), fill(in_offset.begin(), in_offset.end() - 1);
    for (std::size_t k = 0; k < npairs; ++k) incoming[fill[p.target[k]]++] = k;
    std::vector<std::ptrdiff_t> centre_of(np, -1);
    for (std::size_t c = 0; c < nc; ++c) centre_of[p.particle(c)] = static_cast<std::ptrdiff_t>(c);
    forces->assign(3 * np, 0.0);
    const auto snp = static_cast<std::ptrdiff_t>(np);
    ANNP_OMP("omp parallel for schedule(static)")
    for (std::ptrdiff_t ii = 0; ii < snp; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      double f[3] = {0.0, 0.0, 0.0};
      if (centre_of[i] >= 0) {
        const auto c = static_cast<std::size_t>(centre_of[i]);
        for (std::size_t k = p.offsets[c]; k < p.offsets[c + 1]; ++k)
          for (std::size_t d = 0; d < 3; ++d) f[d] += pf[3 * k + d];
      }
      for (std::size_t q = in_offset[i]; q < in_offset[i + 1]; ++q) {
        const std::size_t k = incoming[q];
        for (std::size_t d = 0; d < 3; ++d) f[d] -= pf[3 * k + d];
      }
      for (std::size_t d = 0; d < 3; ++d) (*forces)[3 * i + d] = f[d];
    }
    ev.virial = mat3{};
    for (const auto& w : centre_virial) ev.virial = ev.virial + w;
  }

  // One pair entry of a centre inside the core's outer radius: dlambda/dr and the centre's half
  // of d(S V)/dr.
  struct core_slope_entry {
    std::size_t entry;
    double dlambda, dpair;
  };

  // lambda_c = 1 - prod_k (1 - S(r_k)) of centre c, and the centre's half of its pair terms
  // (in pair); with slopes, the derivatives of both for every entry inside the outer radius.
  double core_lambda(const pairs& p, const int* element, std::size_t c, double& pair,
                     std::vector<core_slope_entry>* slopes) const {
    const int zc = elements()[static_cast<std::size_t>(element[p.particle(c)])];
    pair = 0.0;
    if (slopes) slopes->clear();
    double keep = 1.0; // prod (1 - S)
    // Products excluding one factor, without division (a factor may be exactly 0).
    thread_local std::vector<double> factor, dswitch;
    factor.clear();
    dswitch.clear();
    for (std::size_t k = p.offsets[c]; k < p.offsets[c + 1]; ++k) {
      if (!(p.r[k] < m_core.outer)) continue;
      double ds = 0.0, dv = 0.0;
      const double sw = m_core.switching(p.r[k], ds);
      pair += 0.5 * m_core.pair(zc, elements()[static_cast<std::size_t>(element[p.target[k]])],
                                p.r[k], dv);
      keep *= 1.0 - sw;
      if (slopes) {
        slopes->push_back({k, 0.0, 0.5 * dv});
        factor.push_back(1.0 - sw);
        dswitch.push_back(ds);
      }
    }
    if (slopes) {
      const std::size_t n = factor.size();
      double before = 1.0;
      for (std::size_t a = 0; a < n; ++a) {
        double after = 1.0;
        for (std::size_t b = a + 1; b < n; ++b) after *= factor[b];
        (*slopes)[a].dlambda = dswitch[a] * before * after;
        before *= factor[a];
      }
    }
    return 1.0 - keep;
  }

  // The energy of an isolated atom of every element: its network at zero descriptors.
  [[nodiscard]] std::vector<double> free_atom_energies() const {
    std::vector<double> out(element_count());
    network_workspace ws;
    for (std::size_t e = 0; e < element_count(); ++e) {
      std::vector<double> g(engine().size(e), 0.0);
      m_scaling.apply(e, g.data());
      double nn = 0.0;
      m_networks[e].energies(ws, g.data(), 1, g.size(), &nn);
      out[e] = m_energy_scale * nn + m_atomic_energies[e];
    }
    return out;
  }

  void record_extrapolation(evaluation& ev, std::size_t c, std::size_t e, const double* g,
                            const compute_options& options) const {
    if (options.extrapolation == extrapolation_policy::count &&
        options.max_extrapolation_records == 0)
      return;
    std::vector<extrapolation_record> local;
    const auto& st = m_scaling.stats(e);
    for (std::size_t m = 0; m < engine().size(e); ++m)
      if (m_scaling.outside(e, m, g[m])) local.push_back({c, m, g[m], st.min[m], st.max[m]});
    ANNP_OMP("omp critical(annp_extrapolation)")
    ev.records.insert(ev.records.end(), local.begin(), local.end());
  }

  void finish_extrapolation(evaluation& ev, const std::vector<std::uint32_t>& bad, const pairs& p,
                            const compute_options& options) const {
    ev.extrapolated_atoms = 0;
    ev.extrapolated_values = 0;
    for (auto b : bad) {
      ev.extrapolated_atoms += b > 0 ? 1 : 0;
      ev.extrapolated_values += b;
    }
    // Threads appended records in any order: sort for determinism, then cap.
    std::sort(ev.records.begin(), ev.records.end(), [](const auto& a, const auto& b) {
      return a.atom != b.atom ? a.atom < b.atom : a.descriptor < b.descriptor;
    });
    if (ev.records.empty()) return;
    const auto describe = [&](const extrapolation_record& rec) {
      return "atom " + std::to_string(p.particle(rec.atom)) + ": descriptor " +
             std::to_string(rec.descriptor) + " = " + format_double(rec.value) +
             " is outside the training range [" + format_double(rec.min) + ", " +
             format_double(rec.max) + "]";
    };
    if (options.extrapolation == extrapolation_policy::error)
      throw error("extrapolation: " + describe(ev.records.front()) + " (" +
                  std::to_string(ev.extrapolated_values) + " values of " +
                  std::to_string(ev.extrapolated_atoms) + " atoms are out of range)");
    if (options.extrapolation == extrapolation_policy::warn) {
      for (const auto& rec : ev.records) {
        const std::string line = "annp: extrapolation warning: " + describe(rec);
        if (options.warning_sink)
          options.warning_sink(line);
        else
          std::cerr << line << '\n';
      }
    }
    if (ev.records.size() > options.max_extrapolation_records)
      ev.records.resize(options.max_extrapolation_records);
  }

  Descriptor m_descriptors;
  std::vector<Network> m_networks;
  descriptor_scaling m_scaling;
  std::vector<double> m_atomic_energies;
  double m_energy_scale = 1.0;
  short_range m_core;
  std::vector<std::pair<std::string, std::string>> m_metadata;
};

} // namespace annp
