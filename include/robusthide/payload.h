// Payloads people use: text or hex protected by a BCH error-correcting code, whitened,
// with a false-positive probability that tells a watermark from an unmarked image.
//
// Layout of a model's L raw bits (docs/payload.md):
//   bits [0, n)   a binary BCH(n, k, t) codeword, n = 2^m - 1 the largest such n <= L
//   bit  n        (when L > n) even parity over the codeword: the extended code
//   bits (n, L)   unused (written from the whitening sequence, ignored on reading)
// and every bit is XORed with a fixed pseudo-random whitening sequence, so an all-zero
// payload is not an all-zero pattern and a decoder's bias on unmarked images does not
// line up with a codeword. For L = 64: BCH(63, 36, t = 5) + parity, 36 payload bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace robusthide {

// A systematic binary BCH code over GF(2^m), n = 2^m - 1, designed distance 2t + 1.
// Bits are 0/1 bytes. Codeword = data bits (k) followed by parity bits (n - k).
class BchCode {
 public:
  // m in 3..12, t >= 1. Throws InvalidArgument when no data bits are left (k < 1).
  BchCode(int m, int t);
  int n() const { return n_; }
  int k() const { return k_; }
  int t() const { return t_; }

  // k data bits -> n codeword bits. Throws InvalidArgument for another length or a value
  // other than 0/1.
  std::vector<uint8_t> encode(const std::vector<uint8_t>& data) const;

  struct Result {
    bool ok = false;            // a codeword within distance t was found
    int corrected = 0;          // bits flipped to reach it
    std::vector<uint8_t> data;  // its k data bits (empty when !ok)
  };
  // Decodes n received bits (Berlekamp-Massey + Chien search). Up to t errors are
  // corrected; more are either reported (!ok) or, rarely, decoded to a wrong codeword.
  Result decode(const std::vector<uint8_t>& word) const;

 private:
  int m_, n_, k_, t_;
  std::vector<int> exp_, log_;      // GF(2^m) tables
  std::vector<uint8_t> generator_;  // g(x), degree n - k, lowest power first
};

// Fewest raw bits that carry a payload code (the smallest code is BCH(7, 4, 1)).
constexpr int kMinPayloadCodeBits = 7;

// How a model's raw bits carry a payload.
class PayloadCode {
 public:
  // message_bits >= 7 (the smallest code is BCH(7, 4, 1)). t = 0 picks the default: the
  // largest t that leaves at least half of the n bits for data (t = 5 for L = 64).
  // Throws InvalidArgument for a too short message, a negative t or a t that leaves no
  // data bits.
  explicit PayloadCode(int message_bits, int t = 0);

  int message_bits() const { return bits_; }
  int capacity_bits() const { return bch_.k(); }  // payload bits
  int capacity_bytes() const { return bch_.k() / 8; }
  int correctable() const { return bch_.t(); }  // bit errors corrected
  bool has_parity() const { return parity_; }
  // "BCH(63,36,t=5)+parity" style name.
  std::string name() const;

  // capacity_bits() payload bits -> message_bits() raw bits (0/1 bytes) to embed.
  std::vector<uint8_t> encode(const std::vector<uint8_t>& payload) const;

  struct Decoded {
    bool decoded = false;  // the code found a codeword (parity included)
    int corrected = 0;     // bit errors corrected (parity bit included)
    // Probability that a uniformly random raw word decodes with at most `corrected`
    // corrections: the chance that an unmarked image matches this well. 1 when !decoded.
    double false_positive = 1.0;
    std::vector<uint8_t> payload;  // capacity_bits() bits (empty when !decoded)
  };
  // Decodes message_bits() raw bits (0/1 bytes, e.g. the decoder's thresholded output).
  Decoded decode(const std::vector<uint8_t>& raw) const;
  // Soft-decision decoding (Chase-II, docs/payload.md) of message_bits() raw decoder
  // outputs: bit i is 1 when raw[i] > 0.5, and |raw[i] - 0.5| is its reliability. The
  // hard word and every word with some of its chase_positions() least reliable codeword
  // bits flipped are decoded; of the codewords found, the one with the smallest
  // soft_false_positive() is returned (`corrected`: its differences from the hard word,
  // parity included). Corrects up to t errors anywhere, and more when the extra ones
  // are among the least reliable bits. Throws InvalidArgument for another length or a
  // non-finite value.
  Decoded decode_soft(const std::vector<float>& raw) const;
  // Codeword bits decode_soft flips: min(8, n - k).
  int chase_positions() const;
  // Bound on the chance that an unmarked image's raw outputs (uniformly random hard bits,
  // reliabilities independent of them) decode with a codeword whose differences from the
  // hard word are `differences` (positions 0..N-1, N = n + parity), where `rank[i]` is
  // position i's place in the order of increasing reliability: for each q in {0,
  // chase_positions()}, a random word is within e(q) differences outside its q least
  // reliable positions of some codeword with probability <= 2^(k + q) V(N - q, e(q)) / 2^N;
  // the smaller bound, times 2 for choosing between them. For a hard word (q = 0 alone)
  // this is false_positive_probability(d) up to that factor 2.
  double soft_false_positive(const std::vector<int>& differences,
                             const std::vector<int>& rank) const;

  // False-positive probability of a decode with `corrected` corrections (see Decoded).
  double false_positive_probability(int corrected) const;

 private:
  int bits_;
  BchCode bch_;
  bool parity_;
  std::vector<uint8_t> whitening_;
};

// Payload bits from text: its UTF-8 bytes, most significant bit first, zero-padded to
// `capacity_bits`. Throws InvalidArgument naming the text when it has more than
// capacity_bits / 8 bytes or holds a NUL byte.
std::vector<uint8_t> payload_from_text(const std::string& text, int capacity_bits);
// Payload bits from hex digits (optional 0x prefix; 4 bits per digit, the first digit
// most significant, zero-padded at the end). At most ceil(capacity_bits / 4) digits; the
// bits of a last digit beyond the capacity must be zero. Throws InvalidArgument naming
// the text for an empty string, non-hex characters or a value that does not fit.
std::vector<uint8_t> payload_from_hex(const std::string& hex, int capacity_bits);
// The payload as text: the whole bytes, trailing NUL bytes removed. `printable` is set
// false when the result is not valid UTF-8 text without control characters.
std::string payload_to_text(const std::vector<uint8_t>& payload, bool* printable = nullptr);
// The payload as lower-case hex, ceil(bits / 4) digits (a last partial digit is padded
// with zero bits).
std::string payload_to_hex(const std::vector<uint8_t>& payload);

}  // namespace robusthide
