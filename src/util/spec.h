// Parsing of attack and codec spec strings: name[(child, ...)][:param]...
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace robusthide {

// One parsed spec: a name, positional or key=value parameters, and child specs.
struct SpecNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  // key empty = positional
  std::vector<SpecNode> children;
  std::string text;  // the source text of this node, for error messages

  // Number of positional parameters.
  size_t positional_count() const;
  // Positional parameter i, or nullptr.
  const std::string* positional(size_t i) const;
  // Value of key=value parameter `key`, or nullptr.
  const std::string* keyed(const std::string& key) const;

  // Throws InvalidArgument unless there are at most `max_positional` positional
  // parameters, only the listed keys, and no children. `usage` says what is expected.
  void expect(size_t max_positional, const std::vector<std::string>& keys,
              const std::string& usage) const;

  // Integer parameter in [lo, hi]; `what` names it. Throws InvalidArgument
  // ("jpeg: quality must be an integer in 1..100, got '150' in spec 'jpeg:150'").
  int int_param(const std::string* value, int lo, int hi, const std::string& what) const;
  // Same for a floating-point parameter.
  double double_param(const std::string* value, double lo, double hi,
                      const std::string& what) const;
};

// Limits of a spec: longer or deeper ones are refused (no deep recursion, bounded memory).
constexpr size_t kMaxSpecLength = 8192;  // characters
constexpr int kMaxSpecDepth = 32;        // nested (...) levels

// Parses a whole spec. Throws InvalidArgument naming the position of a syntax error, or
// for a spec longer than kMaxSpecLength or nested deeper than kMaxSpecDepth.
SpecNode parse_spec(const std::string& text);

}  // namespace robusthide
