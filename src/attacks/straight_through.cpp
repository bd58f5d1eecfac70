// The paper's straight-through layer: real codec forward, identity gradient.
#include <atomic>

#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "util/convert.h"
#include "util/parallel.h"

namespace robusthide {
namespace {

// Returns `decoded` (exactly) with the gradient of `encoded` passed through unchanged:
// the paper's x + (codec(x) - x).detach() without the two elementwise passes.
struct PassGradient : public torch::autograd::Function<PassGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext*, const torch::Tensor& /*encoded*/,
                               const torch::Tensor& decoded) {
    return decoded;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext*,
                                                 torch::autograd::variable_list grad) {
    return {grad[0], torch::Tensor()};
  }
};

class StraightThroughImpl : public AttackImpl {
 public:
  StraightThroughImpl(std::unique_ptr<Codec> codec, int threads)
      : codec_(std::move(codec)), threads_(threads) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    TORCH_CHECK(encoded.dim() == 4 && encoded.size(1) == 3, "straight-through '", codec_->spec(),
                "' expects (N,3,H,W), got ", encoded.sizes());
    const auto x = encoded.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    torch::Tensor decoded = codec_->is_video() ? run_video(x) : run_images(x);
    decoded = decoded.to(encoded.device(), encoded.scalar_type());
    // The value is exactly the codec's output, the derivative the identity.
    if (!encoded.requires_grad()) return decoded;
    return PassGradient::apply(encoded, decoded);
  }

  std::string spec() const override { return codec_->spec(); }
  // A video codec codes the batch as one clip: a frame's output depends on its neighbours.
  bool deterministic() const override { return !codec_->is_video(); }
  std::optional<size_t> last_compressed_bytes() const override { return last_bytes_; }

 private:
  // Image codecs: each worker converts its own image, codes it and writes the result
  // straight into the output tensor (one pass over the pixels each way).
  torch::Tensor run_images(const torch::Tensor& x) {
    const int64_t n = x.size(0);
    const int h = static_cast<int>(x.size(2)), w = static_cast<int>(x.size(3));
    const size_t plane = static_cast<size_t>(3) * h * w;
    auto out = torch::empty_like(x);
    const float* src = x.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    std::atomic<size_t> bytes{0};
    parallel_for(static_cast<size_t>(n), threads_, [&](size_t i) {
      thread_local Image image;
      plane_to_image(src + i * plane, w, h, &image);
      RoundTrip rt = codec_->round_trip(image);
      check_size(rt.images.at(0), w, h);
      image_to_plane(rt.images[0], dst + i * plane);
      bytes += rt.compressed_bytes;
    });
    last_bytes_ = bytes.load();
    return out;
  }

  torch::Tensor run_video(const torch::Tensor& x) {
    RoundTrip rt = codec_->round_trip_batch(tensor_to_images(x), threads_);
    const int h = static_cast<int>(x.size(2)), w = static_cast<int>(x.size(3));
    for (const auto& im : rt.images) check_size(im, w, h);
    if (static_cast<int64_t>(rt.images.size()) != x.size(0)) {
      throw CodecError("codec '" + codec_->spec() + "' returned " +
                       std::to_string(rt.images.size()) + " frames for " +
                       std::to_string(x.size(0)));
    }
    last_bytes_ = rt.compressed_bytes;
    return images_to_tensor(rt.images);
  }

  void check_size(const Image& im, int w, int h) const {
    if (im.width != w || im.height != h) {
      throw CodecError("codec '" + codec_->spec() + "' returned a " + std::to_string(im.width) +
                       "x" + std::to_string(im.height) + " image for a " + std::to_string(w) + "x" +
                       std::to_string(h) + " input");
    }
  }

  std::unique_ptr<Codec> codec_;
  int threads_;
  std::optional<size_t> last_bytes_;
};

}  // namespace

Attack make_straight_through(const std::string& codec_spec, const AttackOptions& options) {
  return std::make_shared<StraightThroughImpl>(make_codec(codec_spec), options.codec_threads);
}

}  // namespace robusthide
