// Real lossy codecs as in-memory round trips: 8-bit RGB in, decoded 8-bit RGB out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// What one round trip produced.
struct RoundTrip {
  std::vector<Image> images;    // decoded images, same order and size as the input
  size_t compressed_bytes = 0;  // total size of the compressed data
};

// A lossy codec. Implementations are immutable after construction and thread-safe.
//
// Spec strings (see docs/codecs.md for every parameter convention):
//   jpeg:Q[:420|422|444]   libjpeg-turbo, quality 1..100, 4:2:0 by default
//   jpeg2000:R             OpenJPEG, OpenCV's x1000 rate 1..1000 (compression 1000/R)
//   webp:Q                 libwebp lossy, quality 1..100
//   mpeg4, xvid            batch = consecutive 30 fps frames, MPEG-4 Part 2 (OpenCV defaults)
//   xvid:lib               the same through libxvidcore
//   h264[:crf=N][:preset=P]  batch = consecutive 30 fps frames, libx264, CRF 0..51 (23)
//   cmd:"PROGRAM ARGS"[:format=png|ppm][:timeout=S]  external program run by /bin/sh:
//                          the image on stdin (PNG by default), an image on stdout
class Codec {
 public:
  virtual ~Codec() = default;

  // The canonical spec string of this codec, e.g. "jpeg:50:420".
  virtual std::string spec() const = 0;

  // True for video codecs: the batch is coded as one clip of consecutive frames, so
  // frames influence each other and all must have the same size.
  virtual bool is_video() const { return false; }

  // Round trip of one image. For video codecs, a one-frame clip.
  virtual RoundTrip round_trip(const Image& image) const;

  // Round trip of a batch. Image codecs process the images in parallel on `threads`
  // threads (0 = one per core, 1 = sequential); the result is identical bit for bit
  // whatever the thread count. Video codecs code the batch as one clip.
  virtual RoundTrip round_trip_batch(const std::vector<Image>& batch, int threads = 0) const;

 protected:
  // Image codecs implement this: compress and decompress one image; return the
  // decoded image and add the compressed size to *bytes.
  virtual Image encode_decode(const Image& image, size_t* bytes) const;
};

// Builds a codec from its spec. Throws InvalidArgument naming the spec and what was
// expected for unknown names, missing or out-of-range parameters.
std::unique_ptr<Codec> make_codec(const std::string& spec);

// True when `spec` names a real codec (jpeg, jpeg2000, webp, mpeg4, xvid, h264, cmd).
bool is_codec_name(const std::string& name);

}  // namespace robusthide
