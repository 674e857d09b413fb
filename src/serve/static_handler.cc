#include "src/serve/static_handler.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "src/base/utf8.h"
#include "src/serve/mime_types.h"

namespace serval::serve {
namespace {

constexpr size_t kMaxPathBytes = 4096;
constexpr size_t kMaxSegmentBytes = 255;
constexpr const char kHttpDateFormat[] = "%a, %d %b %Y %H:%M:%S GMT";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// realpath(3) as a string; empty if the path does not resolve.
std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return "";
  return buffer;
}

bool IsInside(const std::string& real_path, const std::string& real_root) {
  if (real_path == real_root) return true;
  if (real_root == "/") return true;
  return absl::StartsWith(real_path, real_root) &&
         real_path.size() > real_root.size() &&
         real_path[real_root.size()] == '/';
}

struct OpenedFile {
  std::string real_path;
  struct stat info;
  std::string contents;
};

// Resolves `path`, checks it stays inside `real_root`, and reads it if it
// is a regular file. NotFound for anything missing or outside the root;
// FailedPrecondition (with the real path) for a directory.
absl::StatusOr<OpenedFile> OpenInsideRoot(const std::string& path,
                                          const std::string& real_root) {
  OpenedFile file;
  file.real_path = RealPath(path);
  if (file.real_path.empty() || !IsInside(file.real_path, real_root)) {
    return absl::NotFoundError(path);
  }
  int fd = open(file.real_path.c_str(),
                O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return absl::NotFoundError(path);
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  if (fstat(fd, &file.info) != 0) return absl::NotFoundError(path);
  if (S_ISDIR(file.info.st_mode)) return absl::FailedPreconditionError(path);
  if (!S_ISREG(file.info.st_mode)) return absl::NotFoundError(path);
  file.contents.resize(file.info.st_size);
  size_t done = 0;
  while (done < file.contents.size()) {
    ssize_t n = read(fd, file.contents.data() + done,
                     file.contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shrank while we read: send what is there
    done += n;
  }
  file.contents.resize(done);
  return file;
}

std::string ETagOf(const struct stat& info, absl::string_view variant) {
  int64_t mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 +
                     info.st_mtim.tv_nsec;
  return absl::StrCat("\"", absl::Hex(info.st_ino), "-",
                      absl::Hex(info.st_size), "-", absl::Hex(mtime_ns),
                      variant, "\"");
}

// If-None-Match: "*" or a comma-separated list; weak comparison.
bool ETagMatches(absl::string_view header, absl::string_view etag) {
  for (absl::string_view candidate : absl::StrSplit(header, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    if (candidate == "*") return true;
    absl::ConsumePrefix(&candidate, "W/");
    if (candidate == etag) return true;
  }
  return false;
}

bool NotModifiedSince(absl::string_view header, time_t mtime) {
  absl::Time since;
  std::string error;
  if (!absl::ParseTime(kHttpDateFormat, std::string(header),
                       absl::UTCTimeZone(), &since, &error)) {
    return false;
  }
  return absl::FromTimeT(mtime) <= since;
}

bool IsHtml(absl::string_view content_type) {
  return absl::StartsWith(content_type, "text/html");
}

HttpResponse TextResponse(int status, absl::string_view text) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                      {"Cache-Control", "no-cache"}};
  response.body = std::string(text);
  response.content_length = response.body.size();
  return response;
}

void FinishForMethod(const HttpRequest& request, HttpResponse* response) {
  response->content_length = response->body.size();
  if (request.method == "HEAD") response->body.clear();
}

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

absl::StatusOr<RequestPath> ParseRequestPath(absl::string_view target) {
  absl::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError("request path must start with '/'");
  }
  if (path.size() > kMaxPathBytes) {
    return absl::InvalidArgumentError("request path too long");
  }
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      int high = i + 2 < path.size() ? HexValue(path[i + 1]) : -1;
      int low = i + 2 < path.size() ? HexValue(path[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError("bad percent escape");
      }
      c = static_cast<char>(high * 16 + low);
      // Browsers never encode these; only someone probing for a way out does.
      if (c == '.' || c == '/' || c == '\\') {
        return absl::InvalidArgumentError("encoded '.', '/' or '\\'");
      }
      i += 2;
    } else if (c == '\\') {
      return absl::InvalidArgumentError("backslash in path");
    }
    unsigned char byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return absl::InvalidArgumentError("control character in path");
    }
    decoded.push_back(c);
  }
  if (!base::IsValidUtf8(decoded)) {
    return absl::InvalidArgumentError("path is not valid UTF-8");
  }
  RequestPath result;
  result.trailing_slash = decoded.back() == '/';
  for (absl::string_view segment :
       absl::StrSplit(decoded, '/', absl::SkipEmpty())) {
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError("'.' or '..' segment");
    }
    if (segment.size() > kMaxSegmentBytes) {
      return absl::InvalidArgumentError("path segment too long");
    }
    if (segment[0] == '.') result.hidden = true;
    if (!result.relative.empty()) result.relative.push_back('/');
    absl::StrAppend(&result.relative, segment);
  }
  return result;
}

std::string InjectBeforeBodyEnd(absl::string_view page,
                                absl::string_view html) {
  std::string lower = absl::AsciiStrToLower(page);
  size_t at = lower.rfind("</body>");
  if (at == std::string::npos) return absl::StrCat(page, html);
  return absl::StrCat(page.substr(0, at), html, page.substr(at));
}

StaticHandler::StaticHandler(StaticHandlerOptions options)
    : options_(std::move(options)) {}

HttpResponse StaticHandler::NotFound(const HttpRequest& request,
                                     const std::string& real_root) const {
  HttpResponse response;
  absl::StatusOr<OpenedFile> page =
      real_root.empty()
          ? absl::StatusOr<OpenedFile>(absl::NotFoundError("no root"))
          : OpenInsideRoot(real_root + "/" + options_.not_found_page,
                           real_root);
  if (page.ok()) {
    response.status = 404;
    std::string type(MimeTypeForPath(options_.not_found_page));
    response.headers = {{"Content-Type", type}, {"Cache-Control", "no-cache"}};
    response.body = IsHtml(type)
                        ? InjectBeforeBodyEnd(page->contents,
                                              options_.inject_html)
                        : std::move(page->contents);
  } else {
    response = TextResponse(404, "404 page not found\n");
    if (!options_.inject_html.empty()) {
      // Still a live page: it reloads when the missing file appears.
      response.headers[0].second = "text/html; charset=utf-8";
      response.body = absl::StrCat(
          "<!doctype html><title>404</title><p>404 page not found</p>",
          options_.inject_html);
    }
  }
  FinishForMethod(request, &response);
  return response;
}

HttpResponse StaticHandler::Handle(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = TextResponse(405, "405 method not allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  absl::StatusOr<RequestPath> path = ParseRequestPath(request.target);
  if (!path.ok()) {
    HttpResponse response =
        TextResponse(400, absl::StrCat("400 bad request: ",
                                       path.status().message(), "\n"));
    FinishForMethod(request, &response);
    return response;
  }
  std::string real_root = RealPath(options_.root);
  if (real_root.empty() || path->hidden) return NotFound(request, real_root);

  std::string file_path = path->relative.empty()
                              ? real_root
                              : real_root + "/" + path->relative;
  absl::StatusOr<OpenedFile> file = OpenInsideRoot(file_path, real_root);
  if (absl::IsFailedPrecondition(file.status())) {  // a directory
    if (!path->trailing_slash && !path->relative.empty()) {
      absl::string_view target = request.target;
      size_t query = target.find('?');
      HttpResponse response = TextResponse(301, "");
      response.headers.emplace_back(
          "Location",
          absl::StrCat(target.substr(0, query), "/",
                       query == absl::string_view::npos
                           ? ""
                           : target.substr(query)));
      return response;
    }
    file = OpenInsideRoot(file_path + "/index.html", real_root);
  }
  if (!file.ok()) return NotFound(request, real_root);

  std::string type(MimeTypeForPath(file->real_path));
  bool inject = IsHtml(type) && !options_.inject_html.empty();
  // The injected script is part of the representation: a new script (a new
  // serval) must not match an old page's ETag.
  std::string etag = ETagOf(
      file->info,
      inject ? absl::StrCat("-", absl::Hex(std::hash<std::string>()(
                                     options_.inject_html)))
             : "");
  std::string last_modified = absl::FormatTime(
      kHttpDateFormat, absl::FromTimeT(file->info.st_mtim.tv_sec),
      absl::UTCTimeZone());

  HttpResponse response;
  response.headers = {{"Content-Type", type},
                      {"ETag", etag},
                      {"Last-Modified", last_modified},
                      {"Cache-Control", "no-cache"},
                      {"X-Content-Type-Options", "nosniff"}};
  bool not_modified =
      !request.if_none_match.empty()
          ? ETagMatches(request.if_none_match, etag)
          : !request.if_modified_since.empty() &&
                NotModifiedSince(request.if_modified_since,
                                 file->info.st_mtim.tv_sec);
  if (not_modified) {
    response.status = 304;
    response.headers.erase(response.headers.begin());  // no Content-Type
    return response;
  }
  response.body = inject
                      ? InjectBeforeBodyEnd(file->contents, options_.inject_html)
                      : std::move(file->contents);
  FinishForMethod(request, &response);
  return response;
}

}  // namespace serval::serve
