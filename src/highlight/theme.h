// theme.h — stylesheets for highlighted code, one light and one dark.
//
// The rules use Pygments' class names under a container selector
// (".highlight" by default), so a Pygments theme (`pygmentize -S NAME -f
// html`) can replace them unchanged.
//
// Example:
//   std::string css = ThemeStylesheet(Theme::kLight) +
//       ThemeStylesheet(Theme::kDark, "[data-theme=dark] .highlight");
//
// Thread-safety: pure function.
#ifndef SERVAL_HIGHLIGHT_THEME_H_
#define SERVAL_HIGHLIGHT_THEME_H_

#include <string>

#include "absl/strings/string_view.h"

namespace serval::highlight {

enum class Theme { kLight, kDark };

std::string ThemeStylesheet(Theme theme,
                            absl::string_view selector = ".highlight");

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_THEME_H_
