#include "collective/fake_rendezvous_client.h"

namespace trainyard {

Status FakeRendezvousClient::Set(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  ++calls_;
  if (unavailable_) return MakeError(ErrorCode::kUnavailable, "fake rendezvous: server down");
  values_[key] = value;
  return Ok();
}

Result<std::optional<std::string>> FakeRendezvousClient::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  ++calls_;
  if (unavailable_) return MakeError(ErrorCode::kUnavailable, "fake rendezvous: server down");
  auto it = values_.find(key);
  if (it == values_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

void FakeRendezvousClient::set_unavailable(bool unavailable) {
  std::lock_guard lock(mu_);
  unavailable_ = unavailable;
}

int FakeRendezvousClient::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

size_t FakeRendezvousClient::key_count() const {
  std::lock_guard lock(mu_);
  return values_.size();
}

size_t FakeRendezvousClient::keys_below(const std::string& prefix) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, unused] : values_) n += key.starts_with(prefix) ? 1 : 0;
  return n;
}

}  // namespace trainyard
