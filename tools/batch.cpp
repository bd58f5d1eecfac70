#include <algorithm>
#include "batch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "robusthide/dataset.h"
#include "robusthide/error.h"
#include "robusthide/image.h"

namespace robusthide::cli {

namespace fs = std::filesystem;

bool is_folder(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::vector<BatchItem> list_batch(const std::string& input) {
  std::error_code ec;
  if (!fs::exists(input, ec)) throw IoError("cannot read '" + input + "': no such file or folder");
  if (!fs::is_directory(input, ec)) return {{input, fs::path(input).filename().string()}};
  std::vector<BatchItem> items;
  for (const std::string& path : list_image_files(input)) {
    items.push_back({path, fs::relative(path, input, ec).string()});
  }
  return items;
}

void check_output_is_not_input(const std::string& input, const std::string& output) {
  std::error_code ec;
  const bool same = fs::path(input).lexically_normal() == fs::path(output).lexically_normal() ||
                    (fs::exists(output, ec) && fs::equivalent(input, output, ec));
  if (same) {
    throw InvalidArgument("--output '" + output + "' is the input file '" + input +
                          "': refusing to overwrite the original; choose another output");
  }
}

std::vector<std::string> plan_outputs(const std::vector<BatchItem>& items, const std::string& input,
                                      const std::string& output, const std::string& extension) {
  std::error_code ec;
  if (fs::exists(output, ec) && !fs::is_directory(output, ec)) {
    throw InvalidArgument("'" + output +
                          "' is a file; with a folder as input, --output must be a folder");
  }
  // Inside the input folder (or the input folder itself), by real paths.
  const fs::path in_real = fs::weakly_canonical(input, ec);
  const fs::path out_real = fs::weakly_canonical(output, ec);
  auto inside = [](const fs::path& child, const fs::path& parent) {
    auto c = child.begin();
    for (auto p = parent.begin(); p != parent.end(); ++p, ++c) {
      if (p->empty()) continue;  // a trailing separator
      if (c == child.end() || *c != *p) return false;
    }
    return true;
  };
  if (!ec && inside(out_real, in_real)) {
    throw InvalidArgument("--output '" + output + "' is inside the input folder '" + input +
                          "': choose a folder outside it");
  }
  std::vector<std::string> outputs;
  std::map<std::string, std::string> taken;  // output -> input
  std::set<std::pair<dev_t, ino_t>> inputs;
  for (const BatchItem& item : items) {
    struct stat st {};
    if (::stat(item.path.c_str(), &st) == 0) inputs.insert({st.st_dev, st.st_ino});
  }
  for (const BatchItem& item : items) {
    fs::path out = fs::path(output) / item.relative;
    out.replace_extension(extension);
    const std::string name = out.lexically_normal().string();
    const auto [at, fresh] = taken.emplace(name, item.path);
    if (!fresh) {
      throw InvalidArgument("'" + at->second + "' and '" + item.path +
                            "' would both be written to '" + name +
                            "'; rename one of them or embed them separately");
    }
    struct stat st {};
    if (::stat(name.c_str(), &st) == 0 && inputs.count({st.st_dev, st.st_ino})) {
      throw InvalidArgument("'" + name + "' is one of the input images: refusing to overwrite it");
    }
    outputs.push_back(name);
  }
  return outputs;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

void LazyProgressBar::update(int64_t done, int64_t total) {
  if (!enabled_ || finished_) return;
  if (!bar_) {
    ProgressOptions p;
    p.enabled = true;
    p.total = std::max<int64_t>(total, 1);
    bar_ = std::make_unique<ProgressBar>(p);
  }
  bar_->update(done);
  if (done == total) finish();
}

void LazyProgressBar::finish() {
  if (bar_ && !finished_) bar_->finish();
  finished_ = true;
}

}  // namespace robusthide::cli
