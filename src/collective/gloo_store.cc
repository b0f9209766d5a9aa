#include "collective/gloo_store.h"

#include <gloo/common/error.h>

#include <algorithm>

namespace trainyard {

std::string JoinRendezvousKey(const std::string& prefix, const std::string& key) {
  if (prefix.empty()) return key;
  return prefix.back() == '/' ? prefix + key : prefix + "/" + key;
}

ServerGlooStore::ServerGlooStore(RendezvousClient& client, ServerGlooStoreOptions options,
                                 const Clock& clock, Sleeper& sleeper)
    : client_(client), options_(std::move(options)), clock_(clock), sleeper_(sleeper) {}

void ServerGlooStore::Backoff(std::chrono::milliseconds* delay, int64_t deadline_ms) {
  int64_t left = deadline_ms - clock_.MonotonicMs();
  sleeper_.SleepFor(std::chrono::milliseconds(std::clamp<int64_t>(left, 0, delay->count())));
  *delay = std::min(*delay * 2, options_.max_backoff);
}

void ServerGlooStore::set(const std::string& key, const std::vector<char>& data) {
  const std::string full_key = JoinRendezvousKey(options_.prefix, key);
  const std::string value(data.begin(), data.end());
  const int64_t deadline = clock_.MonotonicMs() + options_.timeout.count();
  std::chrono::milliseconds delay = options_.first_backoff;
  while (true) {
    Status stored = client_.Set(full_key, value);
    if (stored.ok()) return;
    // Only a server that is away is worth retrying; a refusal is final.
    if (stored.error().code != ErrorCode::kUnavailable || clock_.MonotonicMs() >= deadline) {
      throw gloo::IoException("rendezvous: setting " + full_key + ": " + stored.error().ToString());
    }
    Backoff(&delay, deadline);
  }
}

std::string ServerGlooStore::Await(const std::string& key, int64_t deadline_ms,
                                   std::chrono::milliseconds limit) {
  const std::string full_key = JoinRendezvousKey(options_.prefix, key);
  std::chrono::milliseconds delay = options_.first_backoff;
  std::string last_error;
  while (true) {
    Result<std::optional<std::string>> value = client_.Get(full_key);
    if (value.ok() && value->has_value()) return std::move(**value);
    if (!value.ok()) {
      if (value.error().code != ErrorCode::kUnavailable) {
        throw gloo::IoException("rendezvous: getting " + full_key + ": " + value.error().ToString());
      }
      last_error = value.error().ToString();
    }
    if (clock_.MonotonicMs() >= deadline_ms) {
      throw gloo::IoException(
          "rendezvous: timed out after " + std::to_string(limit.count()) + " ms waiting for " +
          full_key +
          (last_error.empty() ? std::string(" (not set)") : " (last error: " + last_error + ")"));
    }
    Backoff(&delay, deadline_ms);
  }
}

std::vector<char> ServerGlooStore::get(const std::string& key) {
  std::string value = Await(key, clock_.MonotonicMs() + options_.timeout.count(), options_.timeout);
  return std::vector<char>(value.begin(), value.end());
}

void ServerGlooStore::wait(const std::vector<std::string>& keys) { wait(keys, options_.timeout); }

void ServerGlooStore::wait(const std::vector<std::string>& keys,
                           const std::chrono::milliseconds& timeout) {
  std::chrono::milliseconds limit = timeout.count() > 0 ? timeout : options_.timeout;
  const int64_t deadline = clock_.MonotonicMs() + limit.count();
  for (const std::string& key : keys) Await(key, deadline, limit);
}

}  // namespace trainyard
