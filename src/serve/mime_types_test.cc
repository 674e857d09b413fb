#include "src/serve/mime_types.h"

#include "gtest/gtest.h"

namespace serval::serve {
namespace {

TEST(MimeTypesTest, CommonTypes) {
  EXPECT_EQ(MimeTypeForPath("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("SITE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("index.xml"), "application/xml");
  EXPECT_EQ(MimeTypeForPath("logo.svg"), "image/svg+xml");
  EXPECT_EQ(MimeTypeForPath("p.png"), "image/png");
  EXPECT_EQ(MimeTypeForPath("f.woff2"), "font/woff2");
  EXPECT_EQ(MimeTypeForPath("search.json"), "application/json");
}

TEST(MimeTypesTest, UnknownIsOctetStream) {
  EXPECT_EQ(MimeTypeForPath("a.unknown"), "application/octet-stream");
  EXPECT_EQ(MimeTypeForPath("Makefile"), "application/octet-stream");
  EXPECT_EQ(MimeTypeForPath("dir.d/file"), "application/octet-stream");
  EXPECT_EQ(MimeTypeForPath("trailing."), "application/octet-stream");
}

}  // namespace
}  // namespace serval::serve
