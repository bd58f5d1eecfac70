// External-command codec: cmd:"PROGRAM ARGS"[:timeout=S][:format=png|ppm].
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "robusthide/codec.h"
#include "robusthide/error.h"
#include "robusthide/metrics.h"
#include "test_util.h"

namespace robusthide {
namespace {

// A smooth, photo-like test image (gradients plus mild noise) of size w x h.
Image smooth_image(int w, int h, unsigned seed) {
  Image img = test::noise_image(w, h, seed);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>((x * 255 / w + p[0] / 16) & 0xff);
      p[1] = static_cast<uint8_t>(((x + y) * 127 / (w + h) + 64 + p[1] / 16) & 0xff);
      p[2] = static_cast<uint8_t>((y * 255 / h / 2 + 100 + p[2] / 16) & 0xff);
    }
  }
  return img;
}

Image photo_crop() { return test::crop(read_image(test::sample_photo_path()), 100, 80, 128, 128); }

// Message of the CodecError the round trip throws ("" if none is thrown).
std::string codec_error(const std::string& spec, const Image& image) {
  try {
    make_codec(spec)->round_trip(image);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::set<std::string> fd_entries() {
  std::set<std::string> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return out;
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && name != std::to_string(own)) out.insert(name);
  }
  closedir(dir);
  return out;
}

TEST(CommandCodec, CatReturnsIdenticalImageAsPngAndPpm) {
  const Image img = smooth_image(97, 61, 1);
  const RoundTrip png = make_codec("cmd:\"cat\"")->round_trip(img);
  ASSERT_EQ(png.images.size(), 1u);
  EXPECT_TRUE(png.images[0] == img);
  EXPECT_EQ(png.compressed_bytes, encode_image(img, ImageFormat::kPng).size());
  const RoundTrip ppm = make_codec("cmd:\"cat\":format=ppm")->round_trip(img);
  EXPECT_TRUE(ppm.images[0] == img);
  EXPECT_EQ(ppm.compressed_bytes, img.size_bytes() + std::string("P6\n97 61\n255\n").size());
}

TEST(CommandCodec, LargeImageThroughPipesDoesNotDeadlock) {
  const Image img = test::noise_image(1024, 768, 7);  // 2.3 MB each way, pipes hold 64 KB
  const RoundTrip rt = make_codec("cmd:\"cat | cat\":format=ppm")->round_trip(img);
  EXPECT_TRUE(rt.images[0] == img);
}

TEST(CommandCodec, CjpegDjpegMatchesBuiltInJpegCodec) {
  const Image img = photo_crop();
  const RoundTrip ext = make_codec("cmd:\"cjpeg -quality 50 | djpeg\":format=ppm")->round_trip(img);
  const RoundTrip own = make_codec("jpeg:50")->round_trip(img);
  ASSERT_EQ(ext.images.size(), 1u);
  EXPECT_TRUE(ext.images[0] == own.images[0])
      << "PSNR between them " << psnr(ext.images[0], own.images[0]);
  const double p = psnr(img, ext.images[0]);
  EXPECT_GT(p, 25.0);
  EXPECT_LT(p, 40.0);
  // cjpeg alone writes the JPEG itself: compressed_bytes is its size, pixels the same.
  const RoundTrip jpeg = make_codec("cmd:\"cjpeg -quality 50\":format=ppm")->round_trip(img);
  EXPECT_TRUE(jpeg.images[0] == ext.images[0]);
  EXPECT_EQ(jpeg.compressed_bytes, own.compressed_bytes);
}

TEST(CommandCodec, FailingCommandReportsExitStatusAndStderr) {
  const std::string msg =
      codec_error("cmd:\"echo broken-input >&2; exit 3\"", smooth_image(16, 16, 2));
  EXPECT_TRUE(contains(msg, "exit status 3")) << msg;
  EXPECT_TRUE(contains(msg, "broken-input")) << msg;
  EXPECT_TRUE(contains(msg, "echo broken-input")) << msg;  // names the command
}

TEST(CommandCodec, StderrIsCutToItsTail) {
  const std::string msg =
      codec_error("cmd:\"i=0; while [ $i -lt 400 ]; do echo line$i >&2; i=$((i+1)); done; exit 1\"",
                  smooth_image(8, 8, 3));
  EXPECT_TRUE(contains(msg, "line399")) << msg;
  EXPECT_FALSE(contains(msg, "line1\n")) << msg;
  EXPECT_LT(msg.size(), 1500u);
}

TEST(CommandCodec, NonexistentProgram) {
  const std::string msg =
      codec_error("cmd:\"/nonexistent/robusthide-prog -x\"", smooth_image(8, 8, 4));
  EXPECT_TRUE(contains(msg, "exit status 127")) << msg;
  EXPECT_TRUE(contains(msg, "/nonexistent/robusthide-prog")) << msg;
  EXPECT_TRUE(contains(msg, "not found")) << msg;
}

TEST(CommandCodec, KilledBySignal) {
  const std::string msg = codec_error("cmd:\"kill -9 $$\"", smooth_image(8, 8, 5));
  EXPECT_TRUE(contains(msg, "signal 9")) << msg;
}

TEST(CommandCodec, TimeoutKillsTheProcessGroup) {
  test::TempDir dir;
  const std::string pid_file = dir.file("pid");
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = codec_error(
      "cmd:\"echo $$ > " + pid_file + "; sleep 5; sleep 5\":timeout=0.5", smooth_image(8, 8, 6));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(contains(msg, "timed out after 0.5 s")) << msg;
  // Waited for the timeout, not for the program's first 5-second sleep (a wide bound:
  // a loaded CI machine must not fail it).
  EXPECT_GT(seconds, 0.45);
  EXPECT_LT(seconds, 4.5);
  int pgid = 0;
  std::ifstream(pid_file) >> pgid;
  ASSERT_GT(pgid, 1);
  // No live process is left in the command's process group (zombies waiting for their
  // reaper do not count).
  bool alive = true;
  for (int attempt = 0; attempt < 50 && alive; ++attempt) {
    alive = false;
    DIR* proc = opendir("/proc");
    while (const dirent* e = readdir(proc)) {
      std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      const size_t close = line.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      int ppid = 0, group = 0;
      if (std::sscanf(line.c_str() + close + 1, " %c %d %d", &state, &ppid, &group) == 3 &&
          group == pgid && state != 'Z') {
        alive = true;
      }
    }
    closedir(proc);
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive) << "a process of group " << pgid << " survived the timeout";
}

TEST(CommandCodec, GarbageEmptyOrResizedOutputIsCodecError) {
  const Image img = smooth_image(32, 24, 8);
  std::string msg = codec_error("cmd:\"cat >/dev/null; echo this is not an image\"", img);
  EXPECT_TRUE(contains(msg, "undecodable")) << msg;
  msg = codec_error("cmd:\"cat >/dev/null\"", img);
  EXPECT_TRUE(contains(msg, "nothing on stdout")) << msg;
  msg = codec_error("cmd:\"printf 'P6 2 2 255 '; head -c 12 /dev/zero\"", img);
  EXPECT_TRUE(contains(msg, "32x24 to 2x2")) << msg;
  msg = codec_error("cmd:\"printf 'P6 32 24 255 '; head -c 100 /dev/zero\"", img);
  EXPECT_TRUE(contains(msg, "truncated")) << msg;
}

TEST(CommandCodec, ProgramThatIgnoresStdinIsNoSigpipe) {
  // 3 MB of input the program never reads: our write hits a closed pipe (EPIPE), which
  // must neither kill this process with SIGPIPE nor count as an error.
  const Image big = test::noise_image(1024, 1024, 9);
  const Image small = smooth_image(4, 4, 10);
  const std::string spec = "cmd:\"printf 'P6 4 4 255 '; head -c 48 /dev/zero\":format=ppm";
  try {
    make_codec(spec)->round_trip(big);
    ADD_FAILURE() << "size change not detected";
  } catch (const CodecError& e) {
    EXPECT_TRUE(contains(e.what(), "1024x1024 to 4x4")) << e.what();
  }
  const RoundTrip rt = make_codec(spec)->round_trip(small);
  EXPECT_TRUE(rt.images[0] == Image(4, 4));
}

TEST(CommandCodec, ParallelBatchEqualsSequential) {
  std::vector<Image> batch;
  for (unsigned i = 0; i < 8; ++i) batch.push_back(smooth_image(64 + 8 * i, 48, 20 + i));
  const auto codec = make_codec("cmd:\"cjpeg -quality 30 | djpeg\":format=ppm");
  const RoundTrip seq = codec->round_trip_batch(batch, 1);
  const RoundTrip par = codec->round_trip_batch(batch, 4);
  ASSERT_EQ(par.images.size(), batch.size());
  EXPECT_EQ(seq.compressed_bytes, par.compressed_bytes);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_TRUE(seq.images[i] == par.images[i]) << i;
    EXPECT_EQ(par.images[i].width, batch[i].width);
    EXPECT_LT(psnr(batch[i], par.images[i]), 60.0);  // really compressed
  }
}

TEST(CommandCodec, NoDescriptorLeaks) {
  const auto codec = make_codec("cmd:\"cat\":format=ppm");
  const Image img = smooth_image(32, 32, 30);
  codec->round_trip(img);
  const auto before = fd_entries();
  for (int i = 0; i < 50; ++i) codec->round_trip(img);
  for (int i = 0; i < 5; ++i)
    EXPECT_THROW(make_codec("cmd:\"exit 1\"")->round_trip(img), CodecError);
  EXPECT_THROW(make_codec("cmd:\"sleep 3\":timeout=0.05")->round_trip(img), CodecError);
  EXPECT_EQ(fd_entries(), before);
}

TEST(CommandCodec, ChildrenInheritNoPipesOfConcurrentRuns) {
  // Pipes this process has open without close-on-exec (normally none besides stdio) may be
  // inherited legitimately; any other pipe seen by a child leaked from a concurrent run.
  std::set<std::string> inheritable;
  for (const std::string& fd : fd_entries()) {
    const int flags = fcntl(std::stoi(fd), F_GETFD);
    char target[256] = {0};
    if (flags >= 0 && !(flags & FD_CLOEXEC) &&
        readlink(("/proc/self/fd/" + fd).c_str(), target, sizeof target - 1) > 0)
      inheritable.insert(target);
  }
  std::vector<std::string> messages(6);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < messages.size(); ++t) {
    threads.emplace_back([&, t] {
      // Half the threads keep pipes busy; the others list their descriptors.
      const Image img = test::noise_image(256 + static_cast<int>(t), 256, 40 + t);
      if (t % 2 == 0) {
        for (int i = 0; i < 5; ++i) make_codec("cmd:\"cat\":format=ppm")->round_trip(img);
      } else {
        for (int i = 0; i < 5; ++i)
          messages[t] += codec_error("cmd:\"ls -l /proc/self/fd/ >&2; exit 1\"", img);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 1; t < messages.size(); t += 2) {
    ASSERT_TRUE(contains(messages[t], "exit status 1")) << messages[t];
    std::istringstream lines(messages[t]);
    std::string line;
    while (std::getline(lines, line)) {
      const size_t arrow = line.find(" -> ");
      if (arrow == std::string::npos) continue;
      const std::string target = line.substr(arrow + 4);
      const std::string before = line.substr(0, arrow);
      const std::string fd = before.substr(before.rfind(' ') + 1);
      if (fd == "0" || fd == "1" || fd == "2") continue;
      EXPECT_FALSE(contains(target, "pipe:") && !inheritable.count(target))
          << "child inherited fd " << fd << " -> " << target;
    }
  }
}

TEST(CommandCodecSpec, CanonicalSpecsAndErrors) {
  EXPECT_EQ(make_codec("cmd:\"cat\"")->spec(), "cmd:\"cat\"");
  EXPECT_EQ(make_codec("cmd:'cjpeg -quality 50 | djpeg':format=ppm:timeout=2.5")->spec(),
            "cmd:\"cjpeg -quality 50 | djpeg\":timeout=2.5:format=ppm");
  EXPECT_EQ(make_codec("cmd:\"cat\":timeout=30:format=png")->spec(), "cmd:\"cat\"");
  const std::string quoted = make_codec("cmd:'echo \"a\\\\b\"'")->spec();
  EXPECT_EQ(quoted, "cmd:\"echo \\\"a\\\\b\\\"\"");
  EXPECT_EQ(make_codec(quoted)->spec(), quoted);  // the canonical spec parses back
  EXPECT_FALSE(make_codec("cmd:\"cat\"")->is_video());
  for (const char* s : {"cmd", "cmd:\"\"", "cmd:\"cat\":timeout=0", "cmd:\"cat\":timeout=x",
                        "cmd:\"cat\":format=bmp", "cmd:\"cat\":quality=3", "cmd:\"cat\":\"ls\""}) {
    EXPECT_THROW(make_codec(s), InvalidArgument) << s;
  }
}

}  // namespace
}  // namespace robusthide
