// hiding_figure: the paper's Fig. 5 for a robusthide image-hiding model. One row per
// cover/secret pair (centre crops at the model's size):
//   cover | container | |container - cover| x GAIN | secret | revealed after each attack
// and the APDs (x255) printed per row.
//   build/hiding_figure MODEL OUT.png COVER SECRET [COVER SECRET ...] [--attack SPEC]...
//                       [--gain G]
// Default attacks: identity, jpeg:50, jpeg2000:500, webp:50. docs/image-hiding.md shows
// what it made.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "robusthide/attack.h"
#include "robusthide/error.h"
#include "robusthide/hiding.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/runtime.h"
#include "robusthide/tensor.h"

using namespace robusthide;

namespace {

constexpr int kGap = 4;

Image center_crop(const Image& image, int size) {
  if (image.width < size || image.height < size) {
    throw InvalidArgument("a photo is smaller than the model's " + std::to_string(size) +
                          " pixels");
  }
  const int x = (image.width - size) / 2, y = (image.height - size) / 2;
  Image out(size, size);
  for (int r = 0; r < size; ++r) {
    const uint8_t* src = image.data() + (static_cast<size_t>(y + r) * image.width + x) * 3;
    std::copy(src, src + static_cast<size_t>(size) * 3,
              out.data() + static_cast<size_t>(r) * size * 3);
  }
  return out;
}

void paste(Image& canvas, const Image& tile, int column, int row) {
  const int x0 = column * (tile.width + kGap), y0 = row * (tile.height + kGap);
  for (int r = 0; r < tile.height; ++r) {
    std::copy(tile.data() + static_cast<size_t>(r) * tile.width * 3,
              tile.data() + static_cast<size_t>(r + 1) * tile.width * 3,
              canvas.data() + (static_cast<size_t>(y0 + r) * canvas.width + x0) * 3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args, attacks;
  double gain = 5.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--attack" && i + 1 < argc) {
      attacks.push_back(argv[++i]);
    } else if (a == "--gain" && i + 1 < argc) {
      gain = std::atof(argv[++i]);
    } else {
      args.push_back(a);
    }
  }
  if (args.size() < 4 || args.size() % 2 != 0) {
    std::cerr << "usage: hiding_figure MODEL OUT.png COVER SECRET [COVER SECRET ...] "
                 "[--attack SPEC]... [--gain G]\n";
    return 2;
  }
  if (attacks.empty()) attacks = {"identity", "jpeg:50", "jpeg2000:500", "webp:50"};
  try {
    set_compute_threads(0);
    const HidingModel model = load_hiding_model(args[0]);
    const int s = model.config.image_size;
    const int rows = static_cast<int>(args.size() - 2) / 2;
    const int columns = 4 + static_cast<int>(attacks.size());
    Image canvas(columns * (s + kGap) - kGap, rows * (s + kGap) - kGap);
    std::fill(canvas.pixels.begin(), canvas.pixels.end(), 255);
    for (int row = 0; row < rows; ++row) {
      const Image cover = center_crop(read_image(args[2 + 2 * row]), s);
      const Image secret = center_crop(read_image(args[3 + 2 * row]), s);
      const Image container = hide_image(model, cover, secret);
      Image diff(s, s);
      for (size_t i = 0; i < diff.pixels.size(); ++i) {
        const double d = gain * std::abs(container.pixels[i] - cover.pixels[i]);
        diff.pixels[i] = static_cast<uint8_t>(std::min(d, 255.0));
      }
      paste(canvas, cover, 0, row);
      paste(canvas, container, 1, row);
      paste(canvas, diff, 2, row);
      paste(canvas, secret, 3, row);
      std::printf("row %d: container APD %.2f", row, mean_absolute_difference(cover, container));
      const torch::Tensor c = image_to_tensor(container), cv = image_to_tensor(cover);
      for (size_t a = 0; a < attacks.size(); ++a) {
        const Image attacked = tensor_to_images(make_attack(attacks[a])->forward(c, cv)).at(0);
        const Image revealed = reveal_image(model, attacked);
        paste(canvas, revealed, 4 + static_cast<int>(a), row);
        std::printf(", %s revealed APD %.2f", attacks[a].c_str(),
                    mean_absolute_difference(secret, revealed));
      }
      std::printf("\n");
    }
    write_image(canvas, args[1]);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hiding_figure: " << e.what() << "\n";
    return 1;
  }
}
