// ObjectStoreOpener: turns a storage URI from a job (a channel's S3Uri, a
// submit directory) into an ObjectStore rooted at that URI. The agent's seam
// for "where does this data live"; tests pass a fake that hands out
// fault-injecting stores.
//
// Thread safety: implementations may be called from any thread.
#pragma once

#include <memory>

#include "common/result.h"
#include "storage/object_store.h"
#include "storage/storage_uri.h"

namespace trainyard {

class ObjectStoreOpener {
 public:
  virtual ~ObjectStoreOpener() = default;
  // A store whose root is `uri`: key "a/b" is <uri>/a/b. kInvalidArgument for
  // a scheme this opener cannot serve.
  virtual Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) = 0;
};

// Serves file:// URIs with a FileObjectStore; refuses s3:// (kInvalidArgument)
// until the agent is given an S3 store.
class LocalObjectStoreOpener : public ObjectStoreOpener {
 public:
  Result<std::unique_ptr<ObjectStore>> Open(const StorageUri& uri) override;
};

}  // namespace trainyard
