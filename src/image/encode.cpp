// encode_image, format_from_path and write_image.
#include <algorithm>
#include <cctype>
#include <string>

#include "image/formats.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"

namespace robusthide {

std::vector<uint8_t> encode_image(const Image& image, ImageFormat format,
                                  const WriteOptions& options) {
  const char* what = format == ImageFormat::kPng ? "PNG" : "JPEG";
  if (image.width <= 0 || image.height <= 0) {
    throw InvalidArgument(std::string("while encoding ") + what + ": empty image (" +
                          std::to_string(image.width) + "x" + std::to_string(image.height) + ")");
  }
  if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw InvalidArgument(std::string("while encoding ") + what + ": image " +
                          std::to_string(image.width) + "x" + std::to_string(image.height) +
                          " holds " + std::to_string(image.pixels.size()) +
                          " bytes instead of width * height * 3");
  }
  if (format == ImageFormat::kPng) return image_detail::encode_png(image);
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    throw InvalidArgument("while encoding JPEG: quality " + std::to_string(options.jpeg_quality) +
                          " is outside 1..100");
  }
  if (options.jpeg_subsampling != 444 && options.jpeg_subsampling != 422 &&
      options.jpeg_subsampling != 420) {
    throw InvalidArgument("while encoding JPEG: subsampling " +
                          std::to_string(options.jpeg_subsampling) +
                          " is not one of 444, 422, 420");
  }
  return image_detail::encode_jpeg(image, options.jpeg_quality, options.jpeg_subsampling);
}

ImageFormat format_from_path(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  std::string ext;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == "png") return ImageFormat::kPng;
  if (ext == "jpg" || ext == "jpeg") return ImageFormat::kJpeg;
  throw InvalidArgument(
      "cannot choose an image format for '" + path +
      "': " + (ext.empty() ? std::string("no extension") : "unknown extension '." + ext + "'") +
      " (use .png, .jpg or .jpeg)");
}

void write_image(const Image& image, const std::string& path, const WriteOptions& options) {
  std::vector<uint8_t> bytes = encode_image(image, format_from_path(path), options);
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace robusthide
