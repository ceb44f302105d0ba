#pragma once
// Feed-forward networks: dense layers with activation policies.
//
//   using net = annp::network<24, annp::dense<20, annp::act::tanh>,
//                                 annp::dense<20, annp::act::tanh>,
//                                 annp::dense<1, annp::act::linear>>;
//   static_assert(net::input_size == 24 && net::parameter_count == 941);
//   annp::network<annp::dynamic> d({{24, 20, tanh}, {20, 20, tanh}, {20, 1, linear}});
//
// Layer sizes and activations are part of the static type (checked by concepts: a layer needs at
// least one neuron and an activation policy); network<dynamic> has the same API with the shape
// chosen at run time (model files). A static network is nothing but a fixed-size array of its
// parameters; its layers are a compile-time list walked by a fold (constant sizes and offsets, the
// layer's activation type called directly). Both kinds run one set of algorithms (network_base)
// over their layer objects, so they give identical numbers.
// Every layer evaluates through the kernels instantiated for its own activation policy: in a
// static network that is the layer's Act type itself, so a user-written activation computes
// everywhere (forward, input gradient, parameter gradient, force-training second derivatives)
// and is saved under its own name. A dynamic network gets the built-in policies by name; one
// read from a file with a custom activation cannot be evaluated and says so.
//
// Parameters are one flat vector (what optimisers see): for each layer, W (out x in, row-major),
// then b (out). parameters() is a view of it, not a copy.
//
// Evaluation: a plain per-atom path (evaluate) and a block path over many atoms of one element
// (energies, energies_and_input_gradients, parameter_gradient) built on the SIMD kernels of
// kernels.hpp. Derivatives are exact:
//   dE/dG                          input gradient (forces)
//   dE/dtheta                      energy training
//   d/dtheta [ dE/dG . U ]         force training (U = dG/dr . dL/dF): forward-over-reverse,
//                                  exact, no finite differences
// For a structure's Kalman-filter Jacobian rows use parameter_gradient on its atoms.

#include <annp/core/concepts.hpp>
#include <annp/core/error.hpp>
#include <annp/core/extent.hpp>
#include <annp/core/simd.hpp>
#include <annp/network/activations.hpp>
#include <annp/network/kernels.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace annp {

struct layer_shape {
  std::size_t in = 0, out = 0;
  activation_kind activation{}; ///< linear by default
  friend bool operator==(const layer_shape&, const layer_shape&) = default;
};

/// A dense layer of Out neurons with activation Act (static networks).
template <std::size_t Out, class Act> struct dense {
  static_assert(Out > 0, "annp::dense<Out, Act>: a layer needs at least one neuron (Out > 0)");
  static_assert(activation_function<Act>,
                "annp::dense<Out, Act>: Act must be an activation policy such as "
                "annp::act::tanh (see annp/network/activations.hpp)");
  static_assert(activation_kind::of<Act>().is_listed() || !is_builtin_activation_name(Act::name),
                "annp::dense<Out, Act>: a user-written activation needs a name of its own (not the "
                "name of a built-in activation): models store activations by name");
  static constexpr std::size_t out = Out;
  using activation = Act;
};

template <class L>
concept dense_layer = requires {
  { L::out } -> std::convertible_to<std::size_t>;
  typename L::activation;
}
&&activation_function<typename L::activation> && (L::out > 0);

/// An activation policy's evaluation entry points, instantiated for the policy type: scalar
/// (value, f', f'') and the SIMD block kernel of a dense layer followed by the activation.
struct activation_ops {
  void (*scalar)(double z, double& f, double& d1, double& d2);
  void (*dense)(const double* W, const double* b, std::size_t in, std::size_t out, const double* X,
                std::size_t ldx, double* A, double* D1, double* D2, std::size_t ld, std::size_t nb);
};

template <class Act>
inline constexpr activation_ops activation_ops_of{
    [](double z, double& f, double& d1, double& d2) { Act::evaluate(z, f, d1, d2); },
    [](const double* W, const double* b, std::size_t in, std::size_t out, const double* X,
       std::size_t ldx, double* A, double* D1, double* D2, std::size_t ld, std::size_t nb) {
      kernels::dense_forward_activate<Act>(W, b, in, out, X, ldx, A, D1, D2, ld, nb);
    }};

/// Per-thread scratch for the block path (sized on first use, reused after).
class network_workspace {
 public:
  network_workspace() = default;

 private:
  template <class> friend class network_base;
  std::size_t m_nbp = 0;
  std::vector<std::vector<double>> m_a, m_d1, m_d2, m_tz, m_t; // per layer, feature-major
  std::vector<double> m_z, m_adj_a, m_adj_t, m_next_a, m_next_t, m_gz, m_gtz;
};

namespace detail {
/// A layer as the evaluation algorithms see it when its shape and activation are known only at
/// run time (dynamic networks): sizes are values, the activation is reached through its entry
/// points.
struct run_time_layer {
  std::size_t index, in, out, offset;
  const activation_ops* ops;
  void scalar(double z, double& f, double& d1, double& d2) const { ops->scalar(z, f, d1, d2); }
  void dense(const double* W, const double* b, const double* X, std::size_t ldx, double* A,
             double* D1, double* D2, std::size_t ld, std::size_t nb) const {
    ops->dense(W, b, in, out, X, ldx, A, D1, D2, ld, nb);
  }
};

/// A layer of a static network: position, sizes and parameter offset are constants and the
/// activation is the layer's own policy type, called directly (inlined, no indirection).
template <std::size_t Index, std::size_t In, std::size_t Out, std::size_t Offset, class Act>
struct fixed_layer {
  static constexpr std::size_t index = Index, in = In, out = Out, offset = Offset;
  static void scalar(double z, double& f, double& d1, double& d2) { Act::evaluate(z, f, d1, d2); }
  static void dense(const double* W, const double* b, const double* X, std::size_t ldx, double* A,
                    double* D1, double* D2, std::size_t ld, std::size_t nb) {
    kernels::dense_forward_activate<Act>(W, b, In, Out, X, ldx, A, D1, D2, ld, nb);
  }
};
} // namespace detail

/// The network API and its evaluation algorithms, written once for static and dynamic networks.
/// Derived provides: for_layers(fn) and for_layers_reverse(fn) (fn gets one layer object per
/// layer: a detail::fixed_layer or a detail::run_time_layer), shape(l), name(l), params() (the
/// flat parameter span) and layer_count(). With fixed layers every size is a constant and every
/// activation a direct call, so a static network's type is its computation; the arithmetic, and
/// hence every result, is the same for both.
template <class Derived> class network_base {
 public:
  /// Atoms per internal block of the block path.
  static constexpr std::size_t block = 32;

  [[nodiscard]] std::size_t input_count() const noexcept { return self().shape(0).in; }
  [[nodiscard]] std::size_t parameter_size() const noexcept { return self().params().size(); }

  /// All weights and biases as one flat vector (a view, not a copy).
  [[nodiscard]] std::span<double> parameters() noexcept { return self().params(); }
  [[nodiscard]] std::span<const double> parameters() const noexcept { return self().params(); }
  /// W of layer l (out x in, row-major) and b (out), views into parameters().
  [[nodiscard]] std::span<double> weights(std::size_t l) noexcept {
    const auto& s = self().shape(l);
    return parameters().subspan(self().parameter_offset(l), s.in * s.out);
  }
  [[nodiscard]] std::span<const double> weights(std::size_t l) const noexcept {
    const auto& s = self().shape(l);
    return parameters().subspan(self().parameter_offset(l), s.in * s.out);
  }
  [[nodiscard]] std::span<double> bias(std::size_t l) noexcept {
    const auto& s = self().shape(l);
    return parameters().subspan(self().parameter_offset(l) + s.in * s.out, s.out);
  }
  [[nodiscard]] std::span<const double> bias(std::size_t l) const noexcept {
    const auto& s = self().shape(l);
    return parameters().subspan(self().parameter_offset(l) + s.in * s.out, s.out);
  }

  /// "32-20-20-1 tanh tanh linear" style description.
  [[nodiscard]] std::string describe() const {
    std::string s = std::to_string(input_count());
    for (std::size_t l = 0; l < self().layer_count(); ++l)
      s += "-" + std::to_string(self().shape(l).out);
    for (std::size_t l = 0; l < self().layer_count(); ++l) s += " " + self().activation_name(l);
    return s;
  }

  // ---- plain per-atom path -----------------------------------------------------------------

  /// Output for one input vector g.
  [[nodiscard]] double evaluate(const double* g) const {
    std::vector<double> a(g, g + input_count()), next;
    self().for_layers([&](const auto& s) {
      layer_values(s, a, next, nullptr, nullptr);
      a.swap(next);
    });
    return a[0];
  }

  /// Output and input gradient dE/dG (input_count values) for one input vector.
  double evaluate(const double* g, double* dEdG) const {
    const std::size_t L = self().layer_count();
    std::vector<std::vector<double>> a(L + 1), d1(L);
    a[0].assign(g, g + input_count());
    self().for_layers(
        [&](const auto& s) { layer_values(s, a[s.index], a[s.index + 1], &d1[s.index], nullptr); });
    std::vector<double> grad{1.0}, gz;
    self().for_layers_reverse([&](const auto& s) {
      gz.resize(s.out);
      for (std::size_t o = 0; o < s.out; ++o) gz[o] = grad[o] * d1[s.index][o];
      grad.assign(s.in, 0.0);
      const double* W = layer_weights(s);
      for (std::size_t i = 0; i < s.in; ++i) {
        double y = 0.0;
        for (std::size_t o = 0; o < s.out; ++o) y = std::fma(W[o * s.in + i], gz[o], y);
        grad[i] = y;
      }
    });
    std::copy(grad.begin(), grad.end(), dEdG);
    return a.back()[0];
  }

  /// grad += ce dE/dtheta + cf d/dtheta (dE/dG . u) for one input vector (u may be null).
  void parameter_gradient(const double* g, double ce, const double* u, double cf,
                          double* grad) const {
    const std::size_t L = self().layer_count();
    std::vector<std::vector<double>> a(L + 1), d1(L), d2(L), tz(L), t(L + 1);
    a[0].assign(g, g + input_count());
    self().for_layers([&](const auto& s) {
      layer_values(s, a[s.index], a[s.index + 1], &d1[s.index], &d2[s.index]);
    });
    if (u) {
      t[0].assign(u, u + input_count());
      self().for_layers([&](const auto& s) {
        const std::size_t l = s.index;
        const double* W = layer_weights(s);
        tz[l].assign(s.out, 0.0);
        t[l + 1].assign(s.out, 0.0);
        for (std::size_t o = 0; o < s.out; ++o) {
          double z = 0.0;
          for (std::size_t i = 0; i < s.in; ++i) z = std::fma(W[o * s.in + i], t[l][i], z);
          tz[l][o] = z;
          t[l + 1][o] = d1[l][o] * z;
        }
      });
    }
    std::vector<double> adj_a{ce}, adj_t{u ? cf : 0.0};
    self().for_layers_reverse([&](const auto& s) {
      const std::size_t l = s.index;
      const double* W = layer_weights(s);
      std::vector<double> gz(s.out), gtz(s.out);
      for (std::size_t o = 0; o < s.out; ++o) {
        gtz[o] = adj_t[o] * d1[l][o];
        gz[o] = adj_a[o] * d1[l][o] + (u ? adj_t[o] * tz[l][o] * d2[l][o] : 0.0);
      }
      double* gW = grad + s.offset;
      double* gb = gW + s.in * s.out;
      for (std::size_t o = 0; o < s.out; ++o) {
        gb[o] += gz[o];
        for (std::size_t i = 0; i < s.in; ++i)
          gW[o * s.in + i] += gz[o] * a[l][i] + (u ? gtz[o] * t[l][i] : 0.0);
      }
      if (l == 0) return;
      std::vector<double> na(s.in, 0.0), nt(s.in, 0.0);
      for (std::size_t i = 0; i < s.in; ++i)
        for (std::size_t o = 0; o < s.out; ++o) {
          na[i] = std::fma(W[o * s.in + i], gz[o], na[i]);
          nt[i] = std::fma(W[o * s.in + i], gtz[o], nt[i]);
        }
      adj_a.swap(na);
      adj_t.swap(nt);
    });
  }

  // ---- block path --------------------------------------------------------------------------

  /// Outputs E[a] for n input vectors X[a * ldx + i].
  void energies(network_workspace& ws, const double* X, std::size_t n, std::size_t ldx,
                double* E) const {
    for (std::size_t a0 = 0; a0 < n; a0 += block) {
      const std::size_t nb = std::min(block, n - a0);
      forward_block(ws, X + a0 * ldx, nb, ldx, false, false);
      const double* out = ws.m_a.back().data();
      std::copy(out, out + nb, E + a0);
    }
  }

  /// Outputs and input gradients dEdG[a * ldd + i].
  void energies_and_input_gradients(network_workspace& ws, const double* X, std::size_t n,
                                    std::size_t ldx, double* E, double* dEdG,
                                    std::size_t ldd) const {
    for (std::size_t a0 = 0; a0 < n; a0 += block) {
      const std::size_t nb = std::min(block, n - a0);
      forward_block(ws, X + a0 * ldx, nb, ldx, true, false);
      const double* out = ws.m_a.back().data();
      if (E) std::copy(out, out + nb, E + a0);
      // Back-propagate d(output)/d(a_l): start with 1 at the output.
      const std::size_t nbp = ws.m_nbp;
      std::vector<double>& adj = ws.m_adj_a;
      adj.assign(nbp, 1.0);
      self().for_layers_reverse([&](const auto& s) {
        ws.m_gz.resize(s.out * nbp);
        for (std::size_t k = 0; k < s.out * nbp; ++k) ws.m_gz[k] = adj[k] * ws.m_d1[s.index][k];
        ws.m_next_a.resize(s.in * nbp);
        kernels::dense_backward(layer_weights(s), s.in, s.out, ws.m_gz.data(), nbp,
                                ws.m_next_a.data(), nbp, nbp);
        adj.swap(ws.m_next_a);
      });
      for (std::size_t a = 0; a < nb; ++a)
        for (std::size_t i = 0; i < input_count(); ++i) dEdG[(a0 + a) * ldd + i] = adj[i * nbp + a];
    }
  }

  /// grad += sum_a ce[a] dE_a/dtheta + sum_a cf[a] d/dtheta (dE_a/dG . U_a), the block version of
  /// the per-atom parameter_gradient. U[a * ldu + i] and cf may be null (energy terms only);
  /// ce may be null (force terms only).
  void parameter_gradient(network_workspace& ws, const double* X, std::size_t n, std::size_t ldx,
                          const double* ce, const double* U, std::size_t ldu, const double* cf,
                          double* grad) const {
    const bool dir = U != nullptr && cf != nullptr;
    for (std::size_t a0 = 0; a0 < n; a0 += block) {
      const std::size_t nb = std::min(block, n - a0);
      forward_block(ws, X + a0 * ldx, nb, ldx, true, dir);
      const std::size_t nbp = ws.m_nbp;
      if (dir) tangent_block(ws, U + a0 * ldu, nb, ldu);
      ws.m_adj_a.assign(nbp, 0.0);
      ws.m_adj_t.assign(nbp, 0.0);
      for (std::size_t a = 0; a < nb; ++a) {
        if (ce) ws.m_adj_a[a] = ce[a0 + a];
        if (dir) ws.m_adj_t[a] = cf[a0 + a];
      }
      self().for_layers_reverse([&](const auto& s) {
        const std::size_t l = s.index, m = s.out * nbp;
        ws.m_gz.resize(m);
        ws.m_gtz.resize(dir ? m : 0);
        for (std::size_t k = 0; k < m; ++k) {
          double gz = ws.m_adj_a[k] * ws.m_d1[l][k];
          if (dir) {
            ws.m_gtz[k] = ws.m_adj_t[k] * ws.m_d1[l][k];
            gz += ws.m_adj_t[k] * ws.m_tz[l][k] * ws.m_d2[l][k];
          }
          ws.m_gz[k] = gz;
        }
        double* gW = grad + s.offset;
        double* gb = gW + s.in * s.out;
        kernels::dense_outer(ws.m_gz.data(), nbp, ws.m_a[l].data(), nbp, s.in, s.out, nbp, gW, gb);
        if (dir)
          kernels::dense_outer(ws.m_gtz.data(), nbp, ws.m_t[l].data(), nbp, s.in, s.out, nbp, gW,
                               nullptr);
        if (l == 0) return;
        ws.m_next_a.resize(s.in * nbp);
        kernels::dense_backward(layer_weights(s), s.in, s.out, ws.m_gz.data(), nbp,
                                ws.m_next_a.data(), nbp, nbp);
        ws.m_adj_a.swap(ws.m_next_a);
        if (dir) {
          ws.m_next_t.resize(s.in * nbp);
          kernels::dense_backward(layer_weights(s), s.in, s.out, ws.m_gtz.data(), nbp,
                                  ws.m_next_t.data(), nbp, nbp);
          ws.m_adj_t.swap(ws.m_next_t);
        }
      });
    }
  }

 protected:
  network_base() = default;

 private:
  [[nodiscard]] const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
  [[nodiscard]] Derived& self() noexcept { return static_cast<Derived&>(*this); }

  template <class Layer> [[nodiscard]] const double* layer_weights(const Layer& s) const noexcept {
    return self().params().data() + s.offset;
  }

  // One layer on one input vector (per-atom path); d1, d2 receive f' and f'' when non-null.
  template <class Layer>
  void layer_values(const Layer& s, const std::vector<double>& in, std::vector<double>& out,
                    std::vector<double>* d1, std::vector<double>* d2) const {
    const double* W = layer_weights(s);
    const double* b = W + s.in * s.out;
    out.resize(s.out);
    if (d1) d1->resize(s.out);
    if (d2) d2->resize(s.out);
    for (std::size_t o = 0; o < s.out; ++o) {
      double z = b[o];
      for (std::size_t i = 0; i < s.in; ++i) z = std::fma(W[o * s.in + i], in[i], z);
      double f = 0, df = 0, ddf = 0;
      s.scalar(z, f, df, ddf);
      out[o] = f;
      if (d1) (*d1)[o] = df;
      if (d2) (*d2)[o] = ddf;
    }
  }

  void forward_block(network_workspace& ws, const double* X, std::size_t nb, std::size_t ldx,
                     bool derivatives, bool second) const {
    const std::size_t L = self().layer_count();
    const std::size_t nbp = (nb + kernels::tile - 1) / kernels::tile * kernels::tile;
    ws.m_nbp = nbp;
    ws.m_a.resize(L + 1);
    ws.m_d1.resize(L);
    ws.m_d2.resize(L);
    ws.m_a[0].resize(input_count() * nbp);
    kernels::to_feature_major(X, nb, ldx, input_count(), ws.m_a[0].data(), nbp);
    self().for_layers([&](const auto& s) {
      const std::size_t l = s.index;
      ws.m_a[l + 1].resize(s.out * nbp);
      if (derivatives) ws.m_d1[l].resize(s.out * nbp);
      if (second) ws.m_d2[l].resize(s.out * nbp);
      const double* W = layer_weights(s);
      s.dense(W, W + s.in * s.out, ws.m_a[l].data(), nbp, ws.m_a[l + 1].data(),
              derivatives ? ws.m_d1[l].data() : nullptr, second ? ws.m_d2[l].data() : nullptr, nbp,
              nbp);
    });
  }

  // Tangent (forward-mode) sweep along U: t_0 = U, tz_l = W_l t_l, t_{l+1} = f'_l tz_l.
  void tangent_block(network_workspace& ws, const double* U, std::size_t nb,
                     std::size_t ldu) const {
    const std::size_t L = self().layer_count(), nbp = ws.m_nbp;
    ws.m_tz.resize(L);
    ws.m_t.resize(L + 1);
    ws.m_t[0].resize(input_count() * nbp);
    kernels::to_feature_major(U, nb, ldu, input_count(), ws.m_t[0].data(), nbp);
    self().for_layers([&](const auto& s) {
      const std::size_t l = s.index, m = s.out * nbp;
      ws.m_tz[l].resize(m);
      ws.m_t[l + 1].resize(m);
      kernels::dense_forward(layer_weights(s), nullptr, s.in, s.out, ws.m_t[l].data(), nbp,
                             ws.m_tz[l].data(), nbp, nbp);
      for (std::size_t k = 0; k < m; ++k) ws.m_t[l + 1][k] = ws.m_d1[l][k] * ws.m_tz[l][k];
    });
  }
};

namespace detail {
template <std::size_t In, class... Layers> constexpr auto static_shapes() {
  std::array<layer_shape, sizeof...(Layers)> out{};
  std::size_t in = In, k = 0;
  ((out[k++] = layer_shape{in, Layers::out, activation_kind::of<typename Layers::activation>()},
    in = Layers::out),
   ...);
  return out;
}
template <std::size_t In, class... Layers> constexpr auto static_offsets() {
  std::array<std::size_t, sizeof...(Layers)> out{};
  std::size_t offset = 0, k = 0;
  for (const auto& s : static_shapes<In, Layers...>()) {
    out[k++] = offset;
    offset += s.in * s.out + s.out;
  }
  return out;
}
template <std::size_t In, class... Layers> constexpr std::size_t static_parameter_count() {
  std::size_t n = 0;
  for (const auto& s : static_shapes<In, Layers...>()) n += s.in * s.out + s.out;
  return n;
}
template <class... Layers> constexpr std::size_t last_out() {
  std::size_t out = 0;
  ((out = Layers::out), ...);
  return out;
}
} // namespace detail

/// A network with compile-time shape: In inputs, then Layers (dense<Out, Act>...). The layers are
/// a type list evaluated by a compile-time loop (each a detail::fixed_layer: constant sizes, the
/// layer's own activation type called directly) and the parameters are a fixed-size array.
template <std::size_t In, class... Layers>
class network : public network_base<network<In, Layers...>> {
  static_assert(In != dynamic || sizeof...(Layers) == 0,
                "annp::network<annp::dynamic> takes no layer types: give the shape at run time");
  static_assert(In > 0, "annp::network<In, ...>: the input size must be positive");
  static_assert(sizeof...(Layers) > 0, "annp::network<In, Layers...>: give at least one layer");
  static_assert((dense_layer<Layers> && ...),
                "annp::network<In, Layers...>: every layer must be annp::dense<Out, Activation>");
  static_assert(detail::last_out<Layers...>() == 1,
                "annp::network<In, Layers...>: the output layer of an atomic-energy network must "
                "have one neuron (dense<1, ...>)");
  friend class network_base<network>;

 public:
  static constexpr bool is_dynamic = false;
  static constexpr std::size_t input_size = In;
  static constexpr std::size_t output_size = 1;
  static constexpr std::size_t layer_count_v = sizeof...(Layers);
  static constexpr std::size_t parameter_count = detail::static_parameter_count<In, Layers...>();
  static constexpr auto shapes = detail::static_shapes<In, Layers...>();
  static constexpr auto offsets = detail::static_offsets<In, Layers...>();
  /// Each layer's activation entry points (what a dynamic copy of this network evaluates with).
  static constexpr std::array<const activation_ops*, sizeof...(Layers)> activation_table{
      &activation_ops_of<typename Layers::activation>...};

  network() = default;

  /// Copies a network of the same shape (e.g. a dynamic one read from a file); throws
  /// annp::error saying precisely what differs. Activations must match by name: this type's own
  /// policies then compute.
  template <class Other>
  requires(Other::is_dynamic) explicit network(const Other& other) {
    if (other.layers().size() != shapes.size())
      throw error("network shape mismatch: expected " + std::to_string(shapes.size()) +
                  " layers (" + this->describe() + "), got " +
                  std::to_string(other.layers().size()) + " (" + other.describe() + ")");
    for (std::size_t l = 0; l < shapes.size(); ++l) {
      const auto& a = shapes[l];
      const auto& b = other.layers()[l];
      if (a.in != b.in || a.out != b.out)
        throw error("network shape mismatch in layer " + std::to_string(l) + ": expected " +
                    std::to_string(a.in) + " -> " + std::to_string(a.out) + ", got " +
                    std::to_string(b.in) + " -> " + std::to_string(b.out));
      if (a.activation != b.activation || activation_name(l) != other.activation_name(l))
        throw error("network shape mismatch in layer " + std::to_string(l) + ": expected " +
                    "activation " + activation_name(l) + ", got " + other.activation_name(l));
    }
    std::copy(other.parameters().begin(), other.parameters().end(), m_params.begin());
  }

  [[nodiscard]] static constexpr std::size_t layer_count() noexcept { return sizeof...(Layers); }
  [[nodiscard]] static constexpr const auto& layers() noexcept { return shapes; }
  [[nodiscard]] static constexpr std::size_t parameter_offset(std::size_t l) noexcept {
    return offsets[l];
  }
  /// The name of layer l's activation (a built-in name, or a custom activation's own).
  [[nodiscard]] static std::string activation_name(std::size_t l) {
    static constexpr std::array<std::string_view, sizeof...(Layers)> names{
        Layers::activation::name...};
    return std::string(names.at(l));
  }
  /// Every layer's activation is a type of this network: always evaluable.
  [[nodiscard]] static constexpr bool evaluable() noexcept { return true; }
  static constexpr void require_evaluable() noexcept {}

  friend bool operator==(const network& a, const network& b) { return a.m_params == b.m_params; }

 private:
  template <std::size_t I>
  using layer_t =
      detail::fixed_layer<I, shapes[I].in, shapes[I].out, offsets[I],
                          typename std::tuple_element_t<I, std::tuple<Layers...>>::activation>;

  [[nodiscard]] static constexpr const layer_shape& shape(std::size_t l) noexcept {
    return shapes[l];
  }
  [[nodiscard]] std::span<double> params() noexcept { return m_params; }
  [[nodiscard]] std::span<const double> params() const noexcept { return m_params; }

  template <class Fn> static void for_layers(Fn&& fn) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (fn(layer_t<I>{}), ...); }
    (std::make_index_sequence<sizeof...(Layers)>{});
  }
  template <class Fn> static void for_layers_reverse(Fn&& fn) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (fn(layer_t<sizeof...(Layers) - 1 - I>{}), ...);
    }
    (std::make_index_sequence<sizeof...(Layers)>{});
  }

  std::array<double, parameter_count> m_params{};
};

/// A network whose shape is chosen at run time (models loaded from files). It evaluates built-in
/// activations by name; a copy of a static network keeps that network's activation entry points
/// (a custom activation included).
template <> class network<dynamic> : public network_base<network<dynamic>> {
  friend class network_base<network>;

 public:
  static constexpr bool is_dynamic = true;
  static constexpr std::size_t input_size = dynamic;
  static constexpr std::size_t output_size = 1;

  network() = default;

  /// custom_names: for each layer whose activation is activation_kind::unlisted(), its name (layers
  /// with built-in activations may have empty entries; the vector may be empty when none is
  /// custom). Such a network can be stored and compared but not evaluated until a static network
  /// type that names the activation takes it over.
  explicit network(std::vector<layer_shape> layers, std::vector<std::string> custom_names = {})
      : m_layers(std::move(layers)) {
    if (m_layers.empty()) throw error("a network needs at least one layer");
    if (!custom_names.empty() && custom_names.size() != m_layers.size())
      throw error("network: custom activation names must be given per layer");
    m_names.resize(m_layers.size());
    m_ops.assign(m_layers.size(), nullptr);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
      if (!m_layers[l].activation.is_listed()) {
        if (custom_names.empty() || custom_names[l].empty() ||
            is_builtin_activation_name(custom_names[l]) ||
            custom_names[l].find_first_of(" \t\n#") != std::string::npos)
          throw error("network layer " + std::to_string(l) +
                      ": a custom activation needs a name of its own (one word, not a built-in "
                      "activation's name)");
        m_names[l] = custom_names[l];
      } else {
        m_names[l] = std::string(annp::activation_name(m_layers[l].activation));
        m_ops[l] = with_activation(m_layers[l].activation,
                                   [](auto a) { return &activation_ops_of<decltype(a)>; });
      }
    }
    std::size_t offset = 0;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
      const auto& s = m_layers[l];
      if (s.in == 0 || s.out == 0)
        throw error("network layer " + std::to_string(l) + " has a zero size (" +
                    std::to_string(s.in) + " -> " + std::to_string(s.out) + ")");
      if (l > 0 && s.in != m_layers[l - 1].out)
        throw error("network layer " + std::to_string(l) + " takes " + std::to_string(s.in) +
                    " inputs but layer " + std::to_string(l - 1) + " has " +
                    std::to_string(m_layers[l - 1].out) + " neurons");
      m_offset.push_back(offset);
      offset += s.in * s.out + s.out;
    }
    if (m_layers.back().out != 1)
      throw error("the output layer of an atomic-energy network must have 1 neuron, got " +
                  std::to_string(m_layers.back().out));
    m_params.assign(offset, 0.0);
  }

  /// A run-time copy of a static network, keeping its activations' entry points (so a custom
  /// activation evaluates here too) and its parameters.
  template <std::size_t In, class... Layers>
  requires(In != dynamic) explicit network(const network<In, Layers...>& other)
      : network(std::vector<layer_shape>(other.layers().begin(), other.layers().end()),
                {std::string(Layers::activation::name)...}) {
    using source = network<In, Layers...>;
    std::copy(source::activation_table.begin(), source::activation_table.end(), m_ops.begin());
    std::copy(other.parameters().begin(), other.parameters().end(), m_params.begin());
  }

  [[nodiscard]] std::size_t layer_count() const noexcept { return m_layers.size(); }
  [[nodiscard]] const std::vector<layer_shape>& layers() const noexcept { return m_layers; }
  /// Offset of layer l's weights in parameters().
  [[nodiscard]] std::size_t parameter_offset(std::size_t l) const noexcept { return m_offset[l]; }
  /// The name of layer l's activation (a built-in name, or a custom activation's own).
  [[nodiscard]] const std::string& activation_name(std::size_t l) const { return m_names.at(l); }
  /// Whether every layer's activation can be evaluated by this object.
  [[nodiscard]] bool evaluable() const noexcept {
    return std::find(m_ops.begin(), m_ops.end(), nullptr) == m_ops.end();
  }
  /// Throws annp::error naming the first layer whose custom activation this object lacks.
  void require_evaluable() const {
    for (std::size_t l = 0; l < m_ops.size(); ++l)
      if (!m_ops[l])
        throw error("network layer " + std::to_string(l) + " uses the custom activation '" +
                    m_names[l] +
                    "', which only a static network type naming it can evaluate: load the model "
                    "into annp::potential<Descriptor, annp::network<..., annp::dense<N, " +
                    m_names[l] + ">, ...>>");
  }

  friend bool operator==(const network& a, const network& b) {
    return a.m_layers == b.m_layers && a.m_names == b.m_names && a.m_params == b.m_params;
  }

 private:
  [[nodiscard]] const layer_shape& shape(std::size_t l) const noexcept { return m_layers[l]; }
  [[nodiscard]] std::span<double> params() noexcept { return m_params; }
  [[nodiscard]] std::span<const double> params() const noexcept { return m_params; }

  [[nodiscard]] detail::run_time_layer layer(std::size_t l) const {
    if (!m_ops[l]) require_evaluable();
    return {l, m_layers[l].in, m_layers[l].out, m_offset[l], m_ops[l]};
  }
  template <class Fn> void for_layers(Fn&& fn) const {
    for (std::size_t l = 0; l < m_layers.size(); ++l) fn(layer(l));
  }
  template <class Fn> void for_layers_reverse(Fn&& fn) const {
    for (std::size_t l = m_layers.size(); l-- > 0;) fn(layer(l));
  }

  std::vector<layer_shape> m_layers;
  std::vector<std::string> m_names;         ///< activation name per layer
  std::vector<const activation_ops*> m_ops; ///< per layer; null: custom, not available
  std::vector<std::size_t> m_offset;
  std::vector<double> m_params;
};

using dynamic_network = network<dynamic>;

/// What annp::potential, the trainer and the initialisers accept: a static network<In, ...> or
/// network<dynamic>.
template <class N>
concept network_type = requires(const N& n, N& m, std::size_t l) {
  { N::input_size } -> std::convertible_to<std::size_t>;
  { N::is_dynamic } -> std::convertible_to<bool>;
  { n.input_count() } -> std::convertible_to<std::size_t>;
  { n.layer_count() } -> std::convertible_to<std::size_t>;
  { m.parameters() } -> std::convertible_to<std::span<double>>;
  { m.weights(l) } -> std::convertible_to<std::span<double>>;
  { m.bias(l) } -> std::convertible_to<std::span<double>>;
  n.require_evaluable();
};

static_assert(network_type<dynamic_network>);
static_assert(network_type<network<2, dense<3, activation::tanh>, dense<1, activation::linear>>>);

} // namespace annp
