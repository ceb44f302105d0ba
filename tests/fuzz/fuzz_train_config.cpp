// libFuzzer target for annp-train's configuration reader and its checks. Property checked on
// every input: reading the text and checking every setting either succeeds or throws annp::error
// (a message for the user); anything else - another exception, a crash, undefined behaviour
// under the sanitizers - is a bug.
#include <annp/tools/train_command.hpp>

#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  annp::tools::train_detail::config cfg;
  try {
    std::istringstream in(text);
    cfg.read_stream(in, "fuzz.conf");
    annp::tools::train_detail::check_settings(cfg);
    // What a run reads next: every numeric key, the lists and the flags.
    for (const char* key : {"cutoff", "cutoff_alpha", "learning_rate", "anneal_sigma", "lm_mu"})
      (void)cfg.number(key);
    for (const char* key : {"radial", "angular", "epochs", "seed", "batch_size", "cycles"})
      (void)cfg.count(key);
    (void)cfg.numbers("zetas");
    (void)cfg.flag("resume");
    (void)annp::cutoff_kind_from_name(cfg.str("cutoff_function"));
    (void)annp::activation_from_name(cfg.str("activation"));
  } catch (const annp::error&) {
  }
  return 0;
}
