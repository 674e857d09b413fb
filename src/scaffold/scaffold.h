// scaffold.h — `serval new site` and `serval new page`.
//
// NewSite writes a small site that builds as it is: serval.toml, a home
// page, a posts section with one post, an empty static/. It never
// overwrites: an existing non-empty directory is an error
// (FailedPrecondition). NewPage writes one content file with front matter
// (title from the file name, today's date, draft: true) and fails with
// AlreadyExists rather than replace an existing file.
//
// Example:
//   SERVAL_RETURN_IF_ERROR(NewSite(fs, "blog", "My Blog"));
//   SERVAL_ASSIGN_OR_RETURN(std::string path,
//       NewPage(fs, "blog", "posts/second-post.md", absl::Now()));
//
// Thread-safety: functions of their arguments.
#ifndef SERVAL_SCAFFOLD_SCAFFOLD_H_
#define SERVAL_SCAFFOLD_SCAFFOLD_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/fs/fs.h"

namespace serval::scaffold {

absl::Status NewSite(fs::Fs& fs, absl::string_view site_dir,
                     absl::string_view title);

// `page_path` is relative to content/ ("posts/x.md"; ".md" is added when
// missing). Returns the path of the file written.
absl::StatusOr<std::string> NewPage(fs::Fs& fs, absl::string_view site_dir,
                                    absl::string_view page_path,
                                    absl::Time now);

}  // namespace serval::scaffold

#endif  // SERVAL_SCAFFOLD_SCAFFOLD_H_
