#include "src/highlight/theme.h"

#include "absl/strings/str_cat.h"

namespace serval::highlight {
namespace {

struct Style {
  const char* css_class;
  const char* light;
  const char* dark;
};

// Light after Pygments' "default" style, dark after "monokai".
constexpr Style kStyles[] = {
    {"c", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"ch", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"cm", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"cp", "color: #9C6500", "color: #959077"},
    {"cpf", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"c1", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"cs", "color: #3D7B7B; font-style: italic", "color: #959077"},
    {"err", "border: 1px solid #FF0000", "color: #ED007E; background-color: #1E0010"},
    {"k", "color: #008000; font-weight: bold", "color: #66D9EF"},
    {"kc", "color: #008000; font-weight: bold", "color: #66D9EF"},
    {"kd", "color: #008000; font-weight: bold", "color: #66D9EF"},
    {"kn", "color: #008000; font-weight: bold", "color: #FF4689"},
    {"kp", "color: #008000", "color: #66D9EF"},
    {"kr", "color: #008000; font-weight: bold", "color: #66D9EF"},
    {"kt", "color: #B00040", "color: #66D9EF"},
    {"m", "color: #666666", "color: #AE81FF"},
    {"mb", "color: #666666", "color: #AE81FF"},
    {"mf", "color: #666666", "color: #AE81FF"},
    {"mh", "color: #666666", "color: #AE81FF"},
    {"mi", "color: #666666", "color: #AE81FF"},
    {"il", "color: #666666", "color: #AE81FF"},
    {"mo", "color: #666666", "color: #AE81FF"},
    {"s", "color: #BA2121", "color: #E6DB74"},
    {"sa", "color: #BA2121", "color: #E6DB74"},
    {"sb", "color: #BA2121", "color: #E6DB74"},
    {"sc", "color: #BA2121", "color: #E6DB74"},
    {"dl", "color: #BA2121", "color: #E6DB74"},
    {"sd", "color: #BA2121; font-style: italic", "color: #E6DB74"},
    {"s2", "color: #BA2121", "color: #E6DB74"},
    {"se", "color: #AA5D1F; font-weight: bold", "color: #AE81FF"},
    {"sh", "color: #BA2121", "color: #E6DB74"},
    {"si", "color: #A45A77; font-weight: bold", "color: #E6DB74"},
    {"sx", "color: #008000", "color: #E6DB74"},
    {"sr", "color: #A45A77", "color: #E6DB74"},
    {"s1", "color: #BA2121", "color: #E6DB74"},
    {"ss", "color: #19177C", "color: #E6DB74"},
    {"o", "color: #666666", "color: #FF4689"},
    {"ow", "color: #AA22FF; font-weight: bold", "color: #FF4689"},
    {"p", "", "color: #F8F8F2"},
    {"n", "", "color: #F8F8F2"},
    {"na", "color: #687822", "color: #A6E22E"},
    {"nb", "color: #008000", "color: #F8F8F2"},
    {"bp", "color: #008000", "color: #F8F8F2"},
    {"nc", "color: #0000FF; font-weight: bold", "color: #A6E22E"},
    {"no", "color: #880000", "color: #66D9EF"},
    {"nd", "color: #AA22FF", "color: #A6E22E"},
    {"ni", "color: #717171; font-weight: bold", "color: #F8F8F2"},
    {"ne", "color: #CB3F38; font-weight: bold", "color: #A6E22E"},
    {"nf", "color: #0000FF", "color: #A6E22E"},
    {"fm", "color: #0000FF", "color: #A6E22E"},
    {"nl", "color: #767600", "color: #F8F8F2"},
    {"nn", "color: #0000FF; font-weight: bold", "color: #F8F8F2"},
    {"nt", "color: #008000; font-weight: bold", "color: #FF4689"},
    {"nv", "color: #19177C", "color: #F8F8F2"},
    {"vc", "color: #19177C", "color: #F8F8F2"},
    {"vg", "color: #19177C", "color: #F8F8F2"},
    {"vi", "color: #19177C", "color: #F8F8F2"},
    {"vm", "color: #19177C", "color: #F8F8F2"},
    {"nx", "", "color: #A6E22E"},
    {"py", "", "color: #F8F8F2"},
    {"gd", "color: #A00000", "color: #FF4689"},
    {"ge", "font-style: italic", "font-style: italic"},
    {"gr", "color: #E40000", ""},
    {"gh", "color: #000080; font-weight: bold", ""},
    {"gi", "color: #008400", "color: #A6E22E"},
    {"go", "color: #717171", "color: #66D9EF"},
    {"gp", "color: #000080; font-weight: bold", "color: #FF4689; font-weight: bold"},
    {"gs", "font-weight: bold", "font-weight: bold"},
    {"gu", "color: #800080; font-weight: bold", "color: #959077"},
    {"gt", "color: #0044DD", ""},
    {"w", "color: #bbbbbb", ""},
    {"lScalarPlain", "", "color: #E6DB74"},
    {"pIndicator", "", "color: #F8F8F2"},
};

}  // namespace

std::string ThemeStylesheet(Theme theme, absl::string_view selector) {
  std::string css = absl::StrCat(
      selector, " { background: ",
      theme == Theme::kLight ? "#f8f8f8; color: #000000" : "#272822; color: #F8F8F2",
      " }\n");
  for (const Style& s : kStyles) {
    const char* rule = theme == Theme::kLight ? s.light : s.dark;
    if (*rule == '\0') continue;
    absl::StrAppend(&css, selector, " .", s.css_class, " { ", rule, " }\n");
  }
  return css;
}

}  // namespace serval::highlight
