// Option and config fields described once: a key, a CLI flag, a help text and a typed
// reference into the object. Model files, checkpoints, comparisons, validation and the
// CLI's flags are derived from the field tables (model_config_fields() in model.h,
// fixed_train_fields() in train.h), so a new field is one table row.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace robusthide {

// A typed pointer to one field of one object.
using FieldRef = std::variant<std::string*, bool*, int*, int64_t*, uint64_t*, double*>;

// Copies the value `from` points at to `to`: the same field of two objects. Throws
// InvalidArgument when the two have different types.
void copy_field(const FieldRef& from, const FieldRef& to);

// True when both point at equal values of the same type.
bool fields_equal(const FieldRef& a, const FieldRef& b);

// The value as text: strings as they are, booleans "true"/"false", numbers as "%g".
std::string field_text(const FieldRef& f);

}  // namespace robusthide
