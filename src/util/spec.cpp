#include "util/spec.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "robusthide/error.h"

namespace robusthide {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {
    if (text.size() > kMaxSpecLength) {
      throw InvalidArgument("invalid spec '" + abbreviate(text) + "': longer than " +
                            std::to_string(kMaxSpecLength) + " characters");
    }
  }

  SpecNode parse_all() {
    SpecNode node = parse_node();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidArgument("invalid spec '" + abbreviate(text_) + "' at position " +
                          std::to_string(pos_) + ": " + what +
                          " (expected name[(spec,...)][:param]..., e.g. jpeg:50 or "
                          "split(jpeg:10,jpeg:90))");
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  static bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  }

  SpecNode parse_node() {
    skip_space();
    const size_t start = pos_;
    SpecNode node;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) node.name += text_[pos_++];
    if (node.name.empty()) fail(pos_ < text_.size() ? "expected a name" : "empty spec");
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      if (++depth_ > kMaxSpecDepth)
        fail("nested deeper than " + std::to_string(kMaxSpecDepth) + " levels");
      while (true) {
        node.children.push_back(parse_node());
        skip_space();
        if (pos_ >= text_.size()) fail("missing ')'");
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (text_[pos_] == ')') {
          ++pos_;
          break;
        }
        fail("expected ',' or ')'");
      }
      --depth_;
      skip_space();
    }
    while (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      node.params.push_back(parse_param());
      skip_space();
    }
    node.text = text_.substr(start, pos_ - start);
    while (!node.text.empty() && std::isspace(static_cast<unsigned char>(node.text.back())))
      node.text.pop_back();
    return node;
  }

  std::string parse_quoted() {
    const char quote = text_[pos_++];
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      value += text_[pos_++];
    }
    if (pos_ >= text_.size()) fail(std::string("unterminated quote ") + quote);
    ++pos_;
    return value;
  }

  std::pair<std::string, std::string> parse_param() {
    skip_space();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      return {"", parse_quoted()};
    }
    std::string token;
    while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' && text_[pos_] != ')' &&
           text_[pos_] != '(' && text_[pos_] != '=') {
      token += text_[pos_++];
    }
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (pos_ < text_.size() && text_[pos_] == '=') {
      ++pos_;
      if (token.empty()) fail("expected a key before '='");
      skip_space();
      std::string value;
      if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
        value = parse_quoted();
      } else {
        while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' &&
               text_[pos_] != ')' && text_[pos_] != '(') {
          value += text_[pos_++];
        }
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
          value.pop_back();
      }
      if (value.empty()) fail("expected a value after '" + token + "='");
      return {token, value};
    }
    if (token.empty()) fail("expected a parameter after ':'");
    return {"", token};
  }

  const std::string& text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

size_t SpecNode::positional_count() const {
  size_t n = 0;
  for (const auto& p : params) n += p.first.empty() ? 1 : 0;
  return n;
}

const std::string* SpecNode::positional(size_t i) const {
  for (const auto& p : params) {
    if (!p.first.empty()) continue;
    if (i-- == 0) return &p.second;
  }
  return nullptr;
}

const std::string* SpecNode::keyed(const std::string& key) const {
  for (const auto& p : params)
    if (p.first == key) return &p.second;
  return nullptr;
}

void SpecNode::expect(size_t max_positional, const std::vector<std::string>& keys,
                      const std::string& usage) const {
  auto bad = [&](const std::string& why) {
    throw InvalidArgument("invalid spec '" + abbreviate(text) + "': " + why + "; expected " +
                          usage);
  };
  if (!children.empty()) bad("'" + name + "' takes no (...) arguments");
  if (positional_count() > max_positional) bad("too many parameters");
  for (const auto& p : params) {
    if (p.first.empty()) continue;
    bool known = false;
    for (const auto& k : keys) known = known || k == p.first;
    if (!known) bad("unknown parameter '" + p.first + "'");
  }
}

int SpecNode::int_param(const std::string* value, int lo, int hi, const std::string& what) const {
  if (value == nullptr) {
    throw InvalidArgument("invalid spec '" + abbreviate(text) + "': missing " + what +
                          " (an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                          ")");
  }
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    throw InvalidArgument(name + ": " + what + " must be an integer in " + std::to_string(lo) +
                          ".." + std::to_string(hi) + ", got '" + abbreviate(*value) +
                          "' in spec '" + abbreviate(text) + "'");
  }
  return static_cast<int>(v);
}

double SpecNode::double_param(const std::string* value, double lo, double hi,
                              const std::string& what) const {
  auto range = [&] {
    char buf[96];
    std::snprintf(buf, sizeof buf, "a number in [%g, %g]", lo, hi);
    return std::string(buf);
  };
  if (value == nullptr) {
    throw InvalidArgument("invalid spec '" + abbreviate(text) + "': missing " + what + " (" +
                          range() + ")");
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(value->c_str(), &end);
  if (value->empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < lo || v > hi) {
    throw InvalidArgument(name + ": " + what + " must be " + range() + ", got '" +
                          abbreviate(*value) + "' in spec '" + abbreviate(text) + "'");
  }
  return v;
}

SpecNode parse_spec(const std::string& text) { return Parser(text).parse_all(); }

}  // namespace robusthide
