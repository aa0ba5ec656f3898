#pragma once
// A unified diff of two texts, for showing in a plan what a patch step will change.
#include <string>

namespace ssdbuild {

/// `diff -u`'s output for `before` -> `after` (headers `--- a/LABEL`, `+++ b/LABEL`, hunks
/// with `context` lines around each change); "" when the texts are equal.
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label, size_t context = 3);

}  // namespace ssdbuild
