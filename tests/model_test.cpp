// Tests of the networks (shapes, parameter counts, FLOPs), ModelConfig and model files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "robusthide/error.h"
#include "robusthide/model.h"
#include "model/network_io.h"
#include "test_util.h"
#include "util/archive.h"

namespace robusthide {
namespace {

// Parameters of Conv3x3(in->out, bias) + BatchNorm(out) (weight and bias; no running stats).
int64_t block_params(int64_t in, int64_t out) { return 9 * in * out + out + 2 * out; }

ModelConfig small_config() {
  ModelConfig c;
  c.image_size = 24;
  c.message_bits = 12;
  c.encoder_blocks = 2;
  c.encoder_channels = 8;
  c.decoder_blocks = 3;
  c.decoder_channels = 6;
  c.discriminator_blocks = 2;
  c.discriminator_channels = 5;
  return c;
}

torch::Tensor random_messages(int64_t n, int64_t bits) {
  return torch::randint(0, 2, {n, bits}).to(torch::kFloat);
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// ---- shapes -------------------------------------------------------------------------

TEST(ModelNets, OutputShapesForSeveralConfigs) {
  ModelConfig a = small_config();
  ModelConfig b = small_config();
  b.message_bits = 1;
  b.encoder_channels = 3;
  b.decoder_channels = 16;
  b.image_size = 16;
  ModelConfig c = small_config();
  c.message_bits = 64;
  c.encoder_blocks = 1;
  c.decoder_blocks = 1;
  c.discriminator_blocks = 1;
  c.image_size = 20;
  torch::manual_seed(1);
  for (const ModelConfig& config : {a, b, c}) {
    SCOPED_TRACE(config.summary());
    Model m(config);
    const int64_t s = config.image_size;
    const torch::Tensor images = torch::rand({3, 3, s, s});
    const torch::Tensor encoded =
        m.encoder->forward(images, random_messages(3, config.message_bits));
    EXPECT_EQ(encoded.sizes(), (std::vector<int64_t>{3, 3, s, s}));
    EXPECT_EQ(m.decoder->forward(encoded).sizes(), (std::vector<int64_t>{3, config.message_bits}));
    EXPECT_EQ(m.discriminator->forward(encoded).sizes(), (std::vector<int64_t>{3, 1}));
    // Global pooling: the decoder and discriminator take any size.
    const torch::Tensor other = torch::rand({2, 3, s + 13, s + 5});
    EXPECT_EQ(m.decoder->forward(other).sizes(), (std::vector<int64_t>{2, config.message_bits}));
    EXPECT_EQ(m.discriminator->forward(other).sizes(), (std::vector<int64_t>{2, 1}));
  }
}

TEST(ModelNets, EncoderUsesTheMessageAndIsNotClamped) {
  torch::manual_seed(2);
  Model m(small_config());
  m.encoder->eval();
  const torch::Tensor images = torch::rand({1, 3, 24, 24});
  const torch::Tensor zeros = torch::zeros({1, 12});
  const torch::Tensor ones = torch::ones({1, 12});
  torch::NoGradGuard no_grad;
  const torch::Tensor e0 = m.encoder->forward(images, zeros);
  const torch::Tensor e1 = m.encoder->forward(images, ones);
  EXPECT_GT((e0 - e1).abs().max().item<float>(), 1e-4f);
  // Batch elements are independent in eval mode.
  const torch::Tensor both =
      m.encoder->forward(images.repeat({2, 1, 1, 1}), torch::cat({zeros, ones}));
  EXPECT_TRUE(torch::allclose(both[0], e0[0], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(both[1], e1[0], 1e-5, 1e-6));
}

TEST(ModelNets, BadInputShapesThrowInvalidArgument) {
  Model m(small_config());
  const torch::Tensor images = torch::rand({2, 3, 24, 24});
  EXPECT_THROW(m.encoder->forward(images, torch::zeros({2, 11})), InvalidArgument);
  EXPECT_THROW(m.encoder->forward(images, torch::zeros({3, 12})), InvalidArgument);
  EXPECT_THROW(m.encoder->forward(torch::rand({2, 1, 24, 24}), torch::zeros({2, 12})),
               InvalidArgument);
  EXPECT_THROW(m.decoder->forward(torch::rand({3, 24, 24})), InvalidArgument);
  EXPECT_THROW(m.discriminator->forward(torch::rand({2, 4, 24, 24})), InvalidArgument);
}

TEST(ModelNets, GradientsFlowFromDecoderToEncoder) {
  torch::manual_seed(3);
  Model m(small_config());
  const torch::Tensor images = torch::rand({2, 3, 24, 24});
  const torch::Tensor messages = random_messages(2, 12);
  const torch::Tensor decoded = m.decoder->forward(m.encoder->forward(images, messages));
  torch::mse_loss(decoded, messages).backward();
  for (const auto& p : m.encoder->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

// ---- parameter counts and FLOPs ----------------------------------------------------------

TEST(ModelParams, ReferenceCountsMatchLayerFormula) {
  const ModelConfig c;  // reference: 128px, L = 30, 64 channels
  Model m(c);
  const int64_t L = 30, C = 64;
  const int64_t encoder =
      block_params(3, C) + 3 * block_params(C, C) + block_params(L + C + 3, C) + (C * 3 + 3);
  const int64_t decoder =
      block_params(3, C) + 6 * block_params(C, C) + block_params(C, L) + (L * L + L);
  const int64_t discriminator = block_params(3, C) + 2 * block_params(C, C) + (C + 1);
  EXPECT_EQ(parameter_count(*m.encoder), encoder);
  EXPECT_EQ(parameter_count(*m.decoder), decoder);
  EXPECT_EQ(parameter_count(*m.discriminator), discriminator);
  // The paper's rounded figures.
  EXPECT_NEAR(encoder, 169000, 1000);
  EXPECT_NEAR(decoder, 243000, 1000);
  EXPECT_NEAR(discriminator, 76000, 1000);
}

TEST(ModelParams, NonDefaultCountsAndStableNames) {
  const ModelConfig c = small_config();
  Model m(c);
  EXPECT_EQ(parameter_count(*m.encoder),
            block_params(3, 8) + block_params(8, 8) + block_params(12 + 8 + 3, 8) + (8 * 3 + 3));
  EXPECT_EQ(parameter_count(*m.decoder),
            block_params(3, 6) + 2 * block_params(6, 6) + block_params(6, 12) + (12 * 12 + 12));
  EXPECT_EQ(parameter_count(*m.discriminator), block_params(3, 5) + block_params(5, 5) + (5 + 1));
  auto names = [](const torch::nn::Module& net) {
    std::set<std::string> out;
    for (const auto& p : net.named_parameters()) out.insert(p.key());
    for (const auto& b : net.named_buffers()) out.insert(b.key());
    return out;
  };
  const auto enc = names(*m.encoder);
  for (const char* n : {"image_blocks.0.conv.weight", "image_blocks.1.bn.running_mean",
                        "concat_block.conv.weight", "final.weight", "final.bias"}) {
    EXPECT_TRUE(enc.count(n)) << n;
  }
  const auto dec = names(*m.decoder);
  for (const char* n : {"blocks.2.conv.bias", "message_block.conv.weight", "linear.weight"}) {
    EXPECT_TRUE(dec.count(n)) << n;
  }
  // Running statistics are buffers, not parameters.
  EXPECT_TRUE(enc.count("concat_block.bn.running_var"));
  for (const auto& p : m.encoder->named_parameters())
    EXPECT_EQ(p.key().find("running"), std::string::npos);
}

TEST(ModelFlops, ReferenceNetworksMatchHandFormula) {
  const ModelConfig c;
  Model m(c);
  const int64_t px = 128 * 128, L = 30, C = 64;
  const int64_t enc_macs = px * (3 * C * 9 + 3 * C * C * 9 + (L + C + 3) * C * 9 + C * 3);
  EXPECT_EQ(m.encoder->flops(), 2 * enc_macs);
  const int64_t dec_macs = px * (3 * C * 9 + 6 * C * C * 9 + C * L * 9) + L * L;
  EXPECT_EQ(m.decoder->flops(), 2 * dec_macs);
  EXPECT_EQ(m.discriminator->flops(), 2 * (px * (3 * C * 9 + 2 * C * C * 9) + C));
  EXPECT_NEAR(m.encoder->flops() / 1e9, 5.52, 0.01);  // ~5.5 GFLOPs per 128x128 image

  // The conv part scales with the pixel count of the configured size.
  ModelConfig half = c;
  half.image_size = 64;
  Model h(half);
  EXPECT_EQ(h.encoder->flops() * 4, m.encoder->flops());
  EXPECT_EQ((h.decoder->flops() - 2 * L * L) * 4, m.decoder->flops() - 2 * L * L);
}

// ---- config ------------------------------------------------------------------------------

TEST(ModelConfigTest, DefaultsAreTheReferenceAndValid) {
  const ModelConfig c;
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(
      c.summary(),
      "hidden 128px 30 bits enc 4x64 dec 7x64 disc 3x64 shaped chroma 0 flat 0.25 texture 8 lum");
  ModelConfig unshaped = c;
  unshaped.shaping = Shaping::none();
  EXPECT_EQ(unshaped.summary(), "hidden 128px 30 bits enc 4x64 dec 7x64 disc 3x64");
  EXPECT_NE(unshaped, c);
  EXPECT_EQ(c, ModelConfig());
  ModelConfig d = c;
  d.discriminator_channels = 32;
  EXPECT_NE(c, d);
  EXPECT_EQ(model_architectures(), (std::vector<std::string>{"hidden", "fast"}));
}

// ---- the fast architecture -----------------------------------------------------------

ModelConfig fast_config(int size, int bits) {
  ModelConfig c;
  c.architecture = "fast";
  c.image_size = size;
  c.message_bits = bits;
  return c;
}

TEST(FastNets, ShapesAnySizeDecodingAndFixedResidualEnergy) {
  ModelConfig c = fast_config(32, 20);
  c.encoder_channels = 8;
  c.decoder_channels = 12;
  c.encoder_blocks = 2;
  c.decoder_blocks = 1;
  c.target_psnr = 30;
  torch::manual_seed(2);
  Model m(c);
  const torch::Tensor images = torch::rand({3, 3, 32, 32});
  const torch::Tensor encoded = m.encoder->forward(images, random_messages(3, 20));
  EXPECT_EQ(encoded.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  // Every image's residual has exactly the configured energy: MSE = 10^(-30/10).
  const torch::Tensor mse = (encoded - images).square().mean({1, 2, 3});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(mse[i].item<double>(), 1e-3, 1e-6);
  EXPECT_EQ(m.decoder->forward(encoded).sizes(), (std::vector<int64_t>{3, 20}));
  EXPECT_EQ(m.decoder->forward(torch::rand({2, 3, 45, 70})).sizes(), (std::vector<int64_t>{2, 20}));
  // The message changes the residual.
  const torch::Tensor other = m.encoder->forward(images, random_messages(3, 20));
  EXPECT_FALSE(torch::allclose(encoded, other));
  EXPECT_THROW(m.encoder->forward(images, random_messages(3, 19)), InvalidArgument);
  EXPECT_THROW(m.decoder->forward(torch::rand({1, 1, 32, 32})), InvalidArgument);
}

TEST(FastNets, AtLeastFiveTimesFewerFlopsThanTheReference) {
  ModelConfig reference;
  reference.message_bits = 64;
  const Model r(reference), f(fast_config(128, 64));
  const double ref = static_cast<double>(r.encoder->flops() + r.decoder->flops());
  const double fast = static_cast<double>(f.encoder->flops() + f.decoder->flops());
  EXPECT_GT(ref / fast, 5.0) << ref << " vs " << fast;
  // Hand count of the fast decoder at 128px, 64 channels, 7 blocks, L = 64:
  // stem 3->16 @128, 16->32 s2 @64, 32->64 s2 @32, 7 x 64->64 @32, 64->64 s2 @16,
  // 1x1 64->16 @16, Linear 16*8*8 -> 64.
  const int64_t expected =
      2 * (3 * 16 * 9 * 128 * 128 + 16 * 32 * 9 * 64 * 64 + 32 * 64 * 9 * 32 * 32 +
           7 * 64 * 64 * 9 * 32 * 32 + 64 * 64 * 9 * 16 * 16 + 64 * 16 * 16 * 16 + 1024 * 64);
  EXPECT_EQ(f.decoder->flops(), expected);
}

TEST(FastNets, ConfigChecks) {
  ModelConfig c = fast_config(120, 64);
  EXPECT_THROW(c.validate(), InvalidArgument);  // not a multiple of 16
  c = fast_config(128, 64);
  c.encoder_channels = 30;
  EXPECT_THROW(c.validate(), InvalidArgument);  // not a multiple of 4
  c = fast_config(128, 64);
  c.target_psnr = 5;
  EXPECT_THROW(c.validate(), InvalidArgument);
  c.target_psnr = 36;
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.summary(),
            "fast 128px 64 bits enc 4x64 dec 7x64 disc 3x64 psnr 36 shaped chroma 0 flat 0.25 "
            "texture 8 lum");
  ModelConfig d = c;
  d.target_psnr = 37;
  EXPECT_NE(c, d);
  EXPECT_EQ(model_config_from_json(to_json(d)), d);
  // Files written before target_psnr existed ("hidden" ones) still load.
  nlohmann::json old = nlohmann::json::parse(to_json(ModelConfig()));
  ASSERT_EQ(old.erase("target_psnr"), 1u);
  EXPECT_EQ(model_config_from_json(old.dump()), ModelConfig());
}

TEST(FastNets, MessageTileRepeatsTheMapAndIsChecked) {
  ModelConfig c = fast_config(128, 64);  // an 8 x 8 map
  for (int bad : {-1, 3, 5, 16}) {
    c.message_tile = bad;
    try {
      c.validate();
      FAIL() << "message_tile = " << bad << " accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("message_tile = " + std::to_string(bad)),
                std::string::npos)
          << e.what();
    }
  }
  ModelConfig hidden = small_config();
  hidden.message_tile = 2;
  EXPECT_THROW(hidden.validate(), InvalidArgument);

  c.message_tile = 4;  // 2 x 2 copies of a 4 x 4 tile
  EXPECT_NO_THROW(c.validate());
  EXPECT_NE(c.summary().find(" psnr 38 tile 4 shaped"), std::string::npos) << c.summary();
  EXPECT_EQ(model_config_from_json(to_json(c)), c);
  // Files written before the field existed load untiled.
  nlohmann::json old = nlohmann::json::parse(to_json(c));
  ASSERT_EQ(old.erase("message_tile"), 1u);
  EXPECT_EQ(model_config_from_json(old.dump()).message_tile, 0);

  // The message layers shrink to one tile: 16 x 4 x 4 values instead of 16 x 8 x 8, and the
  // decoder's Linear FLOPs with them.
  const Model tiled(c), untiled(fast_config(128, 64));
  auto shape = [](const torch::nn::Module& m, const std::string& name) {
    return m.named_parameters()[name].sizes().vec();
  };
  EXPECT_EQ(shape(*tiled.encoder, "message.weight"), (std::vector<int64_t>{256, 64}));
  EXPECT_EQ(shape(*tiled.decoder, "linear.weight"), (std::vector<int64_t>{64, 256}));
  EXPECT_EQ(untiled.decoder->flops() - tiled.decoder->flops(), 2 * (1024 - 256) * 64);
  EXPECT_LE(c.min_parameters(), parameter_count(*tiled.encoder) + parameter_count(*tiled.decoder));

  // Any image size still decodes to L values, and a tiled encoder's residual depends on the
  // message.
  torch::manual_seed(3);
  const torch::Tensor image = torch::rand({2, 3, 128, 128});
  const torch::Tensor a = random_messages(2, 64), b = 1 - a;
  torch::NoGradGuard no_grad;
  EXPECT_GT((tiled.encoder->forward(image, a) - tiled.encoder->forward(image, b))
                .abs()
                .max()
                .item<double>(),
            1e-4);
  EXPECT_EQ(tiled.decoder->forward(torch::rand({1, 3, 200, 152})).sizes(),
            (c10::IntArrayRef{1, 64}));
}

TEST(FastNets, PartialInitCopiesWhatFitsAndNamesTheRest) {
  ModelConfig c = fast_config(64, 16);  // a 4 x 4 map
  torch::manual_seed(1);
  const Model from(c);
  c.message_tile = 2;
  torch::manual_seed(2);
  Model to(c);
  const std::vector<std::string> fresh = copy_matching_weights(from, to);
  // The decoder's bias (L values) fits and is kept; the layers that make or read the map
  // change shape.
  EXPECT_EQ(fresh, (std::vector<std::string>{"encoder.message.bias", "encoder.message.weight",
                                             "decoder.linear.weight"}));
  for (const auto& p : from.encoder->named_parameters()) {
    if (p.key().rfind("message.", 0) == 0) continue;
    EXPECT_TRUE(torch::equal(p.value(), to.encoder->named_parameters()[p.key()])) << p.key();
  }
  EXPECT_TRUE(torch::equal(from.decoder->named_parameters()["linear.bias"],
                           to.decoder->named_parameters()["linear.bias"]));
  EXPECT_NE(from.encoder->named_parameters()["message.bias"].numel(),
            to.encoder->named_parameters()["message.bias"].numel());
}

TEST(ModelConfigTest, OutOfRangeFieldsNameFieldAndValue) {
  struct Case {
    const char* field;
    int ModelConfig::*member;
    int bad;
  };
  const Case cases[] = {
      {"image_size", &ModelConfig::image_size, 8},
      {"image_size", &ModelConfig::image_size, 2048},
      {"message_bits", &ModelConfig::message_bits, 0},
      {"message_bits", &ModelConfig::message_bits, 1025},
      {"encoder_blocks", &ModelConfig::encoder_blocks, 0},
      {"encoder_channels", &ModelConfig::encoder_channels, -3},
      {"decoder_blocks", &ModelConfig::decoder_blocks, 65},
      {"decoder_channels", &ModelConfig::decoder_channels, 1025},
      {"discriminator_blocks", &ModelConfig::discriminator_blocks, 0},
      {"discriminator_channels", &ModelConfig::discriminator_channels, 0},
  };
  for (const Case& k : cases) {
    ModelConfig c;
    c.*(k.member) = k.bad;
    try {
      c.validate();
      ADD_FAILURE() << k.field << " = " << k.bad << " was accepted";
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(std::string(k.field) + " = " + std::to_string(k.bad)), std::string::npos)
          << msg;
    }
    EXPECT_THROW(Model{c}, InvalidArgument);
  }
  ModelConfig edge;
  edge.image_size = kMinImageSize;
  edge.message_bits = 1;
  edge.encoder_channels = 1;
  EXPECT_NO_THROW(edge.validate());
}

TEST(ModelConfigTest, UnknownArchitecture) {
  ModelConfig c;
  c.architecture = "resnet";
  try {
    make_decoder(c);
    ADD_FAILURE() << "accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'resnet'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hidden"), std::string::npos) << e.what();
  }
}

// ---- model files -------------------------------------------------------------------------

class ModelFile : public ::testing::Test {
 protected:
  ModelFile() : model_((torch::manual_seed(4), small_config())) {
    // One training-mode pass so the batch-norm running statistics are not the defaults.
    const torch::Tensor images = torch::rand({4, 3, 24, 24});
    torch::NoGradGuard no_grad;
    const torch::Tensor encoded = model_.encoder->forward(images, random_messages(4, 12));
    model_.decoder->forward(encoded);
    model_.discriminator->forward(encoded);
    model_.provenance.attack = "combined(jpeg:50,webp:50)";
    model_.provenance.steps = 123456;
    model_.provenance.epochs = 7;
    model_.provenance.data = "/a;/b c";
    model_.provenance.seed = 18446744073709551557ULL;  // needs all 64 bits
    model_.provenance.commit = "v0.1-3-gabcdef";
    model_.provenance.created = "2024-01-02T03:04:05Z";
    model_.provenance.notes = "robusthide train --attack \"jpeg:50\"\nsecond line \xc3\xa9";
  }

  // Writes a file like save_model's, with the given pieces.
  void write_archive(const std::string& path, uint32_t version, const std::string& config,
                     const Model& nets) {
    ArchiveWriter archive;
    archive.add_text("config", config);
    archive.add_text("provenance", "{}");
    write_networks(archive, nets);
    const char magic[8] = {'R', 'H', 'I', 'D', 'E', 'M', 'D', 'L'};
    const std::vector<uint8_t> bytes = archive.finish(magic, version);
    write_bytes(path, bytes);
  }

  std::string config_json(const ModelConfig& c) {
    return nlohmann::json{{"architecture", c.architecture},
                          {"image_size", c.image_size},
                          {"message_bits", c.message_bits},
                          {"encoder_blocks", c.encoder_blocks},
                          {"encoder_channels", c.encoder_channels},
                          {"decoder_blocks", c.decoder_blocks},
                          {"decoder_channels", c.decoder_channels},
                          {"discriminator_blocks", c.discriminator_blocks},
                          {"discriminator_channels", c.discriminator_channels}}
        .dump();
  }

  // load_model(path) must throw IoError naming the path; returns its message.
  std::string expect_load_error(const std::string& path) {
    try {
      load_model(path);
    } catch (const IoError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("cannot load model '" + path + "'"), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      return msg;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "wrong exception type: " << e.what();
      return "";
    }
    ADD_FAILURE() << "loaded " << path;
    return "";
  }

  void expect_load_error_containing(const std::string& path, const std::string& needle) {
    const std::string msg = expect_load_error(path);
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }

  test::TempDir dir_;
  Model model_;
};

void expect_same_tensors(const torch::nn::Module& a, const torch::nn::Module& b) {
  auto all = [](const torch::nn::Module& m) {
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value();
    for (const auto& p : m.named_buffers()) out[p.key()] = p.value();
    return out;
  };
  const auto x = all(a), y = all(b);
  ASSERT_EQ(x.size(), y.size());
  for (const auto& [name, t] : x) {
    ASSERT_TRUE(y.count(name)) << name;
    EXPECT_EQ(t.scalar_type(), y.at(name).scalar_type()) << name;
    EXPECT_TRUE(torch::equal(t, y.at(name))) << name;
  }
}

TEST_F(ModelFile, RoundTripIsExact) {
  const std::string path = dir_.file("m.rhm");
  save_model(model_, path);
  Model loaded = load_model(path);
  EXPECT_EQ(loaded.config, model_.config);
  EXPECT_EQ(loaded.provenance, model_.provenance);
  EXPECT_EQ(loaded.provenance.seed, 18446744073709551557ULL);
  expect_same_tensors(*loaded.encoder, *model_.encoder);
  expect_same_tensors(*loaded.decoder, *model_.decoder);
  expect_same_tensors(*loaded.discriminator, *model_.discriminator);
  // The running statistics really were saved (they differ from a fresh network's).
  Model fresh(small_config());
  EXPECT_FALSE(torch::equal(fresh.decoder->named_buffers()["blocks.0.bn.running_mean"],
                            loaded.decoder->named_buffers()["blocks.0.bn.running_mean"]));

  for (Model* m : {&model_, &loaded}) {
    m->encoder->eval();
    m->decoder->eval();
    m->discriminator->eval();
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::rand({2, 3, 24, 24});
  const torch::Tensor messages = random_messages(2, 12);
  const torch::Tensor a = model_.encoder->forward(images, messages);
  const torch::Tensor b = loaded.encoder->forward(images, messages);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(model_.decoder->forward(a), loaded.decoder->forward(b)));
  EXPECT_TRUE(torch::equal(model_.discriminator->forward(a), loaded.discriminator->forward(b)));
  // Saving again over the file works and leaves no temporary file behind.
  save_model(loaded, path);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(ModelFile, SaveToMissingFolderThrowsAndLeavesNothing) {
  const std::string path = dir_.file("no/such/dir/m.rhm");
  try {
    save_model(model_, path);
    ADD_FAILURE() << "saved";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(ModelFile, MissingEmptyTruncatedGarbageFiles) {
  expect_load_error_containing(dir_.file("missing.rhm"), "no such file");
  expect_load_error(dir_.path());  // a directory

  write_bytes(dir_.file("empty.rhm"), {});
  expect_load_error_containing(dir_.file("empty.rhm"), "empty");

  save_model(model_, dir_.file("good.rhm"));
  const std::vector<uint8_t> good = file_bytes(dir_.file("good.rhm"));
  for (size_t keep : {good.size() / 2, good.size() - 10, size_t{100}}) {
    write_bytes(dir_.file("cut.rhm"), std::vector<uint8_t>(good.begin(), good.begin() + keep));
    expect_load_error(dir_.file("cut.rhm"));
  }
  std::vector<uint8_t> garbage(5000);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 7919 % 251);
  write_bytes(dir_.file("garbage.rhm"), garbage);
  expect_load_error(dir_.file("garbage.rhm"));
}

TEST_F(ModelFile, FlippedWeightByteIsDetected) {
  save_model(model_, dir_.file("good.rhm"));
  std::vector<uint8_t> bytes = file_bytes(dir_.file("good.rhm"));
  // Find the decoder's Linear weights (stored raw) and change one of them.
  const torch::Tensor w = model_.decoder->named_parameters()["linear.weight"].contiguous();
  const auto* p = static_cast<const uint8_t*>(w.data_ptr());
  const std::vector<uint8_t> needle(p, p + w.numel() * sizeof(float));
  const auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  ASSERT_NE(it, bytes.end());
  *(it + 17) ^= 0x01;
  write_bytes(dir_.file("flipped.rhm"), bytes);
  const std::string msg = expect_load_error(dir_.file("flipped.rhm"));
  EXPECT_NE(msg.find("corrupt file (checksum mismatch)"), std::string::npos) << msg;
}

TEST_F(ModelFile, TorchArchiveThatIsNotAModel) {
  torch::nn::Linear linear(3, 4);
  torch::save(linear, dir_.file("linear.pt"));
  const std::string msg = expect_load_error(dir_.file("linear.pt"));
  EXPECT_NE(msg.find("not a robusthide model"), std::string::npos) << msg;
}

TEST_F(ModelFile, UnknownVersionInvalidConfigAndMisfitWeights) {
  const std::string good_config = config_json(model_.config);
  write_archive(dir_.file("v3.rhm"), 3, good_config, model_);
  expect_load_error_containing(dir_.file("v3.rhm"), "version 3");
  write_archive(dir_.file("v1.rhm"), 1, good_config, model_);
  expect_load_error_containing(dir_.file("v1.rhm"), "version 1");

  ModelConfig bad = model_.config;
  bad.message_bits = 0;
  write_archive(dir_.file("badcfg.rhm"), kModelFormatVersion, config_json(bad), model_);
  expect_load_error_containing(dir_.file("badcfg.rhm"), "message_bits = 0");

  write_archive(dir_.file("nojson.rhm"), kModelFormatVersion, "{not json", model_);
  expect_load_error(dir_.file("nojson.rhm"));

  auto missing = nlohmann::json::parse(good_config);
  missing.erase("decoder_channels");
  write_archive(dir_.file("nofield.rhm"), kModelFormatVersion, missing.dump(), model_);
  expect_load_error_containing(dir_.file("nofield.rhm"), "decoder_channels");

  // Weights of other shapes than the stored config says.
  ModelConfig wider = model_.config;
  wider.encoder_channels = 9;
  write_archive(dir_.file("shape.rhm"), kModelFormatVersion, config_json(wider), model_);
  expect_load_error_containing(dir_.file("shape.rhm"), "do not fit");
  // More blocks stored than the config has: extra weights are not silently ignored.
  ModelConfig fewer = model_.config;
  fewer.decoder_blocks = 2;
  write_archive(dir_.file("extra.rhm"), kModelFormatVersion, config_json(fewer), model_);
  expect_load_error_containing(dir_.file("extra.rhm"), "unexpected");
}

}  // namespace
}  // namespace robusthide
