#include "ssdbuild/util/sha256.hpp"

#include <gtest/gtest.h>

namespace ssdbuild {
namespace {

TEST(Sha256, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalUpdatesEqualOneUpdate) {
  Sha256 hash;
  hash.update("a");
  hash.update("bc");
  EXPECT_EQ(hash.hex_digest(), sha256_hex("abc"));
}

TEST(Sha256, FieldsAreLengthPrefixedSoBoundariesMatter) {
  Sha256 first, second;
  first.update_field("ab");
  first.update_field("c");
  second.update_field("a");
  second.update_field("bc");
  EXPECT_NE(first.hex_digest(), second.hex_digest());
}

}  // namespace
}  // namespace ssdbuild
