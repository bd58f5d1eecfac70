// Tests of SSIM and of evaluate(): hand-computed figures, known answers, presets, formats.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/dataset.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/metrics.h"
#include "robusthide/model.h"
#include "robusthide/tensor.h"
#include "test_util.h"

namespace robusthide {
namespace {

// ---- SSIM ---------------------------------------------------------------------------

// A deterministic structured image and a distorted copy of it (the same formulas as in
// the Python snippet below, so the reference values can be recomputed anywhere).
Image pattern(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.pixels[(static_cast<size_t>(y) * w + x) * 3 + c] =
            static_cast<uint8_t>((x * 7 + y * 13 + c * 50 + (x * y) % 17) % 256);
  return img;
}

Image distorted(const Image& a) {
  Image b(a.width, a.height);
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x)
      for (int c = 0; c < 3; ++c) {
        const size_t i = (static_cast<size_t>(y) * a.width + x) * 3 + c;
        b.pixels[i] = static_cast<uint8_t>((a.pixels[i] * 3 + ((x ^ y) + c) % 64) / 4);
      }
  return b;
}

Image inverted(const Image& a) {
  Image b = a;
  for (auto& p : b.pixels) p = static_cast<uint8_t>(255 - p);
  return b;
}

Image uniform(int w, int h, uint8_t v) {
  Image img(w, h);
  std::fill(img.pixels.begin(), img.pixels.end(), v);
  return img;
}

TEST(Ssim, IdenticalImagesGiveOne) {
  const Image a = pattern(40, 23);
  EXPECT_NEAR(ssim(a, a), 1.0, 1e-12);
  const Image photo = test::crop(read_image(test::sample_photo_path()), 10, 20, 64, 48);
  EXPECT_NEAR(ssim(photo, photo), 1.0, 1e-12);
}

TEST(Ssim, UniformImagesGiveTheLuminanceTerm) {
  // Zero variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 255)^2.
  const double c1 = 6.5025;
  EXPECT_NEAR(ssim(uniform(16, 16, 100), uniform(16, 16, 120)),
              (2.0 * 100 * 120 + c1) / (100.0 * 100 + 120.0 * 120 + c1), 1e-12);
  EXPECT_NEAR(ssim(uniform(20, 12, 0), uniform(20, 12, 255)), c1 / (255.0 * 255 + c1), 1e-12);
}

TEST(Ssim, MatchesScikitImage) {
  // Reference values from scikit-image 0.19.3 (Debian python3-skimage):
  //   a, b = pattern(W, H), distorted(pattern(W, H))   (same formulas, numpy uint8 HxWx3)
  //   structural_similarity(a, b, channel_axis=-1, gaussian_weights=True, sigma=1.5,
  //                         use_sample_covariance=False, data_range=255)
  const Image a = pattern(40, 23);
  EXPECT_NEAR(ssim(a, distorted(a)), 0.9336397477789568, 1e-10);
  EXPECT_NEAR(ssim(a, inverted(a)), -0.6795275736687231, 1e-10);
  const Image small = pattern(11, 11);  // exactly one window
  EXPECT_NEAR(ssim(small, distorted(small)), 0.9254773520025883, 1e-10);
  // Only G differs: the mean of the per-channel values (1, SSIM_G, 1).
  Image one = a;
  const Image b = distorted(a);
  for (size_t i = 1; i < one.pixels.size(); i += 3) one.pixels[i] = b.pixels[i];
  EXPECT_NEAR(ssim(a, one), 0.9779094532165745, 1e-10);
}

TEST(Ssim, IsSymmetricAndDecreasesWithDistortion) {
  const Image photo = test::crop(read_image(test::sample_photo_path()), 0, 0, 64, 64);
  const Image q90 = make_codec("jpeg:90")->round_trip(photo).images[0];
  const Image q10 = make_codec("jpeg:10")->round_trip(photo).images[0];
  EXPECT_NEAR(ssim(photo, q10), ssim(q10, photo), 1e-12);
  EXPECT_GT(ssim(photo, q90), ssim(photo, q10));
  EXPECT_LT(ssim(photo, q90), 1.0);
}

TEST(Ssim, BatchMatchesPerImage) {
  const Image a = pattern(24, 16), b = distorted(a);
  const Image c = test::noise_image(24, 16, 3), d = test::noise_image(24, 16, 4);
  const torch::Tensor x = images_to_tensor({a, c}), y = images_to_tensor({b, d});
  const std::vector<double> s = batch_ssim(x, y, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0], ssim(a, b));
  EXPECT_DOUBLE_EQ(s[1], ssim(c, d));
}

TEST(Ssim, RejectsBadInputs) {
  EXPECT_THROW(ssim(pattern(16, 16), pattern(16, 17)), InvalidArgument);
  EXPECT_THROW(ssim(pattern(10, 16), pattern(10, 16)), InvalidArgument);
  EXPECT_THROW(batch_ssim(torch::zeros({1, 3, 16, 16}), torch::zeros({2, 3, 16, 16})),
               InvalidArgument);
}

// ---- evaluate -------------------------------------------------------------------------

ModelConfig tiny_config() { return test::tiny_config(16, 8); }

class EvaluateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const Image photo = read_image(test::sample_photo_path());
    for (int i = 0; i < 5; ++i) {
      write_image(test::crop(photo, 20 + 37 * i, 30 + 11 * i, 24, 20),
                  dir_->file("img" + std::to_string(i) + ".png"));
    }
    DatasetOptions o;
    o.crop_size = 16;
    o.threads = 1;
    dataset_ = new ImageFolderDataset({dir_->path()}, o);
  }
  static void TearDownTestSuite() {
    delete dataset_;
    delete dir_;
  }
  static Model make_model() {
    torch::manual_seed(7);
    return Model(tiny_config());
  }
  static test::TempDir* dir_;
  static ImageFolderDataset* dataset_;
};
test::TempDir* EvaluateTest::dir_ = nullptr;
ImageFolderDataset* EvaluateTest::dataset_ = nullptr;

TEST_F(EvaluateTest, MatchesHandComputedFigures) {
  Model model = make_model();
  EvalOptions o;
  o.attacks = {"identity", "jpeg:50"};
  o.batch_size = 3;
  o.seed = 11;
  const EvalReport r = evaluate(model, *dataset_, o);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.images, 5);
  EXPECT_EQ(r.message_bits, 8);
  EXPECT_EQ(r.image_width, 16);

  // The same computation by hand, batch by batch: [0,1,2], [3,4].
  model.encoder->eval();
  model.decoder->eval();
  torch::NoGradGuard no_grad;
  int64_t errors_identity = 0, errors_jpeg = 0;
  size_t jpeg_bytes = 0;
  double psnr_sum = 0, ssim_sum = 0, jpeg_psnr_sum = 0;
  const auto codec = make_codec("jpeg:50");
  for (const auto& batch : std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4}}) {
    const torch::Tensor cover = dataset_->center_crops(batch);
    const torch::Tensor message =
        eval_messages(11, batch[0], static_cast<int64_t>(batch.size()), 8);
    const std::vector<Image> covers = tensor_to_images(cover);
    const std::vector<Image> encoded = tensor_to_images(model.encoder->forward(cover, message));
    const RoundTrip trip = codec->round_trip_batch(encoded, 1);
    const std::vector<Image>& jpeg = trip.images;
    jpeg_bytes += trip.compressed_bytes;
    errors_identity += bit_errors(model.decoder->forward(images_to_tensor(encoded)), message);
    errors_jpeg += bit_errors(model.decoder->forward(images_to_tensor(jpeg)), message);
    for (size_t i = 0; i < batch.size(); ++i) {
      psnr_sum += psnr(covers[i], encoded[i]);
      ssim_sum += ssim(covers[i], encoded[i]);
      jpeg_psnr_sum += psnr(covers[i], jpeg[i]);
    }
  }
  for (const EvalRow& row : r.rows) {
    EXPECT_EQ(row.images, 5);
    EXPECT_EQ(row.bits, 40);
    EXPECT_NEAR(row.psnr_db, psnr_sum / 5, 1e-9);
    EXPECT_NEAR(row.ssim, ssim_sum / 5, 1e-9);
    EXPECT_FALSE(row.per_clip_messages);
  }
  EXPECT_EQ(r.rows[0].attack, "identity");
  EXPECT_EQ(r.rows[0].bit_errors, errors_identity);
  EXPECT_DOUBLE_EQ(r.rows[0].ber, errors_identity / 40.0);
  EXPECT_NEAR(*r.rows[0].attacked_psnr_db, psnr_sum / 5, 1e-9);
  EXPECT_FALSE(r.rows[0].bits_per_pixel.has_value());
  EXPECT_EQ(r.rows[1].attack.rfind("jpeg:50", 0), 0u) << r.rows[1].attack;
  EXPECT_EQ(r.rows[1].bit_errors, errors_jpeg);
  EXPECT_NEAR(*r.rows[1].attacked_psnr_db, jpeg_psnr_sum / 5, 1e-9);
  ASSERT_TRUE(r.rows[1].bits_per_pixel.has_value());
  EXPECT_NEAR(*r.rows[1].bits_per_pixel, 8.0 * jpeg_bytes / (5 * 16 * 16), 1e-9);
}

TEST_F(EvaluateTest, MessagesPerImageAddsIndependentRepeats) {
  // Three messages per image = the three single-message runs with the repeat seeds.
  const Model model = make_model();
  EvalOptions o;
  o.attacks = {"identity", "jpeg:30"};
  o.batch_size = 2;
  o.max_images = 3;
  o.seed = 5;
  EXPECT_EQ(eval_repeat_seed(5, 0), 5u);
  EXPECT_NE(eval_repeat_seed(5, 1), eval_repeat_seed(5, 2));
  std::vector<EvalReport> single;
  for (int r = 0; r < 3; ++r) {
    EvalOptions one = o;
    one.seed = eval_repeat_seed(5, r);
    single.push_back(evaluate(model, *dataset_, one));
  }
  o.messages_per_image = 3;
  const EvalReport r = evaluate(model, *dataset_, o);
  EXPECT_EQ(r.messages_per_image, 3);
  ASSERT_EQ(r.rows.size(), 2u);
  for (size_t a = 0; a < r.rows.size(); ++a) {
    const EvalRow& row = r.rows[a];
    EXPECT_EQ(row.images, 3);
    EXPECT_EQ(row.bits, 3 * 3 * 8);
    int64_t errors = 0;
    double psnr_sum = 0.0, delta_e_sum = 0.0;
    for (const EvalReport& s : single) {
      errors += s.rows[a].bit_errors;
      psnr_sum += s.rows[a].psnr_db;
      delta_e_sum += s.rows[a].ciede2000_mean;
    }
    EXPECT_EQ(row.bit_errors, errors) << row.attack;
    EXPECT_NEAR(row.psnr_db, psnr_sum / 3, 1e-9) << row.attack;
    EXPECT_NEAR(row.ciede2000_mean, delta_e_sum / 3, 1e-9) << row.attack;
    const ProportionInterval ci = wilson_interval(row.bit_errors, row.bits);
    EXPECT_EQ(row.ber_ci_low, ci.low);
    EXPECT_EQ(row.ber_ci_high, ci.high);
    EXPECT_LE(row.ber_ci_low, row.ber);
    EXPECT_GE(row.ber_ci_high, row.ber);
    EXPECT_LT(row.ber_ci_high - row.ber_ci_low, 1.0);
  }
  o.messages_per_image = 0;
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
}

TEST(WilsonInterval, MatchesNewcombesTable) {
  // Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score, no
  // continuity correction), to the published four decimals.
  struct Case {
    int64_t k, n;
    double low, high;
  };
  for (const Case& c : {Case{81, 263, 0.2553, 0.3662}, Case{15, 148, 0.0624, 0.1605},
                        Case{0, 20, 0.0, 0.1611}, Case{1, 29, 0.0061, 0.1718}}) {
    const ProportionInterval ci = wilson_interval(c.k, c.n);
    EXPECT_NEAR(ci.low, c.low, 5e-5) << c.k << "/" << c.n;
    EXPECT_NEAR(ci.high, c.high, 5e-5) << c.k << "/" << c.n;
  }
  EXPECT_EQ(wilson_interval(0, 3000).low, 0.0);
  EXPECT_NEAR(wilson_interval(0, 3000).high, 0.0012788, 1e-7);  // z^2 / (n + z^2)
  EXPECT_EQ(wilson_interval(7, 7).high, 1.0);
  EXPECT_EQ(wilson_interval(0, 0).low, 0.0);
  EXPECT_EQ(wilson_interval(0, 0).high, 1.0);
  EXPECT_THROW(wilson_interval(4, 3), InvalidArgument);
  EXPECT_THROW(wilson_interval(-1, 3), InvalidArgument);
}

// Sets the decoder's final Linear layer to weight 0, bias `bias`: every bit decodes alike.
void constant_decoder(Model& model, float bias) {
  torch::NoGradGuard no_grad;
  int linears = 0;
  for (const auto& m : model.decoder->modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::Linear>()) {
      linear->weight.zero_();
      linear->bias.fill_(bias);
      ++linears;
    }
  }
  ASSERT_EQ(linears, 1);
}

int64_t zeros(const torch::Tensor& m) { return m.eq(0).sum().item<int64_t>(); }

TEST_F(EvaluateTest, KnownAnswerWithConstantDecoder) {
  Model model = make_model();
  constant_decoder(model, 1.0f);  // every bit decodes as 1
  EvalOptions o;
  o.attacks = {"identity", "blur:1", "crop:0.75"};
  o.batch_size = 2;
  o.seed = 5;
  o.max_images = 4;
  const EvalReport r = evaluate(model, *dataset_, o);
  const int64_t wrong = zeros(eval_messages(5, 0, 4, 8));
  ASSERT_GT(wrong, 0);
  ASSERT_LT(wrong, 32);
  ASSERT_EQ(r.rows.size(), 3u);
  for (const EvalRow& row : r.rows) {
    EXPECT_EQ(row.images, 4);
    EXPECT_EQ(row.bit_errors, wrong) << row.attack;
    EXPECT_DOUBLE_EQ(row.ber, wrong / 32.0) << row.attack;
  }
  EXPECT_FALSE(r.rows[2].attacked_psnr_db.has_value());  // crop changes the size
  EXPECT_TRUE(r.rows[1].attacked_ssim.has_value());
  EXPECT_DOUBLE_EQ(*r.rows[0].attacked_ssim, r.rows[0].ssim);  // identity changes nothing
  EXPECT_NE(*r.rows[1].attacked_ssim, r.rows[1].ssim);

  constant_decoder(model, 0.0f);  // every bit decodes as 0
  const EvalReport r0 = evaluate(model, *dataset_, o);
  EXPECT_EQ(r0.rows[0].bit_errors, 32 - wrong);
}

TEST_F(EvaluateTest, VideoAttacksShareOneMessagePerClip) {
  Model model = make_model();
  constant_decoder(model, 1.0f);
  EvalOptions o;
  o.attacks = {"mpeg4", "identity"};
  o.batch_size = 3;  // clips of 3 and 2 frames
  o.seed = 9;
  o.video_messages = VideoMessages::kPerClip;
  const EvalReport r = evaluate(model, *dataset_, o);
  const int64_t clip_wrong =
      3 * zeros(eval_clip_message(9, 0, 8)) + 2 * zeros(eval_clip_message(9, 1, 8));
  EXPECT_TRUE(r.rows[0].per_clip_messages);
  EXPECT_EQ(r.rows[0].bit_errors, clip_wrong);
  EXPECT_TRUE(r.rows[0].bits_per_pixel.has_value());
  EXPECT_FALSE(r.rows[1].per_clip_messages);
  EXPECT_EQ(r.rows[1].bit_errors, zeros(eval_messages(9, 0, 5, 8)));

  o.video_messages = VideoMessages::kPerImage;
  const EvalReport p = evaluate(model, *dataset_, o);
  EXPECT_FALSE(p.rows[0].per_clip_messages);
  EXPECT_EQ(p.rows[0].bit_errors, zeros(eval_messages(9, 0, 5, 8)));
}

TEST_F(EvaluateTest, RandomAttacksAreReproducibleAndIndependentOfTheList) {
  Model model = make_model();
  EvalOptions o;
  o.attacks = {"dropout:0.5"};
  o.batch_size = 2;
  const EvalRow alone = evaluate(model, *dataset_, o).rows[0];
  o.attacks = {"identity", "noise:0.1", "dropout:0.5"};
  const EvalReport r = evaluate(model, *dataset_, o);
  EXPECT_EQ(r.rows[2].bit_errors, alone.bit_errors);
  EXPECT_DOUBLE_EQ(*r.rows[2].attacked_psnr_db, *alone.attacked_psnr_db);
  // The attack really is random: another seed gives another distortion.
  o.seed = 1;
  EXPECT_NE(*evaluate(model, *dataset_, o).rows[2].attacked_psnr_db, *alone.attacked_psnr_db);
}

TEST_F(EvaluateTest, RestoresTrainingModeAndLeavesBatchNormStatistics) {
  Model model = make_model();
  model.encoder->train();
  model.decoder->train();
  std::vector<torch::Tensor> before;
  for (const auto& b : model.decoder->buffers()) before.push_back(b.clone());
  evaluate(model, *dataset_, EvalOptions{});
  EXPECT_TRUE(model.encoder->is_training());
  EXPECT_TRUE(model.decoder->is_training());
  const auto after = model.decoder->buffers();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(after[i].equal(before[i]));
}

TEST_F(EvaluateTest, BadOptionsAreRejectedBeforeAnyWork) {
  Model model = make_model();
  EvalOptions o;
  o.attacks = {"identity", "jpg:50"};
  try {
    evaluate(model, *dataset_, o);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("jpg"), std::string::npos) << e.what();
  }
  o.attacks = {"jpeg:500"};
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
  o.attacks = {};
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
  o.attacks = {"identity"};
  o.batch_size = 0;
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
}

TEST_F(EvaluateTest, CudaAgreesWithCpu_CUDA) {
  // The networks run on the GPU, crops, rounding, metrics and codecs on the CPU: the
  // figures agree up to float differences (TF32, other kernels) that may flip a few
  // 8-bit roundings or a bit near 0.5.
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const Model model = make_model();
  EvalOptions o;
  o.attacks = {"identity", "jpeg:50"};
  const EvalReport cpu = evaluate(model, *dataset_, o);
  o.device = "cuda";
  const EvalReport gpu = evaluate(model, *dataset_, o);
  ASSERT_EQ(gpu.rows.size(), cpu.rows.size());
  for (size_t a = 0; a < cpu.rows.size(); ++a) {
    EXPECT_LE(std::abs(gpu.rows[a].bit_errors - cpu.rows[a].bit_errors), 2) << cpu.rows[a].attack;
    EXPECT_NEAR(gpu.rows[a].psnr_db, cpu.rows[a].psnr_db, 0.1) << cpu.rows[a].attack;
    EXPECT_NEAR(gpu.rows[a].ssim, cpu.rows[a].ssim, 1e-3) << cpu.rows[a].attack;
  }
  // The networks are back where they were.
  EXPECT_EQ(model.encoder->parameters().front().device().type(), torch::kCPU);
  EXPECT_EQ(model.decoder->parameters().front().device().type(), torch::kCPU);
}

TEST_F(EvaluateTest, StrengthScalesTheResidual) {
  Model model = make_model();
  EvalOptions o;
  o.attacks = {"identity"};
  const EvalReport one = evaluate(model, *dataset_, o);
  o.strength = 0.25;
  const EvalReport quarter = evaluate(model, *dataset_, o);
  EXPECT_EQ(quarter.strength, 0.25);
  // A quarter of the residual: ~12 dB more PSNR (20 log10 4), less before clamping.
  EXPECT_GT(quarter.rows[0].psnr_db, one.rows[0].psnr_db + 6);
  o.strength = 0;
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
  o.strength = 50;
  EXPECT_THROW(evaluate(model, *dataset_, o), InvalidArgument);
}

TEST(EvaluateMessages, DependOnlyOnSeedAndImageIndex) {
  const torch::Tensor all = eval_messages(3, 0, 10, 30);
  EXPECT_TRUE(eval_messages(3, 4, 3, 30).equal(all.slice(0, 4, 7)));
  EXPECT_FALSE(eval_messages(4, 0, 10, 30).equal(all));
  EXPECT_TRUE(all.eq(0).logical_or(all.eq(1)).all().item<bool>());
  const double ones = all.mean().item<double>();
  EXPECT_GT(ones, 0.35);
  EXPECT_LT(ones, 0.65);
  EXPECT_FALSE(eval_clip_message(3, 0, 30).equal(all.slice(0, 0, 1)));
  EXPECT_NE(eval_attack_seed(3, "jpeg:50:420", 0), eval_attack_seed(3, "jpeg:50:420", 1));
  EXPECT_NE(eval_attack_seed(3, "jpeg:50:420", 0), eval_attack_seed(3, "jpeg:90:420", 0));
}

TEST(EvaluatePresets, ExpandToThePapersSpecs) {
  EXPECT_EQ(eval_table("jpeg"),
            (std::vector<std::string>{"jpeg:10", "jpeg:25", "jpeg:50", "jpeg:75", "jpeg:90"}));
  EXPECT_EQ(eval_table("jpeg2000"),
            (std::vector<std::string>{"jpeg2000:100", "jpeg2000:250", "jpeg2000:500",
                                      "jpeg2000:750", "jpeg2000:900"}));
  EXPECT_EQ(eval_table("webp"),
            (std::vector<std::string>{"webp:10", "webp:25", "webp:50", "webp:75", "webp:90"}));
  EXPECT_EQ(eval_table("video"), (std::vector<std::string>{"mpeg4", "xvid"}));
  EXPECT_EQ(eval_table_names(), (std::vector<std::string>{"jpeg", "jpeg2000", "webp", "video"}));
  for (const auto& name : eval_table_names()) {
    for (const auto& spec : eval_table(name)) {
      EXPECT_NO_THROW(make_attack(spec)) << spec;
      EXPECT_EQ(is_video_attack(spec), name == "video") << spec;
    }
  }
  try {
    eval_table("png");
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'png'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("jpeg2000"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(is_video_attack("split(jpeg:10,jpeg:90)"));
  EXPECT_TRUE(is_video_attack("h264:crf=30"));
  EXPECT_THROW(is_video_attack("split(jpeg:10"), InvalidArgument);
}

// ---- report formats ------------------------------------------------------------------

EvalReport sample_report() {
  EvalReport r;
  r.model = "hidden 16px 8 bits";
  r.message_bits = 8;
  r.image_width = r.image_height = 16;
  r.images = 4;
  r.batch_size = 2;
  r.seed = 3;
  EvalRow a;
  a.attack = "identity";
  a.images = 4;
  a.bits = 32;
  a.bit_errors = 1;
  a.ber = 1.0 / 32;
  a.psnr_db = 31.25;
  a.ssim = 0.875;
  a.ciede2000_mean = 1.25;
  a.ciede2000_p99 = 4.5;
  a.flat_visible_share = 0.125;
  a.attacked_psnr_db = 31.25;
  a.attacked_ssim = 0.875;
  EvalRow b = a;
  b.attack = "split(jpeg:10:420,jpeg:90:420)";
  b.bit_errors = 8;
  b.ber = 0.25;
  b.attacked_psnr_db.reset();
  b.attacked_ssim.reset();
  b.bits_per_pixel = 1.5;
  EvalRow c = a;
  c.attack = "mpeg4";
  c.per_clip_messages = true;
  c.psnr_db = std::numeric_limits<double>::infinity();
  r.rows = {a, b, c};
  return r;
}

// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted && ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (ch == '"') {
      quoted = !quoted;
    } else if (ch == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

TEST(EvaluateReport, CsvHasTheDocumentedColumns) {
  std::istringstream in(format_report(sample_report(), ReportFormat::kCsv));
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(csv_split(line));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"attack", "messages", "images", "bits", "bit_errors", "ber",
                                      "psnr_db", "ssim", "ciede2000_mean", "ciede2000_p99",
                                      "flat_visible_share", "attacked_psnr_db", "attacked_ssim",
                                      "bits_per_pixel", "seconds", "ber_ci_low", "ber_ci_high"}));
  for (const auto& r : rows) EXPECT_EQ(r.size(), 17u);
  EXPECT_DOUBLE_EQ(std::stod(rows[1][8]), 1.25);    // ciede2000_mean
  EXPECT_DOUBLE_EQ(std::stod(rows[1][10]), 0.125);  // flat_visible_share
  EXPECT_EQ(rows[1][0], "identity");
  EXPECT_EQ(rows[1][1], "per-image");
  EXPECT_EQ(rows[1][3], "32");
  EXPECT_DOUBLE_EQ(std::stod(rows[1][5]), 1.0 / 32);
  EXPECT_DOUBLE_EQ(std::stod(rows[1][6]), 31.25);
  EXPECT_EQ(rows[1][13], "");
  EXPECT_EQ(rows[2][0], "split(jpeg:10:420,jpeg:90:420)");  // quoted, comma kept
  EXPECT_EQ(rows[2][11], "");
  EXPECT_DOUBLE_EQ(std::stod(rows[2][13]), 1.5);
  EXPECT_EQ(rows[3][1], "per-clip");
  EXPECT_EQ(rows[3][6], "inf");
}

TEST(EvaluateReport, JsonParses) {
  const auto j = nlohmann::json::parse(format_report(sample_report(), ReportFormat::kJson));
  EXPECT_EQ(j["images"], 4);
  EXPECT_EQ(j["message_bits"], 8);
  EXPECT_EQ(j["seed"], 3);
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][1]["attack"], "split(jpeg:10:420,jpeg:90:420)");
  EXPECT_DOUBLE_EQ(j["rows"][1]["ber"].get<double>(), 0.25);
  EXPECT_TRUE(j["rows"][1]["attacked_psnr_db"].is_null());
  EXPECT_DOUBLE_EQ(j["rows"][1]["bits_per_pixel"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["rows"][0]["ciede2000_p99"].get<double>(), 4.5);
  EXPECT_TRUE(j["rows"][2]["psnr_db"].is_null());  // infinite
  EXPECT_EQ(j["rows"][2]["messages"], "per-clip");
}

TEST(EvaluateReport, TextIsAnAlignedTable) {
  const std::string text = format_report(sample_report(), ReportFormat::kText);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_GE(lines.size(), 7u);
  EXPECT_EQ(lines[3].rfind("attack", 0), 0u) << text;
  EXPECT_NE(lines[3].find("BER %"), std::string::npos);
  EXPECT_NE(lines[4].find("3.125"), std::string::npos) << lines[4];  // BER in percent
  EXPECT_NE(lines[5].find("25.000"), std::string::npos) << lines[5];
  EXPECT_NE(lines[6].find("inf"), std::string::npos) << lines[6];
  EXPECT_NE(lines[6].find("mpeg4 *"), std::string::npos) << lines[6];
  // Aligned: the header and rows have the same length, the numbers are right-aligned.
  EXPECT_EQ(lines[4].size(), lines[3].size());
  EXPECT_EQ(lines[5].size(), lines[3].size());
  EXPECT_NE(text.find("same bits in every frame"), std::string::npos);
}

TEST(EvaluateReport, FormatNames) {
  EXPECT_EQ(parse_report_format("text"), ReportFormat::kText);
  EXPECT_EQ(parse_report_format("csv"), ReportFormat::kCsv);
  EXPECT_EQ(parse_report_format("json"), ReportFormat::kJson);
  EXPECT_THROW(parse_report_format("xml"), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
