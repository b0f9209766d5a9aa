#include "agent/line_splitter.h"

#include "agent/utf8_cut.h"

namespace trainyard {

void LineSplitter::EmitLine(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  emit_(std::move(line));
}

void LineSplitter::Feed(std::string_view bytes) {
  constexpr size_t kKeep = kMaxLogLineBytes - kLineCutMarker.size();
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
    if (!discarding_) {
      partial_.append(piece.substr(0, kMaxLogLineBytes + 1 - partial_.size()));
      if (partial_.size() > kMaxLogLineBytes) {
        partial_.resize(Utf8PrefixLength(partial_, kKeep));
        partial_ += kLineCutMarker;
        emit_(std::move(partial_));
        partial_.clear();
        discarding_ = true;
      }
    }
    if (newline == std::string_view::npos) return;
    if (discarding_) {
      discarding_ = false;
    } else {
      EmitLine(std::move(partial_));
      partial_.clear();
    }
  }
}

void LineSplitter::Finish() {
  if (!discarding_ && !partial_.empty()) EmitLine(std::move(partial_));
  partial_.clear();
  discarding_ = false;
}

}  // namespace trainyard
