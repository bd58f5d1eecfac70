// Attack layers: what happens to an encoded image between the encoder and the decoder.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>

namespace robusthide {

// An attack is a torch module mapping the encoded batch (N,3,H,W float, nominally in
// [0,1]) to the attacked batch. Attacks that mix in the original (cropout, dropout)
// take the cover batch too. Randomness comes from torch's global generator, so
// torch::manual_seed makes runs repeatable.
class AttackImpl : public torch::nn::Module {
 public:
  // `cover` has the shape of `encoded`; attacks that do not need it ignore it.
  virtual torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) = 0;

  // The spec this attack was built from, canonicalised (e.g. "jpeg:50:420").
  virtual std::string spec() const = 0;

  // Total compressed size of the last batch, for attacks that run a real codec.
  virtual std::optional<size_t> last_compressed_bytes() const { return std::nullopt; }

  // Whether the output for an image depends on that image alone: no random draw and
  // nothing from the rest of the batch (video codecs code the batch as one clip; split
  // attacks a slice by its position). The watermarker's strength-search checks need it.
  virtual bool deterministic() const { return false; }
};
using Attack = std::shared_ptr<AttackImpl>;

// Options that apply to every attack built from a spec.
struct AttackOptions {
  // Threads used by real codecs to process a batch (0 = one per core).
  int codec_threads = 0;
};

// Builds an attack from a spec string. Grammar (docs/attacks.md):
//   spec   := name[(spec, spec, ...)][:param]...
//   param  := value | key=value | "quoted value"
// Differentiable attacks:
//   identity | crop:F[:FW] | cropout:F[:FW] | dropout:P | resize:S[:MODE]
//   | blur[:SIGMA[:K]] | noise:STD | jpeg-mask | jpeg-drop[:Q] | quant
//   | diffjpeg:Q[:420|444]      (definitions in docs/attacks.md)
// Real codecs through the straight-through layer (any spec make_codec accepts):
//   jpeg:Q | jpeg2000:R | webp:Q | mpeg4 | xvid | h264:crf=N | cmd:"..."
// Combinators:
//   choice(a, b, ...)  one of the children, uniformly at random, per batch
//   split(a, b, ...)   the batch cut into equal consecutive slices, slice i attacked
//                      by child i (batch size must be divisible by the count)
// Throws InvalidArgument with what was expected for any malformed spec.
Attack make_attack(const std::string& spec, const AttackOptions& options = {});

// The straight-through layer around a real codec: the forward value is exactly the
// codec's decoded output of the rounded 8-bit input; the gradient is the identity.
// (Exposed for tests and custom pipelines; make_attack builds it for codec specs.)
Attack make_straight_through(const std::string& codec_spec, const AttackOptions& options = {});

}  // namespace robusthide
