// End-to-end tests of `robusthide evaluate`: the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/model.h"
#include "test_util.h"

namespace robusthide {
namespace {

std::string cli() { return ROBUSTHIDE_CLI; }

constexpr int kSize = 32;
constexpr int kBits = 12;

class CliEvaluate : public ::testing::Test {
 protected:
  void SetUp() override {
    const ModelConfig c = test::tiny_config(kSize, kBits);
    torch::manual_seed(3);
    save_model(Model(c), dir_.file("model.pt"));
    const Image photo = read_image(test::sample_photo_path());
    std::filesystem::create_directory(dir_.file("data"));
    for (int i = 0; i < 4; ++i) {
      write_image(test::crop(photo, 15 + 50 * i, 25 + 20 * i, 40, 36),
                  dir_.file("data/p" + std::to_string(i) + ".png"));
    }
    cover_ = test::crop(photo, 100, 60, kSize, kSize);
    write_image(cover_, dir_.file("cover.png"));
  }
  std::string model() const { return " --model " + dir_.file("model.pt"); }
  test::TempDir dir_;
  Image cover_;
};

TEST_F(CliEvaluate, JpegTableAsJson) {
  const auto r = test::run_shell(cli() + " evaluate" + model() + " --data " + dir_.file("data") +
                                 " --attack identity --table jpeg --format json --batch-size 2"
                                 " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["images"], 4);
  EXPECT_EQ(j["message_bits"], kBits);
  EXPECT_EQ(j["image_width"], kSize);
  ASSERT_EQ(j["rows"].size(), 6u);
  EXPECT_EQ(j["rows"][0]["attack"], "identity");
  const std::vector<std::string> q = {"10", "25", "50", "75", "90"};
  for (size_t i = 0; i < q.size(); ++i) {
    const auto& row = j["rows"][i + 1];
    EXPECT_EQ(row["attack"].get<std::string>().rfind("jpeg:" + q[i], 0), 0u) << row;
    EXPECT_EQ(row["images"], 4);
    EXPECT_EQ(row["bits"], 4 * kBits);
    EXPECT_GE(row["ber"].get<double>(), 0.0);
    EXPECT_LE(row["ber"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(row["ber"].get<double>(), row["bit_errors"].get<double>() / (4 * kBits));
    // Imperceptibility is that of the encoder: the same in every row.
    EXPECT_DOUBLE_EQ(row["psnr_db"].get<double>(), j["rows"][0]["psnr_db"].get<double>());
    EXPECT_DOUBLE_EQ(row["ssim"].get<double>(), j["rows"][0]["ssim"].get<double>());
    EXPECT_GT(row["bits_per_pixel"].get<double>(), 0.0);
  }
  // Lower JPEG quality, fewer bits.
  EXPECT_LT(j["rows"][1]["bits_per_pixel"].get<double>(),
            j["rows"][5]["bits_per_pixel"].get<double>());
}

TEST_F(CliEvaluate, CsvToFileAndTextTable) {
  const std::string out = dir_.file("report.csv");
  auto r = test::run_shell(
      cli() + " evaluate" + model() + " -d " + dir_.file("data") +
      " --attack jpeg:50 --format csv --max-images 3 --messages-per-image 2 -o " + out + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out);
  std::string header, row, extra;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header.rfind("attack,messages,images,bits,", 0), 0u) << header;
  EXPECT_EQ(row.rfind("jpeg:50", 0), 0u) << row;
  EXPECT_NE(row.find(",per-image,3,72,"), std::string::npos) << row;  // 3 images x 2 x 12 bits
  EXPECT_FALSE(std::getline(in, extra));

  r = test::run_shell(cli() + " evaluate" + model() + " -d " + dir_.file("data") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("BER %"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nidentity "), std::string::npos) << r.output;
}

TEST_F(CliEvaluate, BadArgumentsFailWithUsageErrors) {
  const std::string out = dir_.file("report.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --attack jpg:50", "unknown attack 'jpg'"},
      {" --table png", "unknown evaluation table 'png'"},
      {" --format xml", "xml"},
      {" --batch-size 0", "--batch-size"},
      {" --attack blur:abc", "blur"},
      {" --messages-per-image 0", "--messages-per-image must be >= 1"},
      {" --photos --messages-per-image 2", "--messages-per-image does not apply to --photos"},
      {" --photos --same-bits-per-clip", "--same-bits-per-clip does not apply to --photos"},
      {" --photos --device cuda", "--device"},  // no GPU here, or --photos is CPU only
      {" --ecc-t 3", "--ecc-t only applies to --photos"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = test::run_shell(cli() + " evaluate" + model() + " -d " + dir_.file("data") +
                                   args + " -o " + out);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
  const auto r = test::run_shell(cli() + " evaluate" + model() + " -d " + dir_.file("nothing"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("nothing"), std::string::npos) << r.output;
}

TEST_F(CliEvaluate, CudaWithoutGpuIsAUsageErrorAndWritesNothing) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is available";
  const std::string out = dir_.file("report.csv");
  const auto r = test::run_shell(cli() + " evaluate" + model() + " --data " + dir_.file("data") +
                                 " --device cuda:0 --format csv --output " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--device cuda:0: no CUDA device available"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// --photos --max-false-positive is the threshold extract applies: a bound no decoding can
// reach turns every recovered payload into "not found"; the report states it.
TEST_F(CliEvaluate, PhotosThresholdDecidesWhatCountsAsRecovered) {
  const Image photo = read_image(test::sample_photo_path());
  std::filesystem::create_directory(dir_.file("photos"));
  write_image(test::crop(photo, 0, 0, 200, 160), dir_.file("photos/a.png"));
  write_image(test::crop(photo, 100, 120, 200, 160), dir_.file("photos/b.png"));
  const std::string base = cli() + " evaluate --photos -q -f json -m " +
                           test::default_model_path() + " -d " + dir_.file("photos") +
                           " -a identity --check none";
  const auto normal = test::run_shell(base);
  ASSERT_EQ(normal.exit_code, 0) << normal.output;
  const auto n = nlohmann::json::parse(normal.output);
  EXPECT_EQ(n["max_false_positive"], 1e-3);
  EXPECT_EQ(n["rows"][0]["recovered"], 2);
  const auto strict = test::run_shell(base + " --max-false-positive 1e-30");
  ASSERT_EQ(strict.exit_code, 0) << strict.output;
  const auto s = nlohmann::json::parse(strict.output);
  EXPECT_EQ(s["max_false_positive"], 1e-30);
  EXPECT_EQ(s["rows"][0]["recovered"], 0);
  EXPECT_EQ(s["rows"][0]["wrong"], 0);
}

}  // namespace
}  // namespace robusthide
