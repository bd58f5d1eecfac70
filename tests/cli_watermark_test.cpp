// End-to-end tests of `robusthide embed` and `extract`: the real binary, with the shipped
// default model (found without --model) and with a tiny untrained model for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/model.h"
#include "robusthide/watermark.h"
#include "test_util.h"

namespace robusthide {
namespace {

std::string cli() { return ROBUSTHIDE_CLI; }

class CliWatermark : public ::testing::Test {
 protected:
  void SetUp() override {
    photo_ = read_image(test::sample_photo_path("101085.jpg"));
    write_image(test::crop(photo_, 10, 20, 300, 200), dir_.file("cover.png"));
  }
  test::TempDir dir_;
  Image photo_;
};

TEST_F(CliWatermark, TextSurvivesJpeg50WithTheDefaultModel) {
  const std::string marked = dir_.file("marked.png"), q50 = dir_.file("q50.jpg");
  auto r = test::run_shell(cli() + " embed -i " + dir_.file("cover.png") + " -o " + marked +
                           " --text 'Hi!' --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto e = nlohmann::json::parse(r.output);
  EXPECT_EQ(e["code"], "BCH(63,36,t=5)+parity");
  EXPECT_TRUE(e["read_back"].get<bool>());
  const Image cover = read_image(dir_.file("cover.png")), written = read_image(marked);
  EXPECT_EQ(e["grid"].get<int>(), auto_grid(cover.width, cover.height));  // automatic
  EXPECT_NEAR(e["psnr_db"].get<double>(), psnr(cover, written), 1e-9);
  EXPECT_GT(e["psnr_db"].get<double>(), 35.0);
  r = test::run_shell(cli() + " attack -i " + marked + " -a jpeg:50 -o " + q50);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_shell(cli() + " extract -i " + q50 + " --expect-text 'Hi!' --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto x = nlohmann::json::parse(r.output);
  EXPECT_TRUE(x["found"].get<bool>());
  EXPECT_EQ(x["payload"]["text"], "Hi!");
  EXPECT_EQ(x["width"], 300);
  EXPECT_LE(x["corrected"].get<int>(), 3);
  EXPECT_EQ(x["bit_errors"].get<int>(), x["corrected"].get<int>());
  EXPECT_TRUE(x["matches"].get<bool>());
  // Another expected payload than the one found: exit 4, said in words.
  r = test::run_shell(cli() + " extract -i " + q50 + " --expect-text 'Ho!'");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("NOT the expected payload"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("text       Hi!"), std::string::npos) << r.output;
  // Text output names the message.
  r = test::run_shell(cli() + " extract -i " + q50);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("text       Hi!"), std::string::npos) << r.output;
  // Another grid: embed and extract agree through the flag.
  const std::string g3 = dir_.file("g3.png");
  r = test::run_shell(cli() + " embed -i " + dir_.file("cover.png") + " -o " + g3 +
                      " --text 'G3' --grid 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["grid"].get<int>(), 3);
  r = test::run_shell(cli() + " extract -i " + g3 + " --grid 3 --expect-text 'G3'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CliWatermark, UnmarkedImageSaysNoWatermarkWithExitCode3) {
  auto r = test::run_shell(cli() + " extract -i " + dir_.file("cover.png"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no watermark found"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("text "), std::string::npos) << r.output;
  r = test::run_shell(cli() + " extract -i " + dir_.file("cover.png") + " --json");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  const auto x = nlohmann::json::parse(r.output);
  EXPECT_FALSE(x["found"].get<bool>());
  EXPECT_FALSE(x.contains("payload"));
}

TEST_F(CliWatermark, FolderInFolderOut) {
  std::filesystem::create_directories(dir_.file("in/sub"));
  write_image(test::crop(photo_, 0, 0, 160, 120), dir_.file("in/a.png"));
  write_image(test::crop(photo_, 50, 50, 128, 128), dir_.file("in/sub/b.jpg"));
  std::ofstream(dir_.file("in/notes.txt")) << "not an image";
  auto r = test::run_shell(cli() + " embed -i " + dir_.file("in") + " -o " + dir_.file("out") +
                           " --hex c0ffee --format jpg --quality 90 --progress on");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 of 2 images embedded"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2/2"), std::string::npos) << r.output;  // the progress bar
  ASSERT_TRUE(std::filesystem::exists(dir_.file("out/a.jpg")));
  ASSERT_TRUE(std::filesystem::exists(dir_.file("out/sub/b.jpg")));
  // One unmarked image beside them.
  write_image(test::crop(photo_, 200, 100, 140, 140), dir_.file("out/plain.png"));
  r = test::run_shell(cli() + " extract -i " + dir_.file("out") + " --json --progress off");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  const auto all = nlohmann::json::parse(r.output);
  ASSERT_EQ(all.size(), 3u);
  for (const auto& x : all) {
    const bool plain = x["input"].get<std::string>().find("plain") != std::string::npos;
    EXPECT_EQ(x["found"].get<bool>(), !plain) << x;
    if (!plain) {
      EXPECT_EQ(x["payload"]["hex"], "c0ffee000") << x;
    }
  }
  // The input folder is refused as output.
  r = test::run_shell(cli() + " embed -i " + dir_.file("in") + " -o " + dir_.file("in") +
                      " --text a");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(CliWatermark, BadInputGetsAClearErrorAndNoOutput) {
  torch::manual_seed(3);
  save_model(Model(test::tiny_config(32, 12)), dir_.file("tiny.pt"));
  std::ofstream(dir_.file("corrupt.pt")) << "not a model";
  std::ofstream(dir_.file("broken.jpg")) << "\xFF\xD8\xFF\xE0 truncated";
  const std::string out = dir_.file("out.png");
  const std::string cover = " -i " + dir_.file("cover.png");
  struct Case {
    std::string args;
    int exit_code;
    std::vector<std::string> messages;
  };
  const std::vector<Case> cases = {
      {cover + " --text 'too long'", 2, {"'too long'", "at most 4 bytes"}},
      {cover + " --hex 12z", 2, {"'12z'", "'z'"}},
      {cover + " --hex 1234567890", 2, {"10 digits", "36 bits"}},
      {cover, 2, {"no payload"}},
      {cover + " --text a --strength 0", 2, {"strength"}},
      {cover + " --text a --quality 0", 2, {"--quality"}},
      {cover + " --text a --ecc-t 40", 2, {"t = 40"}},
      {" -m " + dir_.file("tiny.pt") + cover + " --bits 0101", 2, {"--bits has 4 bits", "12"}},
      {" -m " + dir_.file("tiny.pt") + cover + " --bits 01201", 2, {"0 and 1", "'2'"}},
      {" -m " + dir_.file("corrupt.pt") + cover + " --text a",
       1,
       {"cannot load model", "corrupt.pt"}},
      {" -m " + dir_.file("missing.pt") + cover + " --text a", 1, {"missing.pt"}},
      {" -i " + dir_.file("broken.jpg") + " --text a", 1, {"broken.jpg"}},
      {" -i " + dir_.file("none.png") + " --text a", 1, {"none.png"}},
  };
  for (const auto& c : cases) {
    const auto r = test::run_shell(cli() + " embed" + c.args + " -o " + out);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    for (const auto& m : c.messages) {
      EXPECT_NE(r.output.find(m), std::string::npos) << c.args << "\n" << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
  const auto r = test::run_shell(cli() + " extract -i " + dir_.file("broken.jpg"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("broken.jpg"), std::string::npos) << r.output;
  // No stray temporary files: cover.png, tiny.pt, corrupt.pt, broken.jpg.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 4);
}

TEST_F(CliWatermark, BadFlagsAndFoldersAreRefusedBeforeAnyOutput) {
  std::filesystem::create_directories(dir_.file("empty/sub"));
  std::filesystem::create_directories(dir_.file("in"));
  write_image(test::crop(photo_, 0, 0, 64, 64), dir_.file("in/a.png"));
  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  const std::string cover = dir_.file("cover.png");
  const std::vector<Case> cases = {
      {"embed -i " + cover + " -o " + dir_.file("o.png") + " --text a --format gif", 2,
       "--format must be png or jpg"},
      {"embed -i " + cover + " -o " + dir_.file("o.png") + " --text a --progress maybe", 2,
       "--progress must be"},
      {"embed -i " + cover + " -o " + dir_.file("o.gif") + " --text a", 2, "o.gif"},
      {"embed -i " + dir_.file("in") + " -o " + cover + " --text a", 2,
       "--output must be a folder"},
      {"embed -i " + dir_.file("empty") + " -o " + dir_.file("out") + " --text a", 1,
       "no image files"},
      {"extract -i " + dir_.file("empty"), 1, "'" + dir_.file("empty") + "'"},
      {"extract -i " + cover + " --max-false-positive 0", 2, "must be in (0, 1], got 0"},
      {"extract -i " + cover + " --max-false-positive 2", 2, "must be in (0, 1], got 2"},
      {"extract -i " + cover + " --expect-text toolong", 2, "at most 4 bytes"},
      {"evaluate -d " + dir_.file("in") + " -m " + test::default_model_path() + " --strength 30", 2,
       "--strength must be in [0.05, 2], got 30"},
      {"embed -i " + cover + " -o " + dir_.file("o.png") + " --text a --grid 9", 2,
       "must be in [1, 8], got 9"},
      {"extract -i " + cover + " --grid -1", 2, "must be in [1, 8], got -1"},
      {"evaluate -d " + dir_.file("in") + " -m " + test::default_model_path() + " --grid 2", 2,
       "--grid, --check, --max-false-positive and the --quiet-* options only apply to --photos"},
      {"evaluate -d " + dir_.file("in") + " -m " + test::default_model_path() +
           " --max-false-positive 1e-4",
       2, "only apply to --photos"},
      {"evaluate --photos -d " + dir_.file("in") + " -m " + test::default_model_path() +
           " --max-false-positive 0",
       2, "must be in (0, 1], got 0"},
      {"embed -i " + dir_.file("clip.mp4") + " -o " + dir_.file("o.mp4") + " --text a --grid 9", 2,
       "must be in [1, 8], got 9"},
      {"extract -i " + dir_.file("clip.mp4") + " --grid 9", 2, "must be in [1, 8], got 9"},
  };
  for (const auto& c : cases) {
    const auto r = test::run_shell(cli() + " " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.file("o.png")));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out")));
  EXPECT_EQ(read_image(cover).width, 300);  // the cover was not overwritten
}

}  // namespace
}  // namespace robusthide
