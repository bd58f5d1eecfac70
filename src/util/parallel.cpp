#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace robusthide {
namespace {

// Persistent worker threads fed from one queue of jobs.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool(std::max(1, hardware_threads() - 1));
    return pool;
  }

  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  size_t size() const { return workers_.size(); }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  explicit Pool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { run(); });
  }

  void run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_ && jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

// Shared by the caller and the helpers of one parallel_for call. Helpers that start
// after the caller has finished the loop leave at once, so a call never waits for
// queued jobs (nested calls cannot deadlock).
struct LoopState {
  std::atomic<size_t> next{0};
  size_t n = 0;
  const std::function<void(size_t)>* fn = nullptr;
  std::mutex mutex;
  std::condition_variable done;
  int running = 0;
  bool closed = false;
  std::exception_ptr error;

  void work() {
    while (true) {
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next.store(n);  // stop handing out work
      }
    }
  }
};

}  // namespace

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void parallel_for(size_t n, int threads, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (threads <= 0) threads = hardware_threads();
  const size_t helpers =
      std::min({static_cast<size_t>(threads - 1), n - 1, Pool::instance().size()});
  if (helpers == 0) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto state = std::make_shared<LoopState>();
  state->n = n;
  state->fn = &fn;
  for (size_t h = 0; h < helpers; ++h) {
    Pool::instance().post([state] {
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->closed) return;
        ++state->running;
      }
      state->work();
      std::lock_guard<std::mutex> lock(state->mutex);
      if (--state->running == 0) state->done.notify_all();
    });
  }
  state->work();
  std::unique_lock<std::mutex> lock(state->mutex);
  state->closed = true;
  state->done.wait(lock, [&] { return state->running == 0; });
  if (state->error) std::rethrow_exception(state->error);
}

}  // namespace robusthide
