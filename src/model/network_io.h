// The networks' tensors in an archive (util/archive.h), shared by model files and
// training checkpoints: "<network>.<dotted parameter or buffer name>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/model.h"
#include "util/archive.h"

namespace robusthide {

// One network's parameters and buffers as "<name>.<key>" tensors, and back: the stored
// names, dtypes and shapes must be exactly the network's and every value finite
// (std::runtime_error "<name> weights do not fit the config: ..." otherwise).
void write_network(ArchiveWriter& archive, const char* name, const torch::nn::Module& net);
void read_network(const ArchiveReader& archive, const char* name, torch::nn::Module& net);

// True when every parameter and buffer of `net` is finite (no NaN or infinity).
bool network_is_finite(const torch::nn::Module& net);

// Total elements of the stored tensors of these networks ("encoder", ...).
int64_t stored_weights(const ArchiveReader& archive, const std::vector<std::string>& names);

// Adds every parameter and buffer of the encoder, decoder and discriminator.
void write_networks(ArchiveWriter& archive, const Model& model);

// Total elements of the stored network tensors (to compare with a config's needs before
// building its networks).
int64_t stored_network_weights(const ArchiveReader& archive);

// Copies the stored tensors into the model's networks after checking that the names,
// dtypes and shapes are exactly the config's and every value is finite. Throws
// std::runtime_error with the reason ("decoder weights do not fit the config: ...").
void read_networks(const ArchiveReader& archive, Model& model);

// Copies every parameter and buffer of the network `from` into `to` (called `name` in
// errors), with read_network's checks.
void copy_network(const torch::nn::Module& from, const char* name, torch::nn::Module& to);

// Copies every parameter and buffer of `from`'s networks into `to`'s, with the checks of
// read_networks (same names, dtypes and shapes, finite values; std::runtime_error
// otherwise). Fine-tuning starts this way (TrainOptions::init_model).
void copy_networks(const Model& from, Model& to);

// Copies each parameter and buffer of `from`'s networks that `to` has under the same name
// with the same dtype and shape (and that is finite); returns the names
// ("decoder.linear.weight") of those left as they were (TrainOptions::init_partial).
std::vector<std::string> copy_matching_weights(const Model& from, Model& to);

}  // namespace robusthide
