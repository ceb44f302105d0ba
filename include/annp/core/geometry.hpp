#pragma once
// Small fixed-size geometry: vec3 and mat3 (row-major; for a cell, rows are lattice vectors, as
// in ASE). Plain aggregates with inline arithmetic, usable in hot loops.

#include <array>
#include <cmath>
#include <cstddef>

namespace annp {

struct vec3 {
  double v[3]{};

  constexpr double& operator[](std::size_t i) noexcept { return v[i]; }
  constexpr const double& operator[](std::size_t i) const noexcept { return v[i]; }

  constexpr vec3& operator+=(const vec3& o) noexcept {
    v[0] += o.v[0];
    v[1] += o.v[1];
    v[2] += o.v[2];
    return *this;
  }
  constexpr vec3& operator-=(const vec3& o) noexcept {
    v[0] -= o.v[0];
    v[1] -= o.v[1];
    v[2] -= o.v[2];
    return *this;
  }
  constexpr vec3& operator*=(double s) noexcept {
    v[0] *= s;
    v[1] *= s;
    v[2] *= s;
    return *this;
  }
  friend constexpr bool operator==(const vec3&, const vec3&) = default;
};

constexpr vec3 operator+(vec3 a, const vec3& b) noexcept { return a += b; }
constexpr vec3 operator-(vec3 a, const vec3& b) noexcept { return a -= b; }
constexpr vec3 operator-(const vec3& a) noexcept { return {-a[0], -a[1], -a[2]}; }
constexpr vec3 operator*(double s, vec3 a) noexcept { return a *= s; }
constexpr vec3 operator*(vec3 a, double s) noexcept { return a *= s; }

constexpr double dot(const vec3& a, const vec3& b) noexcept {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
constexpr vec3 cross(const vec3& a, const vec3& b) noexcept {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double norm(const vec3& a) noexcept { return std::sqrt(dot(a, a)); }

/// 3x3 matrix, row-major: m[i][j] is row i, column j.
struct mat3 {
  vec3 r[3]{};

  constexpr vec3& operator[](std::size_t i) noexcept { return r[i]; }
  constexpr const vec3& operator[](std::size_t i) const noexcept { return r[i]; }
  friend constexpr bool operator==(const mat3&, const mat3&) = default;

  static constexpr mat3 identity() noexcept { return {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}; }
};

constexpr double determinant(const mat3& m) noexcept { return dot(m[0], cross(m[1], m[2])); }

constexpr mat3 transpose(const mat3& m) noexcept {
  mat3 t;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) t[i][j] = m[j][i];
  return t;
}

constexpr mat3 operator*(const mat3& a, const mat3& b) noexcept {
  mat3 c;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  return c;
}

constexpr mat3 operator*(double s, mat3 a) noexcept {
  for (auto& row : a.r) row *= s;
  return a;
}

constexpr mat3 operator+(mat3 a, const mat3& b) noexcept {
  for (std::size_t i = 0; i < 3; ++i) a[i] += b[i];
  return a;
}

/// Row vector times matrix: (x^T M)_j = sum_i x_i M_ij. With M = cell, maps fractional to
/// Cartesian coordinates.
constexpr vec3 operator*(const vec3& x, const mat3& m) noexcept {
  return {x[0] * m[0][0] + x[1] * m[1][0] + x[2] * m[2][0],
          x[0] * m[0][1] + x[1] * m[1][1] + x[2] * m[2][1],
          x[0] * m[0][2] + x[1] * m[1][2] + x[2] * m[2][2]};
}

/// Matrix times column vector.
constexpr vec3 operator*(const mat3& m, const vec3& x) noexcept {
  return {dot(m[0], x), dot(m[1], x), dot(m[2], x)};
}

/// Inverse by cofactors; the caller checks that the determinant is not (near) zero.
constexpr mat3 inverse(const mat3& m) noexcept {
  const double inv_det = 1.0 / determinant(m);
  // Columns of the inverse are the cross products of the rows.
  const vec3 c0 = cross(m[1], m[2]);
  const vec3 c1 = cross(m[2], m[0]);
  const vec3 c2 = cross(m[0], m[1]);
  return {{{c0[0] * inv_det, c1[0] * inv_det, c2[0] * inv_det},
           {c0[1] * inv_det, c1[1] * inv_det, c2[1] * inv_det},
           {c0[2] * inv_det, c1[2] * inv_det, c2[2] * inv_det}}};
}

} // namespace annp
