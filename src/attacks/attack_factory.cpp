#include "attacks/combinators.h"
#include "attacks/factories.h"
#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

class IdentityImpl : public AttackImpl {
 public:
  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    return encoded;
  }
  std::string spec() const override { return "identity"; }
  bool deterministic() const override { return true; }
};

std::string join_specs(const std::string& name, const std::vector<Attack>& children) {
  std::string s = name + "(";
  for (size_t i = 0; i < children.size(); ++i) s += (i ? "," : "") + children[i]->spec();
  return s + ")";
}

Attack build(const SpecNode& node, const AttackOptions& options) {
  if (node.name == "choice" || node.name == "split" || node.name == "chain") {
    if (node.children.empty() || !node.params.empty()) {
      throw InvalidArgument("invalid spec '" + abbreviate(node.text) + "': expected " + node.name +
                            "(spec, spec, ...) with at least one attack and no parameters");
    }
    std::vector<Attack> children;
    for (const auto& c : node.children) children.push_back(build(c, options));
    const std::string spec = join_specs(node.name, children);
    if (node.name == "chain") return make_chain(std::move(children), spec);
    return node.name == "choice" ? make_choice(std::move(children), spec)
                                 : make_split(std::move(children), spec);
  }
  if (node.name == "identity") {
    node.expect(0, {}, "identity");
    return std::make_shared<IdentityImpl>();
  }
  if (is_codec_name(node.name)) {
    if (!node.children.empty()) {
      throw InvalidArgument("invalid spec '" + abbreviate(node.text) + "': codec '" + node.name +
                            "' takes no (...) arguments; expected " + node.name + "[:param]...");
    }
    return make_straight_through(node.text, options);
  }
  if (Attack a = make_differentiable_attack(node)) return a;
  throw InvalidArgument(
      "unknown attack '" + abbreviate(node.name) + "' in spec '" + abbreviate(node.text) +
      "'; expected identity, " + differentiable_attack_usage() +
      ", a real codec (jpeg:Q, jpeg2000:R, webp:Q, mpeg4, xvid, h264:crf=N, cmd:\"...\") "
      "or choice(...)/split(...)/chain(...)");
}

}  // namespace

Attack make_attack(const std::string& spec, const AttackOptions& options) {
  return build(parse_spec(spec), options);
}

}  // namespace robusthide
