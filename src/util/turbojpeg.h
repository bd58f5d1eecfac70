// The one set of TurboJPEG handles: image files (image/jpeg_io.cpp) and the jpeg codec
// (codecs/jpeg.cpp) share them. A handle is not thread-safe and costs more to create
// than a small image to code, so each thread owns one compressor and one decompressor.
#pragma once

#include <turbojpeg.h>

#include <memory>

namespace robusthide::detail {

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// This thread's handles, created on first use; empty only when TurboJPEG cannot create
// one (tjGetErrorStr2(nullptr) says why). A caller may reset() its handle after a
// failure that can leave libjpeg's state broken: the next call makes a fresh one.
inline TjHandle& tj_compressor() {
  thread_local TjHandle handle;
  if (!handle) handle.reset(tjInitCompress());
  return handle;
}
inline TjHandle& tj_decompressor() {
  thread_local TjHandle handle;
  if (!handle) handle.reset(tjInitDecompress());
  return handle;
}

}  // namespace robusthide::detail
