// The video encoding flags shared by `embed` (a marked video) and `transcode` (a
// platform's re-encode): --video-encoder, --crf, --preset, --quantizer, --bitrate.
#pragma once

#include <CLI/CLI.hpp>

#include "robusthide/video.h"

namespace robusthide::cli {

void add_video_encode_flags(CLI::App* sub, VideoEncodeOptions& o, const std::string& group);

}  // namespace robusthide::cli
