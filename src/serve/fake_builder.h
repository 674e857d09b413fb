// fake_builder.h — a stand-in RebuildFunction until the build pipeline is
// wired in: copies SITE/content/**.html and SITE/static/** into the output
// directory (content/a/b.html -> OUT/a/b.html), and fails with the file's
// first line when a content file's text starts with "ERROR".
//
// For tests of the dev server and `serval serve`; it knows nothing of
// Markdown or templates.
//
// Thread-safety: the returned function is called by one thread at a time.
#ifndef SERVAL_SERVE_FAKE_BUILDER_H_
#define SERVAL_SERVE_FAKE_BUILDER_H_

#include <string>

#include "src/serve/change_set.h"

namespace serval::serve {

RebuildFunction MakeCopyingFakeBuilder(std::string site_dir,
                                       std::string output_dir);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_FAKE_BUILDER_H_
