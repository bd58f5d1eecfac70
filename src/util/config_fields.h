// What the ConfigField tables (fields.h) derive, once for every config struct: range
// checks, the summary line, comparison and the JSON of model files.
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/error.h"
#include "robusthide/fields.h"
#include "robusthide/text.h"
#include "util/archive.h"
#include "util/fields_json.h"

namespace robusthide::detail {

// A number field's value as a double (0 for strings).
inline double field_number(const ConstFieldRef& ref) {
  return std::visit(
      [](auto* p) -> double {
        if constexpr (std::is_arithmetic_v<
                          std::remove_const_t<std::remove_pointer_t<decltype(p)>>>) {
          return static_cast<double>(*p);
        }
        return 0.0;
      },
      ref);
}

// Throws InvalidArgument "invalid WHAT: NAME = V is out of range [lo, hi]" when the field
// has a range (lo != hi) and `c`'s value is outside it; "shaping.flat" reads "shaping flat".
template <typename T>
void check_range(const ConfigField<T>& f, const T& c, const std::string& what) {
  if (f.lo == f.hi) return;
  const ConstFieldRef ref = f.read(c);
  const double v = field_number(ref);
  if (v >= f.lo && v <= f.hi && !(f.lo_open && v == f.lo)) return;
  std::string name = f.key;
  std::replace(name.begin(), name.end(), '.', ' ');
  throw InvalidArgument("invalid " + what + ": " + name + " = " + field_text(ref) +
                        " is out of range " + (f.lo_open ? "(" : "[") + format_number(f.lo) + ", " +
                        format_number(f.hi) + "]");
}

// The summary parts of the fields shown for `c`, concatenated.
template <typename T>
std::string config_summary(const std::vector<ConfigField<T>>& fields, const T& c) {
  std::string line;
  for (const ConfigField<T>& f : fields) {
    if (f.summary == nullptr || (f.shown && !f.shown(c))) continue;
    const ConstFieldRef value = f.read(c);
    if (std::holds_alternative<const bool*>(value) && !*std::get<const bool*>(value)) continue;
    const std::string part = f.summary;
    const size_t at = part.find("%s");
    line += at == std::string::npos ? part
                                    : part.substr(0, at) + field_text(value) + part.substr(at + 2);
  }
  return line;
}

template <typename T>
bool configs_equal(const std::vector<ConfigField<T>>& fields, const T& a, const T& b) {
  for (const ConfigField<T>& f : fields) {
    if (!fields_equal(f.read(a), f.read(b))) return false;
  }
  return true;
}

// Splits "shaping.flat" into the object ("shaping") and the key ("flat"); "" for top level.
inline std::pair<std::string, std::string> json_path(const char* key) {
  const std::string k = key;
  const size_t dot = k.find('.');
  if (dot == std::string::npos) return {"", k};
  return {k.substr(0, dot), k.substr(dot + 1)};
}

template <typename T>
nlohmann::json config_to_json(const std::vector<ConfigField<T>>& fields, const T& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const ConfigField<T>& f : fields) {
    const auto [object, key] = json_path(f.key);
    (object.empty() ? j : j[object])[key] = field_json(f.read(c));
  }
  return j;
}

// Reads the fields from `j` into `c`, which holds the values of what may be missing: the
// fields marked optional and whole nested objects (a file that has a nested object must
// have every required field of it). Throws LoadFailure naming the missing or mistyped
// field.
template <typename T>
void config_from_json(const std::vector<ConfigField<T>>& fields, const nlohmann::json& j, T& c) {
  if (!j.is_object()) throw LoadFailure{"config is not a JSON object"};
  for (const ConfigField<T>& f : fields) {
    const auto [object, key] = json_path(f.key);
    if (!object.empty() && !j.contains(object)) continue;
    if (!object.empty() && !j.at(object).is_object()) {
      throw LoadFailure{"config field '" + object + "' is not a JSON object"};
    }
    const nlohmann::json& from = object.empty() ? j : j.at(object);
    if (!from.contains(key)) {
      if (f.optional) continue;
      throw LoadFailure{object.empty() ? "config has no '" + key + "'"
                                       : "config's " + object + " has no '" + key + "'"};
    }
    try {
      field_from_json(from.at(key), f.ref(c));
    } catch (const nlohmann::json::exception&) {
      throw LoadFailure{object.empty()
                            ? "config field '" + key + "' has the wrong type"
                            : "config's " + object + " field '" + key + "' has the wrong type"};
    }
  }
}

}  // namespace robusthide::detail
