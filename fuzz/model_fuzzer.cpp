// libFuzzer target: loading model files (load_model) and training checkpoints from
// arbitrary bytes. Both go through a file, as users hand them over.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "train/checkpoint.h"

namespace {

const std::string& scratch_file() {
  static const std::string path = "/tmp/robusthide-model-fuzz-" + std::to_string(::getpid()) + ".pt";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = scratch_file();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const robusthide::Model m = robusthide::load_model(path);
    if (!robusthide::has_finite_weights(m)) __builtin_trap();
  } catch (const robusthide::Error&) {
  }
  try {
    const robusthide::Checkpoint c(path);
  } catch (const robusthide::Error&) {
  }
  return 0;
}
