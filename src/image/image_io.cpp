// PLACEHOLDER (to be replaced by the real implementation)
#include "robusthide/image.h"
#include "robusthide/error.h"
namespace robusthide {
Image decode_image(const uint8_t*, size_t, const std::string& name) { throw IoError("not implemented: " + name); }
Image read_image(const std::string& path) { throw IoError("not implemented: " + path); }
std::vector<uint8_t> encode_image(const Image&, ImageFormat, const WriteOptions&) { throw IoError("not implemented"); }
ImageFormat format_from_path(const std::string&) { return ImageFormat::kPng; }
void write_image(const Image&, const std::string& path, const WriteOptions&) { throw IoError("not implemented: " + path); }
void write_file_atomic(const std::string& path, const uint8_t*, size_t) { throw IoError("not implemented: " + path); }
std::vector<uint8_t> read_file(const std::string& path) { throw IoError("not implemented: " + path); }
}
