// The attack lists of the paper's tables (evaluate --table NAME).
#include <string>
#include <utility>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/evaluate.h"

namespace robusthide {
namespace {

const std::vector<std::pair<std::string, std::vector<std::string>>>& tables() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kTables = {
      {"jpeg", {"jpeg:10", "jpeg:25", "jpeg:50", "jpeg:75", "jpeg:90"}},
      {"jpeg2000",
       {"jpeg2000:100", "jpeg2000:250", "jpeg2000:500", "jpeg2000:750", "jpeg2000:900"}},
      {"webp", {"webp:10", "webp:25", "webp:50", "webp:75", "webp:90"}},
      {"video", {"mpeg4", "xvid"}},
  };
  return kTables;
}

}  // namespace

std::vector<std::string> eval_table_names() {
  std::vector<std::string> names;
  for (const auto& t : tables()) names.push_back(t.first);
  return names;
}

std::vector<std::string> eval_table(const std::string& name) {
  for (const auto& t : tables()) {
    if (t.first == name) return t.second;
  }
  std::string known;
  for (const auto& t : tables()) known += (known.empty() ? "" : ", ") + t.first;
  throw InvalidArgument("unknown evaluation table '" + name + "' (known: " + known + ")");
}

}  // namespace robusthide
