#include "codecs/pnm.h"

#include <cctype>
#include <cstring>

#include "robusthide/error.h"

namespace robusthide {
namespace {

class HeaderReader {
 public:
  HeaderReader(const uint8_t* data, size_t size, const std::string& name)
      : data_(data), size_(size), name_(name) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw IoError("cannot read image '" + name_ + "': " + problem);
  }

  // Skips whitespace and '#' comments, then reads a decimal number.
  int64_t number(const char* what) {
    while (pos_ < size_) {
      if (std::isspace(data_[pos_])) {
        ++pos_;
      } else if (data_[pos_] == '#') {
        while (pos_ < size_ && data_[pos_] != '\n' && data_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
    if (pos_ >= size_ || !std::isdigit(data_[pos_])) fail(std::string("PNM header: bad ") + what);
    int64_t v = 0;
    while (pos_ < size_ && std::isdigit(data_[pos_])) {
      v = v * 10 + (data_[pos_++] - '0');
      if (v > (int64_t{1} << 31)) fail(std::string("PNM header: ") + what + " too large");
    }
    return v;
  }

  size_t pos() const { return pos_; }
  void skip(size_t n) { pos_ += n; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

bool looks_like_pnm(const uint8_t* data, size_t size) {
  return size >= 3 && data[0] == 'P' && (data[1] == '5' || data[1] == '6') && std::isspace(data[2]);
}

std::vector<uint8_t> encode_ppm(const Image& image) {
  const std::string header =
      "P6\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), image.pixels.begin(), image.pixels.end());
  return out;
}

Image decode_pnm(const uint8_t* data, size_t size, const std::string& name) {
  HeaderReader reader(data, size, name);
  if (!looks_like_pnm(data, size)) reader.fail("not a binary PPM/PGM (P6/P5)");
  const bool color = data[1] == '6';
  reader.skip(2);
  const int64_t width = reader.number("width");
  const int64_t height = reader.number("height");
  const int64_t maxval = reader.number("maxval");
  if (width <= 0 || height <= 0 || width * height > kMaxImagePixels)
    reader.fail("PNM size " + std::to_string(width) + "x" + std::to_string(height) +
                " out of range");
  if (maxval < 1 || maxval > 65535)
    reader.fail("PNM maxval " + std::to_string(maxval) + " out of range");
  reader.skip(1);  // the single whitespace byte before the raster
  const size_t channels = color ? 3 : 1;
  const size_t sample_bytes = maxval > 255 ? 2 : 1;
  const size_t samples = static_cast<size_t>(width) * static_cast<size_t>(height) * channels;
  if (reader.pos() > size || size - reader.pos() < samples * sample_bytes)
    reader.fail("truncated PNM data");
  const uint8_t* raster = data + reader.pos();
  Image out(static_cast<int>(width), static_cast<int>(height));
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t i = 0; i < pixels; ++i) {
    for (size_t c = 0; c < 3; ++c) {
      const size_t s = i * channels + (color ? c : 0);
      uint32_t v =
          sample_bytes == 2 ? (uint32_t{raster[2 * s]} << 8) | raster[2 * s + 1] : raster[s];
      if (v > static_cast<uint32_t>(maxval)) v = static_cast<uint32_t>(maxval);
      if (maxval != 255) v = static_cast<uint32_t>((v * 255 + maxval / 2) / maxval);
      out.pixels[i * 3 + c] = static_cast<uint8_t>(v);
    }
  }
  return out;
}

}  // namespace robusthide
