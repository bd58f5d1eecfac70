#include "video/motion.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "robusthide/error.h"

namespace robusthide::detail {

namespace {

using Level = LumaPyramid::Level;

// Bilinear sample of a level at continuous index coordinates (pixel centres at integers),
// clamped to the edge.
float sample(const Level& l, double x, double y) {
  x = std::clamp(x, 0.0, static_cast<double>(l.width - 1));
  y = std::clamp(y, 0.0, static_cast<double>(l.height - 1));
  const int x0 = std::min(static_cast<int>(x), std::max(l.width - 2, 0));
  const int y0 = std::min(static_cast<int>(y), std::max(l.height - 2, 0));
  const int x1 = std::min(x0 + 1, l.width - 1), y1 = std::min(y0 + 1, l.height - 1);
  const double fx = x - x0, fy = y - y0;
  const float* r0 = l.luma.data() + static_cast<size_t>(y0) * l.width;
  const float* r1 = l.luma.data() + static_cast<size_t>(y1) * l.width;
  return static_cast<float>((1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) +
                            fy * ((1 - fx) * r1[x0] + fx * r1[x1]));
}

Level half(const Level& in) {
  Level out;
  out.width = in.width / 2;
  out.height = in.height / 2;
  out.factor = in.factor * 2;
  out.luma.resize(static_cast<size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y) {
    const float* a = in.luma.data() + static_cast<size_t>(2 * y) * in.width;
    const float* b = a + in.width;
    for (int x = 0; x < out.width; ++x)
      out.luma[static_cast<size_t>(y) * out.width + x] =
          0.25f * (a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1]);
  }
  return out;
}

// Solves the 4x4 system h d = g (symmetric, positive definite when the frame has texture).
// Returns false when it is singular.
bool solve4(std::array<double, 16> h, std::array<double, 4> g, std::array<double, 4>& d) {
  for (int c = 0; c < 4; ++c) {
    int pivot = c;
    for (int r = c + 1; r < 4; ++r)
      if (std::abs(h[r * 4 + c]) > std::abs(h[pivot * 4 + c])) pivot = r;
    if (std::abs(h[pivot * 4 + c]) < 1e-9) return false;
    for (int k = 0; k < 4; ++k) std::swap(h[c * 4 + k], h[pivot * 4 + k]);
    std::swap(g[c], g[pivot]);
    for (int r = c + 1; r < 4; ++r) {
      const double f = h[r * 4 + c] / h[c * 4 + c];
      for (int k = c; k < 4; ++k) h[r * 4 + k] -= f * h[c * 4 + k];
      g[r] -= f * g[c];
    }
  }
  for (int r = 3; r >= 0; --r) {
    double s = g[r];
    for (int k = r + 1; k < 4; ++k) s -= h[r * 4 + k] * d[k];
    d[r] = s / h[r * 4 + r];
  }
  return true;
}

struct Step {
  Alignment result;
  bool ok = false;
};

// One Gauss-Newton step on one level (forward additive, Huber-weighted residuals).
Step gauss_newton(const Level& ref, const Level& cur, double full_w, double full_h,
                  const Similarity& m) {
  constexpr double kHuber = 12.0;  // grey levels: a larger difference counts linearly
  const double cx = full_w / (2 * ref.factor), cy = full_h / (2 * ref.factor);
  const double tx = m.tx / ref.factor, ty = m.ty / ref.factor;
  std::array<double, 16> h{};
  std::array<double, 4> g{};
  double sum_r2 = 0, sum_w = 0;
  int64_t inside = 0, total = 0;
  for (int y = 1; y + 1 < ref.height; ++y) {
    const double yc = y + 0.5 - cy;
    for (int x = 1; x + 1 < ref.width; ++x) {
      ++total;
      const double xc = x + 0.5 - cx;
      const double u = (1 + m.a) * xc - m.b * yc + tx + cx - 0.5;
      const double v = m.b * xc + (1 + m.a) * yc + ty + cy - 0.5;
      if (u < 1 || v < 1 || u > cur.width - 2 || v > cur.height - 2) continue;
      ++inside;
      const double r = sample(cur, u, v) - ref.luma[static_cast<size_t>(y) * ref.width + x];
      const double gx = 0.5 * (sample(cur, u + 1, v) - sample(cur, u - 1, v));
      const double gy = 0.5 * (sample(cur, u, v + 1) - sample(cur, u, v - 1));
      const double w = std::abs(r) <= kHuber ? 1.0 : kHuber / std::abs(r);
      const std::array<double, 4> j{gx * xc + gy * yc, -gx * yc + gy * xc, gx, gy};
      for (int a = 0; a < 4; ++a) {
        g[a] += w * j[a] * r;
        for (int b = a; b < 4; ++b) h[a * 4 + b] += w * j[a] * j[b];
      }
      sum_r2 += w * r * r;
      sum_w += w;
    }
  }
  Step s;
  s.result.motion = m;
  s.result.overlap = total > 0 ? static_cast<double>(inside) / total : 0;
  s.result.residual = sum_w > 0 ? std::sqrt(sum_r2 / sum_w) : 0;
  if (inside < 64) return s;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < a; ++b) h[a * 4 + b] = h[b * 4 + a];
  std::array<double, 4> d{};
  for (double& v : g) v = -v;
  if (!solve4(h, g, d)) return s;
  s.result.motion.a += d[0];
  s.result.motion.b += d[1];
  s.result.motion.tx += d[2] * ref.factor;
  s.result.motion.ty += d[3] * ref.factor;
  s.ok = std::isfinite(s.result.motion.a) && std::isfinite(s.result.motion.tx) &&
         std::isfinite(s.result.motion.ty) && std::isfinite(s.result.motion.b);
  return s;
}

}  // namespace

LumaPyramid::LumaPyramid(const Image& frame, int finest)
    : width_(frame.width), height_(frame.height) {
  if (frame.empty() || finest < 16) throw InvalidArgument("LumaPyramid: empty frame or level");
  const int k = std::max(1, (std::max(frame.width, frame.height) + finest - 1) / finest);
  Level l;
  l.width = frame.width / k;
  l.height = frame.height / k;
  l.factor = k;
  l.luma.assign(static_cast<size_t>(l.width) * l.height, 0.0f);
  const float norm = 1.0f / static_cast<float>(k * k);
  for (int y = 0; y < l.height * k; ++y) {
    const uint8_t* row = frame.data() + static_cast<size_t>(y) * frame.width * 3;
    float* out = l.luma.data() + static_cast<size_t>(y / k) * l.width;
    for (int x = 0; x < l.width * k; ++x) {
      const uint8_t* p = row + 3 * x;
      out[x / k] += norm * (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
    }
  }
  levels_.push_back(std::move(l));
  while (std::max(levels_.back().width, levels_.back().height) >= 64)
    levels_.push_back(half(levels_.back()));
}

Alignment align(const LumaPyramid& reference, const LumaPyramid& current, const Similarity& guess) {
  if (reference.width() != current.width() || reference.height() != current.height() ||
      reference.levels().size() != current.levels().size())
    throw InvalidArgument("align: the two frames differ in size");
  const double w = reference.width(), h = reference.height();
  Alignment best;
  best.motion = guess;
  for (size_t i = reference.levels().size(); i-- > 0;) {
    const Level& ref = reference.levels()[i];
    const Level& cur = current.levels()[i];
    for (int iter = 0; iter < 12; ++iter) {
      const Step s = gauss_newton(ref, cur, w, h, best.motion);
      best.overlap = s.result.overlap;
      best.residual = s.result.residual;
      if (!s.ok) break;
      const double moved = std::abs(s.result.motion.tx - best.motion.tx) +
                           std::abs(s.result.motion.ty - best.motion.ty) +
                           (std::abs(s.result.motion.a - best.motion.a) +
                            std::abs(s.result.motion.b - best.motion.b)) *
                               std::max(w, h);
      best.motion = s.result.motion;
      if (moved < 0.02 * ref.factor) break;
    }
  }
  return best;
}

Similarity inverse(const Similarity& m) {
  const double p = 1 + m.a, d = p * p + m.b * m.b;
  Similarity r;
  r.a = p / d - 1;
  r.b = -m.b / d;
  r.tx = -(p * m.tx + m.b * m.ty) / d;
  r.ty = -(-m.b * m.tx + p * m.ty) / d;
  return r;
}

Image warp_back(const Image& current, const Similarity& m) {
  Image out(current.width, current.height);
  const double cx = current.width / 2.0, cy = current.height / 2.0;
  const int w = current.width, h = current.height;
  for (int y = 0; y < h; ++y) {
    const double yc = y + 0.5 - cy;
    uint8_t* o = out.data() + static_cast<size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x) {
      const double xc = x + 0.5 - cx;
      const double u = std::clamp((1 + m.a) * xc - m.b * yc + m.tx + cx - 0.5, 0.0, w - 1.0);
      const double v = std::clamp(m.b * xc + (1 + m.a) * yc + m.ty + cy - 0.5, 0.0, h - 1.0);
      const int x0 = std::min(static_cast<int>(u), std::max(w - 2, 0));
      const int y0 = std::min(static_cast<int>(v), std::max(h - 2, 0));
      const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
      const double fx = u - x0, fy = v - y0;
      const uint8_t* r0 = current.data() + static_cast<size_t>(y0) * w * 3;
      const uint8_t* r1 = current.data() + static_cast<size_t>(y1) * w * 3;
      for (int c = 0; c < 3; ++c) {
        const double s = (1 - fy) * ((1 - fx) * r0[3 * x0 + c] + fx * r0[3 * x1 + c]) +
                         fy * ((1 - fx) * r1[3 * x0 + c] + fx * r1[3 * x1 + c]);
        o[3 * x + c] = static_cast<uint8_t>(std::lround(std::clamp(s, 0.0, 255.0)));
      }
    }
  }
  return out;
}

}  // namespace robusthide::detail
