// Tests of the BCH code, the payload layout and the payload text forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/payload.h"

namespace robusthide {
namespace {

std::vector<uint8_t> random_bits(int n, std::mt19937& rng) {
  std::vector<uint8_t> bits(static_cast<size_t>(n));
  for (auto& b : bits) b = static_cast<uint8_t>(rng() & 1);
  return bits;
}

// Flips `count` distinct positions of `bits`.
void flip(std::vector<uint8_t>& bits, int count, std::mt19937& rng) {
  std::vector<size_t> pos(bits.size());
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = i;
  std::shuffle(pos.begin(), pos.end(), rng);
  for (int i = 0; i < count; ++i) bits[pos[static_cast<size_t>(i)]] ^= 1;
}

TEST(BchCodeTest, KnownDimensions) {
  // Lin & Costello, Table 6.1 (n = 63): t -> k.
  const int expected[][2] = {{1, 57}, {2, 51}, {3, 45}, {4, 39},
                             {5, 36}, {6, 30}, {7, 24}, {10, 18}};
  for (const auto& [t, k] : expected) EXPECT_EQ(BchCode(6, t).k(), k) << "t = " << t;
  EXPECT_EQ(BchCode(7, 10).k(), 64);
  EXPECT_EQ(BchCode(4, 2).k(), 7);
}

TEST(BchCodeTest, CodewordsAreSystematicAndHaveZeroSyndrome) {
  const BchCode code(6, 5);
  std::mt19937 rng(1);
  for (int trial = 0; trial < 50; ++trial) {
    const auto data = random_bits(code.k(), rng);
    const auto word = code.encode(data);
    ASSERT_EQ(word.size(), 63u);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), word.begin()));
    const auto r = code.decode(word);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.corrected, 0);
    EXPECT_EQ(r.data, data);
  }
}

TEST(BchCodeTest, CorrectsUpToTErrors) {
  for (const auto& [m, t] : std::vector<std::pair<int, int>>{{6, 5}, {6, 2}, {7, 10}, {5, 3}}) {
    const BchCode code(m, t);
    std::mt19937 rng(static_cast<unsigned>(m * 100 + t));
    for (int errors = 0; errors <= t; ++errors) {
      for (int trial = 0; trial < 40; ++trial) {
        const auto data = random_bits(code.k(), rng);
        auto word = code.encode(data);
        flip(word, errors, rng);
        const auto r = code.decode(word);
        ASSERT_TRUE(r.ok) << "m " << m << " t " << t << " errors " << errors;
        EXPECT_EQ(r.corrected, errors);
        EXPECT_EQ(r.data, data);
      }
    }
  }
}

TEST(BchCodeTest, BeyondTErrorsNeverClaimsFewerCorrectionsThanItCould) {
  // With t+1 errors the decoder either reports failure or lands on another codeword at
  // distance <= t from the received word (never on the sent one).
  const BchCode code(6, 5);
  std::mt19937 rng(7);
  int failures = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const auto data = random_bits(code.k(), rng);
    auto word = code.encode(data);
    flip(word, 6, rng);
    const auto r = code.decode(word);
    if (!r.ok) {
      ++failures;
      continue;
    }
    EXPECT_NE(r.data, data);
    EXPECT_LE(r.corrected, 5);
  }
  EXPECT_GT(failures, 250);  // most t+1 patterns are detected
}

TEST(BchCodeTest, RejectsBadArguments) {
  EXPECT_THROW(BchCode(2, 1), InvalidArgument);
  EXPECT_THROW(BchCode(6, 0), InvalidArgument);
  EXPECT_THROW(BchCode(6, 40), InvalidArgument);
  const BchCode code(6, 5);
  EXPECT_THROW(code.encode(std::vector<uint8_t>(35, 0)), InvalidArgument);
  EXPECT_THROW(code.encode(std::vector<uint8_t>(36, 2)), InvalidArgument);
  EXPECT_THROW(code.decode(std::vector<uint8_t>(64, 0)), InvalidArgument);
}

TEST(PayloadCodeTest, SixtyFourBitLayout) {
  const PayloadCode code(64);
  EXPECT_EQ(code.capacity_bits(), 36);
  EXPECT_EQ(code.capacity_bytes(), 4);
  EXPECT_EQ(code.correctable(), 5);
  EXPECT_TRUE(code.has_parity());
  EXPECT_EQ(code.name(), "BCH(63,36,t=5)+parity");
  EXPECT_EQ(PayloadCode(30).name(), "BCH(15,11,t=1)+parity");
  EXPECT_EQ(PayloadCode(15).name(), "BCH(15,11,t=1)");
  EXPECT_EQ(PayloadCode(32).name(), "BCH(31,16,t=3)+parity");
  EXPECT_EQ(PayloadCode(128).name(), "BCH(127,64,t=10)+parity");
  EXPECT_EQ(PayloadCode(64, 3).capacity_bits(), 45);
  EXPECT_THROW(PayloadCode(6), InvalidArgument);
}

TEST(PayloadCodeTest, RoundTripCorrectsUpToCapacityAndFailsBeyond) {
  const PayloadCode code(64);
  std::mt19937 rng(3);
  for (int errors = 0; errors <= 8; ++errors) {
    int decoded_right = 0, claimed_wrong = 0;
    for (int trial = 0; trial < 60; ++trial) {
      const auto payload = random_bits(36, rng);
      auto raw = code.encode(payload);
      ASSERT_EQ(raw.size(), 64u);
      flip(raw, errors, rng);
      const auto d = code.decode(raw);
      if (d.decoded && d.payload == payload) {
        ++decoded_right;
        EXPECT_EQ(d.corrected, errors);
      } else if (d.decoded) {
        ++claimed_wrong;
      }
    }
    if (errors <= 5) {
      EXPECT_EQ(decoded_right, 60) << errors << " errors";
    } else {
      // Beyond the capacity the sent payload is never recovered; the extended code
      // reports 6 errors as a failure every time.
      EXPECT_EQ(decoded_right, 0) << errors << " errors";
      if (errors == 6) {
        EXPECT_EQ(claimed_wrong, 0);
      }
    }
  }
}

TEST(PayloadCodeTest, WhiteningHidesConstantPayloads) {
  const PayloadCode code(64);
  const auto raw = code.encode(std::vector<uint8_t>(36, 0));
  const int ones = static_cast<int>(std::count(raw.begin(), raw.end(), 1));
  EXPECT_GT(ones, 16);
  EXPECT_LT(ones, 48);
  // All-zero and all-one raw words (what a saturated decoder gives) do not decode to a
  // confident watermark.
  for (const uint8_t v : {0, 1}) {
    const auto d = code.decode(std::vector<uint8_t>(64, v));
    EXPECT_TRUE(!d.decoded || d.false_positive > 1e-3);
  }
}

TEST(PayloadCodeTest, FalsePositiveProbabilityMatchesRandomWords) {
  const PayloadCode code(64);
  EXPECT_NEAR(code.false_positive_probability(0), std::ldexp(1.0, 36 - 64), 1e-20);
  EXPECT_NEAR(code.false_positive_probability(1), 65 * std::ldexp(1.0, 36 - 64), 1e-18);
  // Empirically: decodes of random words with <= 5 corrections happen at the rate the
  // formula gives (2^-28 V(64,5) = 3.1%).
  std::mt19937 rng(11);
  const int trials = 20000;
  int decoded = 0;
  for (int i = 0; i < trials; ++i) decoded += code.decode(random_bits(64, rng)).decoded;
  const double expected = code.false_positive_probability(5);
  EXPECT_NEAR(static_cast<double>(decoded) / trials, expected, 0.006);
  EXPECT_GT(expected, 0.02);
}

// Soft outputs for raw bits: reliable bits at 0.05 / 0.95, and the positions in `weak`
// (errors or not) at 0.5 -+ 0.02 on their bit's side.
std::vector<float> soft_outputs(const std::vector<uint8_t>& raw, const std::vector<size_t>& weak) {
  std::vector<float> soft(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) soft[i] = raw[i] ? 0.95f : 0.05f;
  for (const size_t i : weak) soft[i] = raw[i] ? 0.52f : 0.48f;
  return soft;
}

TEST(PayloadCodeTest, SoftDecodingCorrectsWeakErrorsBeyondT) {
  const PayloadCode code(64);
  ASSERT_EQ(code.chase_positions(), 8);
  std::mt19937 rng(21);
  for (int trial = 0; trial < 20; ++trial) {
    const auto payload = random_bits(36, rng);
    auto raw = code.encode(payload);
    // 7 errors (beyond t = 5): 6 of them among the 8 least reliable bits, one reliable.
    std::vector<size_t> pos(63);
    for (size_t i = 0; i < pos.size(); ++i) pos[i] = i;
    std::shuffle(pos.begin(), pos.end(), rng);
    const std::vector<size_t> weak(pos.begin(), pos.begin() + 8);
    for (int i = 0; i < 6; ++i) raw[weak[static_cast<size_t>(i)]] ^= 1;
    raw[pos[8]] ^= 1;
    EXPECT_FALSE(code.decode(raw).decoded && code.decode(raw).payload == payload);
    const auto d = code.decode_soft(soft_outputs(raw, weak));
    ASSERT_TRUE(d.decoded) << "trial " << trial;
    EXPECT_EQ(d.payload, payload);
    EXPECT_EQ(d.corrected, 7);
    // One error outside the 8 least reliable: 2 x 2^(36 + 8 - 64) V(56, 1).
    EXPECT_NEAR(d.false_positive, 2 * 57 * std::ldexp(1.0, 36 + 8 - 64), 1e-12);
    EXPECT_LT(d.false_positive, 1e-3);
  }
}

TEST(PayloadCodeTest, SoftDecodingOfReliableErrorsIsNoBetterThanHard) {
  const PayloadCode code(64);
  std::mt19937 rng(22);
  for (int errors = 0; errors <= 5; ++errors) {
    const auto payload = random_bits(36, rng);
    auto raw = code.encode(payload);
    // Every bit equally reliable: the "least reliable" ones are the first 8 positions (the
    // order is stable), so errors after them count as in the hard bound, and the soft
    // bound is 2x the hard one.
    std::vector<size_t> pos;
    for (size_t i = 8; i < 64; ++i) pos.push_back(i);
    std::shuffle(pos.begin(), pos.end(), rng);
    for (int i = 0; i < errors; ++i) raw[pos[static_cast<size_t>(i)]] ^= 1;
    const auto d = code.decode_soft(soft_outputs(raw, {}));
    ASSERT_TRUE(d.decoded) << errors << " errors";
    EXPECT_EQ(d.payload, payload);
    EXPECT_EQ(d.corrected, errors);
    EXPECT_NEAR(d.false_positive, std::min(1.0, 2 * code.false_positive_probability(errors)),
                1e-12);
    EXPECT_EQ(d.false_positive > 1e-3, errors >= 4) << errors << " errors";
  }
  // A wrong length or a non-finite output is refused.
  EXPECT_THROW(code.decode_soft(std::vector<float>(63, 0.5f)), InvalidArgument);
  std::vector<float> nan(64, 0.9f);
  nan[3] = std::nanf("");
  EXPECT_THROW(code.decode_soft(nan), InvalidArgument);
}

TEST(PayloadCodeTest, SoftDecodingFalsePositivesOnRandomOutputs) {
  // Unmarked images: random hard bits with random reliabilities. The share reported at
  // a threshold stays at or below the bound's promise.
  const PayloadCode code(64);
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  const int trials = 4000;
  int below_1e2 = 0, below_1e3 = 0;
  for (int i = 0; i < trials; ++i) {
    std::vector<float> soft(64);
    for (auto& v : soft) v = uniform(rng);
    const auto d = code.decode_soft(soft);
    below_1e2 += d.decoded && d.false_positive <= 1e-2;
    below_1e3 += d.decoded && d.false_positive <= 1e-3;
  }
  // Expected at most 40 and 4 of 4000; the bound is loose, so far fewer happen.
  EXPECT_LE(below_1e2, 40);
  EXPECT_LE(below_1e3, 8);
}

TEST(PayloadTextTest, TextAndHexRoundTrip) {
  bool printable = false;
  EXPECT_EQ(payload_to_text(payload_from_text("Hi!", 36), &printable), "Hi!");
  EXPECT_TRUE(printable);
  EXPECT_EQ(payload_to_text(payload_from_text("\xc3\xa9t\xc3\xa9", 40), &printable),
            "\xc3\xa9t\xc3\xa9");
  EXPECT_TRUE(printable);
  EXPECT_EQ(payload_to_hex(payload_from_hex("0xDEADBEEF1", 36)), "deadbeef1");
  EXPECT_EQ(payload_to_hex(payload_from_hex("ab", 36)), "ab0000000");
  // 10 bits: 3 digits, the last one's low 2 bits must be zero.
  EXPECT_EQ(payload_to_hex(payload_from_hex("ffc", 10)), "ffc");
  EXPECT_THROW(payload_from_hex("ffd", 10), InvalidArgument);
  EXPECT_THROW(payload_from_text("Hello", 36), InvalidArgument);
  EXPECT_THROW(payload_from_text(std::string("a\0b", 3), 36), InvalidArgument);
  EXPECT_THROW(payload_from_hex("12g", 36), InvalidArgument);
  EXPECT_THROW(payload_from_hex("0x", 36), InvalidArgument);
  EXPECT_THROW(payload_from_hex("1234567890", 36), InvalidArgument);
  std::vector<uint8_t> control(16, 0);
  control[7] = 1;  // byte 0x01
  payload_to_text(control, &printable);
  EXPECT_FALSE(printable);
  std::vector<uint8_t> broken(16, 0);
  broken[0] = 1;  // byte 0x80: a lone continuation byte
  payload_to_text(broken, &printable);
  EXPECT_FALSE(printable);
}

}  // namespace
}  // namespace robusthide
