#include "auth/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "raws3/error.hpp"

namespace raws3::auth {
namespace {

[[noreturn]] void openssl_failed(const char* what) { throw Error(std::string("OpenSSL: ") + what + " failed"); }

// Fetched once: with OpenSSL 3, EVP_sha256() and the one-shot MAC helpers look the algorithm up on every
// call, which costs more than hashing a canonical request. The algorithms live as long as the process.
EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) openssl_failed("fetching SHA256");
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) openssl_failed("fetching HMAC");
  return mac;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// One context of each kind per thread, reused: allocating a context per call would dominate a signature.
EVP_MD_CTX* md_ctx() {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
  if (!ctx) openssl_failed("EVP_MD_CTX_new");
  return ctx.get();
}

EVP_MAC_CTX* hmac_ctx() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> made{EVP_MAC_CTX_new(hmac_mac())};
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (made && EVP_MAC_CTX_set_params(made.get(), params) != 1) made.reset();
    return made;
  }();
  if (!ctx) openssl_failed("setting up HMAC-SHA256");
  return ctx.get();
}

}  // namespace

Digest sha256(std::span<const std::byte> data) {
  EVP_MD_CTX* ctx = md_ctx();
  Digest out;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 || EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), nullptr) != 1) {
    openssl_failed("SHA-256");
  }
  return out;
}

Digest hmac_sha256(std::span<const unsigned char> key, std::string_view data) {
  EVP_MAC_CTX* ctx = hmac_ctx();
  Digest out;
  std::size_t written = 0;
  if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &written, out.size()) != 1 || written != out.size()) {
    openssl_failed("HMAC-SHA256");
  }
  return out;
}

void hex_append(std::string& out, std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 2 * bytes.size());
  char* p = out.data() + at;
  for (unsigned char b : bytes) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 0x0f];
  }
}

std::string hex(std::span<const unsigned char> bytes) {
  std::string out;
  hex_append(out, bytes);
  return out;
}

std::string base64(std::span<const unsigned char> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  out.resize(std::size_t(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), int(bytes.size()))));
  return out;
}

}  // namespace raws3::auth
