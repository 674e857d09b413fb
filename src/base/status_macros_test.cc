#include "src/base/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace serval::base {
namespace {

int g_calls = 0;

absl::Status CountedStatus(absl::Status s) {
  ++g_calls;
  return s;
}

absl::Status ReturnIfError(absl::Status first, bool* reached_end) {
  SERVAL_RETURN_IF_ERROR(CountedStatus(first));
  *reached_end = true;
  return absl::OkStatus();
}

TEST(ReturnIfErrorTest, PropagatesErrorAndEvaluatesOnce) {
  g_calls = 0;
  bool reached = false;
  absl::Status s = ReturnIfError(absl::NotFoundError("gone"), &reached);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "gone");
  EXPECT_FALSE(reached);
  EXPECT_EQ(g_calls, 1);
}

TEST(ReturnIfErrorTest, ContinuesOnOk) {
  bool reached = false;
  EXPECT_TRUE(ReturnIfError(absl::OkStatus(), &reached).ok());
  EXPECT_TRUE(reached);
}

absl::StatusOr<std::unique_ptr<std::string>> MakeString(bool ok) {
  if (!ok) return absl::InvalidArgumentError("no");
  return std::make_unique<std::string>("value");
}

absl::StatusOr<size_t> LengthOf(bool ok) {
  // Move-only values work, and the macro can be used twice in one scope.
  SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<std::string> a, MakeString(ok));
  SERVAL_ASSIGN_OR_RETURN(auto b, MakeString(true));
  return a->size() + b->size();
}

TEST(AssignOrReturnTest, AssignsValue) {
  absl::StatusOr<size_t> n = LengthOf(true);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);
}

TEST(AssignOrReturnTest, ReturnsError) {
  absl::StatusOr<size_t> n = LengthOf(false);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
}

absl::Status AssignToExisting(bool ok, std::string* out) {
  std::unique_ptr<std::string> p;
  SERVAL_ASSIGN_OR_RETURN(p, MakeString(ok));
  *out = *p;
  return absl::OkStatus();
}

TEST(AssignOrReturnTest, AssignsToExistingVariable) {
  std::string out;
  EXPECT_TRUE(AssignToExisting(true, &out).ok());
  EXPECT_EQ(out, "value");
  EXPECT_FALSE(AssignToExisting(false, &out).ok());
}

}  // namespace
}  // namespace serval::base
