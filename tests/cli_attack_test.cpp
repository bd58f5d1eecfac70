// End-to-end tests of `robusthide attack`: the real binary, as a user types it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "robusthide/codec.h"
#include "robusthide/metrics.h"
#include "test_util.h"

namespace robusthide {
namespace {

std::string cli() { return ROBUSTHIDE_CLI; }

class CliAttack : public ::testing::Test {
 protected:
  void SetUp() override {
    const Image photo = read_image(test::sample_photo_path());
    input_ = test::crop(photo, 30, 40, 96, 80);
    write_image(input_, dir_.file("in.png"));
  }
  test::TempDir dir_;
  Image input_;
};

TEST_F(CliAttack, JpegMatchesLibraryAndPrintsPsnrAndSize) {
  const auto r = test::run_shell(cli() + " attack -i " + dir_.file("in.png") + " -o " +
                                 dir_.file("out.png") + " --attack jpeg:40");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Image out = read_image(dir_.file("out.png"));
  const RoundTrip expected = make_codec("jpeg:40")->round_trip(input_);
  EXPECT_EQ(out, expected.images[0]);
  char db[32];
  std::snprintf(db, sizeof db, "%.2f", psnr(input_, out));
  EXPECT_NE(r.output.find(std::string("PSNR     ") + db), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::to_string(expected.compressed_bytes) + " bytes"), std::string::npos)
      << r.output;
}

TEST_F(CliAttack, JsonOutput) {
  const auto r = test::run_shell(cli() + " attack -i " + dir_.file("in.png") + " -o " +
                                 dir_.file("out.png") + " --attack webp:30 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["attack"], "webp:30");
  EXPECT_EQ(j["width"], 96);
  EXPECT_EQ(j["height"], 80);
  const Image out = read_image(dir_.file("out.png"));
  EXPECT_NEAR(j["psnr_db"].get<double>(), psnr(input_, out), 1e-9);
  EXPECT_EQ(j["compressed_bytes"], make_codec("webp:30")->round_trip(input_).compressed_bytes);
}

TEST_F(CliAttack, SizeChangingAttackWritesSmallerImage) {
  const auto r = test::run_shell(cli() + " attack -i " + dir_.file("in.png") + " -o " +
                                 dir_.file("out.png") + " --attack crop:0.5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Image out = read_image(dir_.file("out.png"));
  EXPECT_EQ(out.width, 48);
  EXPECT_EQ(out.height, 40);
  EXPECT_NE(r.output.find("n/a"), std::string::npos) << r.output;
}

struct BadCase {
  std::string args;     // after "attack"
  int exit_code;        // expected
  std::string message;  // expected in the output
};

TEST_F(CliAttack, BadInputsFailCleanlyWithoutOutput) {
  {
    std::ofstream(dir_.file("garbage.jpg")) << "this is not an image at all";
    std::ofstream(dir_.file("empty.png"));
  }
  const std::string in = dir_.file("in.png"), out = dir_.file("out.png");
  const std::vector<BadCase> cases = {
      {"-i " + dir_.file("missing.png") + " -o " + out + " --attack jpeg:50", 1, "missing.png"},
      {"-i " + dir_.file("garbage.jpg") + " -o " + out + " --attack jpeg:50", 1, "garbage.jpg"},
      {"-i " + dir_.file("empty.png") + " -o " + out + " --attack jpeg:50", 1, "empty.png"},
      {"-i " + in + " -o " + out + " --attack jpeg:500", 2, "1..100"},
      {"-i " + in + " -o " + out + " --attack jpg:50", 2, "unknown attack 'jpg'"},
      {"-i " + in + " -o " + out + " --attack 'split(jpeg:10'", 2, "missing ')'"},
      {"-i " + in + " -o " + dir_.file("out.tiff") + " --attack jpeg:50", 2, "out.tiff"},
      {"-i " + in + " -o " + out + " --attack 'cmd:\"exit 3\"'", 1, "exit"},
      {"-i " + in + " -o " + out, 2, "--attack"},
  };
  for (const auto& c : cases) {
    const auto r = test::run_shell(cli() + " attack " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("out.tiff"))) << c.args;
    // No temporary files left behind either.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      files += e.is_regular_file();
    EXPECT_EQ(files, 3) << c.args;
  }
}

}  // namespace
}  // namespace robusthide
