// JSON pieces shared by the model files of every kind (bit models, image hiding).
#pragma once

#include <nlohmann/json.hpp>

#include "robusthide/model.h"
#include "util/archive.h"

namespace robusthide::detail {

nlohmann::json provenance_to_json(const Provenance& p);
// Missing fields keep their defaults (provenance is informational); throws LoadFailure
// for a value of the wrong type.
Provenance provenance_from_json(const nlohmann::json& j);
// The archive's text entry `key` parsed as JSON; throws LoadFailure "'KEY' is not valid
// JSON".
nlohmann::json parse_json(const ArchiveReader& archive, const char* key);

}  // namespace robusthide::detail
