// Process-wide runtime settings.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "robusthide/runtime.h"

namespace robusthide {
namespace {

TEST(Runtime, ComputeThreadsFollowTheRequestAndTheCoreCount) {
  const int before = at::get_num_threads();
  EXPECT_EQ(set_compute_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    EXPECT_EQ(set_compute_threads(0), static_cast<int>(std::thread::hardware_concurrency()));
  }
  set_compute_threads(before);
  EXPECT_EQ(at::get_num_threads(), before);
}

}  // namespace
}  // namespace robusthide
