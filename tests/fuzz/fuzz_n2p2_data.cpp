// libFuzzer target for the n2p2 input.data reader: returns structures or throws annp::error;
// what it returns round-trips exactly.
#include <annp/io/n2p2_data.hpp>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<annp::structure> frames;
  try {
    std::istringstream in(text);
    frames = annp::read_n2p2_data(in, "fuzz.data");
  } catch (const annp::error&) {
    return 0;
  }
  std::ostringstream out;
  annp::write_n2p2_data(out, frames);
  std::istringstream back_in(out.str());
  const auto back = annp::read_n2p2_data(back_in, "fuzz-roundtrip.data");
  if (back.size() != frames.size()) std::abort();
  for (std::size_t k = 0; k < frames.size(); ++k)
    if (!(back[k] == frames[k])) std::abort();
  return 0;
}
