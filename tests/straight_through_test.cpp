// The straight-through real-codec layer, the combinators and the tensor conversions.
#include <gtest/gtest.h>

#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "test_util.h"

namespace robusthide {
namespace {

class StraightThrough : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(7);
    const Image photo = read_image(test::sample_photo_path());
    for (int i = 0; i < 8; ++i) batch_.push_back(test::crop(photo, 20 * i, 10 * i, 64, 64));
  }
  std::vector<Image> batch_;
};

TEST(TensorConversion, RoundTripsBytesExactly) {
  std::vector<Image> images = {test::noise_image(17, 9, 1), test::noise_image(17, 9, 2)};
  const torch::Tensor t = images_to_tensor(images);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 9, 17}));
  // Channel planes: pixel (row 2, col 5) of image 1, green channel.
  EXPECT_FLOAT_EQ(t[1][1][2][5].item<float>(), images[1].pixels[(2 * 17 + 5) * 3 + 1] / 255.0f);
  EXPECT_EQ(tensor_to_images(t), images);
}

TEST(TensorConversion, RoundsAndClampsLikeTorch) {
  auto t = torch::rand({2, 3, 5, 7}) * 1.4 - 0.2;
  t[0][0][0][0] = 0.5f / 255.0f;  // a tie: rounds to even (0)
  t[0][0][0][1] = 1.5f / 255.0f;  // rounds to 2
  const auto expected =
      t.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous();
  const auto images = tensor_to_images(t);
  ASSERT_EQ(images.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const uint8_t* e = expected[i].data_ptr<uint8_t>();
    ASSERT_TRUE(std::equal(images[i].pixels.begin(), images[i].pixels.end(), e)) << i;
  }
  EXPECT_EQ(images[0].pixels[0], static_cast<uint8_t>(std::nearbyint(0.5f / 255.0f * 255.0f)));
}

TEST(TensorConversion, RejectsMixedSizesAndEmptyBatch) {
  EXPECT_THROW(images_to_tensor({}), InvalidArgument);
  EXPECT_THROW(images_to_tensor({Image(4, 4), Image(4, 5)}), InvalidArgument);
}

TEST_F(StraightThrough, ForwardEqualsCodecOutputExactly) {
  for (const char* spec : {"jpeg:50", "jpeg:10:444", "webp:25", "jpeg2000:250"}) {
    const torch::Tensor x = images_to_tensor(batch_);
    const Attack layer = make_attack(spec);
    const torch::Tensor y = layer->forward(x, x);
    const RoundTrip expected = make_codec(spec)->round_trip_batch(batch_, 1);
    EXPECT_TRUE(torch::equal(y, images_to_tensor(expected.images))) << spec;
    EXPECT_EQ(tensor_to_images(y), expected.images) << spec;
    ASSERT_TRUE(layer->last_compressed_bytes().has_value());
    EXPECT_EQ(*layer->last_compressed_bytes(), expected.compressed_bytes) << spec;
  }
}

TEST_F(StraightThrough, CodesTheRoundedInput) {
  // Off-grid values in and outside [0,1]: the codec sees round(clamp(x)*255).
  const torch::Tensor x = (images_to_tensor(batch_) + torch::randn({8, 3, 64, 64}) * 0.01);
  const torch::Tensor y = make_attack("jpeg:75")->forward(x, x);
  const RoundTrip expected = make_codec("jpeg:75")->round_trip_batch(tensor_to_images(x), 1);
  EXPECT_TRUE(torch::equal(y, images_to_tensor(expected.images)));
}

TEST_F(StraightThrough, GradientIsIdentity) {
  const torch::Tensor x = images_to_tensor(batch_).requires_grad_(true);
  const torch::Tensor w = torch::randn_like(x);
  const torch::Tensor y = make_attack("jpeg:25")->forward(x, x.detach());
  (y * w).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::equal(x.grad(), w));
}

TEST_F(StraightThrough, ThreadCountDoesNotChangeTheResult) {
  const torch::Tensor x = images_to_tensor(batch_);
  AttackOptions one, many;
  one.codec_threads = 1;
  many.codec_threads = 4;
  EXPECT_TRUE(torch::equal(make_attack("webp:50", one)->forward(x, x),
                           make_attack("webp:50", many)->forward(x, x)));
}

TEST_F(StraightThrough, SplitAttacksEqualSlices) {
  const torch::Tensor x = images_to_tensor(batch_);
  const Attack split = make_attack("split(jpeg:10, identity, jpeg:90, webp:50)");
  EXPECT_EQ(split->spec(), "split(jpeg:10:420,identity,jpeg:90:420,webp:50)");
  const torch::Tensor y = split->forward(x, x);
  const char* parts[] = {"jpeg:10", "identity", "jpeg:90", "webp:50"};
  for (int i = 0; i < 4; ++i) {
    const torch::Tensor slice = x.narrow(0, 2 * i, 2);
    EXPECT_TRUE(torch::equal(y.narrow(0, 2 * i, 2), make_attack(parts[i])->forward(slice, slice)))
        << parts[i];
  }
  EXPECT_THROW(make_attack("split(jpeg:10,jpeg:20,jpeg:30)")->forward(x, x), InvalidArgument);
}

TEST_F(StraightThrough, ChoicePicksEachChildAndIsSeeded) {
  const torch::Tensor x = images_to_tensor(batch_);
  const Attack choice = make_attack("choice(identity,jpeg:10)");
  const torch::Tensor low = make_attack("jpeg:10")->forward(x, x);
  int identity = 0, jpeg = 0;
  std::vector<bool> picks;
  for (int i = 0; i < 40; ++i) {
    const torch::Tensor y = choice->forward(x, x);
    const bool is_id = torch::equal(y, x);
    ASSERT_TRUE(is_id || torch::equal(y, low));
    (is_id ? identity : jpeg)++;
    picks.push_back(is_id);
  }
  EXPECT_GT(identity, 5);
  EXPECT_GT(jpeg, 5);
  torch::manual_seed(7);
  std::vector<bool> again;
  for (int i = 0; i < 40; ++i) again.push_back(torch::equal(choice->forward(x, x), x));
  EXPECT_EQ(picks, again);
}

TEST(AttackSpec, UnknownAndMalformedSpecsSayWhatWasExpected) {
  for (const char* bad : {"jpg:50", "split()", "choice(jpeg:50):3", "jpeg(webp:5)", "identity:3",
                          "jpeg:0", "webp:101", "jpeg2000:2000"}) {
    try {
      make_attack(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("spec '"), std::string::npos) << msg;
      EXPECT_TRUE(msg.find("expected") != std::string::npos ||
                  msg.find("must be") != std::string::npos)
          << msg;
    }
  }
}

}  // namespace
}  // namespace robusthide
