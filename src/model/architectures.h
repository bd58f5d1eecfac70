// The table of network families ModelConfig::architecture can name. To add one, write
// its networks in their own file and add one row to the table in architectures.cpp.
#pragma once

#include <string>
#include <vector>

#include "robusthide/model.h"

namespace robusthide {

struct Architecture {
  const char* name;
  Encoder (*make_encoder)(const ModelConfig&);
  Decoder (*make_decoder)(const ModelConfig&);
  Discriminator (*make_discriminator)(const ModelConfig&);
  // Checks beyond ModelConfig's generic ranges (may be null). Throws InvalidArgument.
  void (*validate)(const ModelConfig&);
};

// The row for `name`; throws InvalidArgument listing the known names.
const Architecture& find_architecture(const std::string& name);

// hidden.cpp: the paper's reference HiDDeN networks.
Encoder make_hidden_encoder(const ModelConfig& config);
Decoder make_hidden_decoder(const ModelConfig& config);
Discriminator make_hidden_discriminator(const ModelConfig& config);

// fast.cpp: the efficient networks (downsampling, spatial message map, fixed-energy
// residual); the discriminator is the reference one.
Encoder make_fast_encoder(const ModelConfig& config);
Decoder make_fast_decoder(const ModelConfig& config);
void validate_fast(const ModelConfig& config);
// The reference networks use none of the fast-only fields (message_tile must be 0).
void validate_hidden(const ModelConfig& config);

}  // namespace robusthide
