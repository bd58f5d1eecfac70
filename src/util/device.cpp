// parse_device(): "cpu" | "cuda" | "cuda:N", checked against what this process can use.
#include "robusthide/device.h"

#include <ATen/Context.h>

#include <cctype>
#include <string>

#include "robusthide/error.h"

namespace robusthide {

torch::Device parse_device(const std::string& name, const std::string& what) {
  const std::string prefix = what + " " + (name.empty() ? "''" : name) + ": ";
  if (name == "cpu") return torch::Device(torch::kCPU);
  int64_t index = 0;
  if (name.rfind("cuda:", 0) == 0) {
    const std::string digits = name.substr(5);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      throw InvalidArgument(prefix + "expected cpu, cuda or cuda:N with N a device number");
    }
    index = std::stoll(digits);
  } else if (name != "cuda") {
    throw InvalidArgument(prefix + "unknown device (expected cpu, cuda or cuda:N)");
  }
  if (!torch::cuda::is_available()) {
    throw InvalidArgument(prefix + "no CUDA device available (" +
                          (at::hasCUDA()
                               ? "this LibTorch build supports CUDA, but no GPU is visible"
                               : "this LibTorch build has no CUDA support") +
                          "); use --device cpu");
  }
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (index >= count) {
    throw InvalidArgument(prefix + "no such CUDA device (" + std::to_string(count) +
                          " visible: cuda:0 .. cuda:" + std::to_string(count - 1) + ")");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string device_name(const torch::Device& device) {
  if (device.is_cpu()) return "cpu";
  return device.str();
}

}  // namespace robusthide
