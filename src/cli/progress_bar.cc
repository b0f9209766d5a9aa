#include "cli/progress_bar.h"

#include <unistd.h>

namespace trainyard::cli {

std::string FormatBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

ProgressBar::ProgressBar(std::FILE* out, std::string label)
    : out_(out), label_(std::move(label)), enabled_(isatty(fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t bytes_done, int64_t bytes_total, int64_t files_done, int64_t files_total) {
  std::lock_guard lock(mu_);
  bytes_done_ = bytes_done;
  bytes_total_ = bytes_total;
  files_done_ = files_done;
  files_total_ = files_total;
  Draw(false);
}

void ProgressBar::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;
  Draw(true);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::Draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 24;
  double fraction = bytes_total_ > 0 ? static_cast<double>(bytes_done_) / static_cast<double>(bytes_total_)
                    : files_total_ > 0 ? static_cast<double>(files_done_) / static_cast<double>(files_total_)
                                       : 1.0;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  double seconds = std::chrono::duration<double>(now - start_).count();
  std::string rate = seconds > 0.2 ? FormatBytes(static_cast<int64_t>(bytes_done_ / seconds)) + "/s" : "";
  std::fprintf(out_, "\r%s [%s] %3d%%  %lld/%lld files  %s/%s  %s\033[K", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<long long>(files_done_),
               static_cast<long long>(files_total_), FormatBytes(bytes_done_).c_str(),
               FormatBytes(bytes_total_).c_str(), rate.c_str());
  std::fflush(out_);
}

}  // namespace trainyard::cli
