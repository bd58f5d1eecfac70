// The one progress bar: plain lines without terminal escapes when stderr is a file, and
// an ETA bounded by the run's time limit.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "robusthide/error.h"
#include "robusthide/progress.h"
#include "test_util.h"

namespace robusthide {
namespace {

// Runs `body` with stderr redirected into a file; returns what it wrote.
template <typename Body>
std::string captured_stderr(Body body) {
  test::TempDir dir;
  const std::string path = dir.file("stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  body();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Progress, NotATerminalGetsPlainLinesWithoutEscapes) {
  const std::string out = captured_stderr([] {
    ASSERT_FALSE(stderr_is_terminal());
    ProgressOptions o;
    o.enabled = true;
    o.total = 3;
    ProgressBar bar(o);
    bar.update(1, "BER 1.00%");
    bar.message("error: photo 2 is corrupt");
    bar.update(2);
    bar.update(3);
    bar.finish();
  });
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << out;
  EXPECT_NE(out.find("1/3"), std::string::npos) << out;
  EXPECT_NE(out.find("BER 1.00%"), std::string::npos) << out;
  EXPECT_NE(out.find("error: photo 2 is corrupt\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[========================] 3/3"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, DisabledPrintsNothingButMessages) {
  const std::string out = captured_stderr([] {
    ProgressOptions o;
    o.total = 5;
    ProgressBar bar(o);
    bar.update(5);
    bar.message("error: x");
    bar.finish();
  });
  EXPECT_EQ(out, "error: x\n");
}

TEST(Progress, EtaNeverPassesTheTimeLimit) {
  const std::string out = captured_stderr([] {
    ProgressOptions o;
    o.enabled = true;
    o.total = 1000000000000;
    o.time_limit_s = 150;
    ProgressBar bar(o);
    bar.update(0);
    bar.update(1);
    bar.finish();  // a trillion units take longer than the limit at any rate; the limit is 2.5
                   // minutes
  });
  int etas = 0;
  for (size_t at = out.find("ETA "); at != std::string::npos;
       at = out.find("ETA ", at + 1), ++etas) {
    EXPECT_EQ(out.substr(at, 9), "ETA 0:02:") << out;
  }
  EXPECT_EQ(etas, 2) << out;
}

TEST(Progress, ModeNamesAreCheckedByName) {
  EXPECT_TRUE(progress_enabled("on"));
  EXPECT_FALSE(progress_enabled("off"));
  try {
    progress_enabled("sometimes", "--progress");
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--progress must be auto, on or off, got 'sometimes'"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace robusthide
