// libFuzzer target: payload decoding (BCH + parity + whitening, hard and soft decision) of
// arbitrary raw words, and the text/hex payload parsers. A successful decode must re-encode to a
// word that differs from the input in at least `corrected` bits and decodes to the same payload
// with no correction.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const int kBits[] = {7, 15, 30, 31, 63, 64, 100, 127, 128, 255};
  const int bits = kBits[data[0] % 10];
  const int t = data[1] % 4;  // 0 = the default
  try {
    const robusthide::PayloadCode code(bits, t);
    std::vector<uint8_t> raw(static_cast<size_t>(bits));
    for (size_t i = 0; i < raw.size(); ++i) {
      const size_t at = 2 + i / 8;
      raw[i] = at < size ? (data[at] >> (i % 8)) & 1 : 0;
    }
    const auto d = code.decode(raw);
    if (d.decoded) {
      const std::vector<uint8_t> again = code.encode(d.payload);
      int diff = 0;
      for (size_t i = 0; i < raw.size(); ++i) diff += again[i] != raw[i];
      if (diff < d.corrected) __builtin_trap();
      const auto clean = code.decode(again);
      if (!clean.decoded || clean.corrected != 0 || clean.payload != d.payload) __builtin_trap();
    }
    // Soft-decision decoding of the same hard bits with reliabilities from the next bytes:
    // `corrected` must be the number of differences from the hard word over the code's N
    // bits, the bound a probability, and the found codeword must decode cleanly.
    std::vector<float> soft(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      const size_t at = 2 + (raw.size() + 7) / 8 + i;
      const float r = (at < size ? data[at] + 1 : 128) / 512.0f;
      soft[i] = raw[i] ? 0.5f + r : 0.5f - r;
    }
    const auto s = code.decode_soft(soft);
    if (s.decoded) {
      int n = 1;
      while (2 * n + 1 <= bits) n = 2 * n + 1;
      const int used = n + (code.has_parity() ? 1 : 0);
      const std::vector<uint8_t> again = code.encode(s.payload);
      int diff = 0;
      for (int i = 0; i < used; ++i)
        diff += again[static_cast<size_t>(i)] != raw[static_cast<size_t>(i)];
      if (diff != s.corrected) __builtin_trap();
      if (!(s.false_positive > 0 && s.false_positive <= 1)) __builtin_trap();
      std::vector<float> sure(again.size());
      for (size_t i = 0; i < again.size(); ++i) sure[i] = again[i] ? 1.0f : 0.0f;
      const auto clean = code.decode_soft(sure);
      if (!clean.decoded || clean.corrected != 0 || clean.payload != s.payload) __builtin_trap();
    }
    const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
    try {
      robusthide::payload_from_text(text, code.capacity_bits());
    } catch (const robusthide::InvalidArgument&) {
    }
    try {
      const auto p = robusthide::payload_from_hex(text, code.capacity_bits());
      if (p.size() != static_cast<size_t>(code.capacity_bits())) __builtin_trap();
    } catch (const robusthide::InvalidArgument&) {
    }
  } catch (const robusthide::InvalidArgument&) {
  }
  return 0;
}
