// Tests of the one embedding pipeline (embedding.h): shaping, the any-size path agreeing
// with the tensor path, training's validation measuring what `evaluate` measures, and
// the whole-photo evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "robusthide/dataset.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/photo_eval.h"
#include "robusthide/tensor.h"
#include "robusthide/train.h"
#include "robusthide/watermark.h"
#include "test_util.h"
#include "watermark/resample.h"
#include "watermark/shaping.h"

namespace robusthide {
namespace {

std::vector<uint8_t> some_bits(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bits(static_cast<size_t>(n));
  for (auto& b : bits) b = static_cast<uint8_t>(rng() & 1);
  return bits;
}

ModelConfig shaped_fast_config(int size, int bits) {
  ModelConfig c = test::tiny_fast_config(size, bits);
  c.shaping = Shaping{};  // the library's default shaping
  return c;
}

// A smooth horizontal grey ramp with a slight vertical colour gradient.
Image gradient_image(int w, int h) {
  Image out(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = out.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>(40 + 170 * x / (w - 1));
      p[1] = static_cast<uint8_t>(50 + 150 * x / (w - 1) + 20 * y / (h - 1));
      p[2] = static_cast<uint8_t>(60 + 120 * x / (w - 1));
    }
  }
  return out;
}

TEST(Shaping, RowByRowMaskEqualsTheTensorMask) {
  const Image photo = test::crop(read_image(test::sample_photo_path()), 30, 20, 67, 41);
  for (const Shaping& s :
       {Shaping{}, Shaping{0.0, 0.5, 3.0, false}, Shaping{1.0, 1.0, 8.0, true},
        Shaping{0.0, 0.15, 16.0, false, 200.0}, Shaping{1.0, 1.0, 8.0, false, 48.0}}) {
    const torch::Tensor mask = shaping_mask(image_to_tensor(photo), s);
    ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{1, 1, 41, 67}));
    detail::MaskRows rows(photo, s);
    std::vector<float> row(67);
    double worst = 0;
    for (int y = 0; y < 41; ++y) {
      rows.row(y, row.data());
      for (int x = 0; x < 67; ++x)
        worst = std::max(worst, std::abs(row[x] - mask[0][0][y][x].item<double>()));
    }
    EXPECT_LT(worst, 1e-5);
    EXPECT_GT(mask.max().item<double>(), mask.min().item<double>())
        << "the photo has flat and busy parts";
  }
}

TEST(Shaping, FlatRegionsGetTheFlatShareAndTextureTheFullResidual) {
  Shaping s;
  s.luminance_adaptation = false;
  Image img = test::flat_image(40, 20, 128, 128, 128);
  // The right half: strong texture (a checkerboard of 60 / 200).
  for (int y = 0; y < 20; ++y) {
    for (int x = 20; x < 40; ++x) {
      uint8_t* p = img.data() + (static_cast<size_t>(y) * 40 + x) * 3;
      p[0] = p[1] = p[2] = ((x + y) % 2) ? 200 : 60;
    }
  }
  const torch::Tensor mask = shaping_mask(image_to_tensor(img), s);
  EXPECT_FLOAT_EQ(mask[0][0][10][5].item<float>(), static_cast<float>(s.flat));
  EXPECT_FLOAT_EQ(mask[0][0][10][35].item<float>(), 1.0f);
  // Luminance adaptation: dark and bright greys tolerate different amplitudes.
  const auto& lum = detail::luminance_adaptation_table();
  EXPECT_NEAR(lum[128], 1.0f, 1e-6);
  EXPECT_GT(lum[235], 1.2f);  // CIEDE2000's S_L forgives light differences
  for (const float v : lum) {
    EXPECT_GE(v, 0.5f);
    EXPECT_LE(v, 1.5f);
  }
}

TEST(Shaping, DarkAttenuationFadesTheResidualQuadraticallyBelowItsGrey) {
  Shaping s;
  s.luminance_adaptation = false;
  s.flat = 1.0;  // no texture mask: the dark factor alone
  s.dark = 48.0;
  EXPECT_FALSE(detail::mask_is_one(s));
  EXPECT_FALSE(s.is_none());
  Image img = test::flat_image(30, 10, 12, 12, 12);  // left: near-black, 12/48 = 1/4
  for (int y = 0; y < 10; ++y) {
    for (int x = 10; x < 20; ++x)
      std::fill_n(img.data() + (static_cast<size_t>(y) * 30 + x) * 3, 3, uint8_t{24});
    for (int x = 20; x < 30; ++x)
      std::fill_n(img.data() + (static_cast<size_t>(y) * 30 + x) * 3, 3, uint8_t{100});
  }
  const torch::Tensor mask = shaping_mask(image_to_tensor(img), s);
  EXPECT_NEAR(mask[0][0][5][3].item<float>(), 1.0 / 16, 1e-4);  // (12/48)^2
  EXPECT_NEAR(mask[0][0][5][15].item<float>(), 1.0 / 4, 1e-4);  // (24/48)^2
  EXPECT_FLOAT_EQ(mask[0][0][5][25].item<float>(), 1.0f);       // above `dark`: untouched
  // With the texture mask on, the factors multiply.
  s.flat = 0.2;
  EXPECT_NEAR(shaping_mask(image_to_tensor(img), s)[0][0][5][15].item<float>(), 0.2 / 4, 1e-4);
}

// Shaping::coarse on a 512 x 256 photo marked from a 128 x 128 residual: left, flat grey
// with pixel noise (texture at full size only); right, 8 x 8 blocks of random greys
// (texture at both sizes). Mean change of each half, with and without the coarse mask.
TEST(Shaping, CoarseTextureIgnoresGrainFinerThanTheMark) {
  Image photo(512, 256);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> noise(-8, 8), block(60, 196);
  std::vector<int> levels(64 * 32);
  for (int& v : levels) v = block(rng);
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 512; ++x) {
      const int base = x < 256 ? 128 : levels[static_cast<size_t>((y / 8) * 64 + x / 8)];
      std::fill_n(photo.data() + (static_cast<size_t>(y) * 512 + x) * 3, 3,
                  static_cast<uint8_t>(std::clamp(base + noise(rng), 0, 255)));
    }
  }
  const torch::Tensor residual = torch::full({1, 3, 128, 128}, 6.0 / 255);
  auto mean_change = [&](const Shaping& s) {
    const Image marked = detail::add_resampled(photo, residual, s);
    double left = 0, right = 0;
    for (size_t i = 0; i < photo.pixels.size(); ++i) {
      const double d = std::abs(int{marked.pixels[i]} - int{photo.pixels[i]});
      ((i / 3) % 512 < 256 ? left : right) += d;
    }
    return std::make_pair(left, right);
  };
  Shaping fine{0.0, 0.05, 16.0, false, 0.0, false};
  Shaping coarse = fine;
  coarse.coarse = true;
  const auto [fine_left, fine_right] = mean_change(fine);
  const auto [coarse_left, coarse_right] = mean_change(coarse);
  EXPECT_LT(coarse_left, 0.6 * fine_left);     // the grain no longer counts as texture
  EXPECT_GT(coarse_right, 0.85 * fine_right);  // real texture still does
  EXPECT_GT(fine_left, 0.25 * fine_right);     // the grain did count before
  // At the residual's own size both masks are one mask: the same bytes.
  const Image small = test::crop(photo, 200, 60, 128, 128);
  EXPECT_EQ(detail::add_resampled(small, residual, fine).pixels,
            detail::add_resampled(small, residual, coarse).pixels);
}

TEST(Shaping, ChromaZeroAddsTheSameChangeToEveryChannel) {
  torch::manual_seed(3);
  ModelConfig c = shaped_fast_config(32, 16);
  c.shaping.flat = 1.0;
  c.shaping.luminance_adaptation = false;
  c.target_psnr = 30;
  const Model m(c);
  const Image cover = test::flat_image(32, 32, 120, 130, 110);
  const Image marked = embed_bits(m, cover, some_bits(16, 1));
  int changed = 0;
  for (size_t i = 0; i < marked.pixels.size(); i += 3) {
    const int dr = marked.pixels[i] - cover.pixels[i],
              dg = marked.pixels[i + 1] - cover.pixels[i + 1],
              db = marked.pixels[i + 2] - cover.pixels[i + 2];
    EXPECT_LE(std::abs(dr - dg), 1);  // rounding only
    EXPECT_LE(std::abs(dr - db), 1);
    changed += dr != 0;
  }
  EXPECT_GT(changed, 100);
}

TEST(Pipeline, AnySizePathEqualsTheTensorPathAtModelSize) {
  torch::manual_seed(4);
  const Model m(shaped_fast_config(32, 16));
  const Image cover = test::crop(read_image(test::sample_photo_path()), 100, 60, 32, 32);
  const std::vector<uint8_t> bits = some_bits(16, 2);
  torch::NoGradGuard no_grad;
  m.encoder->eval();
  const torch::Tensor message =
      torch::tensor(std::vector<float>(bits.begin(), bits.end())).view({1, 16});
  for (const double strength : {0.5, 1.0, 2.0}) {
    const Image from_tensor =
        tensor_to_images(embed_batch(m, image_to_tensor(cover), message, strength)).at(0);
    EXPECT_EQ(embed_bits(m, cover, bits, strength), from_tensor) << strength;
  }
}

TEST(Pipeline, EmbedBatchIsEightBitWithAStraightThroughGradient) {
  torch::manual_seed(6);
  const Model m(shaped_fast_config(32, 8));
  const torch::Tensor cover =
      image_to_tensor(test::crop(read_image(test::sample_photo_path()), 0, 0, 32, 32));
  const torch::Tensor message = torch::ones({1, 8});
  const torch::Tensor marked = embed_batch(m, cover, message);
  const torch::Tensor levels = marked * 255;
  EXPECT_TRUE(torch::allclose(levels, levels.round(), 0, 1e-3));
  marked.sum().backward();
  double grad = 0;
  for (const auto& p : m.encoder->parameters())
    grad += p.grad().defined() ? p.grad().abs().sum().item<double>() : 0;
  EXPECT_GT(grad, 0);
  EXPECT_THROW(embed_batch(m, cover, message, 0.0), InvalidArgument);
  EXPECT_THROW(embed_batch(m, cover, message, NAN), InvalidArgument);
}

TEST(Pipeline, OldModelFilesLoadUnshapedAndShapingRoundTrips) {
  test::TempDir dir;
  ModelConfig c = shaped_fast_config(32, 16);
  c.shaping = Shaping{0.1, 0.3, 6.0, false, 40.0, true};
  torch::manual_seed(1);
  Model m(c);
  save_model(m, dir.file("m.pt"));
  EXPECT_EQ(load_model(dir.file("m.pt")).config.shaping, c.shaping);
  // A config without the field (written before shaping existed) means unshaped.
  std::string json = to_json(c);
  const size_t at = json.find(",\"shaping\"");
  ASSERT_NE(at, std::string::npos);
  json = json.substr(0, at) + "}";
  EXPECT_TRUE(model_config_from_json(json).shaping.is_none());
  // A shaping object written before dark attenuation existed means no dark attenuation.
  std::string before_dark = to_json(c);
  const size_t dark_at = before_dark.find(",\"dark\":");
  ASSERT_NE(dark_at, std::string::npos) << before_dark;
  before_dark.erase(dark_at, before_dark.find_first_of(",}", dark_at + 1) - dark_at);
  const Shaping old = model_config_from_json(before_dark).shaping;
  EXPECT_EQ(old.dark, 0.0);
  EXPECT_EQ(old.flat, c.shaping.flat);
  // ... and one written before the coarse texture existed, the full-size mask alone.
  std::string before_coarse = to_json(c);
  const size_t coarse_at = before_coarse.find(",\"coarse\":");
  ASSERT_NE(coarse_at, std::string::npos) << before_coarse;
  before_coarse.erase(coarse_at, before_coarse.find_first_of(",}", coarse_at + 1) - coarse_at);
  EXPECT_FALSE(model_config_from_json(before_coarse).shaping.coarse);
  EXPECT_EQ(model_config_from_json(before_coarse).shaping.dark, c.shaping.dark);
  // Values out of range are refused by name.
  for (const auto& [field, value] : std::vector<std::pair<std::string, double>>{
           {"chroma", 1.5}, {"flat", 0.0}, {"texture", 0.1}, {"dark", -1.0}, {"dark", 256.0}}) {
    ModelConfig bad = c;
    if (field == "chroma") bad.shaping.chroma = value;
    if (field == "flat") bad.shaping.flat = value;
    if (field == "texture") bad.shaping.texture = value;
    if (field == "dark") bad.shaping.dark = value;
    try {
      bad.validate();
      ADD_FAILURE() << field;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("shaping " + field), std::string::npos) << e.what();
    }
  }
}

// The shipped default model at its default strength: no visible change on a smooth
// gradient or on flat photos (CIEDE2000 below 2 on every pixel of the flat ones).
TEST(DefaultModelShaping, SmoothAndFlatPhotosGetAnInvisibleMark) {
  const Watermarker w(load_model(test::default_model_path()), Watermarker::Options{});
  const std::vector<uint8_t> payload = payload_from_text("Hi!", w.code().capacity_bits());
  const std::vector<Image> covers = {
      gradient_image(400, 300), test::flat_image(300, 200, 128, 128, 128),
      test::flat_image(256, 256, 200, 215, 235), test::flat_image(320, 240, 30, 25, 20)};
  for (size_t i = 0; i < covers.size(); ++i) {
    const Image marked = w.embed(covers[i], payload);
    const PerceptualDistance d = perceptual_distance(covers[i], marked);
    EXPECT_LT(d.delta_e_p99, 2.0) << "cover " << i;
    EXPECT_EQ(d.flat_visible, 0) << "cover " << i << " of " << d.flat_pixels << " flat pixels";
    EXPECT_NE(marked, covers[i]) << "cover " << i << ": the mark must still be there";
  }
}

// Over the whole allowed range, more strength never means more bit errors (issue 11:
// the first default model got worse above about 2), and always means a more visible mark.
TEST(DefaultModelShaping, MoreStrengthNeverMeansMoreBitErrors) {
  const Model model = load_model(test::default_model_path());
  DatasetOptions data;
  data.crop_size = model.config.image_size;
  data.max_images = 48;
  const ImageFolderDataset val({std::string(ROBUSTHIDE_DATA_DIR) + "/val"}, data);
  EvalOptions o;
  o.attacks = {"jpeg:25", "jpeg:50"};
  o.batch_size = 16;
  std::vector<EvalReport> reports;
  for (const double s : {kMinStrength, 0.25, 0.5, 1.0, 1.5, kMaxStrength}) {
    o.strength = s;
    reports.push_back(evaluate(model, val, o));
  }
  for (size_t i = 1; i < reports.size(); ++i) {
    for (size_t a = 0; a < o.attacks.size(); ++a) {
      EXPECT_LE(reports[i].rows[a].bit_errors, reports[i - 1].rows[a].bit_errors)
          << o.attacks[a] << " at strength " << reports[i].strength << " vs "
          << reports[i - 1].strength;
    }
    EXPECT_GT(reports[i].rows[0].ciede2000_mean, reports[i - 1].rows[0].ciede2000_mean);
  }
  EXPECT_GT(reports.front().rows[0].ber, 0.3);  // too weak to read at the lowest strength
  EXPECT_LT(reports[3].rows[0].ber, 0.01);      // the default reads after JPEG Q25
}

// log.csv's validation BER is evaluate()'s: same pipeline, messages and attack seeds.
TEST(Pipeline, TrainingValidationAndEvaluateGiveTheSameBer) {
  test::TempDir dir;
  TrainOptions o;
  o.model = shaped_fast_config(32, 12);
  o.train_folders = {std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500"};
  o.val_folders = {std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500"};
  o.max_train_images = 16;
  o.val_images = 8;
  o.batch_size = 4;
  o.steps = 3;
  o.attack = "jpeg:50";
  o.adversarial_weight = 0;
  o.out_dir = dir.file("run");
  o.progress = ProgressMode::kNever;
  const TrainResult r = train(o);
  ASSERT_FALSE(r.records.empty());
  const EpochRecord& last = r.records.back();

  const Model model = load_model(r.model_path);
  DatasetOptions data;
  data.crop_size = 32;
  data.max_images = 8;
  const ImageFolderDataset val(o.val_folders, data);
  EvalOptions eo;
  eo.attacks = {"jpeg:50", "identity"};
  eo.batch_size = 4;
  eo.seed = kTrainValidationSeed;
  eo.max_images = 8;
  const EvalReport report = evaluate(model, val, eo);
  EXPECT_EQ(report.rows[0].ber, last.val_ber);
  EXPECT_EQ(report.rows[1].ber, last.val_ber_identity);
  EXPECT_DOUBLE_EQ(report.rows[0].psnr_db, last.val_psnr);
  EXPECT_DOUBLE_EQ(report.rows[0].ciede2000_mean, last.val_ciede2000);
  EXPECT_GT(last.val_ciede2000, 0.0);
  // The whole log row carries the perceptual columns.
  std::ifstream log(r.log_path);
  std::string header;
  std::getline(log, header);
  EXPECT_NE(header.find("val_ciede2000"), std::string::npos);
  EXPECT_NE(header.find("val_flat_visible"), std::string::npos);
}

// --init: fine-tuning starts from a model file of the same shapes (shaping may differ).
TEST(Pipeline, InitStartsFromAModelOfTheSameShapesOnly) {
  test::TempDir dir;
  ModelConfig unshaped = shaped_fast_config(32, 12);
  unshaped.shaping = Shaping::none();
  torch::manual_seed(9);
  const Model source(unshaped);
  save_model(source, dir.file("source.pt"));
  TrainOptions o;
  o.model = shaped_fast_config(32, 12);  // shaped: allowed to differ
  o.init_model = dir.file("source.pt");
  o.train_folders = {std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500"};
  o.max_train_images = 8;
  o.val_images = 4;
  o.batch_size = 4;
  o.steps = 1;
  o.lr = 1e-30;  // the step moves nothing measurable: the weights stay the source's
  o.adversarial_weight = 0;
  o.out_dir = dir.file("run");
  o.progress = ProgressMode::kNever;
  const TrainResult r = train(o);
  const Model tuned = load_model(r.model_path);
  EXPECT_EQ(tuned.config.shaping, o.model.shaping);
  EXPECT_TRUE(
      torch::equal(tuned.decoder->parameters().front(), source.decoder->parameters().front()));
  o.model = shaped_fast_config(32, 16);  // other shapes: refused by name, nothing written
  o.out_dir = dir.file("other");
  try {
    train(o);
    ADD_FAILURE() << "a 12-bit model must not initialise a 16-bit run";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot start from"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("other/checkpoint.pt")));
}

TEST(PhotoEvaluation, RecoversPayloadsFromWholePhotosAndCountsFalsePositives) {
  const Watermarker w(load_model(test::default_model_path()), Watermarker::Options{});
  const std::vector<std::string> files = {test::sample_photo_path("101085.jpg"),
                                          test::sample_photo_path("102061.jpg"),
                                          test::sample_photo_path("108005.jpg")};
  PhotoEvalOptions o;
  o.attacks = {"identity", "jpeg:50", "chain(resize:0.5,jpeg:85)", "crop:0.1"};
  const PhotoEvalReport r = evaluate_photos(w, files, o);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.photos, 3);
  EXPECT_EQ(r.false_positives, 0);
  EXPECT_EQ(r.rows[0].recovered, 3);
  EXPECT_EQ(r.rows[0].bit_errors, 0);
  EXPECT_EQ(r.rows[1].recovered, 3);
  EXPECT_EQ(r.rows[2].attack, "chain(resize:0.5:bilinear,jpeg:85:420)");
  EXPECT_EQ(r.rows[2].recovered, 3);
  EXPECT_TRUE(r.rows[1].bits_per_pixel.has_value());
  // A 10% crop keeps too little of the photo: the payload must not come back wrong.
  EXPECT_EQ(r.rows[3].wrong, 0);
  EXPECT_GT(r.psnr_db, 30);
  EXPECT_GT(r.ciede2000_mean, 0);
  // The whole-photo figures are the ones embed's own path gives on these photos.
  const Image cover = read_image(files[0]);
  const PerceptualDistance d =
      perceptual_distance(cover, w.embed(cover, std::vector<uint8_t>(w.code().capacity_bits(), 1)));
  EXPECT_NEAR(d.delta_e_mean, r.ciede2000_mean, 0.6 * r.ciede2000_mean);
  EXPECT_THROW(evaluate_photos(w, {}, o), InvalidArgument);
  PhotoEvalOptions bad = o;
  bad.attacks = {"jpeg:500"};
  EXPECT_THROW(evaluate_photos(w, files, bad), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
