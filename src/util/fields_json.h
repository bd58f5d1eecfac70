// FieldRef <-> JSON, for the files the field tables describe (model files, checkpoints).
#pragma once

#include <nlohmann/json.hpp>

#include "robusthide/fields.h"

namespace robusthide::detail {

inline nlohmann::json field_json(const ConstFieldRef& f) {
  return std::visit([](auto* p) { return nlohmann::json(*p); }, f);
}

// Reads `j` into the field; throws nlohmann::json::exception for a value of another type.
inline void field_from_json(const nlohmann::json& j, const FieldRef& f) {
  std::visit([&j](auto* p) { j.get_to(*p); }, f);
}

}  // namespace robusthide::detail
