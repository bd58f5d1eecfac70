// External command as a black-box codec: cmd:"PROGRAM ARGS"[:timeout=S][:format=png|ppm].
// The command string runs through /bin/sh -c (pipelines and redirections allowed) in its
// own process group; the image goes to its stdin as PNG (or binary PPM with format=ppm),
// and its stdout must be one image of the same size: JPEG, PNG, WebP or binary PPM/PGM.
// compressed_bytes is the size of what the command wrote (meaningful when it writes the
// compressed file itself, e.g. cmd:"cjpeg -quality 50" with format=ppm).
#include <cstdio>
#include <string>

#include "codecs/factories.h"
#include "codecs/pnm.h"
#include "robusthide/error.h"
#include "robusthide/text.h"
#include "util/subprocess.h"

namespace robusthide {
namespace {

constexpr double kDefaultTimeout = 30;     // seconds
constexpr double kMaxTimeout = 24 * 3600;  // seconds

enum class PipeFormat { kPng, kPpm };

// Quotes `text` for the spec parser: backslash before '"' and '\'.
std::string quote_for_spec(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class CommandCodec : public Codec {
 public:
  CommandCodec(std::string command, double timeout, PipeFormat format)
      : command_(std::move(command)), timeout_(timeout), format_(format) {}

  std::string spec() const override {
    std::string s = "cmd:" + quote_for_spec(command_);
    if (timeout_ != kDefaultTimeout) s += ":timeout=" + format_number(timeout_);
    if (format_ == PipeFormat::kPpm) s += ":format=ppm";
    return s;
  }

 protected:
  Image encode_decode(const Image& image, size_t* bytes) const override {
    const std::vector<uint8_t> input =
        format_ == PipeFormat::kPpm ? encode_ppm(image) : encode_image(image, ImageFormat::kPng);
    SubprocessOptions options;
    options.timeout_seconds = timeout_;
    // The answer is one image of the same size: even uncompressed (PPM) or an inflated
    // JPEG/PNG of noise it stays far below this; more is a runaway program.
    options.max_stdout_bytes = 8 * image.size_bytes() + (size_t{1} << 20);
    SubprocessResult r;
    try {
      r = run_subprocess({"/bin/sh", "-c", command_}, input, options);
    } catch (const IoError& e) {
      throw CodecError("command '" + abbreviate(command_) + "' could not be run: " + e.what());
    }
    if (r.stdout_overflow) {
      throw CodecError("command '" + abbreviate(command_) + "' wrote more than " +
                       std::to_string(options.max_stdout_bytes) + " bytes on stdout for a " +
                       std::to_string(image.width) + "x" + std::to_string(image.height) +
                       " image; killed");
    }
    if (r.timed_out) {
      throw CodecError("command '" + abbreviate(command_) + "' timed out after " +
                       format_number(timeout_) + " s" + stderr_suffix(r));
    }
    if (!r.success()) {
      throw CodecError("command '" + abbreviate(command_) + "' failed with " + r.status_text() +
                       stderr_suffix(r));
    }
    if (r.stdout_data.empty()) {
      throw CodecError("command '" + abbreviate(command_) + "' wrote nothing on stdout (" +
                       r.status_text() + ")" + stderr_suffix(r));
    }
    Image out;
    const std::string name = "stdout of command '" + command_ + "'";
    try {
      const uint8_t* data = r.stdout_data.data();
      out = looks_like_pnm(data, r.stdout_data.size())
                ? decode_pnm(data, r.stdout_data.size(), name)
                : decode_image(data, r.stdout_data.size(), name);
    } catch (const Error& e) {
      throw CodecError("command '" + abbreviate(command_) + "' (" + r.status_text() +
                       ") wrote undecodable output: " + e.what() + stderr_suffix(r));
    }
    if (out.width != image.width || out.height != image.height) {
      throw CodecError("command '" + abbreviate(command_) + "' changed the image size from " +
                       std::to_string(image.width) + "x" + std::to_string(image.height) + " to " +
                       std::to_string(out.width) + "x" + std::to_string(out.height));
    }
    *bytes += r.stdout_data.size();
    return out;
  }

 private:
  static std::string stderr_suffix(const SubprocessResult& r) {
    std::string tail = r.stderr_tail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    return tail.empty() ? std::string("; no stderr output") : "; stderr: " + tail;
  }

  std::string command_;  // shell command line
  double timeout_;       // seconds
  PipeFormat format_;    // what goes to stdin
};

}  // namespace

std::unique_ptr<Codec> make_command_codec(const SpecNode& spec) {
  const std::string usage =
      "cmd:\"PROGRAM ARGS\"[:timeout=SECONDS][:format=png|ppm], e.g. "
      "cmd:\"cjpeg -quality 50 | djpeg\":format=ppm";
  spec.expect(1, {"timeout", "format"}, usage);
  const std::string* command = spec.positional(0);
  if (command == nullptr || command->find_first_not_of(" \t\n") == std::string::npos) {
    throw InvalidArgument("invalid spec '" + abbreviate(spec.text) +
                          "': missing command; expected " + usage);
  }
  const std::string* timeout_text = spec.keyed("timeout");
  const double timeout =
      timeout_text ? spec.double_param(timeout_text, 0.001, kMaxTimeout, "timeout (seconds)")
                   : kDefaultTimeout;
  PipeFormat format = PipeFormat::kPng;
  if (const std::string* f = spec.keyed("format")) {
    if (*f == "ppm") {
      format = PipeFormat::kPpm;
    } else if (*f != "png") {
      throw InvalidArgument("cmd: format must be png or ppm, got '" + *f + "' in spec '" +
                            abbreviate(spec.text) + "'");
    }
  }
  return std::make_unique<CommandCodec>(*command, timeout, format);
}

}  // namespace robusthide
