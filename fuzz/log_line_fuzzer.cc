// log_line_fuzzer — any bytes as a log message:
//  * a text line is exactly one line (one '\n', at the end), valid UTF-8;
//  * a JSON line parses, and its "msg" equals the UTF-8-repaired message.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "src/base/log.h"
#include "src/base/utf8.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    fprintf(stderr, "log_line_fuzzer: invariant failed: %s\n", what);
    abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  using serval::base::FormatLogLine;
  using serval::base::LogFormat;
  using serval::base::LogLevel;
  absl::string_view message(reinterpret_cast<const char*>(data), size);
  const absl::Time t = absl::FromUnixSeconds(1700000000);

  std::string text =
      FormatLogLine(LogFormat::kText, LogLevel::kInfo, "b", 1, 2, t, message);
  Check(!text.empty() && text.back() == '\n', "text ends in newline");
  Check(text.find('\n') == text.size() - 1, "text is one line");
  Check(serval::base::IsValidUtf8(text), "text is valid UTF-8");

  std::string json =
      FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "b", 1, 2, t, message);
  Check(json.find('\n') == json.size() - 1, "json is one line");
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size() - 1);
  Check(!doc.HasParseError() && doc.IsObject(), "json parses");
  std::string repaired;
  serval::base::AppendValidUtf8(message, &repaired);
  const rapidjson::Value& msg = doc["msg"];
  Check(std::string(msg.GetString(), msg.GetStringLength()) == repaired,
        "json msg round-trips");
  return 0;
}
