// libFuzzer target: the PPM/PGM reader of the cmd: codec on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "codecs/pnm.h"
#include "robusthide/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!robusthide::looks_like_pnm(data, size)) return 0;
  try {
    const robusthide::Image image = robusthide::decode_pnm(data, size, "fuzz input");
    // What was read encodes and reads back identically.
    const std::vector<uint8_t> again = robusthide::encode_ppm(image);
    if (robusthide::decode_pnm(again.data(), again.size(), "re-encoded") != image) __builtin_trap();
  } catch (const robusthide::Error&) {
  }
  return 0;
}
