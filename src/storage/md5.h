// MD5 digests (OpenSSL's libcrypto) for S3's integrity checks: the
// Content-MD5 header on uploads and plain-MD5 ETags on downloads. Not for
// security. An Md5 object is used by one thread at a time; the free
// functions are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace trainyard {

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void Update(std::string_view data);
  // The 16-byte digest of everything given since construction or the last
  // Reset; the object is then reset.
  std::string Finish();
  void Reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Md5Digest(std::string_view data);  // raw 16 bytes
// Standard base64 with padding, as the Content-MD5 header wants it.
std::string Base64Encode(std::string_view bytes);

}  // namespace trainyard
