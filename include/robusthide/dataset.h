// Image-folder datasets, decoded once into memory.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// The image files (.jpg, .jpeg, .png, .webp, case-insensitive) under `folder`, searched
// recursively, in sorted path order. Directory links are followed but each directory is
// entered once (a link loop neither hangs nor repeats files); only regular files count. Throws
// IoError "cannot load images from 'FOLDER': <why>" when it is missing, not a folder, cannot be
// listed or holds no image file.
std::vector<std::string> list_image_files(const std::string& folder);

// How a folder of photos is loaded.
struct DatasetOptions {
  // Side of the square crops handed to the networks.
  int crop_size = 128;
  // Keep at most this many images (0 = all), taken in sorted path order.
  int64_t max_images = 0;
  // Threads used to decode the files (0 = one per core).
  int threads = 0;
};

// Square covers handed out in batches (evaluate's input): a folder of photos (centre crops)
// or clips of consecutive frames (clips.h).
class CoverSet {
 public:
  virtual ~CoverSet() = default;
  virtual size_t size() const = 0;
  virtual int crop_size() const = 0;
  // Frames per clip when covers come in clips (batches are then whole clips), else 0.
  virtual int clip_length() const { return 0; }
  // The covers of `indices`: (N,3,S,S) float in [0,1]. InvalidArgument for an index out of
  // range.
  virtual torch::Tensor covers(const std::vector<int64_t>& indices) const = 0;
};

// All images (JPEG, PNG, WebP) found recursively under some folders, decoded once and
// kept in memory as 8-bit RGB. Images whose shorter side is below the crop size are
// resized up (bilinear, aspect kept) when loaded. Files are visited in sorted order so
// the dataset is the same on every machine.
class ImageFolderDataset : public CoverSet {
 public:
  // Throws IoError naming the folder when it is missing or holds no image, and the
  // file when one cannot be decoded.
  ImageFolderDataset(const std::vector<std::string>& folders, const DatasetOptions& options);

  size_t size() const override { return images_.size(); }
  const Image& image(size_t i) const { return images_.at(i); }
  const std::string& path(size_t i) const { return paths_.at(i); }
  int crop_size() const override { return crop_size_; }

  // A batch of random crops (training): image indices given, crop positions drawn from
  // torch's generator. Returns (N,3,S,S) float in [0,1].
  torch::Tensor random_crops(const std::vector<int64_t>& indices) const;

  // A batch of centre crops (validation). Returns (N,3,S,S) float in [0,1].
  torch::Tensor center_crops(const std::vector<int64_t>& indices) const;
  torch::Tensor covers(const std::vector<int64_t>& indices) const override {
    return center_crops(indices);
  }

 private:
  std::vector<Image> images_;
  std::vector<std::string> paths_;
  int crop_size_;
};

}  // namespace robusthide
