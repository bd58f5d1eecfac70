// FieldRef helpers (fields.h).
#include "robusthide/fields.h"

#include <type_traits>

#include "robusthide/error.h"
#include "robusthide/text.h"

namespace robusthide {

ConstFieldRef read_only(const FieldRef& f) {
  return std::visit([](auto* p) -> ConstFieldRef { return p; }, f);
}

void copy_field(const ConstFieldRef& from, const FieldRef& to) {
  if (from.index() != to.index())
    throw InvalidArgument("cannot copy a field to one of another type");
  std::visit(
      [&to](auto* source) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(source)>>;
        *std::get<T*>(to) = *source;
      },
      from);
}

bool fields_equal(const ConstFieldRef& a, const ConstFieldRef& b) {
  if (a.index() != b.index()) return false;
  return std::visit([&b](auto* x) { return *x == *std::get<decltype(x)>(b); }, a);
}

std::string field_text(const ConstFieldRef& f) {
  return std::visit(
      [](auto* p) -> std::string {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(p)>>;
        if constexpr (std::is_same_v<T, std::string>) {
          return *p;
        } else if constexpr (std::is_same_v<T, bool>) {
          return *p ? "true" : "false";
        } else {
          return format_number(static_cast<double>(*p));
        }
      },
      f);
}

}  // namespace robusthide
