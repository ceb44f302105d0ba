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
// Forces: the atoms of each element go in blocks of one SIMD width. A block's atoms are gathered
// once each (one workspace per atom) and their descriptors computed, the engine keeping what the
// derivatives can reuse (the wide groups' moments, the radial legs' slopes, the narrow groups'
// triplet terms); the element's network gives dE/dG for the block; then the contracted derivative
// dE_i/dr_slot of each atom (no Jacobian is stored) goes into a per-pair buffer, from which forces
// and the virial are assembled atom by atom.
//
// A model's short-range baseline (potential/short_range.hpp) is added pair by pair to the same
// energies, pair derivatives and virials, so every host gets it identically.
//
// Hosts that own neighbour lists (LAMMPS, KIM: full lists with ghost atoms) call
// compute(const host_system&, host_result&).
//
// Beside this header: potential/results.hpp (options, results, the host interface),
// pair_list.hpp (pair lists and force assembly), extrapolation.hpp, core_damping.hpp.

#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/parallel.hpp>
#include <annp/descriptors/descriptor_set.hpp>
#include <annp/descriptors/scaling.hpp>
#include <annp/network/network.hpp>
#include <annp/potential/core_damping.hpp>
#include <annp/potential/extrapolation.hpp>
#include <annp/potential/model.hpp>
#include <annp/potential/pair_list.hpp>
#include <annp/potential/results.hpp>
#include <annp/potential/short_range.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/structure/structure.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace annp {

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
    if (c.enabled() && c.reach() > cutoff())
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
    // The neighbour list and working arrays are r's, kept from the previous call into r.
    auto& kept = r.buffers.value;
    kept.neighbours.build(s, neighbor_list_options{cutoff()});
    const auto p = detail::pairs_of(kept.neighbours, s.size());
    std::vector<double>& forces = kept.forces;
    evaluation ev;
    detail::evaluation_buffers& buffers = kept.evaluation;
    try {
      run(p, element.data(), options, ev, options.forces ? &forces : nullptr, buffers);
    } catch (const error& e) {
      throw error(s.source.empty() ? std::string(e.what()) : s.source + ": " + e.what());
    }
    r.energy = ev.energy;
    r.virial = ev.virial;
    r.stress.reset();
    if (options.forces) {
      // A tensor moved out of r keeps its shape but not its storage: check both.
      if (r.forces.shape(0) != s.size() || r.forces.shape(1) != 3 ||
          r.forces.storage().size() != 3 * s.size())
        r.forces = xt::xtensor<double, 2>::from_shape({s.size(), std::size_t{3}});
      std::copy(forces.begin(), forces.end(), r.forces.data()); // every entry
      if (s.fully_periodic()) r.stress = (-1.0 / s.volume()) * ev.virial;
    } else {
      r.forces = xt::xtensor<double, 2>();
    }
    if (options.atomic_energies)
      r.atomic_energies.assign(buffers.atomic.begin(), buffers.atomic.end());
    else
      r.atomic_energies.clear();
    r.atomic_virials.clear();
    if (options.atomic_virials && options.forces)
      for (const auto& w : buffers.centre_virial) r.atomic_virials.push_back(voigt(w));
    r.extrapolated_atoms = ev.extrapolation.atoms;
    r.extrapolated_values = ev.extrapolation.values;
    r.extrapolations = std::move(ev.extrapolation.records);
  }

  /// Host path: particles with ghosts and the host's full neighbour lists.
  void compute(const host_system& h, host_result& r, const compute_options& options = {}) const {
    // Contributing particles become the centres; the pair list is filtered by distance. The
    // working arrays are the result's, kept from the previous call.
    const auto p = detail::host_pairs(h, cutoff(), r.buffers);
    const auto& centre_particle = r.buffers.centre_particle;
    for (std::size_t i = 0; i < h.particles; ++i)
      if (h.element[i] < 0 || static_cast<std::size_t>(h.element[i]) >= element_count())
        throw error("particle " + std::to_string(i) + " has element index " +
                    std::to_string(h.element[i]) + ", which the model does not have");
    evaluation ev;
    run(p, h.element, options, ev, options.forces ? &r.forces : nullptr, r.buffers);
    r.energy = ev.energy;
    r.virial = ev.virial;
    r.atomic_energies.assign(h.particles, 0.0);
    for (std::size_t c = 0; c < centre_particle.size(); ++c)
      r.atomic_energies[centre_particle[c]] = r.buffers.atomic[c];
    if (options.atomic_virials && options.forces) {
      r.atomic_virials.assign(h.particles, std::array<double, 6>{});
      for (std::size_t c = 0; c < centre_particle.size(); ++c)
        r.atomic_virials[centre_particle[c]] = voigt(r.buffers.centre_virial[c]);
    } else {
      r.atomic_virials.clear();
    }
    r.extrapolated_atoms = ev.extrapolation.atoms;
    r.extrapolated_values = ev.extrapolation.values;
    r.extrapolations = std::move(ev.extrapolation.records);
    for (auto& rec : r.extrapolations) rec.atom = centre_particle[rec.atom];
  }

 private:
  // Totals of one evaluation; the per-centre energies and virials stay in the buffers.
  struct evaluation {
    double energy = 0.0;
    mat3 virial{};
    detail::extrapolation_log extrapolation;
  };

  static std::array<double, 6> voigt(const mat3& w) noexcept {
    return {w[0][0], w[1][1], w[2][2], w[1][2], w[0][2], w[0][1]};
  }

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
  void gather(typename engine_type::workspace& ws, const detail::pair_list& p, const int* element,
              std::size_t c, std::vector<int>& ne) const {
    const std::size_t b = p.offsets[c], n = p.offsets[c + 1] - b;
    ne.resize(n);
    for (std::size_t k = 0; k < n; ++k) ne[k] = element[p.target[b + k]];
    const auto e = static_cast<std::size_t>(element[p.particle(c)]);
    engine().gather(ws, e, n, p.dx + b, p.dy + b, p.dz + b, p.r + b, ne.data());
  }

  // Atoms of one element per block of an evaluation: each block's atoms are gathered once, run
  // through the descriptors (values; what the derivatives reuse kept), through the network
  // together, and then through the contracted derivatives on the same gathered neighbourhoods.
  // One SIMD width of atoms: blocks of a full network tile (16 on AVX-512) measured no faster
  // and keep twice the workspaces warm (docs/performance.md).
  static constexpr std::size_t fused_block = simd::width;

  // One thread's scratch of an evaluation: the gathered neighbourhoods of a block, the network's
  // working arrays and the block's descriptors. Kept per thread between calls (OpenMP's threads
  // persist), like buf's arrays, so that an evaluation of a small system (an MD step, a call
  // from Python) does not allocate and page-fault its working set in again every time. Every
  // use starts with gather(), which forgets what the last centre kept.
  struct thread_scratch {
    std::vector<typename engine_type::workspace> ws;
    network_workspace nws;
    std::vector<double> G, dEdG, out;
    std::vector<int> nel;
    std::vector<detail::core_slope_entry> core_slope;
  };

  void run(const detail::pair_list& p, const int* element, const compute_options& options,
           evaluation& ev, std::vector<double>* forces, detail::evaluation_buffers& buf) const {
    const std::size_t nc = p.centres, ne = element_count();
    // The centres of each element, in blocks of fused_block. Every array below is buf's:
    // resized, its capacity kept between calls.
    auto& members = buf.members;
    members.resize(ne);
    for (auto& m : members) m.clear();
    for (std::size_t c = 0; c < nc; ++c)
      members[static_cast<std::size_t>(element[p.particle(c)])].push_back(c);
    auto& blocks = buf.blocks;
    blocks.clear();
    for (std::size_t e = 0; e < ne; ++e)
      for (std::size_t a0 = 0; a0 < members[e].size(); a0 += fused_block) blocks.push_back({e, a0});
    auto& bad = buf.bad;
    bad.assign(nc, 0);
    auto& atomic = buf.atomic;
    atomic.resize(nc);
    // Short-range core: the network's interaction energy damped by (1 - lambda), pair terms added.
    auto& lambda = buf.lambda; // empty: no core
    auto& excess = buf.excess;
    lambda.clear();
    excess.clear();
    std::vector<double> free_atom;
    if (m_core.enabled()) {
      free_atom = free_atom_energies();
      lambda.assign(nc, 0.0);
      excess.assign(nc, 0.0);
    }
    auto& pf = buf.pf;
    auto& centre_virial = buf.centre_virial;
    if (forces) {
      pf.assign(3 * p.offsets[nc], 0.0);
      centre_virial.resize(nc);
    }
    const auto nblocks = static_cast<std::ptrdiff_t>(blocks.size());
    ANNP_OMP("omp parallel")
    {
      static thread_local thread_scratch scratch;
      if (scratch.ws.size() < fused_block) scratch.ws.resize(fused_block);
      // (References, not a structured binding: Clang's OpenMP cannot capture those.)
      auto& ws = scratch.ws;
      auto& nws = scratch.nws;
      auto& G = scratch.G;
      auto& dEdG = scratch.dEdG;
      auto& out = scratch.out;
      auto& nel = scratch.nel;
      auto& core_slope = scratch.core_slope;
      ANNP_OMP("omp for schedule(dynamic, 1)")
      for (std::ptrdiff_t bi = 0; bi < nblocks; ++bi) {
        const auto [e, a0] = blocks[static_cast<std::size_t>(bi)];
        const std::size_t n = std::min(fused_block, members[e].size() - a0), nf = engine().size(e);
        const std::size_t* centre = members[e].data() + a0;
        G.resize(n * nf);
        out.resize(n);
        // Descriptor values (scaled).
        for (std::size_t a = 0; a < n; ++a) {
          const std::size_t c = centre[a];
          gather(ws[a], p, element, c, nel);
          double* g = G.data() + a * nf;
          engine().compute_values(ws[a], e, g, forces != nullptr);
          for (std::size_t m = 0; m < nf; ++m)
            if (m_scaling.outside(e, m, g[m])) ++bad[c];
          if (bad[c] > 0)
            detail::record_extrapolation(ev.extrapolation, c, e, g, nf, m_scaling, options);
          m_scaling.apply(e, g);
        }
        // The element's network on the block.
        if (forces) {
          dEdG.resize(n * nf);
          m_networks[e].energies_and_input_gradients(nws, G.data(), n, nf, out.data(), dEdG.data(),
                                                     nf);
        } else {
          m_networks[e].energies(nws, G.data(), n, nf, out.data());
        }
        for (std::size_t a = 0; a < n; ++a) {
          const std::size_t c = centre[a];
          atomic[c] = m_energy_scale * out[a] + m_atomic_energies[e];
          if (!lambda.empty()) {
            double pair = 0.0;
            lambda[c] = detail::core_lambda(m_core, elements(), p, element, c, pair, nullptr);
            excess[c] = atomic[c] - free_atom[e];
            atomic[c] = free_atom[e] + (1.0 - lambda[c]) * excess[c] + pair;
          }
        }
        if (!forces) continue;
        // dE/dG (raw descriptors) = energy_scale * dNN/dG_scaled * scaling factor (* (1 - lambda)),
        // then dE_c/d(r_entry) for every pair entry, and per-centre virials.
        const auto& f = m_scaling.factors(e);
        for (std::size_t a = 0; a < n; ++a) {
          const std::size_t c = centre[a];
          const double damp = lambda.empty() ? 1.0 : 1.0 - lambda[c];
          double* w = dEdG.data() + a * nf;
          for (std::size_t m = 0; m < nf; ++m) w[m] *= damp * m_energy_scale * f[m];
          engine().compute_contracted(ws[a], e, w, nullptr);
          const std::size_t b = p.offsets[c];
          mat3 vir{};
          for (auto slot : ws[a].real_slots()) {
            const vec3 d_e =
                ws[a].contracted(slot); // dE_c / d r_slot; the neighbour's force is -it
            const auto entry = b + static_cast<std::size_t>(ws[a].source(slot));
            pf[3 * entry] = d_e[0];
            pf[3 * entry + 1] = d_e[1];
            pf[3 * entry + 2] = d_e[2];
            const vec3 d{ws[a].x(slot), ws[a].y(slot), ws[a].z(slot)};
            for (std::size_t i = 0; i < 3; ++i)
              for (std::size_t j = 0; j < 3; ++j) vir[i][j] -= d[i] * d_e[j];
          }
          if (!lambda.empty()) {
            // dE_c/d(r_k) += -(E_NN,c - E0) dlambda_c/d(r_k) + 1/2 d(S V)/d(r_k), along the pair.
            double core_pair = 0.0;
            detail::core_lambda(m_core, elements(), p, element, c, core_pair, &core_slope);
            for (const auto& [k, dlam, dpair] : core_slope) {
              const vec3 d{p.dx[k], p.dy[k], p.dz[k]};
              const double slope = (dpair - excess[c] * dlam) / p.r[k];
              for (std::size_t i = 0; i < 3; ++i) {
                pf[3 * k + i] += slope * d[i];
                for (std::size_t j = 0; j < 3; ++j) vir[i][j] -= d[i] * slope * d[j];
              }
            }
          }
          centre_virial[c] = vir;
        }
      }
    }
    detail::finish_extrapolation(ev.extrapolation, bad, p, options);
    ev.energy = 0.0;
    for (double x : atomic) ev.energy += x;
    if (!forces) return;
    detail::assemble_forces(p, pf, *forces, buf);
    ev.virial = mat3{};
    for (const auto& w : centre_virial) ev.virial = ev.virial + w;
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

  Descriptor m_descriptors;
  std::vector<Network> m_networks;
  descriptor_scaling m_scaling;
  std::vector<double> m_atomic_energies;
  double m_energy_scale = 1.0;
  short_range m_core;
  std::vector<std::pair<std::string, std::string>> m_metadata;
};

} // namespace annp
