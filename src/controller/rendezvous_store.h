// RendezvousStore: the key-value store behind one job's rendezvous (the
// collective check's Gloo store, served to agents by the agent API, see
// model/agent_protocol.h). Keys are set once per attempt and read by every
// instance; values are opaque bytes.
//
// Bounded, so that an agent cannot make the server hold unbounded memory:
// at most `max_keys` keys, `max_value_bytes` per value and `max_total_bytes`
// of keys plus values together. Setting an existing key replaces its value.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace trainyard {

struct RendezvousStoreOptions {
  size_t max_keys = 4096;
  size_t max_value_bytes = 1 << 20;   // 1 MiB
  size_t max_total_bytes = 16 << 20;  // 16 MiB, keys and values
};

inline constexpr size_t kMaxRendezvousKeyBytes = 512;

// Ok for 1 to kMaxRendezvousKeyBytes bytes of printable ASCII (0x21..0x7e:
// no spaces, no control characters); kInvalidArgument otherwise.
Status ValidateRendezvousKey(std::string_view key);

class RendezvousStore {
 public:
  explicit RendezvousStore(RendezvousStoreOptions options = {});

  // kInvalidArgument for a bad key (ValidateRendezvousKey);
  // kResourceExhausted when the value or the store would exceed a limit (the
  // store is then unchanged).
  Status Set(const std::string& key, std::string value);
  // The value, or nullopt when `key` is not set.
  std::optional<std::string> Get(const std::string& key) const;
  // Removes every key that starts with `prefix`.
  void DropBelow(std::string_view prefix);
  void Clear();

  size_t key_count() const;
  size_t total_bytes() const;  // keys plus values

 private:
  const RendezvousStoreOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> values_;
  size_t total_bytes_ = 0;
};

}  // namespace trainyard
