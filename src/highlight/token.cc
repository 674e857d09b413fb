#include "src/highlight/token.h"

namespace serval::highlight {
namespace {

struct TypeInfo {
  absl::string_view name;
  absl::string_view css;
};

constexpr TypeInfo kTypes[] = {
#define SERVAL_TOKEN_INFO(e, name, css) {name, css},
    SERVAL_TOKEN_TYPES(SERVAL_TOKEN_INFO)
#undef SERVAL_TOKEN_INFO
};

}  // namespace

absl::string_view CssClass(TokenType type) {
  return kTypes[static_cast<int>(type)].css;
}

absl::string_view PygmentsName(TokenType type) {
  return kTypes[static_cast<int>(type)].name;
}

}  // namespace serval::highlight
