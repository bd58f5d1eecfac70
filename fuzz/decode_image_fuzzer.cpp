// libFuzzer target: decode_image (JPEG, PNG, WebP incl. animations) on arbitrary bytes.
// Any robusthide::Error is an accepted answer; a crash, a sanitizer report, a leak or an
// allocation over -rss_limit_mb is a finding.
#include <cstddef>
#include <cstdint>

#include "robusthide/error.h"
#include "robusthide/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const robusthide::Image image = robusthide::decode_image(data, size, "fuzz input");
    if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
      __builtin_trap();
  } catch (const robusthide::Error&) {
  }
  return 0;
}
