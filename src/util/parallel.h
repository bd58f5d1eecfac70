// A fixed pool of worker threads that runs index loops.
#pragma once

#include <cstddef>
#include <functional>

namespace robusthide {

// Number of hardware threads (at least 1).
int hardware_threads();

// Calls fn(i) for every i in [0, n) on up to `threads` threads (0 = one per core,
// 1 = in the calling thread). Work items are handed out one at a time from a shared
// counter, so uneven items balance. Blocks until all are done; the first exception
// thrown by fn is rethrown in the caller after every started item has finished.
// Uses a process-wide pool of persistent threads: no thread is created per call.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& fn);

}  // namespace robusthide
