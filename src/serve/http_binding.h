// http_binding.h — StaticHandler's plain request/response values to and
// from cpp-httplib's.
//
// Thread-safety: pure functions.
#ifndef SERVAL_SERVE_HTTP_BINDING_H_
#define SERVAL_SERVE_HTTP_BINDING_H_

#include "httplib.h"
#include "src/serve/static_handler.h"

namespace serval::serve {

// The method, the raw request-target and the conditional headers.
HttpRequest ToHttpRequest(const httplib::Request& request);

// Copies `response` into `out`. A 200 leaves the status to httplib, which
// then answers a Range request with 206 (or 416) itself; HEAD sends the
// GET's Content-Length.
void ApplyResponse(HttpResponse response, const httplib::Request& request,
                   httplib::Response* out);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_HTTP_BINDING_H_
