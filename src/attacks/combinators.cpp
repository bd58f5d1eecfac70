#include "attacks/combinators.h"

#include <algorithm>

#include "robusthide/error.h"

namespace robusthide {
namespace {

class CombinatorImpl : public AttackImpl {
 public:
  CombinatorImpl(std::vector<Attack> children, std::string spec)
      : children_(std::move(children)), spec_(std::move(spec)) {
    for (size_t i = 0; i < children_.size(); ++i) {
      register_module(std::to_string(i), children_[i]);
    }
  }
  std::string spec() const override { return spec_; }

 protected:
  std::vector<Attack> children_;
  std::string spec_;
};

class ChoiceImpl : public CombinatorImpl {
 public:
  using CombinatorImpl::CombinatorImpl;

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) override {
    const int64_t k = static_cast<int64_t>(children_.size());
    last_ = children_[torch::randint(k, {1}, torch::kLong).item<int64_t>()].get();
    return last_->forward(encoded, cover);
  }

  std::optional<size_t> last_compressed_bytes() const override {
    return last_ ? last_->last_compressed_bytes() : std::nullopt;
  }

 private:
  AttackImpl* last_ = nullptr;
};

class SplitImpl : public CombinatorImpl {
 public:
  using CombinatorImpl::CombinatorImpl;

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) override {
    const int64_t n = encoded.size(0), k = static_cast<int64_t>(children_.size());
    if (n % k != 0) {
      throw InvalidArgument("'" + spec_ + "' splits the batch into " + std::to_string(k) +
                            " equal slices, but the batch size " + std::to_string(n) +
                            " is not divisible by " + std::to_string(k));
    }
    const int64_t s = n / k;
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < k; ++i) {
      parts.push_back(
          children_[i]->forward(encoded.narrow(0, i * s, s), cover.narrow(0, i * s, s)));
      if (i > 0 && parts[i].sizes().slice(1) != parts[0].sizes().slice(1)) {
        throw InvalidArgument("'" + spec_ + "': slice " + std::to_string(i) +
                              " came out with another image size than slice 0; split needs "
                              "attacks that keep a common size");
      }
    }
    return torch::cat(parts, 0);
  }

  std::optional<size_t> last_compressed_bytes() const override {
    size_t total = 0;
    bool any = false;
    for (const auto& c : children_) {
      if (auto b = c->last_compressed_bytes()) {
        total += *b;
        any = true;
      }
    }
    return any ? std::optional<size_t>(total) : std::nullopt;
  }
};

class ChainImpl : public CombinatorImpl {
 public:
  using CombinatorImpl::CombinatorImpl;

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) override {
    torch::Tensor x = encoded;
    for (auto& child : children_) {
      const bool same_size = x.sizes() == cover.sizes();
      x = child->forward(x, same_size ? cover : x.detach());
    }
    return x;
  }

  bool deterministic() const override {
    return std::all_of(children_.begin(), children_.end(),
                       [](const Attack& c) { return c->deterministic(); });
  }

  // The compressed size of the last child that reports one (the final codec's output).
  std::optional<size_t> last_compressed_bytes() const override {
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if (auto b = (*it)->last_compressed_bytes()) return b;
    }
    return std::nullopt;
  }
};

}  // namespace

Attack make_chain(std::vector<Attack> children, std::string spec) {
  return std::make_shared<ChainImpl>(std::move(children), std::move(spec));
}

Attack make_choice(std::vector<Attack> children, std::string spec) {
  return std::make_shared<ChoiceImpl>(std::move(children), std::move(spec));
}

Attack make_split(std::vector<Attack> children, std::string spec) {
  return std::make_shared<SplitImpl>(std::move(children), std::move(spec));
}

}  // namespace robusthide
