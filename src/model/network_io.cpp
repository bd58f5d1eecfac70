#include "model/network_io.h"

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace robusthide {
namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Parameters and buffers by their dotted names.
TensorMap module_tensors(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

std::pair<const char*, torch::nn::Module*> networks(const Model& model, int i) {
  switch (i) {
    case 0:
      return {"encoder", model.encoder.get()};
    case 1:
      return {"decoder", model.decoder.get()};
    default:
      return {"discriminator", model.discriminator.get()};
  }
}

// True when a floating-point tensor holds no NaN or infinity (other types always).
bool finite(const torch::Tensor& t) {
  return !t.is_floating_point() || torch::isfinite(t).all().item<bool>();
}

void load_network(const TensorMap& stored, const char* name, torch::nn::Module& net) {
  const TensorMap wanted = module_tensors(net);
  const std::string what = std::string(name) + " weights do not fit the config: ";
  for (const auto& [key, t] : wanted) {
    const auto it = stored.find(key);
    if (it == stored.end()) throw std::runtime_error(what + "'" + key + "' is missing");
    if (it->second.scalar_type() != t.scalar_type() || it->second.sizes() != t.sizes()) {
      throw std::runtime_error(what + "'" + key + "' has shape " + shape_text(it->second.sizes()) +
                               " (" + std::string(c10::toString(it->second.scalar_type())) +
                               "), expected " + shape_text(t.sizes()) + " (" +
                               c10::toString(t.scalar_type()) + ")");
    }
    if (!finite(it->second)) {
      throw std::runtime_error(std::string(name) + " weight '" + key +
                               "' holds NaN or infinity (saved from a diverged training run?)");
    }
  }
  for (const auto& entry : stored) {
    if (!wanted.count(entry.first))
      throw std::runtime_error(what + "unexpected '" + entry.first + "'");
  }
  torch::NoGradGuard no_grad;
  for (const auto& [key, t] : wanted) t.copy_(stored.at(key));
}

}  // namespace

bool network_is_finite(const torch::nn::Module& net) {
  for (const auto& entry : module_tensors(net)) {
    if (!finite(entry.second)) return false;
  }
  return true;
}

bool has_finite_weights(const Model& model) {
  for (int i = 0; i < 3; ++i) {
    for (const auto& entry : module_tensors(*networks(model, i).second)) {
      if (!finite(entry.second)) return false;
    }
  }
  return true;
}

void copy_network(const torch::nn::Module& from, const char* name, torch::nn::Module& to) {
  load_network(module_tensors(from), name, to);
}

void copy_networks(const Model& from, Model& to) {
  for (int i = 0; i < 3; ++i) {
    const auto [name, net] = networks(to, i);
    copy_network(*networks(from, i).second, name, *net);
  }
}

std::vector<std::string> copy_matching_weights(const Model& from, Model& to) {
  std::vector<std::string> fresh;
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) {
    const auto [name, net] = networks(to, i);
    const TensorMap stored = module_tensors(*networks(from, i).second);
    for (const auto& [key, t] : module_tensors(*net)) {
      const auto it = stored.find(key);
      if (it == stored.end() || it->second.scalar_type() != t.scalar_type() ||
          it->second.sizes() != t.sizes() || !finite(it->second)) {
        fresh.push_back(std::string(name) + "." + key);
        continue;
      }
      t.copy_(it->second);
    }
  }
  return fresh;
}

void write_network(ArchiveWriter& archive, const char* name, const torch::nn::Module& net) {
  for (const auto& [key, t] : module_tensors(net))
    archive.add_tensor(std::string(name) + "." + key, t);
}

void read_network(const ArchiveReader& archive, const char* name, torch::nn::Module& net) {
  load_network(archive.tensors_under(std::string(name) + "."), name, net);
}

int64_t stored_weights(const ArchiveReader& archive, const std::vector<std::string>& names) {
  int64_t n = 0;
  for (const std::string& name : names) {
    for (const auto& entry : archive.tensors_under(name + ".")) n += entry.second.numel();
  }
  return n;
}

void write_networks(ArchiveWriter& archive, const Model& model) {
  for (int i = 0; i < 3; ++i) {
    const auto [name, net] = networks(model, i);
    write_network(archive, name, *net);
  }
}

int64_t stored_network_weights(const ArchiveReader& archive) {
  return stored_weights(archive, {"encoder", "decoder", "discriminator"});
}

void read_networks(const ArchiveReader& archive, Model& model) {
  for (int i = 0; i < 3; ++i) {
    const auto [name, net] = networks(model, i);
    read_network(archive, name, *net);
  }
}

}  // namespace robusthide
