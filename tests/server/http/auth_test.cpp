// The on-call bearer token check (server/http/auth.h).
#include "server/http/auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace verdict::server {
namespace {

TEST(BearerAuth, DisabledRefusesEverything) {
  BearerAuth auth;
  EXPECT_FALSE(auth.enabled());
  EXPECT_FALSE(auth.Check(""));
  EXPECT_FALSE(auth.Check("Bearer "));
  EXPECT_FALSE(auth.Check("Bearer anything"));
}

TEST(BearerAuth, AcceptsOnlyTheExactToken) {
  const BearerAuth auth = BearerAuth::WithToken("s3cret-token");
  EXPECT_TRUE(auth.Check("Bearer s3cret-token"));
  EXPECT_FALSE(auth.Check("Bearer s3cret-tokeN"));
  EXPECT_FALSE(auth.Check("Bearer s3cret-token "));
  EXPECT_FALSE(auth.Check("Bearer s3cret"));
  EXPECT_FALSE(auth.Check("bearer s3cret-token"));
  EXPECT_FALSE(auth.Check("Basic s3cret-token"));
  EXPECT_FALSE(auth.Check("s3cret-token"));
  EXPECT_FALSE(auth.Check(""));
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(BearerAuth, FromFileTrimsWhitespaceAndRejectsEmptyOrMissingFiles) {
  char dir[] = "/tmp/verdict-auth-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string token = std::string(dir) + "/token";
  std::ofstream(token) << "  tok123\n";
  auto auth = BearerAuth::FromFile(token);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_TRUE(auth->Check("Bearer tok123"));
  const std::string empty = std::string(dir) + "/empty";
  std::ofstream(empty) << " \n";
  EXPECT_EQ(BearerAuth::FromFile(empty).status().message(), "--token-file: " + empty + " is empty");
  EXPECT_EQ(BearerAuth::FromFile(std::string(dir) + "/nope").status().message(),
            "--token-file: cannot read " + std::string(dir) + "/nope");
  EXPECT_EQ(BearerAuth::FromFile(dir).status().message(),
            "--token-file: " + std::string(dir) + " is a directory");
  std::remove(token.c_str());
  std::remove(empty.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace verdict::server
