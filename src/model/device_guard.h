// Moves networks to a device for a scope and back to where each was.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

namespace robusthide {

class NetworksOnDevice {
 public:
  NetworksOnDevice(std::vector<std::shared_ptr<torch::nn::Module>> networks,
                   const torch::Device& device)
      : networks_(std::move(networks)) {
    for (const auto& net : networks_) {
      const auto params = net->parameters();
      devices_.push_back(params.empty() ? torch::Device(torch::kCPU) : params.front().device());
      net->to(device);
    }
  }
  ~NetworksOnDevice() {
    for (size_t i = 0; i < networks_.size(); ++i) networks_[i]->to(devices_[i]);
  }
  NetworksOnDevice(const NetworksOnDevice&) = delete;
  NetworksOnDevice& operator=(const NetworksOnDevice&) = delete;

 private:
  std::vector<std::shared_ptr<torch::nn::Module>> networks_;
  std::vector<torch::Device> devices_;
};

}  // namespace robusthide
