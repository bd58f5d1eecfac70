#include "robusthide/codec.h"

#include <atomic>

#include "codecs/factories.h"
#include "robusthide/error.h"
#include "util/parallel.h"

namespace robusthide {

RoundTrip Codec::round_trip(const Image& image) const {
  if (is_video()) return round_trip_batch({image}, 1);
  RoundTrip out;
  out.images.push_back(encode_decode(image, &out.compressed_bytes));
  return out;
}

RoundTrip Codec::round_trip_batch(const std::vector<Image>& batch, int threads) const {
  RoundTrip out;
  out.images.resize(batch.size());
  std::vector<size_t> bytes(batch.size(), 0);
  parallel_for(batch.size(), threads,
               [&](size_t i) { out.images[i] = encode_decode(batch[i], &bytes[i]); });
  for (size_t b : bytes) out.compressed_bytes += b;
  return out;
}

Image Codec::encode_decode(const Image&, size_t*) const {
  throw CodecError("codec '" + spec() + "' does not code single images");
}

bool is_codec_name(const std::string& name) {
  return name == "jpeg" || name == "jpeg2000" || name == "webp" || name == "mpeg4" ||
         name == "xvid" || name == "h264" || name == "cmd";
}

std::unique_ptr<Codec> make_codec(const std::string& text) {
  const SpecNode spec = parse_spec(text);
  if (spec.name == "jpeg") return make_jpeg_codec(spec);
  if (spec.name == "jpeg2000") return make_jpeg2000_codec(spec);
  if (spec.name == "webp") return make_webp_codec(spec);
  if (spec.name == "mpeg4" || spec.name == "xvid" || spec.name == "h264")
    return make_video_codec(spec);
  if (spec.name == "cmd") return make_command_codec(spec);
  throw InvalidArgument("unknown codec '" + abbreviate(spec.name) + "' in spec '" +
                        abbreviate(text) +
                        "'; expected one of jpeg:Q, jpeg2000:R, webp:Q, mpeg4, xvid, "
                        "h264:crf=N, cmd:\"PROGRAM ARGS\"");
}

}  // namespace robusthide
