// static_handler.h — serving a built site's output directory over HTTP,
// as pure request -> response logic (no sockets; http_binding.h adapts it
// to cpp-httplib).
//
// What it does:
//   - GET and HEAD only (405 with "Allow: GET, HEAD" otherwise); HEAD sends
//     the headers of the GET and no body.
//   - "/dir/" serves dir/index.html; "/dir" redirects (301) to "/dir/".
//   - Content-Type from the extension (mime_types.h).
//   - ETag (inode, size, mtime: Serval replaces outputs by rename, so each
//     new version has a new inode) and Last-Modified; If-None-Match (which
//     wins) and If-Modified-Since answer 304. "Cache-Control: no-cache" so
//     the browser revalidates every time and sees rebuilds at once.
//   - A missing file is answered with the site's 404.html and status 404
//     (a plain text body if the site has none).
//   - Every HTML response gets `inject_html` inserted before its last
//     "</body>" (appended if there is none): the live-reload script.
//
// Path safety: the request path is decoded strictly (ParseRequestPath) and
// rejected with 400 if it has "." or ".." segments, a backslash, a control
// character or NUL, percent-encoded '.', '/' or '\' (%2e %2f %5c), bad
// percent escapes, or invalid UTF-8 (overlong forms included). Segments
// starting with '.' (hidden files, the atomic writer's temp files) are not
// served (404). The path that remains is resolved with realpath(3), and a
// file whose real path is not inside the real root — a symlink pointing out
// of the output directory — is answered 404 as if it did not exist. The
// file is then opened with O_NOFOLLOW and read through that descriptor.
// (Reads use POSIX directly, not fs::Fs: the check needs realpath(3), which
// Fs does not offer, and a dev server serves the real disk by nature.)
//
// Example:
//   StaticHandler handler({.root = "site/public", .inject_html = kScript});
//   HttpResponse r = handler.Handle({.method = "GET", .target = "/about/"});
//
// Thread-safety: Handle() is const and may run on many threads at once.
#ifndef SERVAL_SERVE_STATIC_HANDLER_H_
#define SERVAL_SERVE_STATIC_HANDLER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace serval::serve {

struct HttpRequest {
  std::string method;             // "GET"
  std::string target;             // raw request-target: "/a%20b/?x=1"
  std::string if_none_match;      // header value, empty if absent
  std::string if_modified_since;  // header value, empty if absent
};

struct HttpResponse {
  int status = 200;
  // In order; never Content-Length (see content_length).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty for HEAD and 304
  // The length of the representation: body.size() for GET, what GET would
  // send for HEAD. The binding sends it as Content-Length.
  uint64_t content_length = 0;

  // The first header named `name` (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
};

struct RequestPath {
  // Decoded path relative to the root, without leading or trailing '/':
  // "" for "/", "a/b" for "/a/b/". Empty segments ("a//b") are dropped.
  std::string relative;
  bool trailing_slash = false;  // the request path ended with '/'
  bool hidden = false;          // some segment starts with '.'
};

// Decodes the path part of a request-target (the query is ignored).
// InvalidArgument for every unsafe or malformed form listed above.
absl::StatusOr<RequestPath> ParseRequestPath(absl::string_view target);

struct StaticHandlerOptions {
  std::string root;  // the output directory; need not exist yet
  std::string inject_html;
  std::string not_found_page = "404.html";  // relative to root
};

class StaticHandler {
 public:
  explicit StaticHandler(StaticHandlerOptions options);

  HttpResponse Handle(const HttpRequest& request) const;

  const StaticHandlerOptions& options() const { return options_; }

 private:
  HttpResponse NotFound(const HttpRequest& request,
                        const std::string& real_root) const;

  StaticHandlerOptions options_;
};

// Inserts `html` before the last "</body>" (any case) of `page`, or
// appends it when there is none.
std::string InjectBeforeBodyEnd(absl::string_view page,
                                absl::string_view html);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_STATIC_HANDLER_H_
