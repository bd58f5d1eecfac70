// Pixel conversion: the fast paths equal torch's clamp -> * 255 -> round (ties to even)
// and v / 255 exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

#include "util/convert.h"

namespace robusthide {
namespace {

TEST(Convert, PlaneToImageEqualsTorchRounding) {
  // Every tie k + 0.5 and its float neighbours, out-of-range values, NaN and infinities.
  std::vector<float> values;
  for (int k = 0; k < 256; ++k) {
    const float tie = (k + 0.5f) / 255.0f;
    values.push_back(tie);
    values.push_back(std::nextafter(tie, 0.0f));
    values.push_back(std::nextafter(tie, 1.0f));
    values.push_back(k / 255.0f);
  }
  for (float v : {-1.0f, -0.0f, 1.0f, 1.5f, 1e30f, -1e30f}) values.push_back(v);
  torch::manual_seed(5);
  const auto random = torch::rand({3000}) * 1.2 - 0.1;
  for (int64_t i = 0; i < random.numel(); ++i) values.push_back(random[i].item<float>());
  while (values.size() % 3 != 0) values.push_back(0.25f);
  const int w = static_cast<int>(values.size() / 3);

  Image image;
  plane_to_image(values.data(), w, 1, &image);
  const auto t = torch::from_blob(values.data(), {3, 1, w}, torch::kFloat32);
  const auto expected =
      torch::round(torch::clamp(t, 0, 1) * 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  ASSERT_EQ(image.pixels.size(), values.size());
  const uint8_t* e = expected.data_ptr<uint8_t>();
  int mismatches = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i) mismatches += image.pixels[i] != e[i];
  EXPECT_EQ(mismatches, 0);

  // NaN maps to 0 (torch's clamp would keep NaN; the byte cast of NaN is undefined).
  float nan_plane[3] = {std::numeric_limits<float>::quiet_NaN(), 0.5f, 1.0f};
  plane_to_image(nan_plane, 1, 1, &image);
  EXPECT_EQ(image.pixels[0], 0);
  EXPECT_EQ(image.pixels[1], 128);  // 127.5 rounds to even
  EXPECT_EQ(image.pixels[2], 255);
}

TEST(Convert, ImageToPlaneIsValueOver255) {
  Image image(256, 1);
  for (int x = 0; x < 256; ++x) {
    image.pixels[x * 3] = static_cast<uint8_t>(x);
    image.pixels[x * 3 + 1] = static_cast<uint8_t>(255 - x);
    image.pixels[x * 3 + 2] = static_cast<uint8_t>((x * 7) & 255);
  }
  std::vector<float> plane(256 * 3);
  image_to_plane(image, plane.data());
  for (int x = 0; x < 256; ++x) {
    EXPECT_EQ(plane[x], static_cast<float>(x) / 255.0f);
    EXPECT_EQ(plane[256 + x], static_cast<float>(255 - x) / 255.0f);
    EXPECT_EQ(plane[512 + x], static_cast<float>((x * 7) & 255) / 255.0f);
  }
  // Round trip is exact.
  Image back;
  plane_to_image(plane.data(), 256, 1, &back);
  EXPECT_EQ(back.pixels, image.pixels);
}

}  // namespace
}  // namespace robusthide
