// libFuzzer target: the attack/codec spec parser on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "robusthide/error.h"
#include "util/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const robusthide::SpecNode node = robusthide::parse_spec(text);
    // Every accessor on whatever was parsed.
    for (size_t i = 0; i < node.positional_count(); ++i) {
      const std::string* p = node.positional(i);
      if (p == nullptr) __builtin_trap();
      try {
        node.double_param(p, -1e9, 1e9, "value");
      } catch (const robusthide::InvalidArgument&) {
      }
    }
    node.keyed("timeout");
  } catch (const robusthide::InvalidArgument&) {
  }
  return 0;
}
