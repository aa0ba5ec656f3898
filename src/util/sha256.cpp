// OpenSSL's low-level SHA-256 on purpose: the EVP interface loads OpenSSL's configuration
// and providers on first use, which was a fifth of the instructions of `ssdbuild plan`
// (measured with callgrind). The low-level functions are deprecated in OpenSSL 3 but kept,
// and exist from 1.1 on.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "ssdbuild/util/sha256.hpp"

#include <openssl/sha.h>

#include <cerrno>
#include <fstream>
#include <vector>

#include "ssdbuild/util/error.hpp"

namespace ssdbuild {

struct Sha256::Context {
  SHA256_CTX state;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  SHA256_Init(&context_->state);
}

Sha256::~Sha256() = default;

void Sha256::reset() {
  SHA256_Init(&context_->state);
}

void Sha256::update(std::string_view data) {
  SHA256_Update(&context_->state, data.data(), data.size());
}

void Sha256::update_field(std::string_view data) {
  update(std::to_string(data.size()));
  update(":");
  update(data);
}

std::string Sha256::hex_digest() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context_->state);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex_digest();
}

std::string file_sha256(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(errno_message("cannot read " + path.string(), errno));
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    hash.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  return hash.hex_digest();
}

}  // namespace ssdbuild
