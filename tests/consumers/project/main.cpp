// A downstream program: reads a structure, builds a neighbour list, checks the answer.
#include <annp/annp.hpp>

#include <iostream>
#include <sstream>

int main() {
  std::istringstream in("1\nLattice=\"0 2.02 2.02 2.02 0 2.02 2.02 2.02 0\" "
                        "Properties=species:S:1:pos:R:3\nAl 0 0 0\n");
  const auto frames = annp::read_extxyz(in, "inline.xyz");
  const annp::neighbor_list nl(frames.at(0), 6.0);
  std::cout << "fcc Al, 1 atom: " << nl.count(0) << " neighbours within 6 A\n";
  return nl.count(0) == 54 ? 0 : 1;
}
