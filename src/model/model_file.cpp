// save_model / load_model: the config and provenance as JSON and every network tensor in
// robusthide's own checksummed container (util/archive.h, model/network_io.h).

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_io.h"
#include "model/network_io.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "util/archive.h"
#include "util/config_fields.h"

namespace robusthide {
namespace {

// A load failure; load_model turns it into "cannot load model 'PATH': <reason>".
constexpr char kModelMagic[8] = {'R', 'H', 'I', 'D', 'E', 'M', 'D', 'L'};

nlohmann::json config_to_json(const ModelConfig& config) {
  return detail::config_to_json(model_config_fields(), config);
}

// Every field must be present, except those marked optional (added after files were
// first written) and the "shaping" object as a whole (older files embed unshaped).
ModelConfig config_from_json(const nlohmann::json& j) {
  ModelConfig c;
  c.shaping = Shaping::none();
  detail::config_from_json(model_config_fields(), j, c);
  return c;
}

}  // namespace

namespace detail {

nlohmann::json provenance_to_json(const Provenance& p) {
  return {{"attack", p.attack},   {"steps", p.steps}, {"epochs", p.epochs},
          {"data", p.data},       {"seed", p.seed},   {"commit", p.commit},
          {"created", p.created}, {"notes", p.notes}, {"device", p.device}};
}

// Missing provenance fields keep their defaults: provenance is informational.
Provenance provenance_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw LoadFailure{"provenance is not a JSON object"};
  Provenance p;
  try {
    p.attack = j.value("attack", p.attack);
    p.steps = j.value("steps", p.steps);
    p.epochs = j.value("epochs", p.epochs);
    p.data = j.value("data", p.data);
    p.seed = j.value("seed", p.seed);
    p.commit = j.value("commit", p.commit);
    p.created = j.value("created", p.created);
    p.notes = j.value("notes", p.notes);
    p.device = j.value("device", p.device);
  } catch (const nlohmann::json::exception&) {
    throw LoadFailure{"provenance has a field of the wrong type"};
  }
  return p;
}

nlohmann::json parse_json(const ArchiveReader& archive, const char* key) {
  try {
    return nlohmann::json::parse(archive.text(key));
  } catch (const nlohmann::json::exception&) {
    throw LoadFailure{std::string("'") + key + "' is not valid JSON"};
  }
}

}  // namespace detail

namespace {

using detail::parse_json;
using detail::provenance_from_json;
using detail::provenance_to_json;

Model load_archive(const ArchiveReader& archive) {
  const ModelConfig config = config_from_json(parse_json(archive, "config"));
  try {
    config.validate();
  } catch (const InvalidArgument& e) {
    throw LoadFailure{e.what()};
  }
  Provenance provenance = provenance_from_json(parse_json(archive, "provenance"));
  // The stored weights first: a config far larger than them is refused before its
  // networks are built (a crafted config must not allocate gigabytes).
  const int64_t stored = stored_network_weights(archive);
  if (config.min_parameters() > stored) {
    throw LoadFailure{"the weights do not fit the config (it needs at least " +
                      std::to_string(config.min_parameters()) + " weights, the file holds " +
                      std::to_string(stored) + ")"};
  }
  Model model(config);
  model.provenance = std::move(provenance);
  read_networks(archive, model);
  return model;
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  if (!has_finite_weights(model)) {
    throw IoError("cannot save model '" + path +
                  "': its weights hold NaN or infinity (a diverged run)");
  }
  save_archive_file(path, kModelMagic, kModelFormatVersion, "model", [&](ArchiveWriter& archive) {
    archive.add_text("config", config_to_json(model.config).dump());
    archive.add_text("provenance", to_json(model.provenance));
    write_networks(archive, model);
  });
}

Model load_model(const std::string& path) {
  std::optional<Model> model;
  load_archive_file(path, kModelMagic, kModelFormatVersion, "model",
                    [&model](ArchiveReader&& archive) { model.emplace(load_archive(archive)); });
  return std::move(*model);
}

std::string to_json(const ModelConfig& config) { return config_to_json(config).dump(); }
std::string to_json(const Provenance& provenance) {
  return provenance_to_json(provenance)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ModelConfig model_config_from_json(const std::string& json) {
  try {
    return config_from_json(nlohmann::json::parse(json));
  } catch (const LoadFailure& e) {
    throw InvalidArgument("cannot read model configuration: " + e.reason);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("cannot read model configuration: ") + e.what());
  }
}

}  // namespace robusthide
