#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
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
  for (const int threads : {1, 0}) {
    // The caller gets fn's own exception (type and message), and the pool still works.
    try {
      parallel_for(100, threads, [&](size_t i) {
        if (i == 7) throw std::invalid_argument("item 7");
      });
      ADD_FAILURE() << "no exception with " << threads << " threads";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "item 7");
    }
    std::atomic<int> total{0};
    parallel_for(100, threads, [&](size_t i) { total += static_cast<int>(i); });
    EXPECT_EQ(total.load(), 4950) << threads << " threads";
  }
  // In the calling thread (1 thread) items run in order: the first thrown is item 3's.
  try {
    parallel_for(100, 1, [&](size_t i) {
      if (i == 3 || i == 50) throw std::runtime_error("item " + std::to_string(i));
    });
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 3");
  }
}

TEST(Parallel, NestedCallsDoNotDeadlock) {
  std::atomic<int> total{0};
  parallel_for(8, 0, [&](size_t) { parallel_for(8, 0, [&](size_t) { total++; }); });
  EXPECT_EQ(total.load(), 64);
}

}  // namespace
}  // namespace robusthide
