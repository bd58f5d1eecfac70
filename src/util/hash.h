// The project's one non-cryptographic hash and one seeded bit stream: FNV-1a 64 (archive
// checksums, per-attack seeds) and SplitMix64 (evaluation messages, payload whitening).
// Both are fixed forever: files and reported figures depend on their exact values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace robusthide::detail {

// FNV-1a's 64-bit offset basis.
constexpr uint64_t kFnv64Basis = 0xcbf29ce484222325ULL;

// FNV-1a 64 of `size` bytes, from `basis` (the archive format has its own: archive.cpp).
inline uint64_t fnv1a64(const void* data, size_t size, uint64_t basis = kFnv64Basis) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = basis;
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}
inline uint64_t fnv1a64(std::string_view s) { return fnv1a64(s.data(), s.size()); }

// SplitMix64 (Steele, Lea & Flood 2014): advances `state` and returns the next value.
inline uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// One SplitMix64 step from x: a 64-bit mixing function.
inline uint64_t splitmix64_mix(uint64_t x) { return splitmix64_next(x); }

}  // namespace robusthide::detail
