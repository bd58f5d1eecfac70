// Constructors of the individual codecs, one per source file; make_codec dispatches.
#pragma once

#include <memory>

#include "robusthide/codec.h"
#include "util/spec.h"

namespace robusthide {

std::unique_ptr<Codec> make_jpeg_codec(const SpecNode& spec);      // jpeg.cpp
std::unique_ptr<Codec> make_jpeg2000_codec(const SpecNode& spec);  // jpeg2000.cpp
std::unique_ptr<Codec> make_webp_codec(const SpecNode& spec);      // webp.cpp
std::unique_ptr<Codec> make_video_codec(const SpecNode& spec);     // video.cpp: mpeg4, xvid, h264
std::unique_ptr<Codec> make_command_codec(const SpecNode& spec);   // command.cpp: cmd

}  // namespace robusthide
