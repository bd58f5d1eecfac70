// Message bits as the CLI reads and prints them: strings of '0' and '1'.
#pragma once

#include <torch/torch.h>

#include <string>

namespace robusthide::cli {

// "0110..." -> a (1, L) float tensor of 0/1. `what` names the flag in errors. Throws
// InvalidArgument for any other character or a length other than `expected_bits`
// ("--bits has 12 bits but the model hides 30").
torch::Tensor parse_bits(const std::string& text, int expected_bits, const std::string& what);

// Decoded values (1, L) -> "0110...", a bit being 1 when its value is > 0.5.
std::string format_bits(const torch::Tensor& decoded);

}  // namespace robusthide::cli
