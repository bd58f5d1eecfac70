// Parsing and printing of message bit strings.
#include "message_bits.h"

#include "robusthide/error.h"

namespace robusthide::cli {

torch::Tensor parse_bits(const std::string& text, int expected_bits, const std::string& what) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '0' && text[i] != '1') {
      throw InvalidArgument(what + " must hold only the characters 0 and 1, got '" +
                            std::string(1, text[i]) + "' at position " + std::to_string(i + 1));
    }
  }
  if (static_cast<int64_t>(text.size()) != expected_bits) {
    throw InvalidArgument(what + " has " + std::to_string(text.size()) +
                          " bits but the model hides " + std::to_string(expected_bits));
  }
  torch::Tensor bits = torch::empty({1, static_cast<int64_t>(text.size())}, torch::kFloat32);
  for (size_t i = 0; i < text.size(); ++i) bits[0][i] = text[i] == '1' ? 1.0f : 0.0f;
  return bits;
}

std::string format_bits(const torch::Tensor& decoded) {
  const torch::Tensor bits = decoded.detach().to(torch::kCPU).gt(0.5).flatten();
  std::string out;
  const auto acc = bits.accessor<bool, 1>();
  for (int64_t i = 0; i < acc.size(0); ++i) out += acc[i] ? '1' : '0';
  return out;
}

}  // namespace robusthide::cli
