// LineSplitter: turns a byte stream (a pipe's reads) into log lines.
//
// Lines end at '\n' (a trailing '\r' is dropped too). A line longer than
// kMaxLogLineBytes is emitted at once, cut to fit with kLineCutMarker at its
// end (never splitting a UTF-8 character), and the rest of it, up to the next
// '\n', is discarded: memory per stream stays below kMaxLogLineBytes however
// long a line grows. Finish() emits a last line that had no '\n'.
//
// Thread safety: thread-compatible (one per stream).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "model/agent_protocol.h"

namespace trainyard {

inline constexpr std::string_view kLineCutMarker = " [trainyard: line cut]";

class LineSplitter {
 public:
  using Emit = std::function<void(std::string line)>;

  explicit LineSplitter(Emit emit) : emit_(std::move(emit)) {}

  void Feed(std::string_view bytes);
  void Finish();

 private:
  void EmitLine(std::string line);

  Emit emit_;
  std::string partial_;
  bool discarding_ = false;  // inside the rest of a line that was cut
};

}  // namespace trainyard
