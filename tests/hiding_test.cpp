// Image-in-image hiding (hiding.h): config checks, the networks' contracts, the pipeline
// and a small learning check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/hiding.h"
#include "robusthide/model.h"
#include "test_util.h"

namespace robusthide {
namespace {

HidingConfig small_hiding(int size = 32) {
  HidingConfig c;
  c.image_size = size;
  c.hider_levels = 2;
  c.hider_channels = 8;
  c.reveal_levels = 2;
  c.reveal_channels = 8;
  c.reveal_blocks = 1;
  return c;
}

void expect_invalid(const HidingConfig& c, const std::string& needle) {
  try {
    c.validate();
    FAIL() << "accepted; expected an error mentioning " << needle;
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(HidingConfigTest, DefaultsSummaryAndChecks) {
  const HidingConfig d;
  EXPECT_NO_THROW(d.validate());
  EXPECT_EQ(d.summary(), "hiding 128px hider 3x32 reveal 2x32+2 apd 8");
  HidingConfig c = d;
  c.cover_aware = true;
  c.shaping.flat = 0.5;
  EXPECT_EQ(c.summary(),
            "hiding 128px hider 3x32 cover-aware reveal 2x32+2 apd 8 shaped chroma 1 "
            "flat 0.5 texture 8");
  EXPECT_NE(c, d);

  c = d;
  c.target_apd = 0;
  expect_invalid(c, "target_apd = 0 is out of range (0, 64]");
  c = d;
  c.image_size = 100;  // not a multiple of 2^3
  expect_invalid(c, "multiple of 2^3");
  c = d;
  c.hider_channels = 256;
  c.hider_levels = 6;  // 256 << 5 channels at the bottom
  c.image_size = 128;
  expect_invalid(c, "bottom would have 8192 channels");
  c = d;
  c.shaping.flat = 0;
  expect_invalid(c, "shaping flat = 0");
}

TEST(HidingNets, ResidualBudgetCoverIndependenceAndShapes) {
  torch::manual_seed(5);
  const HidingConfig c = small_hiding();
  const HidingModel m(c);
  const torch::Tensor secret = torch::rand({3, 3, 32, 32});
  const torch::Tensor cover_a = torch::rand({3, 3, 32, 32}), cover_b = torch::rand({3, 3, 32, 32});
  m.hider->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor r = m.hider->forward(secret, cover_a);
  ASSERT_EQ(r.sizes(), secret.sizes());
  // Every image's residual spends exactly the budget.
  const torch::Tensor apd = r.abs().mean({1, 2, 3}) * 255;
  EXPECT_TRUE(torch::allclose(apd, torch::full({3}, 8.0), 1e-4, 1e-4)) << apd;
  // Cover-independent by default: the same residual for any cover; cover-aware: not.
  EXPECT_TRUE(torch::equal(r, m.hider->forward(secret, cover_b)));
  HidingConfig aware = c;
  aware.cover_aware = true;
  const HidingModel ma(aware);
  ma.hider->eval();
  EXPECT_GT((ma.hider->forward(secret, cover_a) - ma.hider->forward(secret, cover_b))
                .abs()
                .max()
                .item<double>(),
            1e-4);
  EXPECT_THROW(ma.hider->forward(secret, torch::rand({3, 3, 16, 16})), InvalidArgument);

  const torch::Tensor revealed = m.revealer->forward(torch::rand({2, 3, 64, 48}));
  EXPECT_EQ(revealed.sizes(), (c10::IntArrayRef{2, 3, 64, 48}));
  EXPECT_GE(revealed.min().item<double>(), 0.0);
  EXPECT_LE(revealed.max().item<double>(), 1.0);
  EXPECT_THROW(m.revealer->forward(torch::rand({1, 3, 30, 32})), InvalidArgument);  // not 4k
  EXPECT_THROW(m.revealer->forward(torch::rand({1, 1, 32, 32})), InvalidArgument);
}

TEST(HidingNets, FlopsFollowTheLevels) {
  // Hider at 32px, 8 channels, 2 levels, 3 inputs: down 3->8 @16, 8->16 @8; up 16->8 @8
  // (low side), 16->8 @16; output 3x3 (8+3)->3 @32. A 4x4 level down: in x out x 16 MACs
  // per low-resolution pixel; up: a 3x3 convolution to 4 out at the low resolution.
  const HidingModel m(small_hiding());
  const int64_t hider = 2 * (3 * 8 * 16 * 16 * 16 + 8 * 16 * 16 * 8 * 8 + 16 * 32 * 9 * 8 * 8 +
                             16 * 32 * 9 * 16 * 16 + 11 * 3 * 9 * 32 * 32);
  EXPECT_EQ(m.hider->flops(), hider);
  HidingConfig wider = small_hiding();
  wider.reveal_blocks = 3;
  EXPECT_EQ(HidingModel(wider).revealer->flops() - m.revealer->flops(),
            2 * 2 * (16 * 16 * 9 * 8 * 8));  // two more 16-channel blocks at 8 x 8
}

TEST(HidingPipeline, ContainersAreEightBitAndNearTheBudget) {
  torch::manual_seed(7);
  const HidingModel m(small_hiding());
  m.hider->eval();
  const torch::Tensor cover = torch::full({2, 3, 32, 32}, 0.5);  // no clamping
  const torch::Tensor secret = torch::rand({2, 3, 32, 32});
  torch::NoGradGuard no_grad;
  const torch::Tensor container = hide_batch(m, cover, secret);
  const torch::Tensor levels = container * 255;
  EXPECT_TRUE(torch::allclose(levels, levels.round(), 0, 1e-4));
  const double apd = (container - cover).abs().mean().item<double>() * 255;
  EXPECT_NEAR(apd, 8.0, 0.5);  // the budget, give or take the rounding
  EXPECT_NEAR((hide_batch(m, cover, secret, 0.5) - cover).abs().mean().item<double>() * 255, 4.0,
              0.5);
  EXPECT_THROW(hide_batch(m, cover, secret, 0.0), InvalidArgument);
}

TEST(HidingPipeline, RevealLearnsTheSecretThroughTheContainer) {
  // A few dozen Adam steps on 16 x 16 images: the revealed secret must come much closer
  // to the secret than the best constant guess (its mean), so information crosses the
  // 8-bit container into the reveal net, and the gradient reaches the hider.
  torch::manual_seed(11);
  HidingConfig c = small_hiding(16);
  c.target_apd = 16;
  HidingModel m(c);
  std::vector<torch::Tensor> params = m.hider->parameters();
  for (const auto& p : m.revealer->parameters()) params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(3e-3));
  const torch::Tensor hider_before = m.hider->parameters()[0].detach().clone();
  double loss_value = 1;
  for (int step = 0; step < 150; ++step) {
    const torch::Tensor cover = torch::rand({8, 3, 16, 16}) * 0.5 + 0.25;
    const torch::Tensor secret =
        torch::rand({8, 3, 4, 4}).repeat_interleave(4, 2).repeat_interleave(4, 3);
    const torch::Tensor revealed = reveal_batch(m, hide_batch(m, cover, secret));
    const torch::Tensor loss = torch::mse_loss(revealed, secret);
    adam.zero_grad();
    loss.backward();
    adam.step();
    loss_value = loss.item<double>();
  }
  const double constant_guess = 1.0 / 12;  // variance of U(0, 1)
  EXPECT_LT(loss_value, constant_guess / 3) << loss_value;
  EXPECT_FALSE(torch::equal(hider_before, m.hider->parameters()[0]));
}

TEST(HidingFile, RoundTripIsExactAndOtherFilesAreRefused) {
  test::TempDir dir;
  const std::string path = dir.file("h.rhm");
  torch::manual_seed(3);
  HidingConfig c = small_hiding();
  c.cover_aware = true;
  c.shaping.flat = 0.5;
  HidingModel m(c);
  m.provenance.attack = "split(jpeg:50,jpeg2000:500,webp:50)";
  m.provenance.steps = 12;
  save_hiding_model(m, path);
  const HidingModel back = load_hiding_model(path);
  EXPECT_EQ(back.config, c);
  EXPECT_EQ(back.provenance, m.provenance);
  m.hider->eval();
  back.hider->eval();
  m.revealer->eval();
  back.revealer->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor cover = torch::rand({2, 3, 32, 32}), secret = torch::rand({2, 3, 32, 32});
  EXPECT_TRUE(torch::equal(hide_batch(m, cover, secret), hide_batch(back, cover, secret)));
  EXPECT_TRUE(torch::equal(reveal_batch(m, cover), reveal_batch(back, cover)));
  EXPECT_GE(static_cast<int64_t>(std::filesystem::file_size(path)), 4 * c.min_parameters());

  auto expect_refused = [&](const std::string& file, const std::string& needle) {
    try {
      load_hiding_model(file);
      FAIL() << "loaded " << file;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot load hiding model '" + file + "'"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // A bit model's file is another kind.
  const std::string bits = dir.file("bits.rhm");
  save_model(Model(test::tiny_fast_config(32, 8)), bits);
  expect_refused(bits, "not a robusthide hiding model file");
  // Truncated.
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string cut = dir.file("cut.rhm");
  std::ofstream(cut, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  expect_refused(cut, "truncated");
  expect_refused(dir.file("missing.rhm"), "no such file");
  // A model whose weights are not finite is not written.
  {
    torch::NoGradGuard ng;
    m.revealer->parameters()[0].fill_(NAN);
  }
  const std::string bad = dir.file("nan.rhm");
  EXPECT_THROW(save_hiding_model(m, bad), IoError);
  EXPECT_FALSE(std::filesystem::exists(bad));
}

TEST(HidingConfigTest, MinParametersIsALowerBound) {
  for (HidingConfig c : {HidingConfig{}, small_hiding(), small_hiding(64)}) {
    c.cover_aware = c.image_size == 64;
    const HidingModel m(c);
    int64_t actual = 0;
    for (const auto& p : m.hider->parameters()) actual += p.numel();
    for (const auto& p : m.revealer->parameters()) actual += p.numel();
    EXPECT_LE(c.min_parameters(), actual) << c.summary();
    EXPECT_GT(c.min_parameters(), actual / 6) << c.summary();
  }
}

}  // namespace
}  // namespace robusthide
