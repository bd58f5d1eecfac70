// Checkpoint files: a checksummed header around a LibTorch archive.
#include "train/checkpoint.h"

#include <cstring>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/image.h"

namespace robusthide {
namespace {

constexpr char kMagic[8] = {'R', 'H', 'I', 'D', 'E', 'C', 'K', 'P'};
constexpr size_t kHeaderSize = 32;

// A failure while reading; the Checkpoint constructor adds the path.
struct LoadFailure {
  std::string reason;
};

uint64_t fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

void put_le(std::vector<uint8_t>& out, size_t offset, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

nlohmann::json state_to_json(const TrainState& s) {
  return {{"step", s.step},
          {"epoch", s.epoch},
          {"batch", s.batch},
          {"train_images", s.train_images},
          {"seconds", s.seconds}};
}

void write_module(torch::serialize::OutputArchive& archive, const char* key,
                  const torch::nn::Module& module) {
  torch::serialize::OutputArchive sub(archive.compilation_unit());
  module.save(sub);
  archive.write(key, sub);
}

torch::serialize::InputArchive read_sub(torch::serialize::InputArchive& archive, const char* key) {
  torch::serialize::InputArchive sub;
  if (!archive.try_read(key, sub)) throw LoadFailure{std::string("no '") + key + "' entry"};
  return sub;
}

torch::Tensor read_tensor(torch::serialize::InputArchive& archive, const char* key) {
  torch::Tensor t;
  if (!archive.try_read(key, t)) throw LoadFailure{std::string("no '") + key + "' tensor"};
  return t;
}

nlohmann::json read_json(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) {
    throw LoadFailure{std::string("no '") + key + "' entry"};
  }
  try {
    return nlohmann::json::parse(value.toStringRef());
  } catch (const nlohmann::json::exception&) {
    throw LoadFailure{std::string("'") + key + "' is not valid JSON"};
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const nlohmann::json& options,
                     const TrainState& state, const Model& model,
                     const torch::optim::Optimizer& optimizer,
                     const torch::optim::Optimizer* discriminator_optimizer) {
  std::vector<uint8_t> bytes(kHeaderSize);
  try {
    torch::serialize::OutputArchive archive;
    archive.write("options", c10::IValue(options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    archive.write("state", c10::IValue(state_to_json(state).dump()));
    archive.write("permutation", state.permutation.defined()
                                     ? state.permutation
                                     : torch::empty({0}, torch::kInt64));
    archive.write("rng_state", state.rng_state);
    archive.write("stats", state.stats);
    write_module(archive, "encoder", *model.encoder);
    write_module(archive, "decoder", *model.decoder);
    write_module(archive, "discriminator", *model.discriminator);
    torch::serialize::OutputArchive opt(archive.compilation_unit());
    optimizer.save(opt);
    archive.write("optimizer", opt);
    if (discriminator_optimizer) {
      torch::serialize::OutputArchive dopt(archive.compilation_unit());
      discriminator_optimizer->save(dopt);
      archive.write("discriminator_optimizer", dopt);
    }
    archive.save_to([&bytes](const void* data, size_t n) {
      const auto* p = static_cast<const uint8_t*>(data);
      bytes.insert(bytes.end(), p, p + n);
      return n;
    });
  } catch (const c10::Error& e) {
    throw IoError("cannot save checkpoint '" + path + "': " +
                  first_line(e.what_without_backtrace()));
  }
  const size_t payload = bytes.size() - kHeaderSize;
  std::memcpy(bytes.data(), kMagic, sizeof kMagic);
  put_le(bytes, 8, kCheckpointFormatVersion, 4);
  put_le(bytes, 12, 0, 4);
  put_le(bytes, 16, payload, 8);
  put_le(bytes, 24, fnv1a(bytes.data() + kHeaderSize, payload), 8);
  write_file_atomic(path, bytes.data(), bytes.size());
}

Checkpoint::Checkpoint(const std::string& path) : path_(path) {
  auto fail = [&path](const std::string& reason) {
    return IoError("cannot load checkpoint '" + path + "': " + reason);
  };
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file(path);
  } catch (const IoError& e) {
    throw fail(e.what());
  }
  try {
    if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
      throw LoadFailure{bytes.empty() ? "empty file" : "not a robusthide checkpoint"};
    }
    const uint64_t version = get_le(bytes.data() + 8, 4);
    if (version != kCheckpointFormatVersion) {
      throw LoadFailure{"unsupported checkpoint format version " + std::to_string(version) +
                        " (this build reads version " +
                        std::to_string(kCheckpointFormatVersion) + ")"};
    }
    const uint64_t payload = get_le(bytes.data() + 16, 8);
    if (payload != bytes.size() - kHeaderSize) {
      throw LoadFailure{"truncated or padded file (" + std::to_string(bytes.size() - kHeaderSize) +
                        " payload bytes, header says " + std::to_string(payload) + ")"};
    }
    if (fnv1a(bytes.data() + kHeaderSize, payload) != get_le(bytes.data() + 24, 8)) {
      throw LoadFailure{"corrupt file (checksum mismatch)"};
    }
    archive_ = std::make_unique<torch::serialize::InputArchive>();
    archive_->load_from(reinterpret_cast<const char*>(bytes.data()) + kHeaderSize, payload,
                        torch::kCPU);
    options_ = read_json(*archive_, "options");
    const nlohmann::json s = read_json(*archive_, "state");
    state_.step = s.at("step").get<int64_t>();
    state_.epoch = s.at("epoch").get<int64_t>();
    state_.batch = s.at("batch").get<int64_t>();
    state_.train_images = s.at("train_images").get<int64_t>();
    state_.seconds = s.at("seconds").get<double>();
    state_.permutation = read_tensor(*archive_, "permutation");
    if (state_.permutation.numel() == 0) state_.permutation = torch::Tensor();
    state_.rng_state = read_tensor(*archive_, "rng_state");
    state_.stats = read_tensor(*archive_, "stats");
    if (state_.stats.scalar_type() != torch::kFloat64 || state_.stats.numel() != kStatCount) {
      throw LoadFailure{"'stats' has the wrong shape"};
    }
    if (state_.step < 0 || state_.epoch < 0 || state_.batch < 0 || state_.train_images < 0 ||
        (state_.permutation.defined() &&
         (state_.permutation.scalar_type() != torch::kInt64 ||
          state_.permutation.numel() != state_.train_images))) {
      throw LoadFailure{"inconsistent training state"};
    }
  } catch (const LoadFailure& e) {
    throw fail(e.reason);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("bad state entry: ") + e.what());
  } catch (const c10::Error& e) {
    throw fail(first_line(e.what_without_backtrace()));
  }
}

Checkpoint::~Checkpoint() = default;

void Checkpoint::restore(Model& model, torch::optim::Optimizer& optimizer,
                         torch::optim::Optimizer* discriminator_optimizer) {
  try {
    auto load = [this](const char* key, torch::nn::Module& module) {
      torch::serialize::InputArchive sub = read_sub(*archive_, key);
      module.load(sub);
    };
    load("encoder", *model.encoder);
    load("decoder", *model.decoder);
    load("discriminator", *model.discriminator);
    torch::serialize::InputArchive opt = read_sub(*archive_, "optimizer");
    optimizer.load(opt);
    if (discriminator_optimizer) {
      torch::serialize::InputArchive dopt = read_sub(*archive_, "discriminator_optimizer");
      discriminator_optimizer->load(dopt);
    }
  } catch (const LoadFailure& e) {
    throw IoError("cannot load checkpoint '" + path_ + "': " + e.reason);
  } catch (const c10::Error& e) {
    throw IoError("cannot load checkpoint '" + path_ + "': " +
                  first_line(e.what_without_backtrace()));
  }
}

}  // namespace robusthide
