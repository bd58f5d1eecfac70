// Model: the three networks of one configuration; parameter_count.
#include "robusthide/model.h"

namespace robusthide {

Model::Model(const ModelConfig& c)
    : config(c),
      encoder(make_encoder(c)),
      decoder(make_decoder(c)),
      discriminator(make_discriminator(c)) {}

void Model::to(const torch::Device& device) {
  encoder->to(device);
  decoder->to(device);
  discriminator->to(device);
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

}  // namespace robusthide
