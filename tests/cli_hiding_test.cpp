// End-to-end tests of `robusthide train-hiding`, `hide`, `reveal` and `evaluate` on an
// image-hiding model: the real binary, as a user types it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "robusthide/hiding.h"
#include "robusthide/image.h"
#include "test_util.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;

std::string cli() { return ROBUSTHIDE_CLI; }

// A tiny image-hiding model trained by the CLI once for the suite (40x40 pieces of a
// shared photo, 32px networks).
class CliHiding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    fs::create_directories(dir_->file("photos"));
    const Image photo = read_image(test::sample_photo_path());
    for (int k = 0; k < 8; ++k) {
      write_image(test::crop(photo, 10 + 45 * k, 60, 40, 40),
                  dir_->file("photos/" + std::to_string(k) + ".png"));
    }
    train_ = new test::CommandResult(test::run_shell(
        cli() + " train-hiding --train " + dir_->file("photos") + " --out " + dir_->file("run") +
        " --image-size 32 --hider-levels 2 --hider-channels 8 --reveal-levels 1"
        " --reveal-channels 8 --reveal-blocks 1 --target-apd 10 --batch-size 4 --val-images 4"
        " -a 'split(jpeg:50,identity)' --val-attack identity --val-attack jpeg:50"
        " --steps 20 --progress off"));
  }
  static void TearDownTestSuite() {
    delete train_;
    delete dir_;
  }
  static std::string model() { return dir_->file("run/model.pt"); }

  static test::TempDir* dir_;
  static test::CommandResult* train_;
};
test::TempDir* CliHiding::dir_ = nullptr;
test::CommandResult* CliHiding::train_ = nullptr;

TEST_F(CliHiding, TrainWritesAModelThatInfoAndEvaluateDescribe) {
  ASSERT_EQ(train_->exit_code, 0) << train_->output;
  EXPECT_NE(train_->output.find("revealed APD identity"), std::string::npos) << train_->output;
  const HidingModel m = load_hiding_model(model());
  EXPECT_EQ(m.config.image_size, 32);
  EXPECT_EQ(m.provenance.steps, 20);
  EXPECT_NE(m.provenance.notes.find("robusthide train-hiding"), std::string::npos);

  const auto info = test::run_shell(cli() + " info " + model());
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("image hiding"), std::string::npos) << info.output;

  const auto eval =
      test::run_shell(cli() + " evaluate -q -m " + model() + " -d " + dir_->file("photos") +
                      " -a identity -a jpeg:50 -a webp:50 --format json");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const nlohmann::json j = nlohmann::json::parse(eval.output);
  EXPECT_EQ(j.at("images"), 8);
  ASSERT_EQ(j.at("rows").size(), 3u);
  EXPECT_EQ(j.at("rows")[1].at("attack"), "jpeg:50:420");  // the canonical spec
  EXPECT_GT(j.at("container").at("apd").get<double>(), 5.0);
  EXPECT_LT(j.at("container").at("apd").get<double>(), 10.5);

  // Bit-model flags and tables are refused for an image-hiding model.
  const auto photos = test::run_shell(cli() + " evaluate -q --photos -m " + model() + " -d " +
                                      dir_->file("photos"));
  EXPECT_EQ(photos.exit_code, 2) << photos.output;
  EXPECT_NE(photos.output.find("--photos applies to bit models"), std::string::npos);
  const auto table =
      test::run_shell(cli() + " evaluate -q -t jpeg -m " + model() + " -d " + dir_->file("photos"));
  EXPECT_EQ(table.exit_code, 2) << table.output;
  EXPECT_NE(table.output.find("'hiding'"), std::string::npos) << table.output;
}

TEST_F(CliHiding, HideInAnySizePhotoThroughJpegAndReveal) {
  ASSERT_EQ(train_->exit_code, 0) << train_->output;
  const std::string cover = test::sample_photo_path("3096.jpg");  // 481 x 321
  const std::string secret = test::sample_photo_path("101085.jpg");
  const std::string container = dir_->file("container.jpg");
  const auto hide = test::run_shell(cli() + " hide -m " + model() + " -i " + cover + " --secret " +
                                    secret + " -o " + container + " --quality 90 --json");
  ASSERT_EQ(hide.exit_code, 0) << hide.output;
  const nlohmann::json h = nlohmann::json::parse(hide.output);
  const Image c = read_image(container);
  const Image original = read_image(cover);
  EXPECT_EQ(c.width, original.width);
  EXPECT_EQ(c.height, original.height);
  EXPECT_GT(h.at("container_apd").get<double>(), 0.0);

  // reveal on the written JPEG gives the S x S secret, and the same APD hide measured.
  const std::string revealed = dir_->file("revealed.png");
  const auto reveal = test::run_shell(cli() + " reveal -m " + model() + " -i " + container +
                                      " -o " + revealed + " --secret " + secret + " --json");
  ASSERT_EQ(reveal.exit_code, 0) << reveal.output;
  const nlohmann::json r = nlohmann::json::parse(reveal.output);
  EXPECT_DOUBLE_EQ(r.at("revealed_apd").get<double>(), h.at("revealed_apd").get<double>());
  const Image out = read_image(revealed);
  EXPECT_EQ(out.width, 32);
  EXPECT_EQ(out.height, 32);
}

TEST_F(CliHiding, WrongKindsAndBadInputsAreRefusedWithoutOutput) {
  ASSERT_EQ(train_->exit_code, 0) << train_->output;
  const std::string cover = test::sample_photo_path("3096.jpg");
  const std::string out = dir_->file("never.png");
  // A bit model where an image-hiding model is needed, and the reverse.
  auto r = test::run_shell(cli() + " hide -m " + test::default_model_path() + " -i " + cover +
                           " --secret " + cover + " -o " + out);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("it is a bit model"), std::string::npos) << r.output;
  r = test::run_shell(cli() + " embed -m " + model() + " -i " + cover + " -o " + out +
                      " --text hi");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("it is an image-hiding model"), std::string::npos) << r.output;
  // An unreadable secret is named.
  std::ofstream(dir_->file("broken.jpg")) << "not a jpeg";
  r = test::run_shell(cli() + " hide -m " + model() + " -i " + cover + " --secret " +
                      dir_->file("broken.jpg") + " -o " + out);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("broken.jpg"), std::string::npos) << r.output;
  // An output format that does not exist fails before any work.
  r = test::run_shell(cli() + " reveal -m " + model() + " -i " + cover + " -o " +
                      dir_->file("out.gif"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_->file("out.gif")));
}

// The shipped models/hiding.pt, found without -m: a secret hidden in a whole photo
// survives a JPEG Q50 recompression of the container far better than chance.
TEST(CliHidingShipped, HideAndRevealWithoutFlagsThroughJpeg50) {
  test::TempDir dir;
  const std::string cover = test::sample_photo_path("41069.jpg");
  const std::string secret = test::sample_photo_path("101085.jpg");
  const std::string container = dir.file("container.png");
  auto r = test::run_shell(cli() + " hide -i " + cover + " --secret " + secret + " -o " +
                           container + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json h = nlohmann::json::parse(r.output);
  EXPECT_NE(h.at("model").get<std::string>().find("models/hiding.pt"), std::string::npos);
  EXPECT_LT(h.at("container_apd").get<double>(), 4.6);
  // Recompress the container with real JPEG at quality 50, then reveal.
  r = test::run_shell(cli() + " attack -i " + container + " -o " + dir.file("attacked.png") +
                      " --attack jpeg:50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_shell(cli() + " reveal -i " + dir.file("attacked.png") + " -o " +
                      dir.file("revealed.png") + " --secret " + secret + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double revealed = nlohmann::json::parse(r.output).at("revealed_apd").get<double>();
  // An unrelated image is ~60 away (docs/image-hiding.md); the shipped model is ~19 at
  // JPEG Q50 on crops.
  EXPECT_LT(revealed, 30.0);
  // Revealing the cover itself (nothing hidden) is far from the secret.
  r = test::run_shell(cli() + " reveal -i " + cover + " -o " + dir.file("nothing.png") +
                      " --secret " + secret + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(nlohmann::json::parse(r.output).at("revealed_apd").get<double>(), revealed + 10);
}

}  // namespace
}  // namespace robusthide
