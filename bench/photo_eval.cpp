// photo_eval: the watermark as users meet it, on whole photos of any size.
//
// For every photo of FOLDER (sorted, at most --max): embed a random payload (seeded by
// the photo's index) into the full-size photo at --strength, measure PSNR and SSIM on the
// full image, run every codec of --codecs on the full-size marked photo, extract, and
// count raw bit errors and whether the payload came back ("found" with the right bits).
// Also extracts from the unmarked photo: a "found" there is a false positive.
// Prints a text table (or --json). Used for docs/results.md's default-model figures:
//   build/photo_eval models/default.pt ../shared/data/val --strength 1
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/codec.h"
#include "robusthide/dataset.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/runtime.h"
#include "robusthide/watermark.h"

using namespace robusthide;

namespace {

struct Cell {
  int64_t bits = 0, errors = 0, recovered = 0, images = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: photo_eval MODEL FOLDER [--strength S] [--max N] [--codecs a,b,...] [--json]\n";
    return 2;
  }
  tune_memory_allocator();
  set_compute_threads(0);
  const std::string model_path = argv[1], folder = argv[2];
  double strength = 1.0;
  size_t max_images = 0;
  bool json = false;
  std::string codecs =
      "jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90,webp:10,webp:25,webp:50,webp:75,webp:90,"
      "jpeg2000:100,jpeg2000:250,jpeg2000:500,jpeg2000:750,jpeg2000:900";
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--strength" && i + 1 < argc) strength = std::stod(argv[++i]);
    else if (a == "--max" && i + 1 < argc) max_images = std::stoul(argv[++i]);
    else if (a == "--codecs" && i + 1 < argc) codecs = argv[++i];
    else if (a == "--json") json = true;
    else {
      std::cerr << "photo_eval: unknown argument '" << a << "'\n";
      return 2;
    }
  }
  try {
    Watermarker::Options wo;
    wo.strength = strength;
    const Watermarker w(load_model(model_path), wo);
    std::vector<std::string> paths = list_image_files(folder);
    if (max_images > 0 && paths.size() > max_images) paths.resize(max_images);
    std::vector<std::unique_ptr<Codec>> codec_list;
    for (const auto& spec : split(codecs)) codec_list.push_back(make_codec(spec));
    std::map<std::string, Cell> cells;
    double psnr_sum = 0, ssim_sum = 0, embed_seconds = 0, pixels = 0;
    int64_t false_positives = 0;
    const int k = w.code().capacity_bits();
    for (size_t i = 0; i < paths.size(); ++i) {
      const Image cover = read_image(paths[i]);
      std::mt19937 rng(static_cast<unsigned>(i) * 7919u + 1);
      std::vector<uint8_t> payload(static_cast<size_t>(k));
      for (auto& b : payload) b = static_cast<uint8_t>(rng() & 1);
      const std::vector<uint8_t> raw = w.code().encode(payload);
      const auto t0 = std::chrono::steady_clock::now();
      const Image marked = w.embed(cover, payload);
      embed_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      pixels += static_cast<double>(cover.width) * cover.height;
      psnr_sum += std::min(psnr(cover, marked), 100.0);
      ssim_sum += ssim(cover, marked);
      false_positives += w.extract(cover).found;
      auto score = [&](const std::string& name, const Image& attacked) {
        const Extraction x = w.extract(attacked);
        Cell& c = cells[name];
        c.images += 1;
        c.bits += static_cast<int64_t>(raw.size());
        for (size_t b = 0; b < raw.size(); ++b) c.errors += x.raw_bits[b] != raw[b];
        c.recovered += x.found && x.payload == payload;
      };
      score("identity", marked);
      for (const auto& codec : codec_list) score(codec->spec(), codec->round_trip(marked).images.at(0));
      std::cerr << "\r" << i + 1 << "/" << paths.size() << std::flush;
    }
    std::cerr << "\n";
    const double n = static_cast<double>(paths.size());
    if (json) {
      nlohmann::json j = {{"model", model_path}, {"folder", folder}, {"images", paths.size()},
                          {"strength", strength}, {"code", w.code().name()},
                          {"psnr_db", psnr_sum / n}, {"ssim", ssim_sum / n},
                          {"false_positives", false_positives}};
      for (const auto& [name, c] : cells) {
        j["attacks"][name] = {{"ber", static_cast<double>(c.errors) / c.bits},
                              {"recovered", static_cast<double>(c.recovered) / c.images}};
      }
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::printf("model %s, %zu photos of %s (full size), strength %.2f, code %s\n", model_path.c_str(),
                paths.size(), folder.c_str(), strength, w.code().name().c_str());
    std::printf("PSNR %.2f dB  SSIM %.4f  embed %.1f ms/Mpixel  unmarked photos reported as marked: %lld of %zu\n",
                psnr_sum / n, ssim_sum / n, 1e3 * embed_seconds / (pixels / 1e6),
                static_cast<long long>(false_positives), paths.size());
    std::printf("%-18s %8s %10s\n", "attack", "BER %", "recovered");
    auto row = [&](const std::string& name) {
      const Cell& c = cells.at(name);
      std::printf("%-18s %8.3f %9.1f%%\n", name.c_str(), 100.0 * c.errors / c.bits, 100.0 * c.recovered / c.images);
    };
    row("identity");
    for (const auto& codec : codec_list) row(codec->spec());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "photo_eval: " << e.what() << "\n";
    return 1;
  }
}
