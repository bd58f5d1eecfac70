// Option and config fields described once: a key, a CLI flag, a help text and a typed
// reference into the object. Model files, checkpoints, comparisons, validation and the
// CLI's flags are derived from the field tables (model_config_fields() in model.h,
// fixed_train_fields() in train.h), so a new field is one table row.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace robusthide {

// A typed pointer to one field of one object.
using FieldRef = std::variant<std::string*, bool*, int*, int64_t*, uint64_t*, double*>;
// The same, read-only (the alternatives in the same order).
using ConstFieldRef = std::variant<const std::string*, const bool*, const int*, const int64_t*,
                                   const uint64_t*, const double*>;

ConstFieldRef read_only(const FieldRef& f);

// The field `ref` (a table's accessor, which takes a mutable object) of a const object,
// for reading: the one place where the tables' accessors meet const objects.
template <typename T, typename Ref>
ConstFieldRef read_field(const Ref& ref, const T& object) {
  return read_only(ref(const_cast<T&>(object)));
}

// Copies the value `from` points at to `to`: the same field of two objects. Throws
// InvalidArgument when the two have different types.
void copy_field(const ConstFieldRef& from, const FieldRef& to);

// True when both point at equal values of the same type.
bool fields_equal(const ConstFieldRef& a, const ConstFieldRef& b);

// The value as text: strings as they are, booleans "true"/"false", numbers as "%g".
std::string field_text(const ConstFieldRef& f);

// One field of a config struct T (ModelConfig, HidingConfig), described once: its file
// JSON, comparison, range check, one-line summary and CLI flag are derived from the
// struct's table of these (e.g. model_config_fields()), so a new field is one row.
template <typename T>
struct ConfigField {
  const char* key;                  // JSON key; "OBJECT.NAME" is NAME in the nested object OBJECT
  const char* flag;                 // the CLI flag
  const char* help;                 // its help text
  std::function<FieldRef(T&)> ref;  // the member
  double lo = 0, hi = 0;            // numbers: valid range [lo, hi]; lo == hi: checked elsewhere
  bool lo_open = false;             // (lo, hi] instead
  bool optional = false;            // older files may lack it (they keep the loader's default)
  // Its part of the summary line: "%s" is the value (a boolean's part is shown only when
  // true); nullptr: not shown.
  const char* summary = nullptr;
  // nullptr: always in the summary; otherwise only when this is true.
  std::function<bool(const T&)> shown = nullptr;

  ConstFieldRef read(const T& c) const { return read_field(ref, c); }
};

// The rows of `inner` (fields of a member struct, e.g. Shaping) as rows of T, reaching
// them through `member`; keys, flags, ranges and summary parts are kept.
template <typename T, typename Inner>
std::vector<ConfigField<T>> nested_fields(const std::vector<ConfigField<Inner>>& inner,
                                          Inner T::*member) {
  std::vector<ConfigField<T>> rows;
  for (const ConfigField<Inner>& f : inner) {
    ConfigField<T> row{
        f.key,    f.flag, f.help,    [ref = f.ref, member](T& t) { return ref(t.*member); },
        f.lo,     f.hi,   f.lo_open, f.optional,
        f.summary};
    if (f.shown) row.shown = [shown = f.shown, member](const T& t) { return shown(t.*member); };
    rows.push_back(row);
  }
  return rows;
}

}  // namespace robusthide
