// The photos of a training run and the counts derived from them.
#pragma once

#include <cstdint>
#include <memory>

#include "robusthide/dataset.h"
#include "robusthide/train.h"

namespace robusthide::detail {

// The training set (RunOptions::train_folders, at most max_train_images) and the
// validation set (val_folders, at most val_images; the training set itself when no
// validation folder is given), decoded once.
class TrainingData {
 public:
  // Throws IoError for a missing folder or an undecodable file, and InvalidArgument when
  // either set has fewer photos than one batch.
  // Crops are crop_size x crop_size.
  TrainingData(const RunOptions& o, int crop_size);

  const ImageFolderDataset& train() const { return *train_; }
  const ImageFolderDataset& validation() const { return val_ ? *val_ : *train_; }

  int64_t train_images() const { return static_cast<int64_t>(train_->size()); }
  // Whole batches in one pass over the training set.
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  // Validation photos used: at most val_images, a whole number of batches.
  int64_t validation_images() const { return validation_images_; }
  // The run's length: epochs x steps_per_epoch() when epochs is set, else steps.
  int64_t total_steps() const { return total_steps_; }

 private:
  std::unique_ptr<ImageFolderDataset> train_, val_;
  int64_t steps_per_epoch_ = 0, validation_images_ = 0, total_steps_ = 0;
};

}  // namespace robusthide::detail
