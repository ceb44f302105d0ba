#pragma once
// The size sentinel of the static/dynamic split: network<dynamic> and a descriptor_set without
// kinds have their extents only at run time (models read from files).

#include <cstddef>
#include <limits>

namespace annp {

/// Size sentinel for extents known only at run time.
inline constexpr std::size_t dynamic = std::numeric_limits<std::size_t>::max();

} // namespace annp
