// End-to-end tests of `robusthide info`: the real binary, as a user types it.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "robusthide/hiding.h"
#include "robusthide/model.h"
#include "test_util.h"

namespace robusthide {
namespace {

std::string cli() { return ROBUSTHIDE_CLI; }

// 1234567 -> "1,234,567".
std::string with_commas(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return s;
}

class CliInfo : public ::testing::Test {
 protected:
  CliInfo() : model_(config()) {
    model_.provenance.attack = "jpeg:50";
    model_.provenance.steps = 4321;
    model_.provenance.seed = 99;
    model_.provenance.notes = "cli test";
    save_model(model_, dir_.file("m.rhm"));
  }
  static ModelConfig config() {
    ModelConfig c;
    c.image_size = 32;
    c.message_bits = 20;
    c.encoder_channels = 16;
    c.decoder_channels = 12;
    c.decoder_blocks = 3;
    c.discriminator_channels = 8;
    return c;
  }
  test::TempDir dir_;
  Model model_;
};

TEST_F(CliInfo, DescribesSavedModel) {
  const auto r = test::run_shell(cli() + " info " + dir_.file("m.rhm"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& s :
       {std::string("hidden 32px 20 bits enc 4x16 dec 3x12 disc 3x8"), std::string("jpeg:50"),
        std::string("4,321"), std::string("cli test"),
        with_commas(parameter_count(*model_.encoder)),
        with_commas(parameter_count(*model_.decoder)),
        with_commas(parameter_count(*model_.discriminator))}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << "missing '" << s << "' in\n" << r.output;
  }
  // One row per config field, as in the model file.
  for (const char* s : {"image_size +32\n", "message_bits +20\n", "encoder_channels +16\n",
                        "decoder_channels +12\n", "shaping.chroma +0\n"}) {
    EXPECT_TRUE(std::regex_search(r.output, std::regex(s))) << "missing '" << s << "' in\n"
                                                            << r.output;
  }
}

TEST_F(CliInfo, JsonMatchesLibrary) {
  const auto r = test::run_shell(cli() + " info --json " + dir_.file("m.rhm") + " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["model"], dir_.file("m.rhm"));
  EXPECT_EQ(j["format_version"], kModelFormatVersion);
  EXPECT_EQ(j["config"]["message_bits"], 20);
  EXPECT_EQ(j["config"]["decoder_channels"], 12);
  EXPECT_EQ(j["provenance"]["attack"], "jpeg:50");
  EXPECT_EQ(j["provenance"]["steps"], 4321);
  EXPECT_EQ(j["networks"]["encoder"]["parameters"], parameter_count(*model_.encoder));
  EXPECT_EQ(j["networks"]["decoder"]["parameters"], parameter_count(*model_.decoder));
  EXPECT_EQ(j["networks"]["discriminator"]["parameters"], parameter_count(*model_.discriminator));
  EXPECT_EQ(j["networks"]["encoder"]["flops"], model_.encoder->flops());
  EXPECT_EQ(j["networks"]["decoder"]["flops"], model_.decoder->flops());
}

TEST_F(CliInfo, CorruptFileExitsOneNamingPath) {
  const std::string path = dir_.file("bad.rhm");
  std::ofstream(path) << "this is not a model";
  const auto r = test::run_shell(cli() + " info " + path);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("'" + path + "'"), std::string::npos) << r.output;
}

TEST_F(CliInfo, FreshConfigFromFlags) {
  const auto r =
      test::run_shell(cli() + " info --architecture hidden --image-size 128 --bits 30 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j["model"].is_null());
  const Model reference{ModelConfig{}};
  EXPECT_EQ(j["networks"]["encoder"]["parameters"], parameter_count(*reference.encoder));
  EXPECT_EQ(j["networks"]["decoder"]["flops"], reference.decoder->flops());

  const auto small = test::run_shell(cli() + " info --bits 8 --encoder-channels 4 --json");
  ASSERT_EQ(small.exit_code, 0) << small.output;
  ModelConfig c;
  c.message_bits = 8;
  c.encoder_channels = 4;
  EXPECT_EQ(nlohmann::json::parse(small.output)["networks"]["encoder"]["parameters"],
            parameter_count(*make_encoder(c)));

  // The fast architecture, with the reference's cost beside it.
  const auto fast = test::run_shell(cli() + " info --architecture fast --bits 64 --json");
  ASSERT_EQ(fast.exit_code, 0) << fast.output;
  const auto f = nlohmann::json::parse(fast.output);
  ModelConfig fc;
  fc.architecture = "fast";
  fc.message_bits = 64;
  const Model fm(fc);
  ModelConfig rc;
  rc.message_bits = 64;
  const Model rm(rc);
  EXPECT_EQ(f["networks"]["decoder"]["flops"], fm.decoder->flops());
  EXPECT_EQ(f["reference_encoder_decoder"]["flops"], rm.encoder->flops() + rm.decoder->flops());
  const auto text = test::run_shell(cli() + " info --architecture fast --bits 64");
  EXPECT_NE(text.output.find("(11.2x)"), std::string::npos) << text.output;
}

TEST_F(CliInfo, UsageErrorsExitTwo) {
  const auto both = test::run_shell(cli() + " info " + dir_.file("m.rhm") + " --bits 30");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  const auto zero = test::run_shell(cli() + " info --bits 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_NE(zero.output.find("message_bits = 0"), std::string::npos) << zero.output;
  const auto arch = test::run_shell(cli() + " info --architecture nope");
  EXPECT_EQ(arch.exit_code, 2) << arch.output;
  EXPECT_NE(arch.output.find("'nope'"), std::string::npos) << arch.output;
}

TEST_F(CliInfo, DescribesImageHidingModels) {
  HidingConfig c;
  c.image_size = 32;
  c.hider_channels = 8;
  c.reveal_channels = 8;
  HidingModel h(c);
  h.provenance.steps = 77;
  const std::string path = dir_.file("h.rhm");
  save_hiding_model(h, path);
  const auto text = test::run_shell(cli() + " info " + path);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const std::string& s :
       {std::string("image hiding"), c.summary(), std::string("hider "),
        with_commas(parameter_count(*h.hider)), with_commas(parameter_count(*h.revealer))}) {
    EXPECT_NE(text.output.find(s), std::string::npos) << "missing '" << s << "' in\n"
                                                      << text.output;
  }
  const auto json = test::run_shell(cli() + " info --json " + path + " 2>/dev/null");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["kind"], "hiding");
  EXPECT_EQ(j["config"]["hider_channels"], 8);
  EXPECT_EQ(j["networks"]["revealer"]["flops"], h.revealer->flops());
  EXPECT_EQ(j["provenance"]["steps"], 77);
}

}  // namespace
}  // namespace robusthide
