// save_model / load_model: a LibTorch archive (zip) with the format version, the config
// and provenance as JSON strings, per-network checksums and one sub-archive per network.
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/model.h"

namespace robusthide {
namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

// A load failure; load_model turns it into "cannot load model 'PATH': <reason>".
struct LoadFailure {
  std::string reason;
};

std::string first_line(const std::string& s) {
  const auto end = s.find('\n');
  std::string line = end == std::string::npos ? s : s.substr(0, end);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Parameters and buffers by their dotted names (as Module::save nests them).
TensorMap module_tensors(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

// FNV-1a 64 over every tensor's name, dtype, shape and bytes, in name order.
std::string checksum(const TensorMap& tensors) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  };
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    mix(name.data(), name.size() + 1);
    const int8_t dtype = static_cast<int8_t>(t.scalar_type());
    mix(&dtype, 1);
    for (const int64_t d : t.sizes()) mix(&d, sizeof d);
    mix(t.data_ptr(), t.numel() * t.element_size());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

nlohmann::json config_to_json(const ModelConfig& c) {
  return {{"architecture", c.architecture},
          {"image_size", c.image_size},
          {"message_bits", c.message_bits},
          {"encoder_blocks", c.encoder_blocks},
          {"encoder_channels", c.encoder_channels},
          {"decoder_blocks", c.decoder_blocks},
          {"decoder_channels", c.decoder_channels},
          {"discriminator_blocks", c.discriminator_blocks},
          {"discriminator_channels", c.discriminator_channels},
          {"target_psnr", c.target_psnr}};
}

ModelConfig config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw LoadFailure{"config is not a JSON object"};
  ModelConfig c;
  auto get = [&j](const char* key, auto& field) {
    if (!j.contains(key)) throw LoadFailure{std::string("config has no '") + key + "'"};
    try {
      j.at(key).get_to(field);
    } catch (const nlohmann::json::exception&) {
      throw LoadFailure{std::string("config field '") + key + "' has the wrong type"};
    }
  };
  get("architecture", c.architecture);
  get("image_size", c.image_size);
  get("message_bits", c.message_bits);
  get("encoder_blocks", c.encoder_blocks);
  get("encoder_channels", c.encoder_channels);
  get("decoder_blocks", c.decoder_blocks);
  get("decoder_channels", c.decoder_channels);
  get("discriminator_blocks", c.discriminator_blocks);
  get("discriminator_channels", c.discriminator_channels);
  // Added after format version 1 was first written: older files lack it ("hidden" ones,
  // which ignore it).
  if (j.contains("target_psnr")) get("target_psnr", c.target_psnr);
  return c;
}

nlohmann::json provenance_to_json(const Provenance& p) {
  return {{"attack", p.attack}, {"steps", p.steps},     {"epochs", p.epochs},
          {"data", p.data},     {"seed", p.seed},       {"commit", p.commit},
          {"created", p.created}, {"notes", p.notes}, {"device", p.device}};
}

// Missing provenance fields keep their defaults: provenance is informational.
Provenance provenance_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw LoadFailure{"provenance is not a JSON object"};
  Provenance p;
  try {
    p.attack = j.value("attack", p.attack);
    p.steps = j.value("steps", p.steps);
    p.epochs = j.value("epochs", p.epochs);
    p.data = j.value("data", p.data);
    p.seed = j.value("seed", p.seed);
    p.commit = j.value("commit", p.commit);
    p.created = j.value("created", p.created);
    p.notes = j.value("notes", p.notes);
    p.device = j.value("device", p.device);
  } catch (const nlohmann::json::exception&) {
    throw LoadFailure{"provenance has a field of the wrong type"};
  }
  return p;
}

std::string read_string(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  if (!archive.try_read(key, value)) {
    throw LoadFailure{std::string("not a robusthide model (no '") + key + "' entry)"};
  }
  if (!value.isString()) throw LoadFailure{std::string("'") + key + "' is not a string"};
  return value.toStringRef();
}

nlohmann::json read_json(torch::serialize::InputArchive& archive, const char* key) {
  const std::string text = read_string(archive, key);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw LoadFailure{std::string("'") + key + "' is not valid JSON"};
  }
}

// Every tensor of a (nested) archive, by dotted name.
void collect_tensors(torch::serialize::InputArchive& archive, const std::string& prefix,
                     TensorMap& out) {
  for (const std::string& key : archive.keys()) {
    torch::Tensor t;
    torch::serialize::InputArchive child;
    if (archive.try_read(key, t)) {
      out[prefix + key] = t;
    } else if (archive.try_read(key, child)) {
      collect_tensors(child, prefix + key + ".", out);
    }
  }
}

// The tensors of one network's sub-archive, by dotted name.
TensorMap read_network(torch::serialize::InputArchive& archive, const char* name) {
  torch::serialize::InputArchive sub;
  if (!archive.try_read(name, sub)) throw LoadFailure{std::string("no ") + name + " weights"};
  TensorMap stored;
  collect_tensors(sub, "", stored);
  return stored;
}

int64_t element_count(const TensorMap& tensors) {
  int64_t n = 0;
  for (const auto& entry : tensors) n += entry.second.numel();
  return n;
}

// Copies the stored tensors into `net` after checking that the names, dtypes and shapes
// are exactly the ones the config gives, and that every value is finite.
void load_network(const TensorMap& stored, const char* name, torch::nn::Module& net) {
  const TensorMap wanted = module_tensors(net);
  const std::string what = std::string(name) + " weights do not fit the config: ";
  for (const auto& [key, t] : wanted) {
    const auto it = stored.find(key);
    if (it == stored.end()) throw LoadFailure{what + "'" + key + "' is missing"};
    if (it->second.scalar_type() != t.scalar_type() || it->second.sizes() != t.sizes()) {
      throw LoadFailure{what + "'" + key + "' has shape " + shape_text(it->second.sizes()) +
                        " (" + std::string(c10::toString(it->second.scalar_type())) +
                        "), expected " + shape_text(t.sizes()) + " (" +
                        c10::toString(t.scalar_type()) + ")"};
    }
    if (it->second.is_floating_point() && !torch::isfinite(it->second).all().item<bool>()) {
      throw LoadFailure{std::string(name) + " weight '" + key +
                        "' holds NaN or infinity (saved from a diverged training run?)"};
    }
  }
  for (const auto& entry : stored) {
    if (!wanted.count(entry.first)) throw LoadFailure{what + "unexpected '" + entry.first + "'"};
  }
  {
    torch::NoGradGuard no_grad;
    for (const auto& [key, t] : wanted) t.copy_(stored.at(key));
  }
}

// The weights are stored raw and LibTorch's zip reader checks no CRC: a flipped byte
// would load silently without this.
void verify_checksum(const nlohmann::json& checksums, const char* name,
                     const torch::nn::Module& net) {
  if (!checksums.is_object() || !checksums.contains(name) || !checksums[name].is_string()) {
    throw LoadFailure{std::string("no checksum for the ") + name + " weights"};
  }
  if (checksum(module_tensors(net)) != checksums[name].get<std::string>()) {
    throw LoadFailure{std::string(name) + " weights are corrupt (checksum mismatch)"};
  }
}

Model load_archive(torch::serialize::InputArchive& archive) {
  c10::IValue version;
  if (!archive.try_read("format_version", version)) {
    throw LoadFailure{"not a robusthide model (no 'format_version' entry)"};
  }
  if (!version.isInt()) throw LoadFailure{"'format_version' is not an integer"};
  if (version.toInt() != kModelFormatVersion) {
    throw LoadFailure{"unsupported format version " + std::to_string(version.toInt()) +
                      " (this build reads version " + std::to_string(kModelFormatVersion) + ")"};
  }
  const ModelConfig config = config_from_json(read_json(archive, "config"));
  try {
    config.validate();
  } catch (const InvalidArgument& e) {
    throw LoadFailure{e.what()};
  }
  Provenance provenance = provenance_from_json(read_json(archive, "provenance"));
  const nlohmann::json sums = read_json(archive, "checksums");
  // The stored weights first: a config far larger than them is refused before its
  // networks are built (a crafted config must not allocate gigabytes).
  const TensorMap encoder = read_network(archive, "encoder");
  const TensorMap decoder = read_network(archive, "decoder");
  const TensorMap discriminator = read_network(archive, "discriminator");
  const int64_t stored = element_count(encoder) + element_count(decoder) + element_count(discriminator);
  if (config.min_parameters() > stored) {
    throw LoadFailure{"the weights do not fit the config (it needs at least " +
                      std::to_string(config.min_parameters()) + " weights, the file holds " +
                      std::to_string(stored) + ")"};
  }
  Model model(config);
  model.provenance = std::move(provenance);
  load_network(encoder, "encoder", *model.encoder);
  load_network(decoder, "decoder", *model.decoder);
  load_network(discriminator, "discriminator", *model.discriminator);
  verify_checksum(sums, "encoder", *model.encoder);
  verify_checksum(sums, "decoder", *model.decoder);
  verify_checksum(sums, "discriminator", *model.discriminator);
  return model;
}

}  // namespace

bool has_finite_weights(const Model& model) {
  for (const torch::nn::Module* net : {static_cast<const torch::nn::Module*>(model.encoder.get()),
                                       static_cast<const torch::nn::Module*>(model.decoder.get()),
                                       static_cast<const torch::nn::Module*>(model.discriminator.get())}) {
    for (const auto& entry : module_tensors(*net)) {
      if (entry.second.is_floating_point() && !torch::isfinite(entry.second).all().item<bool>()) return false;
    }
  }
  return true;
}

void save_model(const Model& model, const std::string& path) {
  if (!has_finite_weights(model)) {
    throw IoError("cannot save model '" + path + "': its weights hold NaN or infinity (a diverged run)");
  }
  std::vector<uint8_t> bytes;
  try {
    torch::serialize::OutputArchive archive;
    archive.write("format_version", c10::IValue(static_cast<int64_t>(kModelFormatVersion)));
    archive.write("config", c10::IValue(config_to_json(model.config).dump()));
    archive.write("provenance", c10::IValue(provenance_to_json(model.provenance).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    const nlohmann::json sums = {{"encoder", checksum(module_tensors(*model.encoder))},
                                 {"decoder", checksum(module_tensors(*model.decoder))},
                                 {"discriminator", checksum(module_tensors(*model.discriminator))}};
    archive.write("checksums", c10::IValue(sums.dump()));
    const std::pair<const char*, torch::nn::Module*> nets[] = {
        {"encoder", model.encoder.get()},
        {"decoder", model.decoder.get()},
        {"discriminator", model.discriminator.get()}};
    for (const auto& [name, net] : nets) {
      torch::serialize::OutputArchive sub(archive.compilation_unit());
      net->save(sub);
      archive.write(name, sub);
    }
    archive.save_to([&bytes](const void* data, size_t n) {
      const auto* p = static_cast<const uint8_t*>(data);
      bytes.insert(bytes.end(), p, p + n);
      return n;
    });
  } catch (const c10::Error& e) {
    throw IoError("cannot save model '" + path + "': " + first_line(e.what_without_backtrace()));
  }
  write_file_atomic(path, bytes.data(), bytes.size());
}

Model load_model(const std::string& path) {
  auto fail = [&path](const std::string& reason) {
    return IoError("cannot load model '" + path + "': " + (reason.empty() ? "unreadable (no detail)" : reason));
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw fail("no such file");
  if (S_ISDIR(st.st_mode)) throw fail("is a directory");
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file(path);
  } catch (const IoError& e) {
    throw fail(e.what());
  }
  if (bytes.empty()) throw fail("empty file");
  try {
    torch::serialize::InputArchive archive;
    try {
      archive.load_from(reinterpret_cast<const char*>(bytes.data()), bytes.size(), torch::kCPU);
    } catch (const c10::Error& e) {
      throw LoadFailure{"not a model archive (" + first_line(e.what_without_backtrace()) + ")"};
    }
    return load_archive(archive);
  } catch (const LoadFailure& e) {
    throw fail(e.reason);
  } catch (const c10::Error& e) {
    throw fail(first_line(e.what_without_backtrace()));
  } catch (const IoError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw fail("out of memory");
  } catch (const std::exception& e) {
    throw fail(first_line(e.what()));
  }
}

std::string to_json(const ModelConfig& config) { return config_to_json(config).dump(); }
std::string to_json(const Provenance& provenance) { return provenance_to_json(provenance).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

ModelConfig model_config_from_json(const std::string& json) {
  try {
    return config_from_json(nlohmann::json::parse(json));
  } catch (const LoadFailure& e) {
    throw InvalidArgument("cannot read model configuration: " + e.reason);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("cannot read model configuration: ") + e.what());
  }
}

}  // namespace robusthide
