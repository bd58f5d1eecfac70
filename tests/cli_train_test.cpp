// End-to-end tests of `robusthide train`: the real binary, as a user types it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "robusthide/file_io.h"
#include "robusthide/model.h"
#include "robusthide/train.h"
#include "test_util.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;

std::string cli() { return ROBUSTHIDE_CLI; }

// 24 photos of 40x40 cut from the shared photos, and an output folder.
class CliTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.file("photos/sub"));
    const Image photo = read_image(test::sample_photo_path());
    for (int k = 0; k < 24; ++k) {
      const Image tile = test::crop(photo, 10 + 45 * (k % 8), 20 + 90 * (k / 8), 40, 40);
      write_image(tile,
                  dir_.file((k % 2 ? "photos/sub/" : "photos/") + std::to_string(k) + ".png"));
    }
  }
  std::string tiny_flags(const std::string& bits = "8") const {
    return " --train " + dir_.file("photos") + " --image-size 32 --bits " + bits +
           " --encoder-blocks 1 --encoder-channels 8"
           " --decoder-blocks 1 --decoder-channels 8 --discriminator-blocks 1"
           " --discriminator-channels 8 --batch-size 8 --val-images 8 --progress off";
  }
  test::TempDir dir_;
};

TEST_F(CliTrain, TrainsAFewStepsAndResumesWithoutRepeatingFlags) {
  const std::string out = dir_.file("run");
  auto r = test::run_shell(cli() + " train" + tiny_flags() +
                           " --steps 3 --seed 5 --checkpoint-every 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"model.pt", "checkpoint.pt", "log.csv"}) {
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  }
  // One validation line on stdout (the run stopped mid-epoch at step 3).
  EXPECT_NE(r.output.find("step 3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("val loss"), std::string::npos) << r.output;
  Model m = load_model(out + "/model.pt");
  EXPECT_EQ(m.config.message_bits, 8);
  EXPECT_EQ(m.config.image_size, 32);
  EXPECT_EQ(m.provenance.steps, 3);
  EXPECT_EQ(m.provenance.seed, 5u);
  EXPECT_NE(m.provenance.notes.find("--steps 3"), std::string::npos) << m.provenance.notes;

  // Resume: only --out, --resume and the new length; the rest comes from the checkpoint.
  r = test::run_shell(cli() + " train --out " + out + " --resume --steps 5 --progress on");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("5/5"), std::string::npos) << r.output;  // the progress bar
  EXPECT_NE(r.output.find("img/s"), std::string::npos) << r.output;
  m = load_model(out + "/model.pt");
  EXPECT_EQ(m.provenance.steps, 5);
  EXPECT_EQ(m.config.message_bits, 8);
  // The checkpoint interval was kept too (not the default 500).
  EXPECT_EQ(read_checkpoint_options(out + "/checkpoint.pt").checkpoint_every, 2);

  // Resuming with a different fixed option is refused, and nothing changes.
  const auto before = read_file(out + "/checkpoint.pt");
  r = test::run_shell(cli() + " train --out " + out + " --resume --steps 7 --attack jpeg:50");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("attack = \"jpeg:50"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(checkpoint: \"identity\")"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(out + "/checkpoint.pt"), before);
  // Without --resume an existing run is not overwritten.
  r = test::run_shell(cli() + " train" + tiny_flags() + " --steps 3 --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(out + "/checkpoint.pt"), before);
}

struct BadCase {
  std::string args;     // after "train"
  int exit_code;        // expected
  std::string message;  // expected in the output
};

TEST_F(CliTrain, BadFlagsFailCleanlyWithoutOutput) {
  const std::string out = dir_.file("run");
  const std::vector<BadCase> cases = {
      {tiny_flags() + " --steps 2 --attack jpeg:0", 2, "jpeg:0"},
      {tiny_flags() + " --steps 2 --attack nosuch", 2, "nosuch"},
      {tiny_flags("0") + " --steps 2", 2, "message_bits"},
      {tiny_flags() + " --steps 2 --epochs 2", 2, "excludes"},
      {tiny_flags(), 2, "exactly one"},
      {tiny_flags() + " --steps 2 --progress maybe", 2, "--progress"},
      {" --steps 2 --image-size 32", 2, "--train"},
      {tiny_flags() + " --steps 2 --train " + dir_.file("missing"), 1, dir_.file("missing")},
      {tiny_flags() + " --steps 2 --val " + dir_.file("photos/0.png"), 1, "not a folder"},
      {" --out " + out + " --resume --steps 2", 1, "checkpoint.pt"},
  };
  for (const BadCase& c : cases) {
    const std::string args =
        c.args.find("--out") == std::string::npos ? c.args + " --out " + out : c.args;
    const auto r = test::run_shell(cli() + " train" + args);
    EXPECT_EQ(r.exit_code, c.exit_code) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

TEST_F(CliTrain, CudaWithoutGpuIsAUsageErrorAndWritesNothing) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is available";
  const std::string out = dir_.file("run");
  auto r =
      test::run_shell(cli() + " train" + tiny_flags() + " --steps 1 --device cuda --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--device cuda: no CUDA device available (this LibTorch build"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  r = test::run_shell(cli() + " train" + tiny_flags() + " --steps 1 --device tpu --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--device tpu: unknown device"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliTrain, MaxMinutesStopsAfterTheFirstStep) {
  const std::string out = dir_.file("run");
  const auto r = test::run_shell(cli() + " train" + tiny_flags() +
                                 " --steps 6 --device cpu --max-minutes 0.000001 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stopped by --max-minutes"), std::string::npos) << r.output;
  EXPECT_EQ(load_model(out + "/model.pt").provenance.steps, 1);
  EXPECT_EQ(load_model(out + "/model.pt").provenance.device, "cpu");
}

}  // namespace
}  // namespace robusthide
