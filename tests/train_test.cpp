// Tests of the image-folder dataset, checkpoints and the training loop (all on the CPU,
// with a tiny network so that every run takes seconds).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <signal.h>
#include <sys/resource.h>
#include <webp/encode.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "robusthide/attack.h"
#include "robusthide/clips.h"
#include "robusthide/dataset.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/file_io.h"
#include "robusthide/model.h"
#include "robusthide/train.h"
#include "test_util.h"
#include "train/checkpoint.h"
#include "train/options.h"
#include "train/run_info.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;

// An image whose pixel (x, y) is (x, y, 7): crops reveal where they were taken.
Image coordinate_image(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>(x);
      p[1] = static_cast<uint8_t>(y);
      p[2] = 7;
    }
  }
  return img;
}

// Value of channel c at (x, y) of image i of a (N,3,S,S) batch, on the 0..255 scale.
int at(const torch::Tensor& batch, int64_t i, int c, int y, int x) {
  return static_cast<int>(std::lround(batch[i][c][y][x].item<float>() * 255));
}

void write_webp(const Image& img, const std::string& path) {
  uint8_t* out = nullptr;
  const size_t n = WebPEncodeLosslessRGB(img.data(), img.width, img.height, img.width * 3, &out);
  ASSERT_GT(n, 0u);
  write_file_atomic(path, out, n);
  WebPFree(out);
}

bool same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.named_parameters(true), pb = b.named_parameters(true);
  const auto ba = a.named_buffers(true), bb = b.named_buffers(true);
  if (pa.size() != pb.size() || ba.size() != bb.size()) return false;
  for (const auto& p : pa) {
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  }
  for (const auto& p : ba) {
    if (!torch::equal(p.value(), bb[p.key()])) return false;
  }
  return true;
}

bool same_model(const Model& a, const Model& b) {
  return same_weights(*a.encoder, *b.encoder) && same_weights(*a.decoder, *b.decoder) &&
         same_weights(*a.discriminator, *b.discriminator);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

// ---------------------------------------------------------------- dataset

TEST(DatasetScan, RecursiveSortedCaseInsensitiveAndDecoded) {
  test::TempDir dir;
  fs::create_directories(dir.file("sub/deeper"));
  const Image a = test::noise_image(40, 36, 1), b = test::noise_image(36, 40, 2);
  const Image c = test::noise_image(50, 40, 3), d = test::noise_image(40, 40, 4);
  write_image(b, dir.file("b.PNG"));
  write_image(a, dir.file("sub/a.png"));
  write_image(c, dir.file("sub/deeper/c.JpEg"), WriteOptions{100, 444});
  write_webp(d, dir.file("sub/d.webp"));
  std::ofstream(dir.file("notes.txt")) << "not an image";
  std::ofstream(dir.file("sub/deeper/README")) << "not an image either";

  DatasetOptions options;
  options.crop_size = 32;
  const ImageFolderDataset data({dir.path()}, options);
  ASSERT_EQ(data.size(), 4u);
  const std::vector<std::string> expected = {dir.file("b.PNG"), dir.file("sub/a.png"),
                                             dir.file("sub/d.webp"), dir.file("sub/deeper/c.JpEg")};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(data.path(i), expected[i]);
  EXPECT_EQ(data.image(0), b);
  EXPECT_EQ(data.image(1), a);
  EXPECT_EQ(data.image(2), d);
  EXPECT_EQ(data.image(3), read_image(dir.file("sub/deeper/c.JpEg")));

  options.max_images = 2;
  const ImageFolderDataset capped({dir.path()}, options);
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped.path(1), expected[1]);
}

TEST(DatasetScan, MissingOrEmptyFolderNamesIt) {
  test::TempDir dir;
  fs::create_directories(dir.file("empty/sub"));
  std::ofstream(dir.file("empty/sub/readme.txt")) << "x";
  for (const std::string& folder : {dir.file("empty"), dir.file("missing")}) {
    try {
      ImageFolderDataset({folder}, DatasetOptions{});
      FAIL() << "expected IoError for " << folder;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + folder + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(DatasetScan, CorruptFileNamesIt) {
  test::TempDir dir;
  write_image(test::noise_image(40, 40, 1), dir.file("good.png"));
  const auto jpeg = read_file(test::sample_photo_path());
  write_file_atomic(dir.file("bad.jpg"), jpeg.data(), jpeg.size() / 2);  // truncated
  try {
    ImageFolderDataset({dir.path()}, DatasetOptions{});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("bad.jpg")), std::string::npos) << e.what();
  }
}

TEST(DatasetResize, SmallImagesAreResizedUpKeepingAspect) {
  test::TempDir dir;
  write_image(coordinate_image(20, 10), dir.file("wide.png"));
  write_image(coordinate_image(12, 40), dir.file("tall.png"));
  write_image(coordinate_image(50, 40), dir.file("big.png"));
  DatasetOptions options;
  options.crop_size = 32;
  const ImageFolderDataset data({dir.path()}, options);
  ASSERT_EQ(data.size(), 3u);
  // Sorted: big, tall, wide.
  EXPECT_EQ(data.image(0).width, 50);
  EXPECT_EQ(data.image(0).height, 40);
  EXPECT_EQ(data.image(1).width, 32);
  EXPECT_EQ(data.image(1).height, 107);  // 40 * 32 / 12 = 106.67
  EXPECT_EQ(data.image(2).width, 64);
  EXPECT_EQ(data.image(2).height, 32);
  // Every crop position works on the resized images.
  torch::manual_seed(0);
  const torch::Tensor crops = data.random_crops({0, 1, 2, 2});
  EXPECT_EQ(crops.sizes(), (std::vector<int64_t>{4, 3, 32, 32}));
}

TEST(DatasetResize, EnlargingKeepsFlatAreasFlatAndTheImageItsOwn) {
  test::TempDir dir;
  Image flat(5, 3);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 200);
  write_image(flat, dir.file("flat.png"));
  DatasetOptions options;
  options.crop_size = 17;
  const ImageFolderDataset data({dir.path()}, options);
  const Image& up = data.image(0);
  EXPECT_EQ(up.width, 28);  // 5 * 17 / 3 = 28.3
  EXPECT_EQ(up.height, 17);
  EXPECT_TRUE(std::all_of(up.pixels.begin(), up.pixels.end(), [](uint8_t v) { return v == 200; }));
  // A left/right split stays dark on the left and bright on the right.
  Image halves(6, 4);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x)
      std::fill_n(halves.data() + (y * 6 + x) * 3, 3, uint8_t(x < 3 ? 10 : 240));
  }
  write_image(halves, dir.file("halves.png"));
  const ImageFolderDataset two({dir.path()}, options);
  const Image& h = two.image(1);
  ASSERT_EQ(h.width, 26);  // 6 * 17 / 4 = 25.5, rounded
  EXPECT_EQ(h.data()[(8 * 26 + 0) * 3], 10);
  EXPECT_EQ(h.data()[(8 * 26 + 25) * 3], 240);
}

class DatasetCrops : public ::testing::Test {
 protected:
  void SetUp() override {
    write_image(coordinate_image(40, 36), dir_.file("a.png"));
    write_image(coordinate_image(32, 45), dir_.file("b.png"));
    DatasetOptions options;
    options.crop_size = 32;
    data_ = std::make_unique<ImageFolderDataset>(std::vector<std::string>{dir_.path()}, options);
  }
  test::TempDir dir_;
  std::unique_ptr<ImageFolderDataset> data_;
};

TEST_F(DatasetCrops, CenterCropIsExact) {
  const torch::Tensor c = data_->center_crops({0, 1, 0});
  ASSERT_EQ(c.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  // a: 40x36 -> top-left (4, 2); b: 32x45 -> (0, 6).
  for (int y : {0, 13, 31}) {
    for (int x : {0, 20, 31}) {
      EXPECT_EQ(at(c, 0, 0, y, x), 4 + x);
      EXPECT_EQ(at(c, 0, 1, y, x), 2 + y);
      EXPECT_EQ(at(c, 0, 2, y, x), 7);
      EXPECT_EQ(at(c, 1, 0, y, x), x);
      EXPECT_EQ(at(c, 1, 1, y, x), 6 + y);
    }
  }
  EXPECT_TRUE(torch::equal(c[0], c[2]));
}

TEST_F(DatasetCrops, RandomCropsAreWindowsAndDeterministicUnderSeed) {
  std::vector<int64_t> idx(2000, 0);
  for (size_t i = 0; i < idx.size(); i += 2) idx[i] = 1;
  torch::manual_seed(11);
  const torch::Tensor a = data_->random_crops(idx);
  torch::manual_seed(11);
  const torch::Tensor b = data_->random_crops(idx);
  torch::manual_seed(12);
  const torch::Tensor other = data_->random_crops(idx);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, other));
  // Each crop is the 32x32 window at its top-left pixel's coordinates; every position
  // (9 x 5 for image a, 1 x 14 for image b) is drawn.
  std::set<std::pair<int, int>> seen_a, seen_b;
  const torch::Tensor u8 = (a * 255).round().to(torch::kInt32);
  for (int64_t i = 0; i < a.size(0); ++i) {
    const int x0 = u8[i][0][0][0].item<int>(), y0 = u8[i][1][0][0].item<int>();
    const torch::Tensor xs = torch::arange(32, torch::kInt32).view({1, 32}).expand({32, 32}) + x0;
    const torch::Tensor ys = torch::arange(32, torch::kInt32).view({32, 1}).expand({32, 32}) + y0;
    ASSERT_TRUE(torch::equal(u8[i][0], xs)) << i;
    ASSERT_TRUE(torch::equal(u8[i][1], ys)) << i;
    (idx[static_cast<size_t>(i)] == 0 ? seen_a : seen_b).insert({x0, y0});
  }
  EXPECT_EQ(seen_a.size(), 9u * 5u);
  EXPECT_EQ(seen_b.size(), 14u);
  for (const auto& [x, y] : seen_a) EXPECT_TRUE(x >= 0 && x <= 8 && y >= 0 && y <= 4);
  EXPECT_THROW(data_->random_crops({2}), InvalidArgument);
}

// ---------------------------------------------------------------- training

// 64 training and 32 validation photos of 40x40 (crops of the shared photos), made once.
class TrainData {
 public:
  static const TrainData& get() {
    static const TrainData data;
    return data;
  }
  std::string train() const { return dir_.file("train"); }
  std::string val() const { return dir_.file("val"); }

 private:
  TrainData() {
    const std::string src = std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500";
    std::vector<std::string> photos;
    for (const auto& e : fs::directory_iterator(src)) photos.push_back(e.path().string());
    std::sort(photos.begin(), photos.end());
    fs::create_directories(dir_.file("train"));
    fs::create_directories(dir_.file("val"));
    for (int p = 0; p < 12; ++p) {
      const Image photo = read_image(photos.at(static_cast<size_t>(p)));
      for (int k = 0; k < 8; ++k) {
        const int n = p * 8 + k;
        const Image tile = test::crop(photo, 30 + 50 * (k % 4), 40 + 120 * (k / 4), 40, 40);
        write_image(tile, (n < 64 ? train() : val()) + "/" + std::to_string(1000 + n) + ".png");
      }
    }
  }
  test::TempDir dir_;
};

TrainOptions tiny_options(const std::string& out_dir) {
  TrainOptions o;
  o.train_folders = {TrainData::get().train()};
  o.val_folders = {TrainData::get().val()};
  o.out_dir = out_dir;
  o.model.image_size = 32;
  o.model.message_bits = 8;
  o.model.encoder_blocks = 2;
  o.model.encoder_channels = 16;
  o.model.decoder_blocks = 2;
  o.model.decoder_channels = 16;
  o.model.discriminator_blocks = 1;
  o.model.discriminator_channels = 8;
  o.batch_size = 8;  // 8 steps per epoch
  o.val_images = 16;
  o.steps = 6;
  o.checkpoint_every = 0;
  o.progress = ProgressMode::kNever;
  o.commit = "test";
  return o;
}

TEST(TrainLearning, MessageBerFallsFarBelowChance) {
  // 16x16 crops keep this at a few CPU seconds per seed. Only the message path is under
  // test (image weight 0): broken gradients, or a decoder that never sees the encoder's
  // output, leave the BER near 50%. Since training embeds through the one pipeline
  // (clamped, rounded to 8 bits, issue 11) seeds 1 and 2 end at 19.1% and 19.5%
  // validation BER (train 21.7%, 17.6%; before, on unclamped floats, 2.3-9.4%); 25%
  // leaves room for other CPUs' last bits and is still far below chance.
  for (const uint64_t seed : {1u, 2u}) {
    test::TempDir dir;
    TrainOptions o = tiny_options(dir.file("run"));
    o.seed = seed;
    o.model.image_size = 16;
    o.batch_size = 16;
    o.val_images = 32;
    o.steps = 480;
    o.lr = 5e-3;
    o.image_weight = 0;
    o.adversarial_weight = 0;
    const TrainResult r = train(o);
    ASSERT_EQ(r.records.size(), 120u);  // 4 steps per epoch
    const EpochRecord& first = r.records.front();
    const EpochRecord& last = r.records.back();
    std::cout << "seed " << seed << ": train BER " << first.train_ber << " -> " << last.train_ber
              << ", validation BER " << last.val_ber_identity << "\n";
    EXPECT_LT(last.val_ber_identity, 0.25) << "seed " << seed;
    EXPECT_EQ(last.val_ber, last.val_ber_identity);  // the attack is the identity
    EXPECT_GT(first.train_ber, 0.3) << "seed " << seed;
    EXPECT_LT(last.train_ber, 0.25) << "seed " << seed;
    EXPECT_LT(last.val_message_mse, first.val_message_mse / 2) << "seed " << seed;
  }
}

TEST(TrainLearning, ImageTermPullsTheEncodedImageToTheCover) {
  // The other half: with only the image term, the encoder learns to reproduce its cover
  // (PSNR up by well over 6 dB in 60 steps) and the message stays unreadable.
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.model.image_size = 16;
  o.batch_size = 16;
  o.val_images = 32;
  o.steps = 60;
  o.lr = 5e-3;
  o.image_weight = 1;
  o.message_weight = 0;
  o.adversarial_weight = 0;
  const TrainResult r = train(o);
  ASSERT_EQ(r.records.size(), 15u);
  EXPECT_GT(r.records.back().val_psnr, r.records.front().val_psnr + 6);
  EXPECT_LT(r.records.back().val_image_mse, r.records.front().val_image_mse / 4);
  EXPECT_GT(r.records.back().val_ber_identity, 0.3);
}

TEST(TrainDeterminism, SameSeedGivesBitIdenticalWeights) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("a"));
  o.attack = "noise:0.02";  // random attack: torch's generator drives it too
  train(o);
  o.out_dir = dir.file("b");
  train(o);
  o.out_dir = dir.file("c");
  o.seed = 99;
  train(o);
  const Model a = load_model(dir.file("a/model.pt")), b = load_model(dir.file("b/model.pt"));
  const Model c = load_model(dir.file("c/model.pt"));
  EXPECT_TRUE(same_model(a, b));
  EXPECT_FALSE(same_weights(*a.encoder, *c.encoder));
}

TEST(TrainResume, ResumeEqualsUninterruptedRunBitForBit) {
  test::TempDir dir;
  // Discriminator on, a random attack, and a stop in the middle of the second epoch:
  // weights, both Adam states, the generator and the epoch order must all carry over.
  TrainOptions o = tiny_options(dir.file("whole"));
  o.attack = "choice(noise:0.02,identity)";
  o.steps = 22;
  train(o);
  o.out_dir = dir.file("parts");
  o.steps = 11;
  const TrainResult first = train(o);
  EXPECT_EQ(first.steps, 11);
  o.steps = 22;
  o.resume = true;
  const TrainResult second = train(o);
  EXPECT_EQ(second.steps, 22);
  EXPECT_EQ(second.epochs, 2);
  const Model whole = load_model(dir.file("whole/model.pt"));
  const Model parts = load_model(dir.file("parts/model.pt"));
  EXPECT_TRUE(same_model(whole, parts));
  EXPECT_EQ(parts.provenance.steps, 22);
  // The training must have moved the weights away from the initial ones.
  o.steps = 1;
  o.resume = false;
  o.out_dir = dir.file("one");
  train(o);
  EXPECT_FALSE(same_weights(*load_model(dir.file("one/model.pt")).encoder, *whole.encoder));
}

// Trains `o` (o.steps, even) in one run into DIR/whole and in two halves, the second a
// resume, into DIR/parts; leaves o as the resumed run. Returns the one run's result.
TrainResult train_whole_and_in_parts(TrainOptions& o, const test::TempDir& dir) {
  o.out_dir = dir.file("whole");
  const TrainResult whole = train(o);
  const int64_t steps = o.steps;
  o.out_dir = dir.file("parts");
  o.steps = steps / 2;
  train(o);
  o.steps = steps;
  o.resume = true;
  train(o);
  return whole;
}

TEST(TrainVideo, ClipBatchesResumeBitForBitAndValidateOnClips) {
  test::TempDir dir;
  // Half the batches are pan/zoom clips coded by MPEG-4 Part 2 as one clip each.
  TrainOptions o = tiny_options(dir.file("whole"));
  o.attack = "mpeg4";
  o.clip_share = 0.5;
  o.steps = 6;
  const TrainResult whole = train_whole_and_in_parts(o, dir);
  const Model a = load_model(dir.file("whole/model.pt"));
  EXPECT_TRUE(same_model(a, load_model(dir.file("parts/model.pt"))));
  EXPECT_DOUBLE_EQ(read_checkpoint_options(dir.file("parts/checkpoint.pt")).clip_share, 0.5);
  // The validation is evaluate() on pan/zoom clips of the validation photos: 16 photos,
  // a quarter as many clips of batch_size frames.
  DatasetOptions d;
  d.crop_size = 32;
  const ImageFolderDataset val({TrainData::get().val()}, d);
  PanZoomOptions pan;
  pan.frames = 8;
  pan.size = 32;
  EvalOptions e;
  e.attacks = {"mpeg4"};
  e.seed = kTrainValidationSeed;
  const EvalReport r = evaluate(a, ClipSet::pan_zoom(val, pan, kTrainValidationSeed, 4), e);
  EXPECT_EQ(r.images, 32);
  EXPECT_DOUBLE_EQ(whole.records.back().val_ber, r.rows[0].ber);
  // A resume without the clips is another run: refused.
  o.clip_share = 0;
  o.steps = 8;
  EXPECT_THROW(train(o), InvalidArgument);
  o.clip_share = 1.5;
  o.resume = false;
  o.out_dir = dir.file("bad");
  EXPECT_THROW(train(o), InvalidArgument);
}

TEST(TrainWholePhotos, WholePhotoCoversChangeTheRunAndResumeBitForBit) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("crops"));
  o.steps = 4;
  train(o);
  o.whole_share = 0.5;
  train_whole_and_in_parts(o, dir);
  const Model whole = load_model(dir.file("whole/model.pt"));
  EXPECT_TRUE(same_model(whole, load_model(dir.file("parts/model.pt"))));
  // Same seed, other covers: other weights.
  EXPECT_FALSE(same_weights(*load_model(dir.file("crops/model.pt")).encoder, *whole.encoder));
  EXPECT_DOUBLE_EQ(read_checkpoint_options(dir.file("parts/checkpoint.pt")).whole_share, 0.5);
  o.whole_share = -0.1;
  o.resume = false;
  o.out_dir = dir.file("bad");
  EXPECT_THROW(train(o), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir.file("bad")));
}

TEST(TrainResume, DifferentFixedOptionsAreRefusedListingThem) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.steps = 2;
  train(o);
  const auto before = read_file(dir.file("run/checkpoint.pt"));
  o.resume = true;
  o.steps = 4;
  o.attack = "noise:0.1";
  o.batch_size = 4;
  o.model.message_bits = 9;
  try {
    train(o);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("attack = \"noise:"), std::string::npos) << m;
    EXPECT_NE(m.find("(checkpoint: \"identity\")"), std::string::npos) << m;
    EXPECT_NE(m.find("batch_size = 4 (checkpoint: 8)"), std::string::npos) << m;
    EXPECT_NE(m.find("model.message_bits = 9 (checkpoint: 8)"), std::string::npos) << m;
    EXPECT_EQ(m.find("lr"), std::string::npos) << m;
  }
  EXPECT_EQ(read_file(dir.file("run/checkpoint.pt")), before);
  // Without --resume an existing checkpoint is never overwritten.
  o = tiny_options(dir.file("run"));
  EXPECT_THROW(train(o), InvalidArgument);
  EXPECT_EQ(read_file(dir.file("run/checkpoint.pt")), before);
}

// Checkpoints written before a model field existed (here shaping's `dark`) resume with
// that field at the value such files load with, and a change of it is named.
TEST(TrainResume, FieldsAddedLaterCompareAsTheirOldValue) {
  TrainOptions o;
  o.model = test::tiny_fast_config(32, 8);
  o.model.shaping = Shaping{0.0, 0.2, 8.0, false, 0.0};
  nlohmann::json stored = detail::fixed_options(o, "identity");
  ASSERT_TRUE(stored["model"]["shaping"].contains("dark"));
  stored["model"]["shaping"].erase("dark");  // as written before the field existed
  EXPECT_NO_THROW(detail::check_resume(stored, detail::fixed_options(o, "identity"), "ck.pt"));
  o.model.shaping.dark = 48;
  try {
    detail::check_resume(stored, detail::fixed_options(o, "identity"), "ck.pt");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("model.shaping.dark = 48 (checkpoint: 0)"),
              std::string::npos)
        << e.what();
  }
  // Every fixed field has a flag and help for the CLI, and every key is unique.
  std::set<std::string> keys;
  for (const FixedTrainField& f : fixed_train_fields()) {
    EXPECT_TRUE(keys.insert(f.key).second) << f.key;
    EXPECT_EQ(std::string(f.flag).rfind("-", 0), 0u) << f.key;
  }
  for (const ModelConfigField& f : model_config_fields())
    EXPECT_TRUE(keys.insert(f.key).second) << f.key;
}

TEST(TrainWarmup, FastNetworksResumeExactlyAndWarmupIsAFixedOption) {
  test::TempDir dir;
  // The fast networks with the strength warm-up running across the resume point.
  TrainOptions o = tiny_options(dir.file("whole"));
  o.model.architecture = "fast";
  o.model.target_psnr = 30;
  o.adversarial_weight = 0;
  o.warmup_strength = 4;
  o.warmup_steps = 8;
  o.steps = 12;
  train(o);
  o.out_dir = dir.file("parts");
  o.steps = 5;
  train(o);
  o.steps = 12;
  o.resume = true;
  train(o);
  EXPECT_TRUE(
      same_model(load_model(dir.file("whole/model.pt")), load_model(dir.file("parts/model.pt"))));
  // The checkpoint remembers the warm-up: resuming without it is refused, and the
  // options read back from the checkpoint carry it.
  const TrainOptions stored = read_checkpoint_options(dir.file("parts/checkpoint.pt"));
  EXPECT_EQ(stored.warmup_strength, 4);
  EXPECT_EQ(stored.warmup_steps, 8);
  EXPECT_EQ(stored.model.architecture, "fast");
  o.warmup_steps = 0;
  o.steps = 14;
  EXPECT_THROW(train(o), InvalidArgument);
  // The warm-up changes training (same seed, no warm-up: other weights).
  TrainOptions plain = tiny_options(dir.file("plain"));
  plain.model = o.model;
  plain.adversarial_weight = 0;
  plain.steps = 12;
  train(plain);
  EXPECT_FALSE(same_weights(*load_model(dir.file("plain/model.pt")).encoder,
                            *load_model(dir.file("whole/model.pt")).encoder));
  TrainOptions bad = tiny_options(dir.file("bad"));
  bad.warmup_strength = 0.5;
  bad.warmup_steps = 3;
  EXPECT_THROW(train(bad), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

TEST(TrainResume, CorruptOrMissingCheckpointIsAnIoErrorNamingIt) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.steps = 2;
  train(o);
  const std::string path = dir.file("run/checkpoint.pt");
  auto bytes = read_file(path);
  o.resume = true;
  o.steps = 3;
  auto expect_io_error = [&](const std::string& what) {
    try {
      train(o);
      FAIL() << "expected IoError for " << what;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot load checkpoint '" + path + "'"),
                std::string::npos)
          << e.what();
    }
  };
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;
  write_file_atomic(path, flipped.data(), flipped.size());
  expect_io_error("a flipped bit");
  write_file_atomic(path, bytes.data(), bytes.size() / 2);
  expect_io_error("a truncated file");
  write_file_atomic(path, bytes.data(), 0);
  expect_io_error("an empty file");
  fs::remove(path);
  expect_io_error("a missing file");
  write_file_atomic(path, bytes.data(), bytes.size());
  EXPECT_EQ(train(o).steps, 3);
}

// Limits the size of files this process may write, while alive.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

TEST(TrainCheckpoint, RoundTripAndFailedWriteKeepsThePreviousFile) {
  test::TempDir dir;
  ModelConfig config = tiny_options("").model;
  torch::manual_seed(3);
  Model model(config);
  torch::optim::Adam opt(model.encoder->parameters(), torch::optim::AdamOptions(1e-3));
  TrainState state;
  state.step = 5;
  state.epoch = 1;
  state.batch = 2;
  state.train_images = 4;
  state.permutation = torch::tensor({2, 0, 3, 1}, torch::kInt64);
  state.rng_state = at::detail::getDefaultCPUGenerator().get_state();
  state.stats[kStatBer] = 0.25;
  state.stats[kStatAdversarial] = NAN;
  const std::string path = dir.file("checkpoint.pt");
  const nlohmann::json options = {{"fixed", {{"attack", "identity"}}}};
  save_checkpoint(path, options, state, checkpoint_contents(model, opt, nullptr));

  Checkpoint loaded(path);
  EXPECT_EQ(loaded.options(), options);
  EXPECT_EQ(loaded.state().step, 5);
  EXPECT_EQ(loaded.state().epoch, 1);
  EXPECT_EQ(loaded.state().batch, 2);
  EXPECT_TRUE(torch::equal(loaded.state().permutation, state.permutation));
  EXPECT_TRUE(torch::equal(loaded.state().rng_state, state.rng_state));
  EXPECT_EQ(loaded.state().stats[kStatBer].item<double>(), 0.25);
  EXPECT_TRUE(std::isnan(loaded.state().stats[kStatAdversarial].item<double>()));
  torch::manual_seed(4);
  Model other(config);
  torch::optim::Adam other_opt(other.encoder->parameters(), torch::optim::AdamOptions(1e-3));
  EXPECT_FALSE(same_model(model, other));
  // Training sums of another length (another trainer's) are refused.
  EXPECT_THROW(loaded.restore(checkpoint_contents(other, other_opt, nullptr), kStatCount + 1),
               IoError);
  loaded.restore(checkpoint_contents(other, other_opt, nullptr), kStatCount);
  EXPECT_TRUE(same_model(model, other));

  // A write that fails half-way (file size limit) leaves the old checkpoint and no
  // temporary file behind.
  const auto before = read_file(path);
  ASSERT_GT(before.size(), 8192u);
  state.step = 6;
  {
    FileSizeLimit limit(4096);
    EXPECT_THROW(save_checkpoint(path, options, state, checkpoint_contents(model, opt, nullptr)),
                 IoError);
  }
  EXPECT_EQ(read_file(path), before);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(Checkpoint(path).state().step, 5);
}

TEST(TrainLog, OneRowPerEpochAndResumeDoesNotDuplicate) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.steps = 0;
  o.epochs = 2;
  o.checkpoint_every = 8;
  train(o);
  const std::string log = dir.file("run/log.csv");
  std::vector<std::string> lines = read_lines(log);
  ASSERT_EQ(lines.size(), 3u);
  std::string header;
  for (const auto& c : train_log_columns()) header += (header.empty() ? "" : ",") + c;
  EXPECT_EQ(lines[0], header);
  EXPECT_EQ(lines[0].substr(0, 11), "epoch,step,");
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_csv(lines[i]);
    ASSERT_EQ(f.size(), train_log_columns().size()) << lines[i];
    EXPECT_EQ(f[0], std::to_string(i));
    EXPECT_EQ(f[1], std::to_string(8 * i));
    for (size_t k = 2; k < f.size(); ++k) EXPECT_FALSE(f[k].empty()) << train_log_columns()[k];
    const double ber = std::stod(f[12]);
    EXPECT_TRUE(ber >= 0 && ber <= 1) << ber;
  }
  // A crashed run may have logged a row after its last checkpoint: it is dropped.
  std::ofstream(log, std::ios::app) << "2.5,20,1,1,1,1,1,1,1,1,1,1,0.5,0.5,30,9\n";
  o.epochs = 3;
  o.resume = true;
  train(o);
  lines = read_lines(log);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], header);
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(split_csv(lines[i])[1], std::to_string(8 * i)) << lines[i];
  }
  // Resuming a finished run adds nothing.
  train(o);
  EXPECT_EQ(read_lines(log).size(), 4u);
}

TEST(TrainLog, DisabledDiscriminatorLeavesItsColumnsEmptyAndStopMidEpochLogsOnce) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.adversarial_weight = 0;
  o.steps = 12;  // one epoch and a half
  const TrainResult r = train(o);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_DOUBLE_EQ(r.records[1].epoch, 1.5);
  EXPECT_TRUE(std::isnan(r.records[0].train_adversarial));
  const auto lines = read_lines(dir.file("run/log.csv"));
  ASSERT_EQ(lines.size(), 3u);
  const auto f = split_csv(lines[2]);
  EXPECT_EQ(f[0], "1.5");
  EXPECT_EQ(f[1], "12");
  EXPECT_EQ(f[5], "");   // train_adv_loss
  EXPECT_EQ(f[6], "");   // train_disc_loss
  EXPECT_EQ(f[11], "");  // val_adv_loss
}

TEST(TrainLog, ValEveryLogsOnItsStepsNotAtEpochEndsAndResumeKeepsIt) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.adversarial_weight = 0;
  o.steps = 12;  // epochs of 8 steps
  o.val_every = 5;
  o.checkpoint_every = 5;
  const TrainResult r = train(o);
  std::vector<std::string> steps;
  for (const auto& line : read_lines(dir.file("run/log.csv"))) steps.push_back(split_csv(line)[1]);
  // Rows at 5 and 10, none at the epoch's end (8), and the run's last step.
  EXPECT_EQ(steps, (std::vector<std::string>{"step", "5", "10", "12"}));
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_DOUBLE_EQ(r.records[0].epoch, 5.0 / 8);
  // A resume without val_every keeps the run's interval (the CLI's rule, from the checkpoint).
  EXPECT_EQ(read_checkpoint_options(dir.file("run/checkpoint.pt")).val_every, 5);
  o.val_every = -1;
  o.out_dir = dir.file("bad");
  EXPECT_THROW(train(o), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir.file("bad")));
}

TEST(Provenance, SourceCommitIsACommitOfTheBuildTree) {
  // Taken at build time (cmake/build_commit.cmake), not by running git from the library.
  const std::string dir = ROBUSTHIDE_SOURCE_DIR;
  if (test::run_shell("git -C " + dir + " rev-parse --is-inside-work-tree").exit_code != 0) {
    GTEST_SKIP() << "not built from a git checkout";
  }
  std::string hash = source_commit();
  ASSERT_FALSE(hash.empty());
  if (hash.size() > 6 && hash.compare(hash.size() - 6, 6, "-dirty") == 0)
    hash.resize(hash.size() - 6);
  if (const size_t g = hash.rfind("-g"); g != std::string::npos) hash = hash.substr(g + 2);
  EXPECT_EQ(test::run_shell("git -C " + dir + " cat-file -e " + hash + "^{commit}").exit_code, 0)
      << source_commit();
}

TEST(TrainOutput, ModelFileCarriesProvenance) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.steps = 3;
  o.seed = 42;
  o.attack = "jpeg:50";
  o.notes = "robusthide train --steps 3";
  o.commit = "abc1234";
  train(o);
  const Model m = load_model(dir.file("run/model.pt"));
  EXPECT_EQ(m.config, o.model);
  EXPECT_EQ(m.provenance.attack, make_attack("jpeg:50")->spec());  // canonical spec
  EXPECT_EQ(m.provenance.steps, 3);
  EXPECT_EQ(m.provenance.epochs, 0);
  EXPECT_EQ(m.provenance.seed, 42u);
  EXPECT_EQ(m.provenance.data, TrainData::get().train());
  EXPECT_EQ(m.provenance.commit, "abc1234");
  EXPECT_EQ(m.provenance.notes, o.notes);
  EXPECT_EQ(m.provenance.created.size(), 20u);  // 2024-05-01T12:34:56Z
  EXPECT_EQ(m.provenance.created.back(), 'Z');
  const TrainOptions stored = read_checkpoint_options(dir.file("run/checkpoint.pt"));
  EXPECT_EQ(stored.attack, make_attack("jpeg:50")->spec());
  EXPECT_EQ(stored.model, o.model);
  EXPECT_EQ(stored.seed, 42u);
  EXPECT_EQ(stored.steps, 3);
  EXPECT_EQ(stored.train_folders, o.train_folders);
}

TEST(TrainOptionsCheck, BadOptionsFailBeforeWritingAnything) {
  test::TempDir dir;
  const std::string out = dir.file("run");
  auto expect_invalid = [&](TrainOptions o, const std::string& needle) {
    try {
      train(o);
      FAIL() << "expected InvalidArgument mentioning " << needle;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out)) << needle;
  };
  TrainOptions o = tiny_options(out);
  o.model.message_bits = 0;
  expect_invalid(o, "message_bits");
  o = tiny_options(out);
  o.attack = "jpeg:500";
  expect_invalid(o, "jpeg:500");
  o = tiny_options(out);
  o.batch_size = 0;
  expect_invalid(o, "batch_size");
  o = tiny_options(out);
  o.init_partial = true;  // without init_model
  expect_invalid(o, "init_partial");
  o = tiny_options(out);
  o.epochs = 1;  // and steps = 6
  expect_invalid(o, "exactly one");
  o = tiny_options(out);
  o.batch_size = 128;  // more than the 64 photos
  o.val_images = 128;
  expect_invalid(o, "fewer than batch_size");
  o = tiny_options(out);
  o.lr = -1;
  expect_invalid(o, "lr");
  o = tiny_options(out);
  o.train_folders = {dir.file("nowhere")};
  EXPECT_THROW(train(o), IoError);
  EXPECT_FALSE(fs::exists(out));
}

// ---------------------------------------------------------------- device, time budget

TEST(TrainDevice, ParseDeviceNamesAndRejectsBadOnes) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
  for (const char* bad : {"", "gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", "cuda:0:1"}) {
    try {
      parse_device(bad, "--device");
      FAIL() << bad;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--device ", 0), 0u) << e.what();
    }
  }
  if (!torch::cuda::is_available()) {
    for (const char* name : {"cuda", "cuda:0", "cuda:3"}) {
      try {
        parse_device(name, "--device");
        FAIL() << name;
      } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("--device " + std::string(name) +
                                             ": no CUDA device available (this LibTorch build"),
                  std::string::npos)
            << e.what();
      }
    }
  }
}

TEST(TrainDevice, CudaWithoutGpuFailsBeforeWritingAnything) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is available";
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.device = "cuda";
  EXPECT_THROW(train(o), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir.file("run")));
}

TEST(TrainDevice, ResumeOnCudaContinuesTheRun_CUDA) {
  // CUDA kernels are not bit-reproducible, so this checks the bookkeeping of a resumed
  // GPU run (steps, epochs, device, a loadable CPU model), not bit equality as on the CPU.
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("run"));
  o.device = "cuda";
  o.attack = "split(jpeg:50,identity)";  // a real codec on the CPU inside a GPU step
  o.steps = 11;
  EXPECT_EQ(train(o).steps, 11);
  o.steps = 22;
  o.resume = true;
  const TrainResult second = train(o);
  EXPECT_EQ(second.steps, 22);
  EXPECT_EQ(second.epochs, 2);
  const Model m = load_model(dir.file("run/model.pt"));
  EXPECT_EQ(m.provenance.steps, 22);
  EXPECT_EQ(m.provenance.device.rfind("cuda", 0), 0u) << m.provenance.device;
  EXPECT_EQ(m.encoder->parameters().front().device().type(), torch::kCPU);
  const auto lines = read_lines(dir.file("run/log.csv"));
  ASSERT_GE(lines.size(), 3u);
  const auto header = split_csv(lines[0]);
  const size_t step =
      static_cast<size_t>(std::find(header.begin(), header.end(), "step") - header.begin());
  ASSERT_LT(step, header.size());
  EXPECT_EQ(split_csv(lines.back()).at(step), "22");
}

TEST(TrainDevice, ExplicitCpuEqualsTheDefaultAndIsRecorded) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("default"));
  o.steps = 5;
  train(o);
  o.out_dir = dir.file("cpu");
  o.device = "cpu";
  o.channels_last = true;  // CUDA-only options are no-ops on the CPU
  o.amp = true;
  std::ostringstream report;
  o.report = &report;
  train(o);
  EXPECT_NE(report.str().find("only apply on CUDA"), std::string::npos) << report.str();
  const Model a = load_model(dir.file("default/model.pt"));
  const Model b = load_model(dir.file("cpu/model.pt"));
  EXPECT_TRUE(same_model(a, b));
  EXPECT_EQ(b.provenance.device, "cpu");
  const auto lines = read_lines(dir.file("cpu/log.csv"));
  ASSERT_GE(lines.size(), 2u);
  const auto header = split_csv(lines[0]);
  const size_t device =
      static_cast<size_t>(std::find(header.begin(), header.end(), "device") - header.begin());
  ASSERT_LT(device, header.size());
  EXPECT_EQ(split_csv(lines[1]).at(device), "cpu");
}

TEST(TrainTimeLimit, StopsCleanlyAndResumeEqualsUninterruptedRun) {
  test::TempDir dir;
  TrainOptions o = tiny_options(dir.file("whole"));
  o.attack = "choice(noise:0.02,identity)";
  o.steps = 12;
  train(o);
  o.out_dir = dir.file("parts");
  o.max_minutes = 1e-9;  // runs out during the first step
  const TrainResult first = train(o);
  EXPECT_TRUE(first.time_limit_reached);
  EXPECT_EQ(first.steps, 1);
  ASSERT_EQ(first.records.size(), 1u);  // the final validation row
  EXPECT_EQ(first.records[0].step, 1);
  EXPECT_TRUE(fs::exists(dir.file("parts/model.pt")));
  EXPECT_EQ(load_model(dir.file("parts/model.pt")).provenance.steps, 1);
  o.max_minutes = 0;
  o.resume = true;
  const TrainResult second = train(o);
  EXPECT_FALSE(second.time_limit_reached);
  EXPECT_EQ(second.steps, 12);
  EXPECT_TRUE(
      same_model(load_model(dir.file("whole/model.pt")), load_model(dir.file("parts/model.pt"))));
  o.max_minutes = -1;
  o.resume = false;
  o.out_dir = dir.file("bad");
  EXPECT_THROW(train(o), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir.file("bad")));
}

}  // namespace
}  // namespace robusthide
