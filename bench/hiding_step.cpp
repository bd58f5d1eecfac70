// hiding_step: where an image-hiding training step's time goes on this machine.
//
//   build/hiding_step [BATCH] [RUNS] [--reveal-levels N --reveal-channels C ...]
//
// Times, for the default HidingConfig (or the one given by the flags below) at batch
// BATCH (default 16): the hider's and the reveal net's forward passes, and a whole step
// without codecs (hide, reveal, L1 loss, backward, Adam). Median of RUNS (default 5)
// after one warm-up. Flags: --image-size, --hider-levels, --hider-channels,
// --reveal-levels, --reveal-channels, --reveal-blocks. docs/image-hiding.md lists runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "robusthide/hiding.h"

using namespace robusthide;

namespace {

double median_ms(int runs, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int batch = 16, runs = 5, positional = 0;
  HidingConfig c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--image-size") {
      c.image_size = next();
    } else if (a == "--hider-levels") {
      c.hider_levels = next();
    } else if (a == "--hider-channels") {
      c.hider_channels = next();
    } else if (a == "--reveal-levels") {
      c.reveal_levels = next();
    } else if (a == "--reveal-channels") {
      c.reveal_channels = next();
    } else if (a == "--reveal-blocks") {
      c.reveal_blocks = next();
    } else if (positional++ == 0) {
      batch = std::atoi(argv[i]);
    } else {
      runs = std::atoi(argv[i]);
    }
  }
  if (batch < 1 || runs < 1) {
    std::fprintf(stderr, "usage: hiding_step [BATCH] [RUNS] [config flags]\n");
    return 2;
  }
  torch::manual_seed(0);
  HidingModel m(c);
  const int64_t s = c.image_size;
  const torch::Tensor cover = torch::rand({batch, 3, s, s}), secret = torch::rand({batch, 3, s, s});
  std::vector<torch::Tensor> params = m.hider->parameters();
  for (const auto& p : m.revealer->parameters()) params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-4));
  double hider_ms = 0, reveal_ms = 0;
  {
    torch::NoGradGuard no_grad;
    hider_ms = median_ms(runs, [&] { m.hider->forward(secret, cover); });
    reveal_ms = median_ms(runs, [&] { m.revealer->forward(cover); });
  }
  const double step_ms = median_ms(runs, [&] {
    const torch::Tensor loss =
        (reveal_batch(m, hide_batch(m, cover, secret)) - secret).abs().mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
  });
  std::printf(
      "%s, batch %d, %d threads: hider forward %.0f ms (%.2f GFLOPs/image), reveal "
      "forward %.0f ms (%.2f GFLOPs/image), training step without codecs %.0f ms\n",
      c.summary().c_str(), batch, torch::get_num_threads(), hider_ms, m.hider->flops() / 1e9,
      reveal_ms, m.revealer->flops() / 1e9, step_ms);
  return 0;
}
