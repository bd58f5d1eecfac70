// Binary BCH codes: generator from minimal polynomials, systematic encoding,
// Berlekamp-Massey + Chien search decoding (Lin & Costello, ch. 6).
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/payload.h"

namespace robusthide {
namespace {

// Primitive polynomials of GF(2^m), m = 3..12 (bit i = coefficient of x^i).
constexpr int kPrimitive[13] = {0,    0,     0,     0xB,   0x13,  0x25,  0x43,
                                0x89, 0x11D, 0x211, 0x409, 0x805, 0x1053};

void check_bits(const std::vector<uint8_t>& bits, size_t expected, const char* what) {
  if (bits.size() != expected) {
    throw InvalidArgument(std::string("BCH ") + what + ": expected " + std::to_string(expected) +
                          " bits, got " + std::to_string(bits.size()));
  }
  for (const uint8_t b : bits) {
    if (b > 1) throw InvalidArgument(std::string("BCH ") + what + ": bits must be 0 or 1");
  }
}

}  // namespace

BchCode::BchCode(int m, int t) : m_(m), n_((1 << m) - 1), k_(0), t_(t) {
  if (m < 3 || m > 12)
    throw InvalidArgument("BCH code: m = " + std::to_string(m) + " is out of range [3, 12]");
  if (t < 1 || 2 * t >= n_) {
    throw InvalidArgument("BCH code: t = " + std::to_string(t) + " is out of range [1, " +
                          std::to_string((n_ - 1) / 2) + "] for n = " + std::to_string(n_));
  }
  exp_.assign(2 * n_, 0);
  log_.assign(n_ + 1, -1);
  int x = 1;
  for (int i = 0; i < n_; ++i) {
    exp_[i] = exp_[i + n_] = x;
    log_[x] = i;
    x <<= 1;
    if (x & (1 << m)) x ^= kPrimitive[m];
  }
  // g(x) = product of the distinct minimal polynomials of alpha^1 .. alpha^2t.
  std::vector<bool> used(n_, false);
  std::vector<uint8_t> g = {1};
  for (int i = 1; i <= 2 * t && i < n_; ++i) {
    if (used[i]) continue;
    // Minimal polynomial: product of (x + alpha^j) over the cyclotomic coset of i,
    // computed with GF(2^m) coefficients (they come out 0/1).
    std::vector<int> poly = {1};  // field elements, lowest power first
    int j = i;
    do {
      used[j] = true;
      std::vector<int> next(poly.size() + 1, 0);
      for (size_t a = 0; a < poly.size(); ++a) {
        next[a + 1] ^= poly[a];                                // * x
        if (poly[a] != 0) next[a] ^= exp_[log_[poly[a]] + j];  // * alpha^j
      }
      poly = next;
      j = (2 * j) % n_;
    } while (j != i);
    std::vector<uint8_t> product(g.size() + poly.size() - 1, 0);
    for (size_t a = 0; a < g.size(); ++a) {
      if (!g[a]) continue;
      for (size_t b = 0; b < poly.size(); ++b) product[a + b] ^= static_cast<uint8_t>(poly[b] & 1);
    }
    g = product;
  }
  generator_ = g;
  k_ = n_ - static_cast<int>(g.size() - 1);
  if (k_ < 1) {
    throw InvalidArgument("BCH code: t = " + std::to_string(t) +
                          " leaves no data bits at n = " + std::to_string(n_));
  }
}

std::vector<uint8_t> BchCode::encode(const std::vector<uint8_t>& data) const {
  check_bits(data, static_cast<size_t>(k_), "encode");
  const int r = n_ - k_;
  // Remainder of d(x) x^r divided by g(x); data[0] is the coefficient of x^(n-1).
  std::vector<uint8_t> rem(static_cast<size_t>(r), 0);  // rem[i] = coefficient of x^i
  for (int i = 0; i < k_; ++i) {
    const uint8_t feedback = static_cast<uint8_t>(data[static_cast<size_t>(i)] ^ rem[r - 1]);
    for (int j = r - 1; j > 0; --j)
      rem[j] = static_cast<uint8_t>(rem[j - 1] ^ (feedback & generator_[j]));
    rem[0] = static_cast<uint8_t>(feedback & generator_[0]);
  }
  std::vector<uint8_t> word(data);
  for (int j = r - 1; j >= 0; --j) word.push_back(rem[j]);
  return word;
}

BchCode::Result BchCode::decode(const std::vector<uint8_t>& word) const {
  check_bits(word, static_cast<size_t>(n_), "decode");
  // word[p] is the coefficient of x^(n-1-p).
  std::vector<int> syndrome(2 * t_ + 1, 0);
  bool clean = true;
  for (int i = 1; i <= 2 * t_; ++i) {
    int s = 0;
    for (int p = 0; p < n_; ++p) {
      if (word[p]) s ^= exp_[(static_cast<long>(i) * (n_ - 1 - p)) % n_];
    }
    syndrome[i] = s;
    clean = clean && s == 0;
  }
  Result result;
  if (clean) {
    result.ok = true;
    result.data.assign(word.begin(), word.begin() + k_);
    return result;
  }
  auto mul = [this](int a, int b) { return a && b ? exp_[log_[a] + log_[b]] : 0; };
  auto inv = [this](int a) { return exp_[(n_ - log_[a]) % n_]; };
  // Berlekamp-Massey: the error locator C(x) of degree L.
  std::vector<int> c(2 * t_ + 2, 0), b(2 * t_ + 2, 0);
  c[0] = b[0] = 1;
  int length = 0, shift = 1, last = 1;
  for (int step = 0; step < 2 * t_; ++step) {
    int d = syndrome[step + 1];
    for (int i = 1; i <= length; ++i) d ^= mul(c[i], syndrome[step + 1 - i]);
    if (d == 0) {
      ++shift;
      continue;
    }
    const int coef = mul(d, inv(last));
    std::vector<int> previous = c;
    for (size_t i = 0; i + shift < c.size(); ++i) c[i + shift] ^= mul(coef, b[i]);
    if (2 * length <= step) {
      length = step + 1 - length;
      b = previous;
      last = d;
      shift = 1;
    } else {
      ++shift;
    }
  }
  if (length > t_) return result;
  // Chien search: an error at exponent e when C(alpha^-e) = 0.
  std::vector<uint8_t> fixed(word);
  int roots = 0;
  for (int e = 0; e < n_; ++e) {
    int v = 0;
    for (int i = 0; i <= length; ++i) {
      if (c[i]) v ^= exp_[(log_[c[i]] + static_cast<long>(i) * (n_ - e)) % n_];
    }
    if (v == 0) {
      fixed[n_ - 1 - e] ^= 1;
      ++roots;
    }
  }
  if (roots != length) return result;
  result.ok = true;
  result.corrected = length;
  result.data.assign(fixed.begin(), fixed.begin() + k_);
  return result;
}

}  // namespace robusthide
