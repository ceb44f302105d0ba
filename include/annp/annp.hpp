#pragma once
// annp: atomic neural-network potentials. Umbrella header: includes the whole library.

#include <annp/core/atomic_file.hpp>
#include <annp/core/elements.hpp>
#include <annp/core/error.hpp>
#include <annp/core/geometry.hpp>
#include <annp/core/text.hpp>
#include <annp/core/units.hpp>
#include <annp/io/extxyz.hpp>
#include <annp/io/n2p2_data.hpp>
#include <annp/io/structures.hpp>
#include <annp/structure/neighbor_list.hpp>
#include <annp/structure/structure.hpp>
