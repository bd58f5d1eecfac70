#include "train/training_data.h"

#include <algorithm>
#include <string>
#include <vector>

#include "robusthide/error.h"

namespace robusthide::detail {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : "', '") + p;
  return "'" + s + "'";
}

}  // namespace

TrainingData::TrainingData(const RunOptions& o, int crop_size) {
  DatasetOptions data_options;
  data_options.crop_size = crop_size;
  data_options.threads = o.load_threads;
  data_options.max_images = o.max_train_images;
  train_ = std::make_unique<ImageFolderDataset>(o.train_folders, data_options);
  const int64_t n = train_images();
  if (n < o.batch_size) {
    throw InvalidArgument("cannot train: " + std::to_string(n) + " training photos in " +
                          join(o.train_folders) +
                          ", fewer than batch_size = " + std::to_string(o.batch_size));
  }
  if (!o.val_folders.empty()) {
    data_options.max_images = o.val_images;
    val_ = std::make_unique<ImageFolderDataset>(o.val_folders, data_options);
  }
  const auto available = static_cast<int64_t>(validation().size());
  validation_images_ = std::min<int64_t>(o.val_images, available) / o.batch_size * o.batch_size;
  if (validation_images_ == 0) {
    throw InvalidArgument("cannot validate: " + std::to_string(available) +
                          " validation photos in " +
                          join(o.val_folders.empty() ? o.train_folders : o.val_folders) +
                          ", fewer than batch_size = " + std::to_string(o.batch_size));
  }
  steps_per_epoch_ = n / o.batch_size;
  total_steps_ = o.epochs > 0 ? o.epochs * steps_per_epoch_ : o.steps;
}

}  // namespace robusthide::detail
