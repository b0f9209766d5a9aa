// FakeRendezvousClient: a RendezvousClient over an in-memory map, shared by
// every "instance" of a test (all ranks in one process use one fake). It can
// play a server that is down.
// Thread safety: all methods lock.
#pragma once

#include <map>
#include <mutex>

#include "collective/rendezvous_client.h"

namespace trainyard {

class FakeRendezvousClient : public RendezvousClient {
 public:
  Status Set(const std::string& key, const std::string& value) override;
  Result<std::optional<std::string>> Get(const std::string& key) override;

  // While true, every call fails with kUnavailable.
  void set_unavailable(bool unavailable);
  int calls() const;       // Set and Get calls so far, failed ones included
  size_t key_count() const;
  size_t keys_below(const std::string& prefix) const;  // keys starting with `prefix`

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> values_;
  bool unavailable_ = false;
  int calls_ = 0;
};

}  // namespace trainyard
