// Message bits as the CLI reads and prints them: strings of '0' and '1'.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace robusthide::cli {

// "0110..." -> 0/1 values. `what` names the flag in errors. Throws InvalidArgument for any
// other character or a length other than `expected_bits` ("--bits has 12 bits but the
// model hides 30").
std::vector<uint8_t> parse_bits(const std::string& text, int expected_bits,
                                const std::string& what);

// 0/1 values -> "0110...".
std::string format_bits(const std::vector<uint8_t>& bits);

}  // namespace robusthide::cli
