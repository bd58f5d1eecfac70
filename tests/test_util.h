// Small helpers shared by the tests: sample photos, crops, temporary folders, commands.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "robusthide/image.h"
#include "robusthide/model.h"

namespace robusthide::test {

// Path of a photo of the shared validation set.
inline std::string sample_photo_path(const std::string& name = "101085.jpg") {
  return std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/" + name;
}

// The w x h rectangle of `image` whose top-left corner is (x, y).
// A HiDDeN configuration small enough to build and run in milliseconds: one block and
// `channels` channels in every network; unshaped (Shaping::none()), as the tests of the
// networks and of training expect the encoder's residual unchanged.
inline ModelConfig tiny_config(int image_size, int message_bits, int channels = 4) {
  ModelConfig c;
  c.image_size = image_size;
  c.message_bits = message_bits;
  c.encoder_blocks = 1;
  c.encoder_channels = channels;
  c.decoder_blocks = 1;
  c.decoder_channels = channels;
  c.discriminator_blocks = 1;
  c.discriminator_channels = channels;
  c.shaping = Shaping::none();
  return c;
}

inline Image crop(const Image& image, int x, int y, int w, int h) {
  Image out(w, h);
  for (int r = 0; r < h; ++r) {
    const uint8_t* src = image.data() + ((static_cast<size_t>(y) + r) * image.width + x) * 3;
    std::copy(src, src + static_cast<size_t>(w) * 3, out.data() + static_cast<size_t>(r) * w * 3);
  }
  return out;
}

// A w x h image of one colour.
inline Image flat_image(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Image out(w, h);
  for (size_t i = 0; i < out.pixels.size(); i += 3) {
    out.pixels[i] = r;
    out.pixels[i + 1] = g;
    out.pixels[i + 2] = b;
  }
  return out;
}

// Image of uniform random noise, reproducible from `seed`.
inline Image noise_image(int w, int h, unsigned seed) {
  Image out(w, h);
  std::mt19937 rng(seed);
  for (auto& p : out.pixels) p = static_cast<uint8_t>(rng() & 0xff);
  return out;
}

// A fresh temporary folder, removed with its contents when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "robusthide-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : throw std::runtime_error("mkdtemp failed");
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Result of a shell command: exit status and everything it printed (stdout + stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `command` through /bin/sh, capturing stdout and stderr together.
inline CommandResult run_shell(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace robusthide::test

namespace robusthide::test {

// A model file shipped in models/ of the source tree.
inline std::string shipped_model_path(const std::string& name) {
  return std::string(ROBUSTHIDE_SOURCE_DIR) + "/models/" + name;
}

// The shipped default model (models/default.pt).
inline std::string default_model_path() { return shipped_model_path("default.pt"); }

// A "fast" configuration small enough to run in milliseconds.
inline ModelConfig tiny_fast_config(int image_size, int message_bits) {
  ModelConfig c = tiny_config(image_size, message_bits, 8);
  c.architecture = "fast";
  return c;
}

}  // namespace robusthide::test
