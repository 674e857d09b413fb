#include "src/serve/http_binding.h"

#include <string>
#include <utility>

namespace serval::serve {

HttpRequest ToHttpRequest(const httplib::Request& request) {
  return {.method = request.method,
          .target = request.target,
          .if_none_match = request.get_header_value("If-None-Match"),
          .if_modified_since = request.get_header_value("If-Modified-Since")};
}

void ApplyResponse(HttpResponse response, const httplib::Request& request,
                   httplib::Response* out) {
  if (response.status != 200) out->status = response.status;
  for (auto& [name, value] : response.headers) {
    out->set_header(name, value);
  }
  if (request.method == "HEAD") {
    out->set_header("Content-Length", std::to_string(response.content_length));
  } else {
    out->body = std::move(response.body);
  }
}

}  // namespace serval::serve
