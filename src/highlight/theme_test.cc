#include "src/highlight/theme.h"

#include "gtest/gtest.h"

namespace serval::highlight {
namespace {

TEST(ThemeTest, LightAndDarkUsePygmentsClasses) {
  const std::string light = ThemeStylesheet(Theme::kLight);
  const std::string dark = ThemeStylesheet(Theme::kDark, "[data-theme=dark] .highlight");
  EXPECT_NE(light.find(".highlight .k { "), std::string::npos);
  EXPECT_NE(light.find(".highlight .s2 { "), std::string::npos);
  EXPECT_NE(dark.find("[data-theme=dark] .highlight .c1 { "), std::string::npos);
  EXPECT_NE(light, dark);
}

}  // namespace
}  // namespace serval::highlight
