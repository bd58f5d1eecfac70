// PayloadCode (BCH + parity + whitening over a model's raw bits) and payload text forms.
#include <algorithm>
#include <set>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/payload.h"
#include "util/hash.h"

namespace robusthide {
namespace {

int field_degree(int message_bits) {
  if (message_bits < 7) {
    throw InvalidArgument("a payload needs a model of at least 7 message bits, this one has " +
                          std::to_string(message_bits));
  }
  int m = 3;
  while (m < 12 && (1 << (m + 1)) - 1 <= message_bits) ++m;
  return m;
}

int default_t(int m) {
  const int n = (1 << m) - 1;
  int best = 1;
  for (int t = 2; t < n / 2; ++t) {
    try {
      if (2 * BchCode(m, t).k() < n) break;
      best = t;
    } catch (const InvalidArgument&) {
      break;
    }
  }
  return best;
}

// The fixed whitening sequence: SplitMix64 from a constant seed, one bit per draw.
std::vector<uint8_t> whitening(int bits) {
  std::vector<uint8_t> w(static_cast<size_t>(bits));
  uint64_t state = 0x726f627573746869ULL;  // "robusthi"
  for (auto& bit : w) bit = static_cast<uint8_t>(detail::splitmix64_next(state) >> 63);
  return w;
}

void check_raw(const std::vector<uint8_t>& bits, int expected, const char* what) {
  if (bits.size() != static_cast<size_t>(expected)) {
    throw InvalidArgument(std::string(what) + ": expected " + std::to_string(expected) +
                          " bits, got " + std::to_string(bits.size()));
  }
  for (const uint8_t b : bits) {
    if (b > 1) throw InvalidArgument(std::string(what) + ": bits must be 0 or 1");
  }
}

}  // namespace

namespace {
int checked_t(int t) {
  if (t < 0)
    throw InvalidArgument("BCH t must be >= 0 (0 = the default), got " + std::to_string(t));
  return t;
}
}  // namespace

PayloadCode::PayloadCode(int message_bits, int t)
    : bits_((checked_t(t), message_bits)),
      bch_(field_degree(message_bits), t > 0 ? t : default_t(field_degree(message_bits))),
      parity_(message_bits > bch_.n()),
      whitening_(whitening(message_bits)) {}

std::string PayloadCode::name() const {
  return "BCH(" + std::to_string(bch_.n()) + "," + std::to_string(bch_.k()) +
         ",t=" + std::to_string(bch_.t()) + ")" + (parity_ ? "+parity" : "");
}

std::vector<uint8_t> PayloadCode::encode(const std::vector<uint8_t>& payload) const {
  check_raw(payload, bch_.k(), "payload encode");
  std::vector<uint8_t> raw = bch_.encode(payload);
  if (parity_) {
    uint8_t p = 0;
    for (const uint8_t b : raw) p ^= b;
    raw.push_back(p);
  }
  raw.resize(static_cast<size_t>(bits_), 0);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] ^= whitening_[i];
  return raw;
}

PayloadCode::Decoded PayloadCode::decode(const std::vector<uint8_t>& raw) const {
  check_raw(raw, bits_, "payload decode");
  std::vector<uint8_t> word(static_cast<size_t>(bch_.n()));
  for (size_t i = 0; i < word.size(); ++i) word[i] = raw[i] ^ whitening_[i];
  const BchCode::Result r = bch_.decode(word);
  Decoded d;
  if (!r.ok) return d;
  int corrected = r.corrected;
  if (parity_) {
    // The corrected codeword's parity must match the received parity bit; a mismatch is
    // one more error (the parity bit's own, or one beyond t that the extended code sees).
    // Each correction flips one bit, so the codeword's parity is the received word's
    // parity XOR (corrections mod 2).
    uint8_t p = raw[static_cast<size_t>(bch_.n())] ^ whitening_[static_cast<size_t>(bch_.n())];
    for (const uint8_t b : word) p ^= b;
    p ^= static_cast<uint8_t>(r.corrected & 1);
    if (p != 0) {
      if (corrected == bch_.t()) return d;
      ++corrected;
    }
  }
  d.decoded = true;
  d.corrected = corrected;
  d.false_positive = false_positive_probability(corrected);
  d.payload = r.data;
  return d;
}

int PayloadCode::chase_positions() const { return std::min(8, bch_.n() - bch_.k()); }

namespace {

// V(n, d) = sum_{i <= d} C(n, i).
double hamming_volume(int n, int d) {
  double volume = 0, binomial = 1;
  for (int i = 0; i <= d && i <= n; ++i) {
    volume += binomial;
    binomial = binomial * (n - i) / (i + 1);
  }
  return volume;
}

}  // namespace

double PayloadCode::soft_false_positive(const std::vector<int>& differences,
                                        const std::vector<int>& rank) const {
  const int n = bch_.n() + (parity_ ? 1 : 0);
  double best = 1.0;
  for (const int q : {0, chase_positions()}) {
    int outside = 0;
    for (const int i : differences) outside += rank.at(static_cast<size_t>(i)) >= q ? 1 : 0;
    best = std::min(best, std::ldexp(hamming_volume(n - q, outside), bch_.k() + q - n));
  }
  return std::min(1.0, 2.0 * best);
}

PayloadCode::Decoded PayloadCode::decode_soft(const std::vector<float>& raw) const {
  if (raw.size() != static_cast<size_t>(bits_)) {
    throw InvalidArgument("payload decode: expected " + std::to_string(bits_) +
                          " raw values, got " + std::to_string(raw.size()));
  }
  for (const float v : raw) {
    if (!std::isfinite(v)) throw InvalidArgument("payload decode: a raw value is not finite");
  }
  const int n = bch_.n(), total = n + (parity_ ? 1 : 0);
  // The hard word (whitening removed) and the order of increasing reliability over the
  // codeword bits and the parity bit.
  std::vector<uint8_t> hard(static_cast<size_t>(total));
  std::vector<int> order(static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) {
    hard[static_cast<size_t>(i)] = static_cast<uint8_t>(
        (raw[static_cast<size_t>(i)] > 0.5f ? 1 : 0) ^ whitening_[static_cast<size_t>(i)]);
    order[static_cast<size_t>(i)] = i;
  }
  auto reliability = [&](int i) { return std::fabs(raw[static_cast<size_t>(i)] - 0.5f); };
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return reliability(a) < reliability(b); });
  std::vector<int> rank(static_cast<size_t>(total));
  for (int r = 0; r < total; ++r) rank[static_cast<size_t>(order[static_cast<size_t>(r)])] = r;
  // The chase_positions() least reliable codeword bits (the parity bit is not flipped).
  std::vector<int> flip;
  for (const int i : order) {
    if (i < n && static_cast<int>(flip.size()) < chase_positions()) flip.push_back(i);
  }
  Decoded best;
  double best_soft = 0;
  std::vector<uint8_t> word(static_cast<size_t>(n));
  // Many patterns decode to the same codeword (those within t of it): score each once.
  std::set<std::vector<uint8_t>> seen;
  for (uint32_t pattern = 0; pattern < (1u << flip.size()); ++pattern) {
    std::copy(hard.begin(), hard.begin() + n, word.begin());
    for (size_t j = 0; j < flip.size(); ++j) {
      if ((pattern >> j) & 1u) word[static_cast<size_t>(flip[j])] ^= 1;
    }
    const BchCode::Result r = bch_.decode(word);
    if (!r.ok || !seen.insert(r.data).second) continue;
    const std::vector<uint8_t> codeword = bch_.encode(r.data);
    std::vector<int> differences;
    uint8_t parity = 0;
    double soft = 0;
    for (int i = 0; i < n; ++i) {
      parity ^= codeword[static_cast<size_t>(i)];
      if (codeword[static_cast<size_t>(i)] != hard[static_cast<size_t>(i)])
        differences.push_back(i);
    }
    if (parity_ && parity != hard[static_cast<size_t>(n)]) differences.push_back(n);
    for (const int i : differences) soft += reliability(i);
    const double fp = soft_false_positive(differences, rank);
    if (!best.decoded || fp < best.false_positive ||
        (fp == best.false_positive && soft < best_soft)) {
      best.decoded = true;
      best.corrected = static_cast<int>(differences.size());
      best.false_positive = fp;
      best.payload = r.data;
      best_soft = soft;
    }
  }
  return best;
}

double PayloadCode::false_positive_probability(int corrected) const {
  // Balls of radius <= t around the 2^k codewords are disjoint: a uniformly random
  // N-bit word is within distance d of one with probability 2^k V(N, d) / 2^N.
  const int n = bch_.n() + (parity_ ? 1 : 0);
  return std::min(1.0, std::ldexp(hamming_volume(n, corrected), bch_.k() - n));
}

std::vector<uint8_t> payload_from_text(const std::string& text, int capacity_bits) {
  const size_t max_bytes = static_cast<size_t>(capacity_bits / 8);
  if (text.size() > max_bytes) {
    throw InvalidArgument("text payload '" + abbreviate(text, 40) + "' is " +
                          std::to_string(text.size()) + " bytes; this model's code holds at most " +
                          std::to_string(max_bytes) + " bytes (" + std::to_string(capacity_bits) +
                          " bits)");
  }
  std::vector<uint8_t> bits(static_cast<size_t>(capacity_bits), 0);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte == 0) throw InvalidArgument("text payload holds a NUL byte");
    for (int b = 0; b < 8; ++b) bits[i * 8 + b] = (byte >> (7 - b)) & 1;
  }
  return bits;
}

std::vector<uint8_t> payload_from_hex(const std::string& hex, int capacity_bits) {
  std::string digits = hex;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits = digits.substr(2);
  if (digits.empty())
    throw InvalidArgument("hex payload '" + abbreviate(hex, 40) + "' has no digits");
  const size_t max_digits = static_cast<size_t>((capacity_bits + 3) / 4);
  auto too_long = [&] {
    return InvalidArgument("hex payload '" + abbreviate(hex, 40) + "' has " +
                           std::to_string(digits.size()) + " digits; this model's code holds " +
                           std::to_string(capacity_bits) + " bits (" + std::to_string(max_digits) +
                           " digits, the last one's extra bits zero)");
  };
  if (digits.size() > max_digits) throw too_long();
  std::vector<uint8_t> bits;
  for (const char ch : digits) {
    int v;
    if (ch >= '0' && ch <= '9')
      v = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      v = ch - 'A' + 10;
    else
      throw InvalidArgument("hex payload '" + abbreviate(hex, 40) + "' holds '" +
                            std::string(1, ch) + "', not a hex digit");
    for (int b = 3; b >= 0; --b) bits.push_back(static_cast<uint8_t>((v >> b) & 1));
  }
  for (size_t i = static_cast<size_t>(capacity_bits); i < bits.size(); ++i) {
    if (bits[i]) throw too_long();
  }
  bits.resize(static_cast<size_t>(capacity_bits), 0);
  return bits;
}

std::string payload_to_text(const std::vector<uint8_t>& payload, bool* printable) {
  std::string text;
  for (size_t i = 0; i + 8 <= payload.size(); i += 8) {
    uint8_t byte = 0;
    for (int b = 0; b < 8; ++b) byte = static_cast<uint8_t>((byte << 1) | (payload[i + b] & 1));
    text.push_back(static_cast<char>(byte));
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  if (printable) {
    bool ok = true;
    for (size_t i = 0; i < text.size() && ok;) {
      const auto c = static_cast<uint8_t>(text[i]);
      int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
      if (extra < 0 || (extra == 0 && (c < 0x20 || c == 0x7f)) || i + extra >= text.size()) {
        ok = false;
        break;
      }
      for (int e = 1; e <= extra; ++e) ok = ok && (static_cast<uint8_t>(text[i + e]) >> 6) == 2;
      i += static_cast<size_t>(extra) + 1;
    }
    *printable = ok;
  }
  return text;
}

std::string payload_to_hex(const std::vector<uint8_t>& payload) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < payload.size(); i += 4) {
    int v = 0;
    for (size_t b = 0; b < 4; ++b) v = (v << 1) | (i + b < payload.size() ? payload[i + b] & 1 : 0);
    hex.push_back(kDigits[v]);
  }
  return hex;
}

}  // namespace robusthide
