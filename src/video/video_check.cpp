// parse_video_check / video_check_spec (video.h): re-encodes written as text.
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/video.h"
#include "util/spec.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

const char* const kDefaultPreset = "medium";
const char* const kUsage =
    "libx264[:crf=0..51][:preset=P], libx265[:crf=0..51][:preset=P], libvpx-vp9[:crf=0..63], "
    "libvpx[:crf=4..63], libsvtav1[:crf=1..63], mpeg4[:q=0..31][:bitrate=B] or "
    "libxvid[:q=0..31][:bitrate=B]";

bool is_x26x(const std::string& encoder) { return encoder == "libx264" || encoder == "libx265"; }
bool is_crf_only(const std::string& encoder) {
  return encoder == "libvpx-vp9" || encoder == "libvpx" || encoder == "libsvtav1";
}
// The CRF a check without crf= gets: x264's and x265's 23, VP9's and VP8's 31 (the middle
// of the range commonly used for web video), SVT-AV1's own default 35.
int default_crf(const std::string& encoder) {
  if (is_x26x(encoder)) return 23;
  return encoder == "libsvtav1" ? 35 : 31;
}

}  // namespace

VideoEncodeOptions parse_video_check(const std::string& text) {
  const SpecNode spec = parse_spec(text);
  VideoEncodeOptions o;
  o.encoder = spec.name;
  if (is_x26x(spec.name) || is_crf_only(spec.name)) {
    spec.expect(0,
                is_x26x(spec.name) ? std::vector<std::string>{"crf", "preset"}
                                   : std::vector<std::string>{"crf"},
                kUsage);
    const auto [lo, hi] = detail::crf_range(spec.name);
    const std::string* crf = spec.keyed("crf");
    o.crf = crf ? spec.int_param(crf, lo, hi, "crf") : default_crf(spec.name);
    const std::string* preset = spec.keyed("preset");
    o.preset = preset ? *preset : kDefaultPreset;  // checked by the encoder when opened
  } else if (spec.name == "mpeg4" || spec.name == "libxvid") {
    spec.expect(0, {"q", "bitrate"}, kUsage);
    const std::string* q = spec.keyed("q");
    o.quantizer = q ? spec.int_param(q, 0, 31, "q") : 0;
    const std::string* rate = spec.keyed("bitrate");
    o.bit_rate = rate ? static_cast<int64_t>(spec.double_param(rate, 0, 1e9, "bitrate")) : 0;
  } else {
    throw InvalidArgument("invalid video check '" + text + "': unknown encoder '" + spec.name +
                          "'; expected " + kUsage);
  }
  return o;
}

std::string video_check_spec(const VideoEncodeOptions& o) {
  std::string s = o.encoder;
  if (is_x26x(o.encoder) || is_crf_only(o.encoder)) {
    if (o.crf != default_crf(o.encoder)) s += ":crf=" + std::to_string(o.crf);
    if (is_x26x(o.encoder) && o.preset != kDefaultPreset) s += ":preset=" + o.preset;
  } else {
    if (o.quantizer != 0) s += ":q=" + std::to_string(o.quantizer);
    if (o.bit_rate != 0) s += ":bitrate=" + std::to_string(o.bit_rate);
  }
  return s;
}

}  // namespace robusthide
