#include "storage/fault_injecting_object_store.h"

#include <algorithm>

namespace trainyard {

std::string_view ToString(ObjectStoreOp op) {
  switch (op) {
    case ObjectStoreOp::kPut: return "put";
    case ObjectStoreOp::kGet: return "get";
    case ObjectStoreOp::kList: return "list";
    case ObjectStoreOp::kDelete: return "delete";
    case ObjectStoreOp::kHead: return "head";
    case ObjectStoreOp::kCopy: return "copy";
  }
  return "unknown";
}

FaultInjectingObjectStore::FaultInjectingObjectStore(ObjectStore& inner) : inner_(inner) {}

void FaultInjectingObjectStore::AddFault(const ObjectStoreFault& fault) {
  std::lock_guard lock(mu_);
  int target = fault.nth > 0 ? calls_[static_cast<size_t>(fault.op)] + fault.nth : 0;
  faults_.push_back(ArmedFault{fault, target});
}

void FaultInjectingObjectStore::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

int FaultInjectingObjectStore::CallCount(ObjectStoreOp op) const {
  std::lock_guard lock(mu_);
  return calls_[static_cast<size_t>(op)];
}

int FaultInjectingObjectStore::InjectedFailures() const {
  std::lock_guard lock(mu_);
  return injected_;
}

std::optional<ObjectStoreFault> FaultInjectingObjectStore::CountCall(ObjectStoreOp op,
                                                                     std::string_view subject,
                                                                     Error* error) {
  std::lock_guard lock(mu_);
  int call = ++calls_[static_cast<size_t>(op)];
  auto match = std::find_if(faults_.begin(), faults_.end(), [&](const ArmedFault& armed) {
    return armed.fault.op == op && (armed.target_call == 0 || armed.target_call == call);
  });
  if (match == faults_.end()) return std::nullopt;
  ObjectStoreFault fault = match->fault;
  if (match->target_call != 0) faults_.erase(match);
  ++injected_;
  *error = MakeError(fault.code, "injected fault: " + std::string(ToString(op)) + " call #" +
                                     std::to_string(call) + " of " + std::string(subject));
  return fault;
}

template <typename Call>
auto FaultInjectingObjectStore::Intercept(ObjectStoreOp op, std::string_view subject,
                                          const Call& call) -> decltype(call()) {
  Error error;
  std::optional<ObjectStoreFault> fault = CountCall(op, subject, &error);
  if (fault && !fault->after_inner_call) return error;
  auto result = call();
  if (fault) return error;
  return result;
}

std::string FaultInjectingObjectStore::Uri() const { return inner_.Uri(); }

Status FaultInjectingObjectStore::PutFile(std::string_view key, const std::string& local_path) {
  return Intercept(ObjectStoreOp::kPut, key, [&] { return inner_.PutFile(key, local_path); });
}

Status FaultInjectingObjectStore::GetFile(std::string_view key, const std::string& local_path) {
  return Intercept(ObjectStoreOp::kGet, key, [&] { return inner_.GetFile(key, local_path); });
}

Result<std::vector<ObjectInfo>> FaultInjectingObjectStore::List(std::string_view prefix) {
  return Intercept(ObjectStoreOp::kList, prefix, [&] { return inner_.List(prefix); });
}

Status FaultInjectingObjectStore::Copy(std::string_view from_key, std::string_view to_key) {
  return Intercept(ObjectStoreOp::kCopy, to_key, [&] { return inner_.Copy(from_key, to_key); });
}

Status FaultInjectingObjectStore::Delete(std::string_view key) {
  return Intercept(ObjectStoreOp::kDelete, key, [&] { return inner_.Delete(key); });
}

Result<ObjectInfo> FaultInjectingObjectStore::Head(std::string_view key) {
  return Intercept(ObjectStoreOp::kHead, key, [&] { return inner_.Head(key); });
}

}  // namespace trainyard
