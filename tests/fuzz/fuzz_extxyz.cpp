// libFuzzer target for the extended XYZ reader. Properties checked on every input:
//  - the reader either returns structures or throws annp::error (anything else is a bug);
//  - whatever it returns is valid and round-trips exactly through the writer.
#include <annp/io/extxyz.hpp>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<annp::structure> frames;
  try {
    std::istringstream in(text);
    frames = annp::read_extxyz(in, "fuzz.xyz");
  } catch (const annp::error&) {
    return 0;
  }
  for (const auto& s : frames) s.validate();
  std::ostringstream out;
  try {
    annp::write_extxyz(out, frames);
  } catch (const annp::error&) {
    return 0; // e.g. a string property with spaces: refused on write, by design
  }
  std::istringstream back_in(out.str());
  const auto back = annp::read_extxyz(back_in, "fuzz-roundtrip.xyz");
  if (back.size() != frames.size()) std::abort();
  for (std::size_t k = 0; k < frames.size(); ++k)
    if (!(back[k] == frames[k])) std::abort();
  return 0;
}
