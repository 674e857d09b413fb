// reload_client.h — the live-reload script (reload_client.js), compiled in
// and served at /__serval/reload.js.
//
// Thread-safety: constant data.
#ifndef SERVAL_SERVE_RELOAD_CLIENT_H_
#define SERVAL_SERVE_RELOAD_CLIENT_H_

#include "absl/strings/string_view.h"

namespace serval::serve {

absl::string_view ReloadClientScript();

}  // namespace serval::serve

#endif  // SERVAL_SERVE_RELOAD_CLIENT_H_
