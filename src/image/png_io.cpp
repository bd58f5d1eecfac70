// PNG decode/encode with libpng. libpng reports errors by longjmp, so every setjmp lives
// in a small function that owns no C++ objects; the handles are owned by RAII wrappers.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "image/formats.h"
#include "robusthide/error.h"

namespace robusthide {
namespace image_detail {
namespace {

// State shared with libpng's callbacks.
struct PngIo {
  const uint8_t* data = nullptr;  // input (read) ...
  size_t size = 0;
  size_t pos = 0;
  bool truncated = false;               // the input ran out
  std::vector<uint8_t>* out = nullptr;  // ... or output (write)
  char message[256] = {0};              // last libpng error
};

void on_error(png_structp png, png_const_charp message) {
  auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::strncpy(io->message, message ? message : "unknown libpng error", sizeof io->message - 1);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // ancillary-chunk warnings are harmless

void on_read(png_structp png, png_bytep dst, png_size_t length) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (io->size - io->pos < length) {
    io->truncated = true;
    png_error(png, "unexpected end of data");
  }
  std::memcpy(dst, io->data + io->pos, length);
  io->pos += length;
}

void on_write(png_structp png, png_bytep src, png_size_t length) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  io->out->insert(io->out->end(), src, src + length);
}

void on_flush(png_structp) {}

// libpng's read or write struct with its info struct, destroyed together.
template <bool kWrite>
class PngHandle {
 public:
  explicit PngHandle(PngIo* io) {
    png_ = kWrite ? png_create_write_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning)
                  : png_create_read_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~PngHandle() {
    if constexpr (kWrite) {
      png_destroy_write_struct(&png_, &info_);
    } else {
      png_destroy_read_struct(&png_, &info_, nullptr);
    }
  }
  PngHandle(const PngHandle&) = delete;
  PngHandle& operator=(const PngHandle&) = delete;
  bool ok() const { return png_ && info_; }
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};
using PngReadHandle = PngHandle<false>;
using PngWriteHandle = PngHandle<true>;

// Reads the chunks up to the first IDAT; false on a libpng error.
bool read_header(png_structp png, png_infop info, PngIo* io, png_uint_32* width,
                 png_uint_32* height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, io, on_read);
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);  // our own limit gives the message
  png_read_info(png, info);
  *width = png_get_image_width(png, info);
  *height = png_get_image_height(png, info);
  return true;
}

// Sets up transforms to 8-bit RGB or RGBA (this allocates row buffers, so it runs only
// after the dimensions were checked). False on a libpng error.
bool setup_transforms(png_structp png, png_infop info, bool* has_alpha, size_t* rowbytes) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  const bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (trns) png_set_tRNS_to_alpha(png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || trns;
  *rowbytes = png_get_rowbytes(png, info);
  return true;
}

bool read_rows(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

// A non-interlaced RGBA image one row at a time, composited over white into `rgb`: no
// full-size RGBA buffer. False on a libpng error.
bool read_rgba_rows_over_white(png_structp png, png_uint_32 width, png_uint_32 height, uint8_t* row,
                               uint8_t* rgb) {
  if (setjmp(png_jmpbuf(png))) return false;
  for (png_uint_32 y = 0; y < height; ++y) {
    png_read_row(png, row, nullptr);
    rgba_over_white(row, width, rgb + static_cast<size_t>(y) * width * 3);
  }
  return true;
}

bool write_png(png_structp png, png_infop info, PngIo* io, int width, int height, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, io, on_write, on_flush);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

std::string problem(const PngIo& io) {
  return std::string(io.truncated ? "truncated" : "corrupt") + " PNG data (" + io.message + ")";
}

}  // namespace

Image decode_png(const uint8_t* data, size_t size, const std::string& name) {
  PngIo io;
  io.data = data;
  io.size = size;
  PngReadHandle handle(&io);
  if (!handle.ok()) throw IoError(decode_error(name, "cannot create a PNG decoder"));
  png_uint_32 width = 0, height = 0;
  if (!read_header(handle.png(), handle.info(), &io, &width, &height)) {
    throw IoError(decode_error(name, problem(io)));
  }
  check_dimensions(width, height, "PNG", name);  // before libpng or we allocate any row
  bool has_alpha = false;
  size_t rowbytes = 0;
  if (!setup_transforms(handle.png(), handle.info(), &has_alpha, &rowbytes)) {
    throw IoError(decode_error(name, problem(io)));
  }
  const size_t channels = has_alpha ? 4 : 3;
  if (rowbytes != width * channels) {
    throw IoError(decode_error(name, "unexpected PNG row size " + std::to_string(rowbytes)));
  }
  Image image(static_cast<int>(width), static_cast<int>(height));
  if (has_alpha && png_get_interlace_type(handle.png(), handle.info()) == PNG_INTERLACE_NONE) {
    std::vector<uint8_t> row(rowbytes);
    if (!read_rgba_rows_over_white(handle.png(), width, height, row.data(), image.data())) {
      throw IoError(decode_error(name, problem(io)));
    }
    return image;
  }
  std::vector<uint8_t> rgba;
  uint8_t* target = image.data();
  if (has_alpha) {
    rgba.resize(rowbytes * height);
    target = rgba.data();
  }
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = target + y * rowbytes;
  if (!read_rows(handle.png(), rows.data())) throw IoError(decode_error(name, problem(io)));
  if (has_alpha) rgba_over_white(rgba.data(), static_cast<size_t>(width) * height, image.data());
  return image;
}

std::vector<uint8_t> encode_png(const Image& image) {
  std::vector<uint8_t> out;
  out.reserve(image.size_bytes() / 2 + 1024);
  PngIo io;
  io.out = &out;
  PngWriteHandle handle(&io);
  if (!handle.ok()) throw IoError("while encoding PNG: cannot create a PNG encoder");
  std::vector<png_bytep> rows(image.height);
  const size_t stride = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) rows[y] = const_cast<png_bytep>(image.data() + y * stride);
  if (!write_png(handle.png(), handle.info(), &io, image.width, image.height, rows.data())) {
    throw IoError("while encoding PNG " + std::to_string(image.width) + "x" +
                  std::to_string(image.height) + ": " + io.message);
  }
  return out;
}

}  // namespace image_detail
}  // namespace robusthide
