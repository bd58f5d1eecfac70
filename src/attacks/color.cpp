#include "attacks/color.h"

#include <array>

namespace robusthide {
namespace {

using Matrix = std::array<std::array<double, 3>, 3>;

constexpr Matrix kRgbToYcbcr = {
    {{0.299, 0.587, 0.114}, {-0.168736, -0.331264, 0.5}, {0.5, -0.418688, -0.081312}}};

Matrix inverse(const Matrix& m) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  Matrix r{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      // Cofactor of m[j][i] (the transpose), divided by the determinant.
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      r[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
    }
  }
  return r;
}

// Applies a 3x3 colour matrix to the channel dimension with element-wise ops (faster
// than a 1x1 convolution or a matmul on the CPU, and device/dtype agnostic).
torch::Tensor apply(const torch::Tensor& x, const Matrix& m) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, "colour conversion expects (N,3,H,W), got ",
              x.sizes());
  const auto c = x.unbind(1);
  std::vector<torch::Tensor> out;
  for (const auto& row : m) out.push_back(row[0] * c[0] + row[1] * c[1] + row[2] * c[2]);
  return torch::stack(out, 1);
}

}  // namespace

torch::Tensor rgb_to_ycbcr(const torch::Tensor& rgb) { return apply(rgb, kRgbToYcbcr); }

torch::Tensor ycbcr_to_rgb(const torch::Tensor& ycbcr) {
  static const Matrix kInverse = inverse(kRgbToYcbcr);
  return apply(ycbcr, kInverse);
}

}  // namespace robusthide
