// Image hiding end to end: training (learning, resume, refusals), evaluation and the
// hide / reveal commands.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "robusthide/dataset.h"
#include "robusthide/error.h"
#include "robusthide/hiding.h"
#include "robusthide/hiding_eval.h"
#include "robusthide/hiding_train.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/train.h"
#include "test_util.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;

HidingConfig tiny_hiding() {
  HidingConfig c;
  c.image_size = 32;
  c.hider_levels = 2;
  c.hider_channels = 16;
  c.reveal_levels = 1;
  c.reveal_channels = 16;
  c.reveal_blocks = 1;
  c.target_apd = 12;
  return c;
}

// Eight 40x40 pieces of the shared validation photos (real textures and colours), and
// a folder of four for validation.
class HidingTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    fs::create_directories(dir_->file("train"));
    fs::create_directories(dir_->file("val"));
    const char* photos[] = {"101085.jpg", "3096.jpg", "41069.jpg", "302008.jpg"};
    int n = 0;
    for (const char* name : photos) {
      const Image photo = read_image(test::sample_photo_path(name));
      for (int k = 0; k < 3; ++k) {
        const Image piece = test::crop(photo, 60 * k + 20, 40 * k + 30, 40, 40);
        write_image(piece, dir_->file((k < 2 ? "train/" : "val/") + std::to_string(n++) + ".png"));
      }
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  HidingTrainOptions options(const std::string& out, int64_t steps) const {
    HidingTrainOptions o;
    o.train_folders = {dir_->file("train")};
    o.val_folders = {dir_->file("val")};
    o.model = tiny_hiding();
    o.attack = "identity";
    o.val_attacks = {"identity", "jpeg:90"};
    o.batch_size = 4;
    o.val_images = 4;
    o.steps = steps;
    o.lr = 3e-3;
    o.out_dir = dir_->file(out);
    o.progress = ProgressMode::kNever;
    o.tune_allocator = false;
    return o;
  }

  static test::TempDir* dir_;
};
test::TempDir* HidingTraining::dir_ = nullptr;

TEST_F(HidingTraining, ATinyModelLearnsToRevealAndWritesItsFiles) {
  const HidingTrainResult r = train_hiding(options("learn", 300));
  EXPECT_EQ(r.steps, 300);
  const HidingModel m = load_hiding_model(r.model_path);
  EXPECT_EQ(m.config, tiny_hiding());
  EXPECT_EQ(m.provenance.steps, 300);
  EXPECT_EQ(m.provenance.attack, "identity");

  DatasetOptions d;
  d.crop_size = 32;
  const ImageFolderDataset val({dir_->file("val")}, d);
  HidingEvalOptions eo;
  eo.attacks = {"identity", "jpeg:90"};
  eo.batch_size = 4;
  const HidingEvalReport e = evaluate_hiding(m, val, eo);
  ASSERT_EQ(e.rows.size(), 2u);
  EXPECT_EQ(e.images, 4);
  // The revealed secret is far closer to the secret than an unrelated image is.
  EXPECT_LT(e.rows[0].revealed_apd, 0.6 * e.unrelated_apd)
      << e.rows[0].revealed_apd << " vs " << e.unrelated_apd;
  // The container spends the budget (less only where the cover clamps at 0 or 255).
  EXPECT_GT(e.container.apd, 0.7 * tiny_hiding().target_apd);
  EXPECT_LT(e.container.apd, 1.05 * tiny_hiding().target_apd);
  EXPECT_GT(e.rows[1].bits_per_pixel, 0.0);  // a real codec's size is reported

  // log.csv: the header with a column per validation attack, and rows whose last
  // revealed APD is the one the evaluation measures on the same images.
  std::ifstream log(r.log_path);
  std::string header, row, last;
  std::getline(log, header);
  EXPECT_NE(header.find("val_revealed_apd[identity],val_revealed_apd[jpeg:90]"), std::string::npos)
      << header;
  while (std::getline(log, row)) last = row;
  EXPECT_NE(last.find(",300,"), std::string::npos) << last;
  EXPECT_NEAR(r.last_val_apd, e.rows[0].revealed_apd, 1e-6);
}

TEST_F(HidingTraining, ResumeIsExactAndKindsAreNotMixed) {
  const HidingTrainResult whole = train_hiding(options("whole", 6));
  HidingTrainOptions half = options("halves", 3);
  train_hiding(half);
  half.steps = 6;
  half.resume = true;
  const HidingTrainResult resumed = train_hiding(half);
  EXPECT_EQ(resumed.steps, 6);
  const HidingModel a = load_hiding_model(whole.model_path);
  const HidingModel b = load_hiding_model(resumed.model_path);
  const auto pa = a.revealer->parameters(), pb = b.revealer->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;

  // The stored options come back; another budget is refused on resume.
  const HidingTrainOptions stored = read_hiding_checkpoint_options(resumed.checkpoint_path);
  EXPECT_EQ(stored.model, tiny_hiding());
  EXPECT_EQ(stored.val_attacks, half.val_attacks);
  HidingTrainOptions other = half;
  other.model.target_apd = 4;
  try {
    train_hiding(other);
    FAIL() << "a resume with another budget was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("model.target_apd = 4 (checkpoint: 12)"),
              std::string::npos)
        << e.what();
  }
  // A bit model's trainer refuses the hiding run's checkpoint, and the reverse.
  EXPECT_THROW(read_checkpoint_options(resumed.checkpoint_path), IoError);
  TrainOptions bits;
  bits.train_folders = half.train_folders;
  bits.model = test::tiny_fast_config(32, 8);
  bits.batch_size = 4;
  bits.val_images = 4;
  bits.steps = 8;
  bits.out_dir = half.out_dir;
  bits.resume = true;
  bits.progress = ProgressMode::kNever;
  EXPECT_THROW(train(bits), InvalidArgument);
  bits.resume = false;
  bits.out_dir = dir_->file("bits");
  bits.steps = 1;
  train(bits);
  EXPECT_THROW(read_hiding_checkpoint_options(dir_->file("bits/checkpoint.pt")), IoError);
}

TEST(HidingEval, TableAndReferencePoints) {
  const std::vector<std::string> t = hiding_eval_table();
  ASSERT_EQ(t.size(), 28u);
  EXPECT_EQ(t.front(), "identity");
  EXPECT_EQ(t[1], "jpeg:10");
  EXPECT_EQ(t[10], "jpeg2000:100");
  EXPECT_EQ(t.back(), "webp:90");
}

TEST(Metrics, MeanAbsoluteDifferenceOfKnownPairs) {
  const Image a = test::flat_image(4, 2, 10, 20, 30);
  Image b = a;
  EXPECT_EQ(mean_absolute_difference(a, b), 0.0);
  for (auto& p : b.pixels) p = static_cast<uint8_t>(p + 3);
  EXPECT_DOUBLE_EQ(mean_absolute_difference(a, b), 3.0);
  b = a;
  for (size_t i = 0; i < b.pixels.size() / 2; ++i)
    b.pixels[i] = static_cast<uint8_t>(b.pixels[i] + 10);
  EXPECT_DOUBLE_EQ(mean_absolute_difference(a, b), 5.0);
  EXPECT_DOUBLE_EQ(mean_absolute_difference(b, a), 5.0);
  EXPECT_THROW(mean_absolute_difference(a, test::flat_image(2, 4, 0, 0, 0)), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
