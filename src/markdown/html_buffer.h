// html_buffer.h — the Markdown renderer's output: a growable byte buffer
// whose appends are inline (a capacity check and a copy).
//
// std::string's append is an out-of-line call into libstdc++ (its
// basic_string<char> is instantiated there), about 45 instructions with its
// memcpy; the renderer makes hundreds of thousands of small appends (tags,
// text between escapes), so it writes here instead. The member names follow
// std::string's for the operations it shares, with the same meaning.
//
// The bytes live in an uninitialized array (a std::string cannot grow its
// size without writing every byte); Release() copies them into a
// std::string once.
//
// Example:
//   HtmlBuffer out;
//   out.reserve(source.size());
//   out.append("<p>");
//   StrAppend(&out, "<ol start=\"", 3, "\">\n");
//   std::string html = out.Release();  // out is empty again
//
// Thread-safety: none (one renderer's buffer).
#ifndef SERVAL_MARKDOWN_HTML_BUFFER_H_
#define SERVAL_MARKDOWN_HTML_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace serval::markdown {

class HtmlBuffer {
 public:
  HtmlBuffer() = default;
  // A moved-from buffer is empty.
  HtmlBuffer(HtmlBuffer&& other) noexcept { *this = std::move(other); }
  HtmlBuffer& operator=(HtmlBuffer&& other) noexcept;
  HtmlBuffer(const HtmlBuffer&) = delete;
  HtmlBuffer& operator=(const HtmlBuffer&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const char* data() const { return bytes_.get(); }
  char& operator[](size_t i) { return bytes_[i]; }
  absl::string_view view() const { return absl::string_view(data(), size_); }
  // Implicit, as std::string's conversion is (absl::EndsWith(out, "</p>")).
  operator absl::string_view() const { return view(); }  // NOLINT

  // Room for `n` bytes in all without growing.
  void reserve(size_t n) {
    if (n >= capacity_) Grow(n - size_);
  }
  void clear() { size_ = 0; }

  void append(const char* text, size_t n) {
    if (n >= capacity_ - size_) Grow(n);
    std::memcpy(bytes_.get() + size_, text, n);
    size_ += n;
  }
  // Inline, a literal's length is a constant and its copy a few moves.
  void append(absl::string_view text) { append(text.data(), text.size()); }
  void push_back(char c) {
    if (size_ + 1 >= capacity_) Grow(1);
    bytes_[size_++] = c;
  }

  // For a writer that fills bytes in place: room for `n` more bytes, and
  // where they start (the end of the data). CommitAppend(k) then adds the
  // first k of them (REQUIRES: k <= n, no other change in between).
  char* PrepareAppend(size_t n) {
    if (n >= capacity_ - size_) Grow(n);
    return bytes_.get() + size_;
  }
  void CommitAppend(size_t n) { size_ += n; }

  // As std::string's: shorter cuts, longer appends NUL bytes.
  void resize(size_t n);
  void insert(size_t pos, size_t n, char c);
  void insert(size_t pos, absl::string_view text);
  void replace(size_t pos, size_t n, absl::string_view text);

  // The bytes as a string; the buffer is empty afterwards.
  std::string Release();

  // Appends `pieces` in order (StrAppend below).
  void AppendPieces(std::initializer_list<absl::string_view> pieces);

 private:
  // Makes room for `n` more bytes and one spare: at least doubles the
  // capacity. The spare byte keeps capacity_ > size_ after every write, so
  // the first write to an empty buffer, even of no bytes, allocates (no
  // memcpy to a null pointer).
  void Grow(size_t n);

  std::unique_ptr<char[]> bytes_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// absl::StrAppend for an HtmlBuffer: each argument as absl::AlphaNum takes it
// (strings, numbers in decimal).
template <typename... Args>
void StrAppend(HtmlBuffer* out, const Args&... args) {
  // The AlphaNums live until the end of the full expression, past the call.
  out->AppendPieces({absl::AlphaNum(args).Piece()...});
}

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_HTML_BUFFER_H_
