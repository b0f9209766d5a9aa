// FakeNetworkControl: a NetworkControl that changes nothing. It records each
// command as one string ("netns add ty-1a2b3c4d") and answers from a script:
// the first rule whose prefix starts the command gives its result; commands no
// rule matches succeed with empty output. FailCall(n) makes the n-th call
// (0-based, counting every call) fail, to inject a fault part-way through a
// sequence.
// Thread safety: all methods lock.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/network_control.h"

namespace trainyard {

class FakeNetworkControl : public NetworkControl {
 public:
  Result<std::string> Ip(const std::vector<std::string>& args) override {
    std::string command;
    for (const std::string& a : args) command += (command.empty() ? "" : " ") + a;
    std::lock_guard lock(mu_);
    int index = static_cast<int>(commands_.size());
    commands_.push_back(command);
    if (fail_call_ && *fail_call_ == index) {
      return MakeError(ErrorCode::kUnavailable, "ip " + command + ": injected failure");
    }
    for (const auto& [prefix, result] : rules_) {
      if (command.rfind(prefix, 0) != 0) continue;
      if (result.ok()) return result;
      return MakeError(result.error().code, "ip " + command + ": " + result.error().message);
    }
    return std::string();
  }

  // Commands starting with `prefix` answer `result` (an Error: they fail).
  void Answer(std::string prefix, Result<std::string> result) {
    std::lock_guard lock(mu_);
    rules_.emplace_back(std::move(prefix), std::move(result));
  }
  void FailCall(int index) {
    std::lock_guard lock(mu_);
    fail_call_ = index;
  }

  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  // Forgets the recorded commands and FailCall; call indices start again at 0.
  void ClearCommands() {
    std::lock_guard lock(mu_);
    commands_.clear();
    fail_call_.reset();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::vector<std::pair<std::string, Result<std::string>>> rules_;
  std::optional<int> fail_call_;
};

}  // namespace trainyard
