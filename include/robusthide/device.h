// Where the networks run: "cpu", "cuda" or "cuda:N".
#pragma once

#include <torch/torch.h>

#include <string>

namespace robusthide {

// Parses a device name and checks that it can be used: "cpu", "cuda" (= cuda:0) or
// "cuda:N". Throws InvalidArgument "<what> NAME: ..." for anything else, and for a CUDA
// device when torch::cuda::is_available() is false (LibTorch built without CUDA, or no
// GPU visible) or N is not below torch::cuda::device_count(). `what` names the input
// in the message (the CLI passes "--device").
torch::Device parse_device(const std::string& name, const std::string& what = "device");

// One line describing a device for logs and provenance, e.g. "cpu" or "cuda:0".
std::string device_name(const torch::Device& device);

}  // namespace robusthide
