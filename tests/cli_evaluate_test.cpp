// End-to-end tests of `robusthide evaluate`, `embed` and `extract`: the real binary.
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
  EXPECT_LT(j["rows"][1]["bits_per_pixel"].get<double>(), j["rows"][5]["bits_per_pixel"].get<double>());
}

TEST_F(CliEvaluate, CsvToFileAndTextTable) {
  const std::string out = dir_.file("report.csv");
  auto r = test::run_shell(cli() + " evaluate" + model() + " -d " + dir_.file("data") +
                           " --attack jpeg:50 --format csv --max-images 3 -o " + out + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out);
  std::string header, row, extra;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header.rfind("attack,messages,images,bits,", 0), 0u) << header;
  EXPECT_EQ(row.rfind("jpeg:50", 0), 0u) << row;
  EXPECT_NE(row.find(",per-image,3,36,"), std::string::npos) << row;
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

std::string bits_string(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "0110100111"[i % 10];
  return s;
}

TEST_F(CliEvaluate, EmbedThenExtractRoundTrips) {
  const std::string bits = bits_string(kBits);
  for (const std::string name : {"out.png", "out.jpg"}) {
    const std::string out = dir_.file(name);
    auto r = test::run_shell(cli() + " embed" + model() + " -i " + dir_.file("cover.png") +
                             " -o " + out + " --bits " + bits + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto e = nlohmann::json::parse(r.output);
    // The requested format was written.
    const std::vector<uint8_t> bytes = read_file(out);
    ASSERT_GE(bytes.size(), 4u);
    if (name == "out.png") {
      EXPECT_EQ(bytes[0], 0x89);
      EXPECT_EQ(bytes[1], 'P');
      EXPECT_EQ(e["format"], "png");
    } else {
      EXPECT_EQ(bytes[0], 0xFF);
      EXPECT_EQ(bytes[1], 0xD8);
      EXPECT_EQ(e["format"], "jpeg");
    }
    const Image written = read_image(out);
    ASSERT_EQ(written.width, kSize);
    EXPECT_NEAR(e["psnr_db"].get<double>(), psnr(cover_, written), 1e-9);
    EXPECT_NEAR(e["ssim"].get<double>(), ssim(cover_, written), 1e-9);
    EXPECT_EQ(e["bits"], bits);

    // extract decodes the same file the same way embed checked it.
    r = test::run_shell(cli() + " extract" + model() + " -i " + out + " 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string extracted = r.output.substr(0, r.output.find('\n'));
    EXPECT_EQ(extracted.size(), static_cast<size_t>(kBits)) << r.output;
    EXPECT_EQ(extracted.find_first_not_of("01"), std::string::npos) << r.output;
    EXPECT_EQ(extracted, e["read_back"].get<std::string>());

    r = test::run_shell(cli() + " extract" + model() + " -i " + out + " --expect " + bits +
                        " --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto x = nlohmann::json::parse(r.output);
    int wrong = 0;
    for (int i = 0; i < kBits; ++i) wrong += extracted[i] != bits[i];
    EXPECT_EQ(x["bits"], extracted);
    EXPECT_EQ(x["bit_errors"], wrong);
    EXPECT_DOUBLE_EQ(x["ber"].get<double>(), wrong / static_cast<double>(kBits));
    EXPECT_EQ(e["read_back_errors"], wrong);
    EXPECT_EQ(x["values"].size(), static_cast<size_t>(kBits));
  }
}

TEST_F(CliEvaluate, EmbedRejectsBadInputsWithoutOutput) {
  const Image big = test::crop(read_image(test::sample_photo_path()), 0, 0, 40, 36);
  write_image(big, dir_.file("big.png"));
  std::ofstream(dir_.file("corrupt.pt")) << "not a model";
  const std::string out = dir_.file("embedded.png");
  const std::string cover = " -i " + dir_.file("cover.png");
  const std::string bits = " --bits " + bits_string(kBits);
  struct Case {
    std::string args;
    int exit_code;
    std::vector<std::string> messages;
  };
  const std::vector<Case> cases = {
      {model() + cover + " --bits " + bits_string(kBits - 2), 2, {"10 bits", "12"}},
      {model() + cover + " --bits 01201", 2, {"0 and 1", "'2'"}},
      {model() + " -i " + dir_.file("big.png") + bits, 2, {"40x36", "32x32"}},
      {" --model " + dir_.file("corrupt.pt") + cover + bits, 1, {"cannot load model", "corrupt.pt"}},
      {" --model " + dir_.file("missing.pt") + cover + bits, 1, {"missing.pt"}},
      {model() + " -i " + dir_.file("none.png") + bits, 1, {"none.png"}},
  };
  for (const auto& c : cases) {
    const auto r = test::run_shell(cli() + " embed" + c.args + " -o " + out);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.output;
    for (const auto& m : c.messages) {
      EXPECT_NE(r.output.find(m), std::string::npos) << c.args << "\n" << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
  // No stray temporary files either: model.pt, data/, cover.png, big.png, corrupt.pt.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 5);
  // extract checks --expect the same way.
  const auto r = test::run_shell(cli() + " extract" + model() + cover + " --expect 0101");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--expect has 4 bits"), std::string::npos) << r.output;
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

}  // namespace
}  // namespace robusthide
