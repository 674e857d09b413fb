#include "src/markdown/html_buffer.h"

#include <algorithm>
#include <utility>

namespace serval::markdown {

HtmlBuffer& HtmlBuffer::operator=(HtmlBuffer&& other) noexcept {
  bytes_ = std::move(other.bytes_);
  size_ = std::exchange(other.size_, 0);
  capacity_ = std::exchange(other.capacity_, 0);
  return *this;
}

void HtmlBuffer::Grow(size_t n) {
  // At least 256: the renderer's small buffers (a code block, a heading's
  // text) then allocate once.
  capacity_ = std::max({size_ + n + 1, 2 * capacity_, size_t{256}});
  std::unique_ptr<char[]> bytes(new char[capacity_]);  // not zero-filled
  if (size_ != 0) std::memcpy(bytes.get(), bytes_.get(), size_);
  bytes_ = std::move(bytes);
}

void HtmlBuffer::resize(size_t n) {
  if (n > size_) {
    reserve(n);
    std::memset(bytes_.get() + size_, 0, n - size_);
  }
  size_ = n;
}

void HtmlBuffer::insert(size_t pos, size_t n, char c) {
  reserve(size_ + n);
  std::memmove(bytes_.get() + pos + n, bytes_.get() + pos, size_ - pos);
  std::memset(bytes_.get() + pos, c, n);
  size_ += n;
}

void HtmlBuffer::insert(size_t pos, absl::string_view text) {
  replace(pos, 0, text);
}

void HtmlBuffer::replace(size_t pos, size_t n, absl::string_view text) {
  // `text` is never a view of this buffer (the renderer's replacements are
  // put together elsewhere), so growing cannot invalidate it.
  if (text.size() > n) reserve(size_ + text.size() - n);
  std::memmove(bytes_.get() + pos + text.size(), bytes_.get() + pos + n,
               size_ - pos - n);
  std::memcpy(bytes_.get() + pos, text.data(), text.size());
  size_ = size_ - n + text.size();
}

std::string HtmlBuffer::Release() {
  std::string out(data(), size_);
  bytes_.reset();
  size_ = 0;
  capacity_ = 0;
  return out;
}

void HtmlBuffer::AppendPieces(std::initializer_list<absl::string_view> pieces) {
  size_t n = 0;
  for (absl::string_view p : pieces) n += p.size();
  reserve(size_ + n);
  for (absl::string_view p : pieces) append(p);
}

}  // namespace serval::markdown
