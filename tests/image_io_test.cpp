// Tests for image I/O: decoding JPEG/PNG/WebP, encoding PNG/JPEG, atomic writes, errors.
#include <dirent.h>
#include <png.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>
#include <webp/encode.h>

#include <chrono>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"

namespace robusthide {
namespace {

const std::string kPhoto = std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/101085.jpg";

// A deterministic, textured test image (gradients plus a checker so both smooth and sharp
// content are present).
Image make_pattern(int width, int height) {
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.data() + (static_cast<size_t>(y) * width + x) * 3;
      p[0] = static_cast<uint8_t>(x * 255 / std::max(1, width - 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1, height - 1));
      p[2] = static_cast<uint8_t>(((x / 8 + y / 8) % 2) ? 200 : 40);
    }
  }
  return image;
}

Image crop(const Image& src, int x0, int y0, int width, int height) {
  Image out(width, height);
  for (int y = 0; y < height; ++y) {
    std::memcpy(out.data() + static_cast<size_t>(y) * width * 3,
                src.data() + (static_cast<size_t>(y + y0) * src.width + x0) * 3,
                static_cast<size_t>(width) * 3);
  }
  return out;
}

double psnr(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    se += d * d;
  }
  double mse = se / a.pixels.size();
  return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

const uint8_t* pixel(const Image& image, int x, int y) {
  return image.data() + (static_cast<size_t>(y) * image.width + x) * 3;
}

// Writes a PNG with libpng's low-level API so every colour type / depth / interlace can be made.
struct RawPng {
  int width = 0;
  int height = 0;
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<uint8_t> rows;           // packed rows as libpng expects them (big-endian 16-bit)
  std::vector<png_color> palette;      // for PNG_COLOR_TYPE_PALETTE
  std::vector<uint8_t> palette_alpha;  // tRNS for palette images
};

void append_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}

bool write_raw_png_impl(const RawPng& spec, png_structp png, png_infop info,
                        std::vector<uint8_t>* out, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, append_bytes, nullptr);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) {
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  }
  if (!spec.palette_alpha.empty()) {
    png_set_tRNS(png, info, spec.palette_alpha.data(), static_cast<int>(spec.palette_alpha.size()),
                 nullptr);
  }
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

std::vector<uint8_t> write_raw_png(const RawPng& spec) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  size_t stride = spec.rows.size() / spec.height;
  std::vector<png_bytep> rows(spec.height);
  for (int y = 0; y < spec.height; ++y)
    rows[y] = const_cast<png_bytep>(spec.rows.data() + y * stride);
  bool ok = write_raw_png_impl(spec, png, info, &out, rows.data());
  png_destroy_write_struct(&png, &info);
  EXPECT_TRUE(ok) << "test PNG writer failed";
  return out;
}

// Compresses with TurboJPEG directly (for pixel formats encode_image does not offer).
std::vector<uint8_t> tj_compress(const uint8_t* pixels, int width, int height, int pixel_format,
                                 int subsampling, int quality) {
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(handle, pixels, width, 0, height, pixel_format, &buffer, &size, subsampling,
                       quality, 0);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(handle);
  std::vector<uint8_t> out(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(handle);
  return out;
}

uint32_t crc32_of(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xFF;
  p[2] = (v >> 8) & 0xFF;
  p[3] = v & 0xFF;
}

// Expects `fn` to throw E with a message containing every string in `parts`.
template <typename E, typename Fn>
void expect_error(Fn fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

class ImageIoFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "robusthide_io_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::vector<std::string> list_dir(const std::string& dir) const {
    std::vector<std::string> names;
    DIR* d = opendir(dir.c_str());
    if (!d) return names;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    return names;
  }
  void write_raw(const std::string& path, const std::vector<uint8_t>& bytes) const {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  std::string dir_;
};

// ---- PNG ----------------------------------------------------------------------------

TEST(ImageIoPng, RoundTripIsExact) {
  Image image = make_pattern(67, 45);
  std::vector<uint8_t> bytes = encode_image(image, ImageFormat::kPng);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes[1], 'P');
  Image back = decode_image(bytes.data(), bytes.size(), "rt.png");
  EXPECT_EQ(back, image);
}

TEST(ImageIoPng, GrayscaleExpandsToEqualChannels) {
  RawPng spec;
  spec.width = 20;
  spec.height = 10;
  spec.color_type = PNG_COLOR_TYPE_GRAY;
  for (int i = 0; i < 200; ++i) spec.rows.push_back(static_cast<uint8_t>(i));
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "gray.png");
  ASSERT_EQ(image.width, 20);
  ASSERT_EQ(image.height, 10);
  for (int i = 0; i < 200; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(image.pixels[i * 3 + c], i);
  }
}

TEST(ImageIoPng, OneBitGrayscaleBecomesBlackAndWhite) {
  RawPng spec;
  spec.width = 8;
  spec.height = 1;
  spec.color_type = PNG_COLOR_TYPE_GRAY;
  spec.bit_depth = 1;
  spec.rows = {0xA5};  // 1010 0101
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "bw.png");
  const int expected[8] = {255, 0, 255, 0, 0, 255, 0, 255};
  for (int x = 0; x < 8; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(pixel(image, x, 0)[c], expected[x]) << x;
  }
}

TEST(ImageIoPng, GrayAlphaIsCompositedOverWhite) {
  RawPng spec;
  spec.width = 3;
  spec.height = 1;
  spec.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  spec.rows = {10, 255, 10, 0, 0, 128};
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "ga.png");
  EXPECT_EQ(pixel(image, 0, 0)[0], 10);
  EXPECT_EQ(pixel(image, 1, 0)[1], 255);
  // 0 * 128/255 + 255 * 127/255 = 127
  EXPECT_NEAR(pixel(image, 2, 0)[2], 127, 1);
}

TEST(ImageIoPng, RgbaTransparentPixelReadsWhite) {
  RawPng spec;
  spec.width = 3;
  spec.height = 1;
  spec.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  spec.rows = {200, 100, 50, 255,   // opaque: unchanged
               0,   0,   0,  0,     // transparent black: white
               0,   255, 0,  128};  // half green: (0 + 127, 255, 127)
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "rgba.png");
  const uint8_t* p = pixel(image, 0, 0);
  EXPECT_EQ(p[0], 200);
  EXPECT_EQ(p[1], 100);
  EXPECT_EQ(p[2], 50);
  p = pixel(image, 1, 0);
  EXPECT_EQ(p[0], 255);
  EXPECT_EQ(p[1], 255);
  EXPECT_EQ(p[2], 255);
  p = pixel(image, 2, 0);
  EXPECT_NEAR(p[0], 127, 1);
  EXPECT_EQ(p[1], 255);
  EXPECT_NEAR(p[2], 127, 1);
}

TEST(ImageIoPng, PaletteWithTransparency) {
  RawPng spec;
  spec.width = 4;
  spec.height = 1;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.bit_depth = 4;
  spec.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}};
  spec.palette_alpha = {255, 255, 0};  // entry 2 fully transparent; entry 3 implicitly opaque
  spec.rows = {0x01, 0x23};
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "pal.png");
  ASSERT_EQ(image.width, 4);
  const uint8_t expected[4][3] = {{255, 0, 0}, {0, 255, 0}, {255, 255, 255}, {12, 34, 56}};
  for (int x = 0; x < 4; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(pixel(image, x, 0)[c], expected[x][c]) << x << "," << c;
  }
}

TEST(ImageIoPng, SixteenBitKeepsHighByte) {
  RawPng spec;
  spec.width = 4;
  spec.height = 1;
  spec.color_type = PNG_COLOR_TYPE_RGB;
  spec.bit_depth = 16;
  const uint16_t values[12] = {0x0000, 0xFFFF, 0x1234, 0xABCD, 0x00FF, 0xFF00,
                               0x8080, 0x7FFF, 0x0100, 0xFE01, 0x0001, 0x4000};
  for (uint16_t v : values) {
    spec.rows.push_back(v >> 8);
    spec.rows.push_back(v & 0xFF);
  }
  std::vector<uint8_t> bytes = write_raw_png(spec);
  Image image = decode_image(bytes.data(), bytes.size(), "16.png");
  for (int i = 0; i < 12; ++i) EXPECT_EQ(image.pixels[i], values[i] >> 8) << i;

  RawPng gray = spec;
  gray.color_type = PNG_COLOR_TYPE_GRAY;
  gray.width = 6;
  gray.height = 1;
  bytes = write_raw_png(gray);
  image = decode_image(bytes.data(), bytes.size(), "16g.png");
  for (int x = 0; x < 6; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(pixel(image, x, 0)[c], values[x] >> 8);
  }
}

TEST(ImageIoPng, InterlacedMatchesNonInterlaced) {
  Image pattern = make_pattern(33, 21);
  RawPng spec;
  spec.width = 33;
  spec.height = 21;
  spec.rows = pattern.pixels;
  spec.interlaced = true;
  std::vector<uint8_t> bytes = write_raw_png(spec);
  EXPECT_EQ(bytes[8 + 8 + 12], 1) << "test PNG should be Adam7 interlaced";
  EXPECT_EQ(decode_image(bytes.data(), bytes.size(), "adam7.png"), pattern);
}

// ---- JPEG ---------------------------------------------------------------------------

TEST(ImageIoJpeg, SamplePhotoHasBsdsSize) {
  for (const char* name : {"101085.jpg", "101087.jpg", "102061.jpg"}) {
    Image image = read_image(std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/" + name);
    bool landscape = image.width == 481 && image.height == 321;
    bool portrait = image.width == 321 && image.height == 481;
    EXPECT_TRUE(landscape || portrait) << name << ": " << image.width << "x" << image.height;
    // A real photo is not flat: its channels vary.
    uint8_t lo = 255, hi = 0;
    for (uint8_t v : image.pixels) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    EXPECT_GT(hi - lo, 100) << name;
  }
}

TEST(ImageIoJpeg, RoundTripQ95IsClose) {
  Image photo = crop(read_image(kPhoto), 100, 80, 160, 128);
  for (int subsampling : {444, 422, 420}) {
    WriteOptions options;
    options.jpeg_quality = 95;
    options.jpeg_subsampling = subsampling;
    std::vector<uint8_t> bytes = encode_image(photo, ImageFormat::kJpeg, options);
    ASSERT_EQ(bytes[0], 0xFF);
    ASSERT_EQ(bytes[1], 0xD8);
    Image back = decode_image(bytes.data(), bytes.size(), "rt.jpg");
    EXPECT_GT(psnr(photo, back), 35.0) << subsampling;
  }
}

TEST(ImageIoJpeg, QualityAndSubsamplingChangeTheFile) {
  Image photo = crop(read_image(kPhoto), 0, 0, 128, 128);
  WriteOptions q95;
  WriteOptions q30;
  q30.jpeg_quality = 30;
  auto big = encode_image(photo, ImageFormat::kJpeg, q95);
  auto small = encode_image(photo, ImageFormat::kJpeg, q30);
  EXPECT_LT(small.size(), big.size());
  Image small_back = decode_image(small.data(), small.size(), "q30.jpg");
  Image big_back = decode_image(big.data(), big.size(), "q95.jpg");
  EXPECT_LT(psnr(photo, small_back), psnr(photo, big_back));

  // TurboJPEG reports the subsampling actually written.
  for (auto [ours, tj] :
       {std::pair<int, int>{444, TJSAMP_444}, {422, TJSAMP_422}, {420, TJSAMP_420}}) {
    WriteOptions options;
    options.jpeg_subsampling = ours;
    auto bytes = encode_image(photo, ImageFormat::kJpeg, options);
    tjhandle handle = tjInitDecompress();
    int w, h, samp, cs;
    ASSERT_EQ(tjDecompressHeader3(handle, bytes.data(), bytes.size(), &w, &h, &samp, &cs), 0);
    tjDestroy(handle);
    EXPECT_EQ(samp, tj) << ours;
  }
}

TEST(ImageIoJpeg, InvalidOptionsAreRejected) {
  Image image = make_pattern(16, 16);
  for (int q : {0, 101, -5}) {
    WriteOptions options;
    options.jpeg_quality = q;
    expect_error<InvalidArgument>([&] { encode_image(image, ImageFormat::kJpeg, options); },
                                  {"quality", std::to_string(q)});
  }
  for (int s : {411, 0, 440}) {
    WriteOptions options;
    options.jpeg_subsampling = s;
    expect_error<InvalidArgument>([&] { encode_image(image, ImageFormat::kJpeg, options); },
                                  {"subsampling", std::to_string(s)});
  }
  Image broken(4, 4);
  broken.pixels.pop_back();
  expect_error<InvalidArgument>([&] { encode_image(broken, ImageFormat::kPng); }, {"PNG"});
  expect_error<InvalidArgument>([&] { encode_image(Image(), ImageFormat::kJpeg); }, {"empty"});
}

TEST(ImageIoJpeg, GrayscaleJpegGivesEqualChannels) {
  std::vector<uint8_t> gray(48 * 32);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<uint8_t>((i * 7) % 256 / 2 + 60);
  auto bytes = tj_compress(gray.data(), 48, 32, TJPF_GRAY, TJSAMP_GRAY, 98);
  Image image = decode_image(bytes.data(), bytes.size(), "gray.jpg");
  ASSERT_EQ(image.width, 48);
  ASSERT_EQ(image.height, 32);
  double se = 0;
  for (size_t i = 0; i < gray.size(); ++i) {
    EXPECT_EQ(image.pixels[i * 3], image.pixels[i * 3 + 1]);
    EXPECT_EQ(image.pixels[i * 3], image.pixels[i * 3 + 2]);
    double d = static_cast<double>(image.pixels[i * 3]) - gray[i];
    se += d * d;
  }
  EXPECT_LT(se / gray.size(), 30.0);
}

// CMYK JPEG written by TurboJPEG (YCCK with an Adobe marker). Values are stored the
// Adobe way, inverted: stored = 255 - ink. Expected RGB = (255 - C)(255 - K)/255 etc.
TEST(ImageIoJpeg, CmykJpegIsConvertedToRgb) {
  struct Patch {
    uint8_t ink[4];  // C, M, Y, K as ink amounts
    uint8_t rgb[3];
  };
  const Patch patches[] = {
      {{0, 0, 0, 0}, {255, 255, 255}},      // paper white
      {{0, 255, 255, 0}, {255, 0, 0}},      // red
      {{255, 0, 255, 0}, {0, 255, 0}},      // green
      {{0, 0, 0, 255}, {0, 0, 0}},          // black ink
      {{0, 0, 0, 128}, {127, 127, 127}},    // 50 % black
      {{100, 0, 200, 50}, {125, 205, 45}},  // mixed: 155*205/255, 255*205/255, 55*205/255
  };
  const int kPatch = 16;
  const int width = kPatch * 6, height = kPatch;
  std::vector<uint8_t> cmyk(static_cast<size_t>(width) * height * 4);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const Patch& patch = patches[x / kPatch];
      for (int c = 0; c < 4; ++c)
        cmyk[(static_cast<size_t>(y) * width + x) * 4 + c] = 255 - patch.ink[c];
    }
  }
  auto bytes = tj_compress(cmyk.data(), width, height, TJPF_CMYK, TJSAMP_444, 100);
  // TurboJPEG writes an Adobe APP14 marker (FF EE ... "Adobe") for YCCK.
  const uint8_t adobe[] = {0xFF, 0xEE};
  auto it = std::search(bytes.begin(), bytes.end(), std::begin(adobe), std::end(adobe));
  ASSERT_NE(it, bytes.end());
  EXPECT_EQ(std::string(it + 4, it + 9), "Adobe");

  Image image = decode_image(bytes.data(), bytes.size(), "cmyk.jpg");
  ASSERT_EQ(image.width, width);
  for (int i = 0; i < 6; ++i) {
    const uint8_t* p = pixel(image, i * kPatch + kPatch / 2, kPatch / 2);
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(p[c], patches[i].rgb[c], 4) << "patch " << i << " channel " << c;
  }
}

TEST(ImageIoJpeg, ConcurrentDecodesMatchSerial) {
  Image photo = crop(read_image(kPhoto), 0, 0, 96, 96);
  std::vector<std::vector<uint8_t>> files;
  std::vector<Image> expected;
  for (int q : {30, 60, 90, 95}) {
    WriteOptions options;
    options.jpeg_quality = q;
    options.jpeg_subsampling = 420;
    files.push_back(encode_image(photo, ImageFormat::kJpeg, options));
    expected.push_back(decode_image(files.back().data(), files.back().size(), "serial.jpg"));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round) {
        size_t k = (t + round) % files.size();
        // Encode too, so both thread-local handles are exercised concurrently.
        WriteOptions options;
        options.jpeg_quality = 30 + 20 * static_cast<int>(k);
        encode_image(photo, ImageFormat::kJpeg, options);
        Image got = decode_image(files[k].data(), files[k].size(), "threaded.jpg");
        if (got != expected[k]) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// ---- WebP ---------------------------------------------------------------------------

TEST(ImageIoWebp, LossyIsClose) {
  Image photo = crop(read_image(kPhoto), 50, 50, 128, 96);
  uint8_t* out = nullptr;
  size_t size = WebPEncodeRGB(photo.data(), photo.width, photo.height, photo.width * 3, 90, &out);
  ASSERT_GT(size, 0u);
  std::vector<uint8_t> bytes(out, out + size);
  WebPFree(out);
  Image image = decode_image(bytes.data(), bytes.size(), "lossy.webp");
  ASSERT_EQ(image.width, 128);
  ASSERT_EQ(image.height, 96);
  EXPECT_GT(psnr(photo, image), 30.0);
  EXPECT_LT(psnr(photo, image), 99.0);  // lossy really is lossy
}

TEST(ImageIoWebp, LosslessIsExact) {
  Image pattern = make_pattern(50, 30);
  uint8_t* out = nullptr;
  size_t size = WebPEncodeLosslessRGB(pattern.data(), 50, 30, 150, &out);
  ASSERT_GT(size, 0u);
  std::vector<uint8_t> bytes(out, out + size);
  WebPFree(out);
  EXPECT_EQ(decode_image(bytes.data(), bytes.size(), "lossless.webp"), pattern);
}

TEST(ImageIoWebp, AlphaIsCompositedOverWhite) {
  const uint8_t rgba[] = {10, 20, 30, 255, 90, 80, 70, 0};
  uint8_t* out = nullptr;
  size_t size = WebPEncodeLosslessRGBA(rgba, 2, 1, 8, &out);
  ASSERT_GT(size, 0u);
  std::vector<uint8_t> bytes(out, out + size);
  WebPFree(out);
  Image image = decode_image(bytes.data(), bytes.size(), "alpha.webp");
  EXPECT_EQ(pixel(image, 0, 0)[0], 10);
  EXPECT_EQ(pixel(image, 0, 0)[2], 30);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(pixel(image, 1, 0)[c], 255);
}

void put_le24(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 3; ++i) out->push_back((v >> (8 * i)) & 0xFF);
}

void put_chunk(std::vector<uint8_t>* out, const char* fourcc, const std::vector<uint8_t>& payload) {
  out->insert(out->end(), fourcc, fourcc + 4);
  for (int i = 0; i < 4; ++i) out->push_back((payload.size() >> (8 * i)) & 0xFF);
  out->insert(out->end(), payload.begin(), payload.end());
  if (payload.size() % 2) out->push_back(0);
}

// A lossless single-colour frame's VP8L payload (the bytes after the "VP8L" size field).
std::vector<uint8_t> vp8l_payload(uint8_t r, uint8_t g, uint8_t b, int width, int height) {
  std::vector<uint8_t> rgb;
  for (int i = 0; i < width * height; ++i) rgb.insert(rgb.end(), {r, g, b});
  uint8_t* out = nullptr;
  size_t size = WebPEncodeLosslessRGB(rgb.data(), width, height, width * 3, &out);
  std::vector<uint8_t> file(out, out + size);
  WebPFree(out);
  EXPECT_EQ(std::string(file.begin() + 12, file.begin() + 16), "VP8L");
  uint32_t length =
      file[16] | (file[17] << 8) | (file[18] << 16) | (static_cast<uint32_t>(file[19]) << 24);
  return std::vector<uint8_t>(file.begin() + 20, file.begin() + 20 + length);
}

TEST(ImageIoWebp, AnimationGivesFirstFrame) {
  const int width = 6, height = 4;
  std::vector<uint8_t> vp8x = {0x02 | 0x10, 0, 0, 0};  // animation + alpha flags
  put_le24(&vp8x, width - 1);
  put_le24(&vp8x, height - 1);
  std::vector<uint8_t> anim = {0, 0, 0, 0, 0, 0};  // background, loop count
  std::vector<uint8_t> body;
  put_chunk(&body, "VP8X", vp8x);
  put_chunk(&body, "ANIM", anim);
  const uint8_t colours[2][3] = {{200, 30, 40}, {10, 20, 250}};
  for (const auto& colour : colours) {
    std::vector<uint8_t> frame;
    put_le24(&frame, 0);  // x / 2
    put_le24(&frame, 0);  // y / 2
    put_le24(&frame, width - 1);
    put_le24(&frame, height - 1);
    put_le24(&frame, 100);  // duration ms
    frame.push_back(0x02);  // no blending, no disposal
    put_chunk(&frame, "VP8L", vp8l_payload(colour[0], colour[1], colour[2], width, height));
    put_chunk(&body, "ANMF", frame);
  }
  std::vector<uint8_t> file = {'R', 'I', 'F', 'F'};
  uint32_t riff_size = static_cast<uint32_t>(body.size() + 4);
  for (int i = 0; i < 4; ++i) file.push_back((riff_size >> (8 * i)) & 0xFF);
  file.insert(file.end(), {'W', 'E', 'B', 'P'});
  file.insert(file.end(), body.begin(), body.end());

  Image image = decode_image(file.data(), file.size(), "anim.webp");
  ASSERT_EQ(image.width, width);
  ASSERT_EQ(image.height, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(pixel(image, x, y)[c], colours[0][c]);
    }
  }
  // A truncated animation is an error too.
  expect_error<IoError>([&] { decode_image(file.data(), file.size() - 20, "cut.webp"); },
                        {"cut.webp", "WebP"});
}

// ---- errors -------------------------------------------------------------------------

TEST(ImageIoErrors, EmptyAndNonImageData) {
  expect_error<IoError>([] { decode_image(nullptr, 0, "none.png"); }, {"none.png", "empty"});
  const std::string text = "hello, this is not an image at all";
  expect_error<IoError>(
      [&] { decode_image(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "text.jpg"); },
      {"text.jpg", "unrecognised format"});
  const uint8_t riff[] = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'A', 'V', 'E'};
  expect_error<IoError>([&] { decode_image(riff, sizeof riff, "sound.webp"); }, {"sound.webp"});
}

TEST(ImageIoErrors, TruncatedFilesAreErrors) {
  Image photo = crop(read_image(kPhoto), 0, 0, 128, 128);
  auto jpeg = encode_image(photo, ImageFormat::kJpeg);
  auto png = encode_image(photo, ImageFormat::kPng);
  uint8_t* out = nullptr;
  size_t size = WebPEncodeRGB(photo.data(), 128, 128, 384, 80, &out);
  std::vector<uint8_t> webp(out, out + size);
  WebPFree(out);
  expect_error<IoError>([&] { decode_image(jpeg.data(), jpeg.size() / 2, "half.jpg"); },
                        {"half.jpg", "truncated JPEG"});
  expect_error<IoError>([&] { decode_image(png.data(), png.size() / 2, "half.png"); },
                        {"half.png", "truncated PNG"});
  expect_error<IoError>([&] { decode_image(webp.data(), webp.size() / 2, "half.webp"); },
                        {"half.webp", "WebP"});
  // Cut inside the headers.
  expect_error<IoError>([&] { decode_image(jpeg.data(), 40, "head.jpg"); },
                        {"head.jpg", "truncated or corrupt JPEG"});
  expect_error<IoError>([&] { decode_image(png.data(), 20, "head.png"); },
                        {"head.png", "truncated PNG"});
  expect_error<IoError>([&] { decode_image(webp.data(), 16, "head.webp"); }, {"head.webp", "WebP"});
  // Only the last few bytes (JPEG EOI) missing is still an error, not a grey bottom.
  expect_error<IoError>([&] { decode_image(jpeg.data(), jpeg.size() - 2, "noeoi.jpg"); },
                        {"noeoi.jpg"});
}

TEST(ImageIoErrors, CorruptHeadersAreErrors) {
  Image image = make_pattern(32, 32);
  auto png = encode_image(image, ImageFormat::kPng);
  png[16 + 2] ^= 0x55;  // IHDR width changed, CRC now wrong
  expect_error<IoError>([&] { decode_image(png.data(), png.size(), "crc.png"); },
                        {"crc.png", "corrupt PNG"});

  auto jpeg = encode_image(image, ImageFormat::kJpeg);
  // Overwrite everything after SOI with garbage markers.
  for (size_t i = 2; i < 64 && i < jpeg.size(); ++i) jpeg[i] = static_cast<uint8_t>(0xFF - i);
  expect_error<IoError>([&] { decode_image(jpeg.data(), jpeg.size(), "bad.jpg"); },
                        {"bad.jpg", "JPEG"});
}

TEST(ImageIoErrors, OversizedHeadersAreRejectedFast) {
  // PNG declaring 100000 x 100000 (1e10 pixels) with a valid CRC and no pixel data.
  auto png = encode_image(make_pattern(8, 8), ImageFormat::kPng);
  put_be32(&png[16], 100000);
  put_be32(&png[20], 100000);
  put_be32(&png[29], crc32_of(&png[12], 17));
  auto start = std::chrono::steady_clock::now();
  expect_error<IoError>([&] { decode_image(png.data(), png.size(), "huge.png"); },
                        {"huge.png", "too large", "100000x100000"});
  // One very wide row: must be rejected before libpng allocates its row buffers.
  put_be32(&png[16], 0x7FFFFFFF);
  put_be32(&png[20], 1);
  put_be32(&png[29], crc32_of(&png[12], 17));
  expect_error<IoError>([&] { decode_image(png.data(), png.size(), "wide.png"); },
                        {"wide.png", "too large", "2147483647x1"});

  // JPEG whose SOF declares 60000 x 60000.
  auto jpeg = encode_image(make_pattern(8, 8), ImageFormat::kJpeg);
  size_t sof = 2;
  while (sof + 9 < jpeg.size() && !(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0)) ++sof;
  ASSERT_LT(sof + 9, jpeg.size());
  jpeg[sof + 5] = 60000 >> 8;
  jpeg[sof + 6] = 60000 & 0xFF;
  jpeg[sof + 7] = 60000 >> 8;
  jpeg[sof + 8] = 60000 & 0xFF;
  expect_error<IoError>([&] { decode_image(jpeg.data(), jpeg.size(), "huge.jpg"); },
                        {"huge.jpg", "too large", "60000x60000"});

  // Lossless WebP (VP8L) whose header declares 16383 x 16383.
  uint8_t* out = nullptr;
  Image small = make_pattern(8, 8);
  size_t size = WebPEncodeLosslessRGB(small.data(), 8, 8, 24, &out);
  std::vector<uint8_t> webp(out, out + size);
  WebPFree(out);
  ASSERT_EQ(std::string(webp.begin() + 12, webp.begin() + 16), "VP8L");
  uint32_t bits =
      webp[21] | (webp[22] << 8) | (webp[23] << 16) | (static_cast<uint32_t>(webp[24]) << 24);
  bits = (bits & ~0x0FFFFFFFu) | 16382u | (16382u << 14);
  for (int i = 0; i < 4; ++i) webp[21 + i] = (bits >> (8 * i)) & 0xFF;
  expect_error<IoError>([&] { decode_image(webp.data(), webp.size(), "huge.webp"); },
                        {"huge.webp", "too large", "16383x16383"});
  // Refused from the headers, not after decoding gigapixels (a wide bound: a loaded CI
  // machine must not fail it; decoding would take minutes or run out of memory).
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

// ---- files --------------------------------------------------------------------------

TEST_F(ImageIoFiles, WriteAndReadBackBothFormats) {
  Image image = make_pattern(40, 24);
  write_image(image, dir_ + "/a.png");
  EXPECT_EQ(read_image(dir_ + "/a.png"), image);
  write_image(image, dir_ + "/b.JPG");
  Image jpeg = read_image(dir_ + "/b.JPG");
  EXPECT_GT(psnr(image, jpeg), 30.0);
  auto raw = read_file(dir_ + "/b.JPG");
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(raw[0], 0xFF);  // .JPG really wrote a JPEG
  // Only the two files: no temporaries left behind.
  EXPECT_EQ(list_dir(dir_).size(), 2u);
  // Files get ordinary permissions, not mkstemp's 0600.
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/a.png").c_str(), &st), 0);
  EXPECT_NE(st.st_mode & 0044, 0u);
}

TEST_F(ImageIoFiles, FormatIsSniffedNotTakenFromTheName) {
  Image image = make_pattern(16, 16);
  auto png = encode_image(image, ImageFormat::kPng);
  write_file_atomic(dir_ + "/really_png.jpg", png.data(), png.size());
  EXPECT_EQ(read_image(dir_ + "/really_png.jpg"), image);
}

TEST_F(ImageIoFiles, OverwriteReplacesContent) {
  const std::string path = dir_ + "/data.bin";
  const uint8_t first[] = {1, 2, 3, 4, 5};
  const uint8_t second[] = {9, 8};
  write_file_atomic(path, first, sizeof first);
  write_file_atomic(path, second, sizeof second);
  EXPECT_EQ(read_file(path), std::vector<uint8_t>(second, second + 2));
  EXPECT_EQ(list_dir(dir_).size(), 1u);
  write_file_atomic(path, nullptr, 0);
  EXPECT_TRUE(read_file(path).empty());
}

TEST_F(ImageIoFiles, MissingFilesAndFoldersAreErrors) {
  expect_error<IoError>([&] { read_image(dir_ + "/nope.png"); }, {"nope.png", "No such file"});
  expect_error<IoError>([&] { read_file(dir_); }, {dir_});
  write_raw(dir_ + "/empty.jpg", {});
  expect_error<IoError>([&] { read_image(dir_ + "/empty.jpg"); }, {"empty.jpg", "empty"});

  const std::string bad = dir_ + "/no/such/dir/out.png";
  expect_error<IoError>([&] { write_image(make_pattern(4, 4), bad); }, {bad});
  EXPECT_TRUE(list_dir(dir_).size() == 1u);  // only empty.jpg
}

TEST_F(ImageIoFiles, FailedWriteLeavesNoTemporaryAndKeepsDestination) {
  // Renaming a file over a non-empty directory fails after the temporary is written.
  const std::string target = dir_ + "/occupied.png";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  write_raw(target + "/keep.txt", {'k'});
  expect_error<IoError>([&] { write_image(make_pattern(8, 8), target); }, {target});
  auto names = list_dir(dir_);
  ASSERT_EQ(names.size(), 1u) << "temporary file left behind: " << names.back();
  EXPECT_EQ(names[0], "occupied.png");
  EXPECT_EQ(list_dir(target).size(), 1u);

  // A failure before writing (unknown extension) leaves an existing file untouched.
  const uint8_t original[] = {42};
  write_file_atomic(dir_ + "/x.gif", original, 1);
  expect_error<InvalidArgument>([&] { write_image(make_pattern(8, 8), dir_ + "/x.gif"); },
                                {"x.gif", ".gif"});
  EXPECT_EQ(read_file(dir_ + "/x.gif"), std::vector<uint8_t>(1, 42));
}

TEST(ImageIoFormat, ExtensionsMapToFormats) {
  EXPECT_EQ(format_from_path("a.png"), ImageFormat::kPng);
  EXPECT_EQ(format_from_path("dir.v2/A.PNG"), ImageFormat::kPng);
  EXPECT_EQ(format_from_path("x.jpg"), ImageFormat::kJpeg);
  EXPECT_EQ(format_from_path("x.JpEg"), ImageFormat::kJpeg);
  expect_error<InvalidArgument>([] { format_from_path("photo.webp"); }, {"photo.webp", ".webp"});
  expect_error<InvalidArgument>([] { format_from_path("dir.png/noext"); },
                                {"dir.png/noext", "no extension"});
}

}  // namespace
}  // namespace robusthide

namespace robusthide {
namespace {

// A corrupt JPEG must not break the thread's decoder for the images that follow.
TEST(ImageIoJpegRecovery, GoodJpegDecodesAfterACorruptOne) {
  const std::vector<uint8_t> good =
      read_file(std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/3096.jpg");
  const Image expected = decode_image(good.data(), good.size(), "good.jpg");
  const std::string bad = "\xff\xd8\xff garbage garbage garbage";
  EXPECT_THROW(decode_image(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), "bad.jpg"),
               IoError);
  EXPECT_EQ(decode_image(good.data(), good.size(), "good.jpg"), expected);
}

}  // namespace
}  // namespace robusthide
