// Identifiers: request ids, tokens. A seam so tests can make them predictable.
// Thread safety: RandomIdGenerator is safe to share between threads.
#pragma once

#include <mutex>
#include <random>
#include <string>

namespace trainyard {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A random version-4 UUID, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e".
  virtual std::string NewUuid() = 0;
  // `bytes` random bytes as lowercase hex (2*bytes characters).
  virtual std::string NewHex(int bytes) = 0;
};

// Seeded from std::random_device unless a seed is given.
class RandomIdGenerator : public IdGenerator {
 public:
  RandomIdGenerator();
  explicit RandomIdGenerator(uint64_t seed);
  std::string NewUuid() override;
  std::string NewHex(int bytes) override;

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace trainyard
