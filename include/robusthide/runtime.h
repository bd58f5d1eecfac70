// Process-wide settings that make robusthide fast.
#pragma once

namespace robusthide {

// Tells glibc's allocator to keep freed memory instead of returning it to the kernel
// after every batch (no mmap'ed blocks, no heap trimming). Without it,
// every batch re-faults freshly zeroed pages for its tensors and images: ~37% of a
// training step went to the kernel for the authors' code ([authors' code on this CPU],
// docs/references.md). Call once at program start; the CLI and the benchmarks do.
// Returns false if glibc refused.
bool tune_memory_allocator();

// Sets LibTorch's intra-op thread count (convolutions, elementwise ops) and returns it.
// threads <= 0 means OMP_NUM_THREADS if set, else every core. Debian's LibTorch 1.13
// starts with ONE thread on this 2-core machine, which halves training speed; the CLI
// calls set_compute_threads(0) at start.
int set_compute_threads(int threads = 0);

// Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that remove the temporary
// files of atomic writes in flight (write_file_atomic) and then end the process as the
// signal would have. Call once at program start; the CLI does. kill -9 cannot be caught:
// its temporaries are removed by the next write into the same folder.
void install_interrupt_cleanup();

}  // namespace robusthide
