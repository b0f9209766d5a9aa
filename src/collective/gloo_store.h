// ServerGlooStore: a gloo::rendezvous::Store over a RendezvousClient, so that
// Gloo's rendezvous goes through the server (Gloo has no TCP store).
//
// Gloo key k is stored as "<prefix>/k". get() and wait() poll the client
// (backing off from first_backoff, doubling, to max_backoff) until the keys
// are set or the deadline passes; set() retries failed calls the same way.
// A call that cannot finish by its deadline throws gloo::IoException, as
// Gloo's own stores do: this type lives inside Gloo's world only, and the
// code that drives Gloo (collective_check.cc) catches at its boundary.
// Thread safety: as thread-safe as the client; the store keeps no state.
#pragma once

#include <gloo/rendezvous/store.h>

#include <chrono>
#include <string>
#include <vector>

#include "collective/rendezvous_client.h"
#include "common/clock.h"
#include "common/sleeper.h"

namespace trainyard {

struct ServerGlooStoreOptions {
  std::string prefix;                          // e.g. "attempt-1/preflight/mesh"
  std::chrono::milliseconds timeout{30000};    // for set(), get() and wait() without a timeout
  std::chrono::milliseconds first_backoff{1};  // between polls, doubling ...
  std::chrono::milliseconds max_backoff{50};   // ... up to this
};

// "a" + "b" -> "a/b"; no doubled '/' when `prefix` ends with one; `key`
// alone when `prefix` is empty.
std::string JoinRendezvousKey(const std::string& prefix, const std::string& key);

class ServerGlooStore : public gloo::rendezvous::Store {
 public:
  // `client`, `clock` and `sleeper` must outlive the store.
  ServerGlooStore(RendezvousClient& client, ServerGlooStoreOptions options, const Clock& clock,
                  Sleeper& sleeper);

  void set(const std::string& key, const std::vector<char>& data) override;
  // Waits up to options.timeout for `key` to be set.
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  // A zero timeout (gloo::kNoTimeout) means options.timeout: never forever.
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  // The value of `key`, polled until set or `deadline_ms` (monotonic) passes
  // (`limit` is the time allowed, for the message).
  std::string Await(const std::string& key, int64_t deadline_ms, std::chrono::milliseconds limit);
  void Backoff(std::chrono::milliseconds* delay, int64_t deadline_ms);

  RendezvousClient& client_;
  const ServerGlooStoreOptions options_;
  const Clock& clock_;
  Sleeper& sleeper_;
};

}  // namespace trainyard
