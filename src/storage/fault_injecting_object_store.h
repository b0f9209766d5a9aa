// FaultInjectingObjectStore: wraps another ObjectStore and makes chosen calls
// fail, so tests can show what callers do when the store misbehaves.
//
// A fault names a kind of call and either its Nth occurrence (counted from
// when the fault is added, 1-based) or every call of that kind. The failing
// call returns `code` (kUnavailable by default, a transient failure) with a
// message starting "injected fault". By default the call never reaches the
// inner store (for a put: an upload cut short, which stores nothing since
// puts are atomic); with `after_inner_call` it does, and only the answer is
// lost (the put happened, the caller hears it failed).
//
// Exists() is a Head call. Thread safety: all methods may be called from any
// thread; the inner store must be thread-safe too and outlive this wrapper.
#pragma once

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace trainyard {

enum class ObjectStoreOp { kPut, kGet, kList, kDelete, kHead, kCopy };
std::string_view ToString(ObjectStoreOp op);

struct ObjectStoreFault {
  ObjectStoreOp op = ObjectStoreOp::kPut;
  int nth = 0;  // fail the nth call of `op` from now (1 = the next one); 0 = every call
  ErrorCode code = ErrorCode::kUnavailable;
  bool after_inner_call = false;  // run the call on the inner store, then report failure
};

class FaultInjectingObjectStore : public ObjectStore {
 public:
  explicit FaultInjectingObjectStore(ObjectStore& inner);

  void AddFault(const ObjectStoreFault& fault);
  void FailNthCall(ObjectStoreOp op, int nth) { AddFault({op, nth}); }
  void FailEveryCall(ObjectStoreOp op) { AddFault({op, 0}); }
  void ClearFaults();

  int CallCount(ObjectStoreOp op) const;  // calls of `op` so far, failed ones included
  int InjectedFailures() const;           // calls failed on purpose so far

  std::string Uri() const override;
  Status PutFile(std::string_view key, const std::string& local_path) override;
  Status GetFile(std::string_view key, const std::string& local_path) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Copy(std::string_view from_key, std::string_view to_key) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;

 private:
  struct ArmedFault {
    ObjectStoreFault fault;
    int target_call = 0;  // absolute call number for an nth fault; 0 = every call
  };

  // Counts a call of `op`; returns the fault it should suffer, if any, and
  // sets *error to the error to report.
  std::optional<ObjectStoreFault> CountCall(ObjectStoreOp op, std::string_view subject, Error* error);
  template <typename Call>
  auto Intercept(ObjectStoreOp op, std::string_view subject, const Call& call) -> decltype(call());

  ObjectStore& inner_;
  mutable std::mutex mu_;
  std::array<int, 6> calls_{};
  std::vector<ArmedFault> faults_;
  int injected_ = 0;
};

}  // namespace trainyard
