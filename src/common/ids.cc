#include "common/ids.h"

#include <cstdio>

namespace trainyard {

RandomIdGenerator::RandomIdGenerator() : rng_(std::random_device{}()) {}
RandomIdGenerator::RandomIdGenerator(uint64_t seed) : rng_(seed) {}

std::string RandomIdGenerator::NewHex(int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  std::lock_guard lock(mu_);
  for (int i = 0; i < bytes; ++i) {
    unsigned b = static_cast<unsigned>(rng_() & 0xff);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string RandomIdGenerator::NewUuid() {
  std::string h = NewHex(16);
  h[12] = '4';                                // version 4
  h[16] = "89ab"[(h[16] - '0') & 3];          // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20, 12);
}

}  // namespace trainyard
