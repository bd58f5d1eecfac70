// ImageFolderDataset: recursive scan, parallel decode, upsizing, random and centre crops.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "robusthide/dataset.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "util/convert.h"
#include "util/parallel.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp";
}

}  // namespace

std::vector<std::string> list_image_files(const std::string& folder) {
  auto fail = [&folder](const std::string& why) {
    return IoError("cannot load images from '" + folder + "': " + why);
  };
  std::error_code ec;
  if (!fs::exists(folder, ec)) throw fail("no such folder");
  if (!fs::is_directory(folder, ec)) throw fail("not a folder");
  // Directory links are followed, but every directory is entered once (by device and
  // inode), so a link to an ancestor or two links to one folder cannot loop or repeat.
  std::set<std::pair<dev_t, ino_t>> entered;
  auto first_visit = [&entered](const fs::path& dir) {
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0 && entered.insert({st.st_dev, st.st_ino}).second;
  };
  first_visit(folder);
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(folder, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw fail(ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw fail(ec.message());
    std::error_code file_ec;
    if (it->is_directory(file_ec)) {
      if (!first_visit(it->path())) it.disable_recursion_pending();
      continue;
    }
    // Regular files only: a FIFO or device named x.jpg is not read (it could block).
    if (it->is_regular_file(file_ec) && has_image_extension(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) throw fail(ec.message());
  if (files.empty()) throw fail("no image files (.jpg, .jpeg, .png, .webp) found");
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// Resizes up so that the shorter side is `size` (aspect kept), when it is smaller.
Image upsize_to(const Image& image, int size) {
  const int shorter = std::min(image.width, image.height);
  if (shorter >= size) return image;
  const double scale = static_cast<double>(size) / shorter;
  const int w = image.width == shorter
                    ? size
                    : std::max(size, static_cast<int>(std::lround(image.width * scale)));
  const int h = image.height == shorter
                    ? size
                    : std::max(size, static_cast<int>(std::lround(image.height * scale)));
  // The library's one bilinear resampling (torch's, half-pixel centres), as the resize
  // attack and the any-size watermark use it.
  namespace F = torch::nn::functional;
  const torch::Tensor up =
      F::interpolate(image_to_tensor(image), F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{h, w})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false));
  return tensor_to_images(up).at(0);
}

// Copies the S x S square at (x, y) of `image` into `out` (3,S,S) as v/255.
void check_indices(const std::vector<int64_t>& indices, size_t size) {
  for (const int64_t i : indices) {
    if (i < 0 || static_cast<size_t>(i) >= size) {
      throw InvalidArgument("dataset index " + std::to_string(i) + " is out of range [0, " +
                            std::to_string(size) + ")");
    }
  }
}

}  // namespace

ImageFolderDataset::ImageFolderDataset(const std::vector<std::string>& folders,
                                       const DatasetOptions& options)
    : crop_size_(options.crop_size) {
  if (options.crop_size < 1) {
    throw InvalidArgument("invalid dataset crop size " + std::to_string(options.crop_size) +
                          ": expected >= 1");
  }
  if (options.max_images < 0) {
    throw InvalidArgument("invalid dataset image cap " + std::to_string(options.max_images) +
                          ": expected >= 0 (0 = all)");
  }
  if (folders.empty()) throw InvalidArgument("cannot load a dataset: no folder given");
  for (const std::string& folder : folders) {
    std::vector<std::string> files = list_image_files(folder);
    paths_.insert(paths_.end(), files.begin(), files.end());
  }
  std::sort(paths_.begin(), paths_.end());
  paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
  if (options.max_images > 0 && paths_.size() > static_cast<size_t>(options.max_images)) {
    paths_.resize(static_cast<size_t>(options.max_images));
  }
  images_.resize(paths_.size());
  parallel_for(paths_.size(), options.threads,
               [&](size_t i) { images_[i] = upsize_to(read_image(paths_[i]), crop_size_); });
}

torch::Tensor ImageFolderDataset::random_crops(const std::vector<int64_t>& indices) const {
  check_indices(indices, images_.size());
  const int64_t n = static_cast<int64_t>(indices.size());
  // Crop positions: two uniform doubles per image from torch's generator.
  const torch::Tensor u = torch::rand({n, 2}, torch::kFloat64);
  const double* uu = u.data_ptr<double>();
  torch::Tensor out = torch::empty({n, 3, crop_size_, crop_size_}, torch::kFloat32);
  float* dst = out.data_ptr<float>();
  const size_t per_image = 3 * static_cast<size_t>(crop_size_) * crop_size_;
  for (int64_t i = 0; i < n; ++i) {
    const Image& img = image(static_cast<size_t>(indices[i]));
    const int range_x = img.width - crop_size_ + 1, range_y = img.height - crop_size_ + 1;
    const int x = std::min(range_x - 1, static_cast<int>(uu[2 * i] * range_x));
    const int y = std::min(range_y - 1, static_cast<int>(uu[2 * i + 1] * range_y));
    crop_to_plane(img, x, y, crop_size_, crop_size_, dst + i * per_image);
  }
  return out;
}

torch::Tensor ImageFolderDataset::center_crops(const std::vector<int64_t>& indices) const {
  check_indices(indices, images_.size());
  const int64_t n = static_cast<int64_t>(indices.size());
  torch::Tensor out = torch::empty({n, 3, crop_size_, crop_size_}, torch::kFloat32);
  float* dst = out.data_ptr<float>();
  const size_t per_image = 3 * static_cast<size_t>(crop_size_) * crop_size_;
  for (int64_t i = 0; i < n; ++i) {
    const Image& img = image(static_cast<size_t>(indices[i]));
    crop_to_plane(img, (img.width - crop_size_) / 2, (img.height - crop_size_) / 2, crop_size_,
                  crop_size_, dst + i * per_image);
  }
  return out;
}

}  // namespace robusthide
