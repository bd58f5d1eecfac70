#include "model/net_checks.h"

#include "robusthide/error.h"

namespace robusthide {

std::string shape_text(const torch::Tensor& t) {
  std::string s = "(";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? "," : "") + std::to_string(t.size(d));
  return s + ")";
}

void check_images(const char* net, const torch::Tensor& image) {
  if (image.dim() != 4 || image.size(1) != 3) {
    throw InvalidArgument(std::string("while running the ") + net +
                          ": expected images of shape (N,3,H,W), got " + shape_text(image));
  }
}

void check_message(const torch::Tensor& image, const torch::Tensor& message, int64_t bits) {
  if (message.dim() != 2 || message.size(0) != image.size(0) || message.size(1) != bits) {
    throw InvalidArgument("while running the encoder: expected a message of shape (" +
                          std::to_string(image.size(0)) + "," + std::to_string(bits) + "), got " +
                          shape_text(message));
  }
}

}  // namespace robusthide
