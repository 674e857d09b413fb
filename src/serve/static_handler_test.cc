#include "src/serve/static_handler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace serval::serve {
namespace {

using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class StaticHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::string(std::getenv("TEST_TMPDIR")) + "/static_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = base_ + "/public";
    mkdir(base_.c_str(), 0755);
    mkdir(root_.c_str(), 0755);
    mkdir((root_ + "/about").c_str(), 0755);
    mkdir((root_ + "/empty").c_str(), 0755);
    WriteFile(root_ + "/index.html", "<html><body><h1>Home</h1></body></html>");
    WriteFile(root_ + "/about/index.html", "<p>About</p></BODY>");
    WriteFile(root_ + "/site.css", "body{}");
    WriteFile(root_ + "/404.html", "<body>custom not found</body>");
    WriteFile(root_ + "/.hidden", "secret");
    WriteFile(base_ + "/outside.txt", "outside");
    mkdir((base_ + "/outdir").c_str(), 0755);
    WriteFile(base_ + "/outdir/index.html", "outside dir");
    ASSERT_EQ(symlink((base_ + "/outside.txt").c_str(), (root_ + "/leak.txt").c_str()), 0);
    ASSERT_EQ(symlink("../outdir", (root_ + "/leakdir").c_str()), 0);
    ASSERT_EQ(symlink("site.css", (root_ + "/alias.css").c_str()), 0);
  }

  HttpResponse Get(const std::string& target, const std::string& method = "GET") {
    StaticHandler handler({.root = root_, .inject_html = "<script>X</script>"});
    return handler.Handle({.method = method, .target = target});
  }

  std::string base_, root_;
};

TEST(ParseRequestPathTest, AcceptsOrdinaryPaths) {
  auto p = ParseRequestPath("/a/b%20c/?q=1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->relative, "a/b c");
  EXPECT_TRUE(p->trailing_slash);
  EXPECT_FALSE(p->hidden);
  EXPECT_EQ(ParseRequestPath("/")->relative, "");
  EXPECT_EQ(ParseRequestPath("//a//b")->relative, "a/b");
  EXPECT_EQ(ParseRequestPath("/caf%C3%A9")->relative, "caf\xC3\xA9");
  EXPECT_TRUE(ParseRequestPath("/.git/config")->hidden);
}

TEST(ParseRequestPathTest, RejectsEveryTraversalTrick) {
  for (const char* target : {
           "/..", "/../etc/passwd", "/a/../../b", "/./a", "/a/.",
           "/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/a%2fb", "/a%2F..%2Fb",
           "/a%5cb", "/a%5C..", "/a\\..\\b", "/a%00.html", "/a%0a",
           "/a%", "/a%zz", "/a%2", "/%c0%ae%c0%ae/x", "/%c0%af",
           "/%e0%80%ae", "/%ff", "/%ed%a0%80", "a/b", "http://x/a", "",
           "/a\x01", "/a%7f"}) {
    EXPECT_FALSE(ParseRequestPath(target).ok()) << target;
  }
  EXPECT_FALSE(ParseRequestPath("/" + std::string(5000, 'a')).ok());
  EXPECT_FALSE(ParseRequestPath("/" + std::string(256, 'a')).ok());
}

TEST(InjectTest, BeforeLastBodyEndOrAppended) {
  EXPECT_EQ(InjectBeforeBodyEnd("<body>a</body></html>", "S"),
            "<body>aS</body></html>");
  EXPECT_EQ(InjectBeforeBodyEnd("</body><!-- </body> -->", "S"),
            "</body><!-- S</body> -->");
  EXPECT_EQ(InjectBeforeBodyEnd("x</BODY>", "S"), "xS</BODY>");
  EXPECT_EQ(InjectBeforeBodyEnd("no body", "S"), "no bodyS");
}

TEST_F(StaticHandlerTest, ServesIndexWithInjectedScriptAndHeaders) {
  HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html><body><h1>Home</h1><script>X</script></body></html>");
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_FALSE(r.Header("ETag").empty());
  EXPECT_THAT(r.Header("Last-Modified"), HasSubstr("GMT"));
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.content_length, r.body.size());
  EXPECT_EQ(Get("/about/").body, "<p>About</p><script>X</script></BODY>");
  EXPECT_EQ(Get("/index.html").status, 200);
}

TEST_F(StaticHandlerTest, MimeTypesAndNoInjectionOutsideHtml) {
  HttpResponse r = Get("/site.css");
  EXPECT_EQ(r.Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(r.body, "body{}");
  // A symlink that stays inside the root is followed.
  EXPECT_EQ(Get("/alias.css").body, "body{}");
}

TEST_F(StaticHandlerTest, DirectoryWithoutSlashRedirects) {
  HttpResponse r = Get("/about?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/about/?x=1");
}

TEST_F(StaticHandlerTest, MissingGivesSite404Page) {
  HttpResponse r = Get("/nope.html");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "<body>custom not found<script>X</script></body>");
  EXPECT_EQ(Get("/empty/").status, 404);  // a directory without index.html
}

TEST_F(StaticHandlerTest, MissingWithout404PageIsPlain404) {
  unlink((root_ + "/404.html").c_str());
  HttpResponse r = Get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("404 page not found"));
}

TEST_F(StaticHandlerTest, HiddenFilesAndOutsideSymlinksAre404) {
  for (const char* target : {"/.hidden", "/leak.txt", "/leakdir/",
                             "/leakdir/index.html"}) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_FALSE(absl::StrContains(r.body, "outside")) << target;
    EXPECT_FALSE(absl::StrContains(r.body, "secret")) << target;
  }
}

TEST_F(StaticHandlerTest, TraversalIs400) {
  for (const char* target : {"/../outside.txt", "/%2e%2e/outside.txt",
                             "/..%2foutside.txt", "/..%5coutside.txt",
                             "/index.html%00.css", "/%c0%ae%c0%ae/outside.txt"}) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_FALSE(absl::StrContains(r.body, "outside")) << target;
  }
}

TEST_F(StaticHandlerTest, HeadHasHeadersButNoBody) {
  HttpResponse get = Get("/site.css");
  HttpResponse head = Get("/site.css", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.content_length, get.body.size());
  EXPECT_EQ(head.Header("ETag"), get.Header("ETag"));
}

TEST_F(StaticHandlerTest, OnlyGetAndHead) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    HttpResponse r = Get("/", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  }
}

TEST_F(StaticHandlerTest, ConditionalGet) {
  StaticHandler handler({.root = root_});
  HttpResponse first = handler.Handle({.method = "GET", .target = "/site.css"});
  std::string etag = first.Header("ETag");
  HttpResponse again = handler.Handle(
      {.method = "GET", .target = "/site.css", .if_none_match = etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(handler
                .Handle({.method = "GET",
                         .target = "/site.css",
                         .if_none_match = "\"other\", W/" + etag})
                .status,
            304);
  EXPECT_EQ(handler
                .Handle({.method = "GET",
                         .target = "/site.css",
                         .if_modified_since = first.Header("Last-Modified")})
                .status,
            304);
  EXPECT_EQ(handler
                .Handle({.method = "GET",
                         .target = "/site.css",
                         .if_modified_since = "Mon, 01 Jan 1990 00:00:00 GMT"})
                .status,
            200);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(handler
                .Handle({.method = "GET",
                         .target = "/site.css",
                         .if_none_match = "\"stale\"",
                         .if_modified_since = first.Header("Last-Modified")})
                .status,
            200);
  // A replaced file (new inode, as the atomic writer makes) has a new ETag.
  WriteFile(root_ + "/.tmp", "body{color:red}");
  rename((root_ + "/.tmp").c_str(), (root_ + "/site.css").c_str());
  HttpResponse changed = handler.Handle(
      {.method = "GET", .target = "/site.css", .if_none_match = etag});
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "body{color:red}");
}

TEST_F(StaticHandlerTest, MissingRootIs404) {
  StaticHandler handler({.root = base_ + "/not-built-yet"});
  EXPECT_EQ(handler.Handle({.method = "GET", .target = "/"}).status, 404);
}

}  // namespace
}  // namespace serval::serve
