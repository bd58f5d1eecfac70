// Process-wide settings that make robusthide fast.
#pragma once

namespace robusthide {

// Tells glibc's allocator to keep freed memory instead of returning it to the kernel
// after every batch (no mmap'ed blocks, no heap trimming). Without it,
// every batch re-faults freshly zeroed pages for its tensors and images: reference.md
// measured ~37% of a training step in the kernel for the authors' code. Call once at
// program start; the CLI and the benchmarks do. Returns false if glibc refused.
bool tune_memory_allocator();

}  // namespace robusthide
