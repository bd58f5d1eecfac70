// FieldRef helpers (fields.h).
#include "robusthide/fields.h"

#include <type_traits>

#include "robusthide/error.h"
#include "robusthide/text.h"

namespace robusthide {

void copy_field(const FieldRef& from, const FieldRef& to) {
  if (from.index() != to.index()) throw InvalidArgument("cannot copy a field to one of another type");
  std::visit([&to](auto* source) { *std::get<std::remove_const_t<decltype(source)>>(to) = *source; }, from);
}

bool fields_equal(const FieldRef& a, const FieldRef& b) {
  if (a.index() != b.index()) return false;
  return std::visit([&b](auto* x) { return *x == *std::get<decltype(x)>(b); }, a);
}

std::string field_text(const FieldRef& f) {
  return std::visit(
      [](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
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
