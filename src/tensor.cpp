#include "robusthide/tensor.h"

#include "robusthide/error.h"
#include "util/convert.h"
#include "util/parallel.h"

namespace robusthide {

torch::Tensor images_to_tensor(const std::vector<Image>& images) {
  if (images.empty()) throw InvalidArgument("cannot make a tensor from an empty batch");
  const int w = images[0].width, h = images[0].height;
  for (size_t i = 1; i < images.size(); ++i) {
    if (images[i].width != w || images[i].height != h) {
      throw InvalidArgument("cannot batch images of different sizes: image 0 is " +
                            std::to_string(w) + "x" + std::to_string(h) + ", image " +
                            std::to_string(i) + " is " + std::to_string(images[i].width) + "x" +
                            std::to_string(images[i].height));
    }
  }
  auto out = torch::empty({static_cast<int64_t>(images.size()), 3, h, w}, torch::kFloat32);
  float* dst = out.data_ptr<float>();
  const size_t plane = static_cast<size_t>(w) * h * 3;
  parallel_for(images.size(), 0, [&](size_t i) { image_to_plane(images[i], dst + i * plane); });
  return out;
}

torch::Tensor image_to_tensor(const Image& image) { return images_to_tensor({image}); }

std::vector<Image> tensor_to_images(const torch::Tensor& batch) {
  TORCH_CHECK(batch.dim() == 4 && batch.size(1) == 3, "tensor_to_images expects (N,3,H,W), got ",
              batch.sizes());
  const auto x = batch.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const int h = static_cast<int>(x.size(2)), w = static_cast<int>(x.size(3));
  const size_t plane = static_cast<size_t>(w) * h * 3;
  std::vector<Image> out(x.size(0));
  const float* src = x.data_ptr<float>();
  parallel_for(out.size(), 0, [&](size_t i) { plane_to_image(src + i * plane, w, h, &out[i]); });
  return out;
}

}  // namespace robusthide
