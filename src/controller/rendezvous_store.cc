#include "controller/rendezvous_store.h"

namespace trainyard {

Status ValidateRendezvousKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxRendezvousKeyBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rendezvous key must have 1 to " + std::to_string(kMaxRendezvousKeyBytes) +
                         " bytes, not " + std::to_string(key.size()));
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "rendezvous key must be printable ASCII without spaces");
    }
  }
  return Ok();
}

RendezvousStore::RendezvousStore(RendezvousStoreOptions options) : options_(options) {}

Status RendezvousStore::Set(const std::string& key, std::string value) {
  TY_RETURN_IF_ERROR(ValidateRendezvousKey(key));
  if (value.size() > options_.max_value_bytes) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "rendezvous value of " + std::to_string(value.size()) + " bytes is over " +
                         std::to_string(options_.max_value_bytes));
  }
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  size_t old_bytes = it == values_.end() ? 0 : key.size() + it->second.size();
  size_t new_total = total_bytes_ - old_bytes + key.size() + value.size();
  if (it == values_.end() && values_.size() >= options_.max_keys) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "the job's rendezvous holds " + std::to_string(options_.max_keys) +
                         " keys already");
  }
  if (new_total > options_.max_total_bytes) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "the job's rendezvous would hold more than " +
                         std::to_string(options_.max_total_bytes) + " bytes");
  }
  total_bytes_ = new_total;
  if (it == values_.end()) {
    values_.emplace(key, std::move(value));
  } else {
    it->second = std::move(value);
  }
  return Ok();
}

std::optional<std::string> RendezvousStore::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void RendezvousStore::DropBelow(std::string_view prefix) {
  std::lock_guard lock(mu_);
  for (auto it = values_.lower_bound(prefix);
       it != values_.end() && std::string_view(it->first).starts_with(prefix);) {
    total_bytes_ -= it->first.size() + it->second.size();
    it = values_.erase(it);
  }
}

void RendezvousStore::Clear() {
  std::lock_guard lock(mu_);
  values_.clear();
  total_bytes_ = 0;
}

size_t RendezvousStore::key_count() const {
  std::lock_guard lock(mu_);
  return values_.size();
}

size_t RendezvousStore::total_bytes() const {
  std::lock_guard lock(mu_);
  return total_bytes_;
}

}  // namespace trainyard
