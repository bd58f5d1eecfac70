// Training checkpoints: everything needed to continue a run bit-exactly.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/model.h"

namespace robusthide {

class ArchiveReader;

// Sums of the per-step training figures of a bit model's run since the last log row
// (float64 tensor of kStatCount values, so NaNs survive a checkpoint unchanged; other
// trainers keep their own count).
enum TrainStat : int64_t {
  kStatLoss,
  kStatImageMse,
  kStatMessageMse,
  kStatAdversarial,
  kStatDiscriminator,
  kStatBer,
  kStatSteps,  // number of steps summed
  kStatCount
};

// Where a run stands; saved in and restored from the checkpoint.
struct TrainState {
  int64_t step = 0;           // optimizer steps done
  int64_t epoch = 0;          // whole epochs done
  int64_t batch = 0;          // batches done in the current epoch
  int64_t train_images = 0;   // size of the training set (a resume must see the same)
  torch::Tensor permutation;  // order of the current epoch (int64); undefined between epochs
  torch::Tensor rng_state;    // torch's default CPU generator state (uint8)
  torch::Tensor stats = torch::zeros({kStatCount}, torch::kFloat64);  // 1-D float64
  double seconds = 0;                                                 // training wall time so far
};

// What a checkpoint holds besides the state: networks and Adam optimizers by name
// (a bit model: "encoder", "decoder", "discriminator", "optimizer" and
// "discriminator_optimizer"; image hiding: "hider", "revealer", "optimizer"). A null
// optimizer is skipped (e.g. no discriminator).
struct CheckpointContents {
  std::vector<std::pair<const char*, torch::nn::Module*>> networks;
  std::vector<std::pair<const char*, torch::optim::Optimizer*>> optimizers;
};

// A bit model's contents.
CheckpointContents checkpoint_contents(Model& model, torch::optim::Optimizer& optimizer,
                                       torch::optim::Optimizer* discriminator_optimizer);

// robusthide's checksummed container (util/archive.h) with magic "RHIDECKP": "options"
// and "state" (JSON texts), "permutation", "rng_state", "stats", the networks
// (model/network_io.h) and the Adam states of each optimizer, "<optimizer>.<i>.<field>"
// for parameter i in the optimizer's order.
// Version 1 (a LibTorch archive inside the same header) is no longer read.
constexpr int kCheckpointFormatVersion = 2;

// Serializes and writes atomically (write_file_atomic): a failure leaves the previous
// file untouched. `options` is stored as-is (JSON). Throws IoError naming `path`.
void save_checkpoint(const std::string& path, const nlohmann::json& options,
                     const TrainState& state, const CheckpointContents& contents);

// A checkpoint read from disk and verified (magic, version, size, checksum).
class Checkpoint {
 public:
  // Throws IoError "cannot load checkpoint 'PATH': <reason>".
  explicit Checkpoint(const std::string& path);
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  const std::string& path() const { return path_; }
  const nlohmann::json& options() const { return options_; }
  const TrainState& state() const { return state_; }

  // Copies the stored weights and optimizer states into networks and optimizers built
  // for the stored config (same parameter order). Throws IoError naming the file when
  // they do not fit, or when the stored training sums are not `stat_count` values.
  void restore(const CheckpointContents& contents, int64_t stat_count);

 private:
  std::string path_;
  nlohmann::json options_;
  TrainState state_;
  std::unique_ptr<ArchiveReader> archive_;
};

}  // namespace robusthide
