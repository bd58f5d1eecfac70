#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/parallel.h"

namespace robusthide {
namespace {

TEST(Parallel, VisitsEveryIndexExactlyOnce) {
  for (int threads : {0, 1, 2, 8}) {
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(hits.size(), threads, [&](size_t i) { hits[i]++; });
    for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << i << " t=" << threads;
  }
}

TEST(Parallel, UsesSeveralThreadsWhenAsked) {
  if (hardware_threads() < 2) GTEST_SKIP() << "one core";
  std::mutex m;
  std::set<std::thread::id> ids;
  parallel_for(64, 0, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_GE(ids.size(), 2u);
}

TEST(Parallel, OneThreadRunsInCaller) {
  const auto caller = std::this_thread::get_id();
  parallel_for(10, 1, [&](size_t) { EXPECT_EQ(std::this_thread::get_id(), caller); });
}

TEST(Parallel, RethrowsFirstException) {
  std::atomic<int> done{0};
  EXPECT_THROW(parallel_for(100, 0,
                            [&](size_t i) {
                              if (i == 7) throw std::runtime_error("item 7");
                              done++;
                            }),
               std::runtime_error);
  EXPECT_LT(done.load(), 100);
}

TEST(Parallel, NestedCallsDoNotDeadlock) {
  std::atomic<int> total{0};
  parallel_for(8, 0, [&](size_t) { parallel_for(8, 0, [&](size_t) { total++; }); });
  EXPECT_EQ(total.load(), 64);
}

}  // namespace
}  // namespace robusthide
