#include "attacks/dct.h"

#include <cmath>

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

// kron(D, D): row 8u+v, column 8x+y holds D[u][x] D[v][y], so the coefficients of a
// row-major block b are K b and, K being orthonormal, its pixels are K^T k.
torch::Tensor block_transform(const torch::TensorOptions& options) {
  const auto d = dct8_matrix(options.dtype(torch::kFloat64));
  return torch::kron(d, d).to(options.dtype());
}

}  // namespace

torch::Tensor dct8_matrix(const torch::TensorOptions& options) {
  const auto opts = options.dtype(torch::kFloat64).requires_grad(false);
  const auto u = torch::arange(8, opts).unsqueeze(1);
  const auto x = torch::arange(8, opts).unsqueeze(0);
  auto d = 0.5 * torch::cos((2 * x + 1) * u * (M_PI / 16));
  d[0] = d[0] / std::sqrt(2.0);
  return d.to(options.dtype());
}

torch::Tensor block_dct(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) % 8 == 0 && x.size(3) % 8 == 0,
              "block_dct needs (N,C,H,W) with H and W multiples of 8, got ", x.sizes());
  const int64_t n = x.size(0), c = x.size(1), hb = x.size(2) / 8, wb = x.size(3) / 8;
  const auto blocks = F::pixel_unshuffle(x.reshape({n * c, 1, x.size(2), x.size(3)}), 8);
  const auto k = block_transform(x.options()).view({64, 64, 1, 1});
  return F::conv2d(blocks, k).view({n, c, 64, hb, wb});
}

torch::Tensor block_idct(const torch::Tensor& coefficients) {
  const auto& k = coefficients;
  TORCH_CHECK(k.dim() == 5 && k.size(2) == 64, "block_idct needs (N,C,64,Hb,Wb) coefficients, got ",
              k.sizes());
  const int64_t n = k.size(0), c = k.size(1), hb = k.size(3), wb = k.size(4);
  const auto kt = block_transform(k.options()).t().contiguous().view({64, 64, 1, 1});
  const auto blocks = F::conv2d(k.reshape({n * c, 64, hb, wb}), kt);
  return F::pixel_shuffle(blocks, 8).view({n, c, hb * 8, wb * 8});
}

torch::Tensor pad_to_multiple(const torch::Tensor& x, int64_t multiple) {
  const int64_t ph = (multiple - x.size(2) % multiple) % multiple;
  const int64_t pw = (multiple - x.size(3) % multiple) % multiple;
  if (ph == 0 && pw == 0) return x;
  return F::pad(x, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
}

torch::Tensor crop_top_left(const torch::Tensor& x, int64_t h, int64_t w) {
  if (x.size(2) == h && x.size(3) == w) return x;
  return x.narrow(2, 0, h).narrow(3, 0, w);
}

}  // namespace robusthide
