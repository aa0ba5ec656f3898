#pragma once
// SHA-256 through OpenSSL's libcrypto, for fingerprints and download checksums.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ssdbuild {

/// Incremental SHA-256; `hex_digest` ends the computation.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  /// Starts over, as if nothing had been added.
  void reset();
  /// Adds a field with a length prefix, so ("ab","c") and ("a","bc") hash differently.
  void update_field(std::string_view data);
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string sha256_hex(std::string_view data);

/// The SHA-256 of a file, streamed; throws Error naming the file when it cannot be read.
std::string file_sha256(const std::filesystem::path& path);

}  // namespace ssdbuild
