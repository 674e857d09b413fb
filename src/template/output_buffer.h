// output_buffer.h — the bytes a render (or a macro, block or filter block
// captured by it) writes, appended inline.
//
// Contract: append() and push_back() add bytes at the end; size() is the
// number written; Take() ends the buffer and returns exactly those bytes
// as a std::string (the buffer is then empty). A std::string's append is
// a call into libstdc++ (its _M_append and then memcpy): a render makes
// about 500 of them, mostly a few bytes of template text or an escaped
// run. Here the string is kept resized past the bytes written (claimed up
// to a KiB at a time, zero-filled once as it is claimed), so an append that
// fits is a compare and a copy, inline, and short copies need no memcpy
// call.
//
// Also AppendEscapedTo, markupsafe's escaping into any such sink (a
// std::string or an OutputBuffer), and AppendOutput, what `{{ value }}`
// writes.
//
// Thread-safety: none; a buffer belongs to the render that writes it.
#ifndef SERVAL_TEMPLATE_OUTPUT_BUFFER_H_
#define SERVAL_TEMPLATE_OUTPUT_BUFFER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/string_view.h"
#include "src/template/value.h"

namespace serval::tmpl {

class OutputBuffer {
 public:
  // `room`: bytes reserved up front (a page is a few KiB, a macro's
  // output a few hundred bytes), so a typical render allocates once.
  explicit OutputBuffer(size_t room = 0) { bytes_.reserve(room); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  size_t size() const { return len_; }

  ABSL_ATTRIBUTE_ALWAYS_INLINE void append(const char* p, size_t n) {
    if (ABSL_PREDICT_FALSE(n > bytes_.size() - len_)) Claim(n);
    CopyBytes(bytes_.data() + len_, p, n);
    len_ += n;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void append(absl::string_view s) {
    append(s.data(), s.size());
  }
  void push_back(char c) {
    if (ABSL_PREDICT_FALSE(len_ == bytes_.size())) Claim(1);
    bytes_[len_++] = c;
  }

  // The bytes written; the buffer is empty afterwards.
  std::string Take() {
    bytes_.resize(len_);
    len_ = 0;
    return std::move(bytes_);
  }

 private:
  // Makes room for at least `n` more bytes past len_, claiming them or
  // kClaimStep, whichever is more (claimed bytes are zeroed by
  // std::string: a short memset each time, not one the size of a page's
  // capacity). Within the capacity there (a reserved page, or a short
  // capture's inline bytes) nothing is allocated; past it the capacity at
  // least doubles, and the step is the old capacity, from 64 bytes up.
  static constexpr size_t kClaimStep = 1024;
  void Claim(size_t n) {
    size_t want;
    if (len_ + n <= bytes_.capacity()) {
      want = std::min(len_ + std::max(n, kClaimStep), bytes_.capacity());
    } else {
      const size_t step =
          std::min(std::max(bytes_.capacity(), size_t{64}), kClaimStep);
      want = len_ + std::max(n, step);
      bytes_.reserve(std::max(want, 2 * bytes_.capacity()));
    }
    bytes_.resize(want);
  }
  // memcpy, with copies of up to 16 bytes (most template text between two
  // tags, most escaped runs) done inline as two overlapping words.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static void CopyBytes(char* to,
                                                     const char* from,
                                                     size_t n) {
    if (n > 16) {
      std::memcpy(to, from, n);
    } else if (n >= 8) {
      CopyTwoWords<uint64_t>(to, from, n);
    } else if (n >= 4) {
      CopyTwoWords<uint32_t>(to, from, n);
    } else {
      for (size_t i = 0; i < n; ++i) to[i] = from[i];
    }
  }
  // The n bytes (one to two Words) as a Word from each end, overlapping.
  template <typename Word>
  ABSL_ATTRIBUTE_ALWAYS_INLINE static void CopyTwoWords(char* to,
                                                        const char* from,
                                                        size_t n) {
    Word head, tail;
    std::memcpy(&head, from, sizeof(Word));
    std::memcpy(&tail, from + n - sizeof(Word), sizeof(Word));
    std::memcpy(to, &head, sizeof(Word));
    std::memcpy(to + n - sizeof(Word), &tail, sizeof(Word));
  }

  // Sized to the room claimed: bytes [0, len_) are written, the rest are
  // zeros waiting to be overwritten.
  std::string bytes_;
  size_t len_ = 0;
};

// markupsafe.escape of `s` appended to *out (a std::string or an
// OutputBuffer): runs of plain bytes copied whole, & < > " ' as entities.
template <typename Sink>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void AppendEscapedTo(absl::string_view s,
                                                         Sink* out) {
  size_t i = NextEscaped(s, 0);
  size_t start = 0;
  while (i < s.size()) {
    absl::string_view rep;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&#34;"; break;
      default: rep = "&#39;"; break;  // '\''
    }
    out->append(s.data() + start, i - start);
    out->append(rep.data(), rep.size());
    start = i + 1;
    i = NextEscaped(s, start);
  }
  out->append(s.data() + start, s.size() - start);
}

// AppendEscapedTo(s, out), out of line (the scan inlined in it).
void AppendEscaped(absl::string_view s, OutputBuffer* out);

// What `{{ value }}` writes with autoescaping on: Markup as is, anything
// else str() then escaped. Inline for a string (most of what is printed),
// AppendOutputOther for the rest.
void AppendOutputOther(const Value& v, bool autoescape, OutputBuffer* out);
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void AppendOutput(const Value& v,
                                                      bool autoescape,
                                                      OutputBuffer* out) {
  if (!v.is_string()) {
    AppendOutputOther(v, autoescape, out);
  } else if (!autoescape || v.is_safe()) {
    out->append(v.str());
  } else {
    AppendEscaped(v.str(), out);
  }
}

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_OUTPUT_BUFFER_H_
