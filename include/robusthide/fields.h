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
// The same, read-only (the alternatives in the same order).
using ConstFieldRef = std::variant<const std::string*, const bool*, const int*, const int64_t*,
                                   const uint64_t*, const double*>;

ConstFieldRef read_only(const FieldRef& f);

// The field `ref` (a table's accessor, which takes a mutable object) of a const object,
// for reading: the one place where the tables' accessors meet const objects.
template <typename T>
ConstFieldRef read_field(FieldRef (*ref)(T&), const T& object) {
  return read_only(ref(const_cast<T&>(object)));
}

// Copies the value `from` points at to `to`: the same field of two objects. Throws
// InvalidArgument when the two have different types.
void copy_field(const ConstFieldRef& from, const FieldRef& to);

// True when both point at equal values of the same type.
bool fields_equal(const ConstFieldRef& a, const ConstFieldRef& b);

// The value as text: strings as they are, booleans "true"/"false", numbers as "%g".
std::string field_text(const ConstFieldRef& f);

}  // namespace robusthide
