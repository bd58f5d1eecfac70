// libFuzzer target: loading model files (load_model) and training checkpoints from
// arbitrary bytes: robusthide's own container (util/archive.h), the JSON in it and the
// networks built from it. Both go through a file, as users hand them over. (This target
// found that LibTorch's archive reader, used by format 1, crashes on crafted files.)
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "train/checkpoint.h"
#include "util/archive.h"

namespace {

const std::string& scratch_file() {
  static const std::string path =
      "/tmp/robusthide-model-fuzz-" + std::to_string(::getpid()) + ".pt";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The header's size and checksum are made to fit the payload, as a deliberate attacker
  // would, so that mutations reach the entry parser, the JSON and the networks.
  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 32) {
    const uint64_t payload = bytes.size() - 32;
    const uint64_t sum = robusthide::archive_checksum(bytes.data() + 32, payload);
    for (int i = 0; i < 8; ++i) {
      bytes[16 + i] = static_cast<uint8_t>(payload >> (8 * i));
      bytes[24 + i] = static_cast<uint8_t>(sum >> (8 * i));
    }
  }
  const std::string& path = scratch_file();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
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
