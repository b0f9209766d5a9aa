#include "model/collective_result.h"

namespace trainyard {
namespace {

Error BadShape(const std::string& why) {
  return MakeError(ErrorCode::kSerialization, "collective result: " + why);
}

PeerResult PeerFromJson(const Json& j) {  // throws Json::exception on a bad shape
  PeerResult p;
  p.rank = j.value("Rank", 0);
  p.host = j.value("Host", "");
  p.ok = j.at("Ok").get<bool>();
  p.error = j.value("Error", "");
  p.bytes = j.value("Bytes", int64_t{0});
  p.seconds = j.value("Seconds", 0.0);
  p.algbw_bytes_per_s = j.value("AlgbwBytesPerS", 0.0);
  return p;
}

}  // namespace

Json ToJson(const PeerResult& p) {
  return {{"Rank", p.rank},   {"Host", p.host},       {"Ok", p.ok},
          {"Error", p.error}, {"Bytes", p.bytes},     {"Seconds", p.seconds},
          {"AlgbwBytesPerS", p.algbw_bytes_per_s}};
}

Json ToJson(const CollectiveResult& r) {
  Json peers = Json::array();
  for (const PeerResult& p : r.peers) peers.push_back(ToJson(p));
  return {{"Ok", r.ok},
          {"Error", r.error},
          {"Rank", r.rank},
          {"Size", r.size},
          {"Bytes", r.bytes},
          {"Iterations", r.iterations},
          {"Seconds", r.seconds},
          {"AlgbwBytesPerS", r.algbw_bytes_per_s},
          {"Peers", std::move(peers)},
          {"Nccl", r.nccl}};
}

Result<CollectiveResult> CollectiveResultFromJson(const Json& j) {
  if (!j.is_object()) return BadShape("not an object");
  CollectiveResult r;
  try {
    r.ok = j.at("Ok").get<bool>();
    r.error = j.value("Error", "");
    r.rank = j.value("Rank", 0);
    r.size = j.value("Size", 0);
    r.bytes = j.value("Bytes", int64_t{0});
    r.iterations = j.value("Iterations", 0);
    r.seconds = j.value("Seconds", 0.0);
    r.algbw_bytes_per_s = j.value("AlgbwBytesPerS", 0.0);
    if (j.contains("Peers")) {
      const Json& peers = j["Peers"];
      if (!peers.is_array()) return BadShape("Peers is not an array");
      for (const Json& p : peers) {
        if (!p.is_object()) return BadShape("a peer is not an object");
        r.peers.push_back(PeerFromJson(p));
      }
    }
    r.nccl = j.value("Nccl", "");
  } catch (const Json::exception& e) {
    return BadShape(e.what());
  }
  return r;
}

}  // namespace trainyard
