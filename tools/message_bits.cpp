// Parsing and printing of message bit strings.
#include "message_bits.h"

#include "robusthide/error.h"

namespace robusthide::cli {

std::vector<uint8_t> parse_bits(const std::string& text, int expected_bits,
                                const std::string& what) {
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
  std::vector<uint8_t> bits(text.size());
  for (size_t i = 0; i < text.size(); ++i) bits[i] = text[i] == '1' ? 1 : 0;
  return bits;
}

std::string format_bits(const std::vector<uint8_t>& bits) {
  std::string out;
  for (const uint8_t b : bits) out += b ? '1' : '0';
  return out;
}

}  // namespace robusthide::cli
