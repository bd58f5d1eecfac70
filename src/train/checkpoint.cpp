// Checkpoint files: the run's state, the networks and the Adam states in robusthide's
// own checksummed container (util/archive.h).
#include "train/checkpoint.h"

#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "model/network_io.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"
#include "util/archive.h"

namespace robusthide {
namespace {

constexpr char kMagic[8] = {'R', 'H', 'I', 'D', 'E', 'C', 'K', 'P'};

// A failure while reading; the Checkpoint constructor adds the path.
nlohmann::json state_to_json(const TrainState& s) {
  return {{"step", s.step},
          {"epoch", s.epoch},
          {"batch", s.batch},
          {"train_images", s.train_images},
          {"seconds", s.seconds}};
}

// The key of a parameter in Optimizer::state(): its TensorImpl's address, as text in
// LibTorch 1.x and as the pointer itself in 2.x.
template <typename Map>
typename Map::key_type state_key(const Map&, const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    std::ostringstream os;
    os << static_cast<const void*>(p.unsafeGetTensorImpl());
    return os.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

std::vector<torch::Tensor> all_params(const torch::optim::Optimizer& optimizer) {
  std::vector<torch::Tensor> out;
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& p : group.params()) out.push_back(p);
  }
  return out;
}

void write_adam(ArchiveWriter& archive, const std::string& prefix,
                const torch::optim::Optimizer& optimizer) {
  const std::vector<torch::Tensor> params = all_params(optimizer);
  const auto& state = optimizer.state();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto it = state.find(state_key(state, params[i]));
    if (it == state.end()) continue;  // no step taken yet
    const auto* s = dynamic_cast<const torch::optim::AdamParamState*>(it->second.get());
    if (s == nullptr) throw std::runtime_error("only Adam optimizer states can be saved");
    const std::string at = prefix + "." + std::to_string(i) + ".";
    archive.add_tensor(at + "step", torch::tensor({s->step()}, torch::kInt64));
    archive.add_tensor(at + "exp_avg", s->exp_avg());
    archive.add_tensor(at + "exp_avg_sq", s->exp_avg_sq());
    if (s->max_exp_avg_sq().defined())
      archive.add_tensor(at + "max_exp_avg_sq", s->max_exp_avg_sq());
  }
}

void read_adam(const ArchiveReader& archive, const std::string& prefix,
               torch::optim::Optimizer& optimizer) {
  const std::vector<torch::Tensor> params = all_params(optimizer);
  auto& state = optimizer.state();
  state.clear();
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string at = prefix + "." + std::to_string(i) + ".";
    if (!archive.has(at + "step")) continue;
    const torch::Tensor step = archive.tensor(at + "step");
    if (step.scalar_type() != torch::kInt64 || step.numel() != 1) {
      throw LoadFailure{"'" + at + "step' is not one integer"};
    }
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->step(step.item<int64_t>());
    // A stored moment of parameter i, checked against it (undefined when optional and absent).
    auto moment = [&](const char* field, bool required) -> torch::Tensor {
      if (!archive.has(at + field)) {
        if (required) throw LoadFailure{"no '" + at + field + "' tensor"};
        return {};
      }
      const torch::Tensor& t = archive.tensor(at + field);
      if (t.scalar_type() != params[i].scalar_type() || t.sizes() != params[i].sizes()) {
        throw LoadFailure{"'" + at + field + "' does not fit parameter " + std::to_string(i)};
      }
      return t.clone();  // Adam updates it in place: not the archive's copy
    };
    s->exp_avg(moment("exp_avg", true));
    s->exp_avg_sq(moment("exp_avg_sq", true));
    s->max_exp_avg_sq(moment("max_exp_avg_sq", false));
    state[state_key(state, params[i])] = std::move(s);
  }
  // Every stored state belongs to one of these parameters.
  for (const auto& entry : archive.tensors_under(prefix + ".")) {
    const size_t dot = entry.first.find('.');
    const std::string index = entry.first.substr(0, dot);
    if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(index) >= params.size()) {
      throw LoadFailure{"optimizer state '" + prefix + "." + entry.first +
                        "' belongs to no parameter"};
    }
  }
}

}  // namespace

CheckpointContents checkpoint_contents(Model& model, torch::optim::Optimizer& optimizer,
                                       torch::optim::Optimizer* discriminator_optimizer) {
  return {{{"encoder", model.encoder.get()},
           {"decoder", model.decoder.get()},
           {"discriminator", model.discriminator.get()}},
          {{"optimizer", &optimizer}, {"discriminator_optimizer", discriminator_optimizer}}};
}

void save_checkpoint(const std::string& path, const nlohmann::json& options,
                     const TrainState& state, const CheckpointContents& contents) {
  save_archive_file(
      path, kMagic, kCheckpointFormatVersion, "checkpoint", [&](ArchiveWriter& archive) {
        archive.add_text("options",
                         options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        archive.add_text("state", state_to_json(state).dump());
        archive.add_tensor("permutation", state.permutation.defined()
                                              ? state.permutation
                                              : torch::empty({0}, torch::kInt64));
        archive.add_tensor("rng_state", state.rng_state);
        archive.add_tensor("stats", state.stats);
        for (const auto& [name, net] : contents.networks) write_network(archive, name, *net);
        for (const auto& [name, optimizer] : contents.optimizers) {
          if (optimizer != nullptr) write_adam(archive, name, *optimizer);
        }
      });
}

Checkpoint::Checkpoint(const std::string& path) : path_(path) {
  load_archive_file(
      path, kMagic, kCheckpointFormatVersion, "checkpoint", [this](ArchiveReader&& archive) {
        archive_ = std::make_unique<ArchiveReader>(std::move(archive));
        try {
          options_ = nlohmann::json::parse(archive_->text("options"));
          const nlohmann::json s = nlohmann::json::parse(archive_->text("state"));
          state_.step = s.at("step").get<int64_t>();
          state_.epoch = s.at("epoch").get<int64_t>();
          state_.batch = s.at("batch").get<int64_t>();
          state_.train_images = s.at("train_images").get<int64_t>();
          state_.seconds = s.at("seconds").get<double>();
        } catch (const nlohmann::json::exception& e) {
          throw LoadFailure{std::string("bad state entry: ") + e.what()};
        }
        state_.permutation = archive_->tensor("permutation");
        if (state_.permutation.numel() == 0) state_.permutation = torch::Tensor();
        state_.rng_state = archive_->tensor("rng_state");
        state_.stats = archive_->tensor("stats");
        if (state_.stats.scalar_type() != torch::kFloat64 || state_.stats.dim() != 1) {
          throw LoadFailure{"'stats' has the wrong shape"};
        }
        if (state_.step < 0 || state_.epoch < 0 || state_.batch < 0 || state_.train_images < 0 ||
            (state_.permutation.defined() && (state_.permutation.scalar_type() != torch::kInt64 ||
                                              state_.permutation.numel() != state_.train_images))) {
          throw LoadFailure{"inconsistent training state"};
        }
      });
}

Checkpoint::~Checkpoint() = default;

void Checkpoint::restore(const CheckpointContents& contents, int64_t stat_count) {
  try {
    if (state_.stats.numel() != stat_count) throw LoadFailure{"'stats' has the wrong shape"};
    for (const auto& [name, net] : contents.networks) read_network(*archive_, name, *net);
    for (const auto& [name, optimizer] : contents.optimizers) {
      if (optimizer != nullptr) read_adam(*archive_, name, *optimizer);
    }
  } catch (const LoadFailure& e) {
    throw IoError("cannot load checkpoint '" + path_ + "': " + e.reason);
  } catch (const std::exception& e) {
    throw IoError("cannot load checkpoint '" + path_ + "': " + e.what());
  }
}

}  // namespace robusthide
