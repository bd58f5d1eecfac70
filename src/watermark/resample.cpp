#include "watermark/resample.h"

#include "util/parallel.h"

#include "watermark/shaping.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "util/convert.h"
#include "util/parallel.h"

namespace robusthide::detail {
namespace {

namespace F = torch::nn::functional;

// Source taps of one output coordinate of a bilinear resize (align_corners = false), as
// torch computes them: src = max(scale (dst + 0.5) - 0.5, 0), taps floor(src) and the next
// one (clamped), weights 1 - frac and frac.
struct Taps {
  std::vector<int> i0, i1;
  std::vector<float> w0, w1;
};

Taps bilinear_taps(int in, int out) {
  Taps t;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int d = 0; d < out; ++d) {
    const float src = std::max(scale * (static_cast<float>(d) + 0.5f) - 0.5f, 0.0f);
    const int i0 = std::min(static_cast<int>(src), in - 1);
    const float l1 = src - static_cast<float>(i0);
    t.i0.push_back(i0);
    t.i1.push_back(std::min(i0 + 1, in - 1));
    t.w0.push_back(1.0f - l1);
    t.w1.push_back(l1);
  }
  return t;
}

}  // namespace

torch::Tensor area_average(const Image& image, int out_h, int out_w) {
  const int w = image.width, h = image.height;
  std::vector<int> ws(static_cast<size_t>(out_w)), we(static_cast<size_t>(out_w));
  for (int j = 0; j < out_w; ++j) {
    ws[j] = static_cast<int>(static_cast<int64_t>(j) * w / out_w);
    we[j] = static_cast<int>((static_cast<int64_t>(j + 1) * w + out_w - 1) / out_w);
  }
  // Sums of bytes per cell (exact integers), then one division per cell.
  std::vector<double> sums(static_cast<size_t>(3) * out_h * out_w, 0.0);
  std::vector<uint32_t> prefix(static_cast<size_t>(3) * (w + 1));
  for (int i = 0; i < out_h; ++i) {
    const int hs = static_cast<int>(static_cast<int64_t>(i) * h / out_h);
    const int he = static_cast<int>((static_cast<int64_t>(i + 1) * h + out_h - 1) / out_h);
    for (int y = hs; y < he; ++y) {
      const uint8_t* row = image.data() + static_cast<size_t>(y) * w * 3;
      for (int c = 0; c < 3; ++c) {
        uint32_t* p = &prefix[static_cast<size_t>(c) * (w + 1)];
        p[0] = 0;
        for (int x = 0; x < w; ++x) p[x + 1] = p[x] + row[x * 3 + c];
        double* cell = &sums[(static_cast<size_t>(c) * out_h + i) * out_w];
        for (int j = 0; j < out_w; ++j) cell[j] += p[we[j]] - p[ws[j]];
      }
    }
    for (int c = 0; c < 3; ++c) {
      double* cell = &sums[(static_cast<size_t>(c) * out_h + i) * out_w];
      for (int j = 0; j < out_w; ++j) cell[j] /= 255.0 * (he - hs) * (we[j] - ws[j]);
    }
  }
  return torch::tensor(sums, torch::kFloat64).to(torch::kFloat32).view({1, 3, out_h, out_w});
}

// Rows per parallel band of add_resampled.
constexpr int kAddBandRows = 64;

Image add_resampled(const Image& cover, const torch::Tensor& residual, const Shaping& shaping) {
  const torch::Tensor r = residual.to(torch::kCPU, torch::kFloat32).contiguous();
  const int rh = static_cast<int>(r.size(2)), rw = static_cast<int>(r.size(3));
  const int w = cover.width, h = cover.height;
  const Taps tx = bilinear_taps(rw, w), ty = bilinear_taps(rh, h);
  // Every residual row resampled horizontally once: (3, rh, w) floats.
  const float* src = r.data_ptr<float>();
  std::vector<float> rows(static_cast<size_t>(3) * rh * w);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < rh; ++y) {
      const float* in = src + (static_cast<size_t>(c) * rh + y) * rw;
      float* out = &rows[(static_cast<size_t>(c) * rh + y) * w];
      for (int x = 0; x < w; ++x) out[x] = tx.w0[x] * in[tx.i0[x]] + tx.w1[x] * in[tx.i1[x]];
    }
  }
  Image marked(w, h);
  const float* to_float = byte_to_float_table();
  const bool masked = !mask_is_one(shaping);
  // Shaping::coarse: the mask of the cover at the residual's size, its rows resampled
  // horizontally like the residual's, (rh, w) floats.
  std::vector<float> coarse;
  if (masked && shaping.coarse && (rh != h || rw != w)) {
    const torch::Tensor m =
        shaping_mask(to_model_size(cover, rh), shaping).to(torch::kFloat32).contiguous();
    if (m.size(3) != rw) throw InvalidArgument("cannot embed: the residual is not square");
    const float* pm = m.data_ptr<float>();
    coarse.resize(static_cast<size_t>(rh) * w);
    for (int y = 0; y < rh; ++y) {
      const float* in = pm + static_cast<size_t>(y) * rw;
      float* out = &coarse[static_cast<size_t>(y) * w];
      for (int x = 0; x < w; ++x) out[x] = tx.w0[x] * in[tx.i0[x]] + tx.w1[x] * in[tx.i1[x]];
    }
  }
  // Bands of rows in parallel, each with its own mask window: the same bytes for any
  // number of threads.
  const int bands = (h + kAddBandRows - 1) / kAddBandRows;
  parallel_for(static_cast<size_t>(bands), 0, [&](size_t band) {
    const int y0 = static_cast<int>(band) * kAddBandRows;
    const int y1 = std::min(h, y0 + kAddBandRows);
    std::vector<float> line(static_cast<size_t>(w) * 3);
    std::vector<uint8_t> bytes(static_cast<size_t>(w) * 3);
    MaskRows mask_rows(cover, shaping, y0);
    std::vector<float> mask(static_cast<size_t>(w), 1.0f);
    for (int y = y0; y < y1; ++y) {
      const uint8_t* in = cover.data() + static_cast<size_t>(y) * w * 3;
      if (masked) mask_rows.row(y, mask.data());
      if (!coarse.empty()) {
        const float* a = &coarse[static_cast<size_t>(ty.i0[y]) * w];
        const float* b = &coarse[static_cast<size_t>(ty.i1[y]) * w];
        for (int x = 0; x < w; ++x) {
          mask[static_cast<size_t>(x)] =
              std::min(mask[static_cast<size_t>(x)], ty.w0[y] * a[x] + ty.w1[y] * b[x]);
        }
      }
      for (int c = 0; c < 3; ++c) {
        const float* a = &rows[(static_cast<size_t>(c) * rh + ty.i0[y]) * w];
        const float* b = &rows[(static_cast<size_t>(c) * rh + ty.i1[y]) * w];
        float* o = &line[static_cast<size_t>(c) * w];
        if (masked) {
          for (int x = 0; x < w; ++x) {
            o[x] = mask[static_cast<size_t>(x)] * (ty.w0[y] * a[x] + ty.w1[y] * b[x]) +
                   to_float[in[x * 3 + c]];
          }
        } else {
          for (int x = 0; x < w; ++x)
            o[x] = (ty.w0[y] * a[x] + ty.w1[y] * b[x]) + to_float[in[x * 3 + c]];
        }
      }
      floats_to_bytes(line.data(), line.size(), bytes.data());
      uint8_t* out = marked.data() + static_cast<size_t>(y) * w * 3;
      for (int x = 0; x < w; ++x) {
        out[x * 3] = bytes[x];
        out[x * 3 + 1] = bytes[static_cast<size_t>(w) + x];
        out[x * 3 + 2] = bytes[static_cast<size_t>(2) * w + x];
      }
    }
  });
  return marked;
}

torch::Tensor to_model_size(const Image& image, int64_t size) {
  const int64_t h = image.height, w = image.width;
  if (h == size && w == size) return image_to_tensor(image);
  const int oh = static_cast<int>(std::min(h, size)), ow = static_cast<int>(std::min(w, size));
  torch::Tensor y = (oh == h && ow == w) ? image_to_tensor(image) : area_average(image, oh, ow);
  if (oh != size || ow != size) {
    y = F::interpolate(y, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  return y;
}

void check_image(const Image& image, const char* action) {
  if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw InvalidArgument(std::string("cannot ") + action +
                          ": the image is empty or its pixel buffer "
                          "does not match its size");
  }
}

}  // namespace robusthide::detail
