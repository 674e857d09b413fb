// Links //src/base:fast_malloc: mimalloc in the default configuration,
// the sanitizer's allocator under asan, tsan and fuzz.
#include "src/base/allocator.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace serval::base {
namespace {

TEST(AllocatorTest, NamesTheAllocatorOfTheConfiguration) {
#ifdef SERVAL_SANITIZER
  EXPECT_EQ(AllocatorName(), "glibc malloc");
#else
  EXPECT_EQ(AllocatorName().rfind("mimalloc 2.", 0), 0u) << AllocatorName();
#endif
}

// Memory allocated on one thread and freed on another (what a build's
// pool does with every page) comes back intact.
TEST(AllocatorTest, CrossThreadFreeAndReuse) {
  std::vector<std::string*> made(1000);
  std::thread maker([&] {
    for (size_t i = 0; i < made.size(); ++i) {
      made[i] = new std::string(i % 300 + 1, static_cast<char>('a' + i % 26));
    }
  });
  maker.join();
  std::thread freer([&] {
    for (size_t i = 0; i < made.size(); ++i) {
      ASSERT_EQ(made[i]->size(), i % 300 + 1);
      ASSERT_EQ((*made[i])[0], static_cast<char>('a' + i % 26));
      delete made[i];
    }
  });
  freer.join();
  void* big = std::malloc(64 << 20);
  ASSERT_NE(big, nullptr);
  std::memset(big, 1, 64 << 20);
  std::free(big);
}

}  // namespace
}  // namespace serval::base
