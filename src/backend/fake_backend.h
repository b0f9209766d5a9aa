// FakeBackend: an InstanceBackend whose instances are plain records, for
// tests that drive the agent protocol themselves. It remembers every launch
// (including the job's token) and lets a test end or kill an "agent"; a
// replacement for a host takes over that host's record.
// Thread safety: all methods lock.
#pragma once

#include <map>
#include <mutex>

#include "backend/instance_backend.h"

namespace trainyard {

class FakeBackend : public InstanceBackend {
 public:
  struct Record {
    InstanceLaunch launch;
    std::optional<int> exit_status;
    bool killed = false;
  };

  Result<std::unique_ptr<Instance>> Launch(const InstanceLaunch& launch) override {
    std::lock_guard lock(mu_);
    if (fail_launches_) return MakeError(ErrorCode::kUnavailable, "fake: no capacity");
    records_[launch.host] = Record{launch, std::nullopt, false};
    ++launches_[launch.host];
    return std::unique_ptr<Instance>(new FakeInstance(this, launch.host));
  }

  std::unique_ptr<Instance> Adopt(const std::string& description, const std::string& host) override {
    std::lock_guard lock(mu_);
    auto it = records_.find(host);
    if (it == records_.end() || it->second.exit_status) return nullptr;
    return std::unique_ptr<Instance>(new FakeInstance(this, host));
  }

  // The agent of `host` ends with `status` (e.g. 137 for kill -9).
  void EndAgent(const std::string& host, int status) {
    std::lock_guard lock(mu_);
    records_[host].exit_status = status;
  }

  std::optional<Record> Get(const std::string& host) {
    std::lock_guard lock(mu_);
    auto it = records_.find(host);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }

  // How many instances were launched for `host` (replacements included).
  int Launches(const std::string& host) {
    std::lock_guard lock(mu_);
    return launches_[host];
  }

  void set_fail_launches(bool fail) {
    std::lock_guard lock(mu_);
    fail_launches_ = fail;
  }

 private:
  class FakeInstance : public Instance {
   public:
    FakeInstance(FakeBackend* backend, std::string host) : backend_(backend), host_(std::move(host)) {}
    const std::string& host() const override { return host_; }
    std::string Describe() const override { return "fake " + host_; }
    std::optional<int> Poll() override {
      std::lock_guard lock(backend_->mu_);
      return backend_->records_[host_].exit_status;
    }
    void Kill() override {
      std::lock_guard lock(backend_->mu_);
      Record& r = backend_->records_[host_];
      r.killed = true;
      if (!r.exit_status) r.exit_status = 137;
    }

   private:
    FakeBackend* backend_;
    std::string host_;
  };

  std::mutex mu_;
  std::map<std::string, Record> records_;  // the latest launch per host
  std::map<std::string, int> launches_;
  bool fail_launches_ = false;
};

}  // namespace trainyard
