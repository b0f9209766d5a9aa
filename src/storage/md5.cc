#include "storage/md5.h"

#include <openssl/evp.h>

namespace trainyard {

struct Md5::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Md5::Md5() : state_(std::make_unique<State>()) { Reset(); }
Md5::~Md5() = default;

void Md5::Reset() { EVP_DigestInit_ex(state_->context, EVP_md5(), nullptr); }

void Md5::Update(std::string_view data) { EVP_DigestUpdate(state_->context, data.data(), data.size()); }

std::string Md5::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest, &length);
  Reset();
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Md5Digest(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return md5.Finish();
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

}  // namespace trainyard
