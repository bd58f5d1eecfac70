// save_hiding_model / load_hiding_model: the image-hiding model file (hiding.h), in the
// same container as bit models, with its own magic.
#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/model_io.h"
#include "model/network_io.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/hiding.h"
#include "util/archive.h"
#include "util/config_fields.h"
#include "util/model_search.h"

namespace robusthide {
namespace {

constexpr char kHidingMagic[8] = {'R', 'H', 'I', 'D', 'E', 'H', 'I', 'D'};

bool finite_weights(const HidingModel& m) {
  return network_is_finite(*m.hider) && network_is_finite(*m.revealer);
}

HidingModel load_archive(const ArchiveReader& archive) {
  HidingConfig config;
  config.shaping = Shaping::none();
  detail::config_from_json(hiding_config_fields(), detail::parse_json(archive, "config"), config);
  try {
    config.validate();
  } catch (const InvalidArgument& e) {
    throw LoadFailure{e.what()};
  }
  Provenance provenance = detail::provenance_from_json(detail::parse_json(archive, "provenance"));
  // A config far larger than the stored weights is refused before anything is built.
  const int64_t stored = stored_weights(archive, {"hider", "revealer"});
  if (config.min_parameters() > stored) {
    throw LoadFailure{"the weights do not fit the config (it needs at least " +
                      std::to_string(config.min_parameters()) + " weights, the file holds " +
                      std::to_string(stored) + ")"};
  }
  HidingModel model(config);
  model.provenance = std::move(provenance);
  read_network(archive, "hider", *model.hider);
  read_network(archive, "revealer", *model.revealer);
  return model;
}

}  // namespace

void save_hiding_model(const HidingModel& model, const std::string& path) {
  if (!finite_weights(model)) {
    throw IoError("cannot save hiding model '" + path +
                  "': its weights hold NaN or infinity (a diverged run)");
  }
  save_archive_file(path, kHidingMagic, kHidingFormatVersion, "hiding model",
                    [&](ArchiveWriter& archive) {
                      archive.add_text("config", to_json(model.config));
                      archive.add_text("provenance", to_json(model.provenance));
                      write_network(archive, "hider", *model.hider);
                      write_network(archive, "revealer", *model.revealer);
                    });
}

bool is_hiding_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  return in.read(magic, sizeof magic) && std::equal(magic, magic + 8, kHidingMagic);
}

std::string to_json(const HidingConfig& config) {
  return detail::config_to_json(hiding_config_fields(), config).dump();
}

std::string default_hiding_model_path() {
  return detail::find_shipped_model("hiding.pt", "ROBUSTHIDE_HIDING_MODEL", "image-hiding model",
                                    "--model");
}

HidingModel load_hiding_model(const std::string& path) {
  std::optional<HidingModel> model;
  load_archive_file(path, kHidingMagic, kHidingFormatVersion, "hiding model",
                    [&model](ArchiveReader&& archive) { model.emplace(load_archive(archive)); });
  return std::move(*model);
}

}  // namespace robusthide
