// The video encoding flags shared by `embed` (a marked video) and `transcode` (a
// platform's re-encode): --video-encoder, --crf, --preset, --quantizer, --bitrate; and
// what both report of the streams they could not copy.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "robusthide/video.h"

namespace robusthide::cli {

void add_video_encode_flags(CLI::App* sub, VideoEncodeOptions& o, const std::string& group);

// The text report's lines for the input streams a video output did not copy
// (VideoEmbedReport / VideoTransformReport::streams_skipped), one "skipped  ..." each.
void print_skipped_streams(std::ostream& out, const std::vector<std::string>& skipped);

}  // namespace robusthide::cli
