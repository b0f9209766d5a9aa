// checkpoint_bench: times trainyard's object store on checkpoint-shaped work,
// one operation per process so that each one's peak memory is its own.
//
//   checkpoint_bench put-file --uri s3://bucket/prefix --key big.bin --file PATH
//   checkpoint_bench get-file --uri s3://bucket/prefix --key big.bin --file PATH
//   checkpoint_bench put-dir  --uri s3://bucket/prefix --dir PATH
//   checkpoint_bench get-dir  --uri s3://bucket/prefix --dir PATH
//   checkpoint_bench sync-lag --uri s3://bucket/prefix --dir PATH [--sizes-mb 1,16,64] [--files 20]
//
// Every command takes --part-size-mib, --multipart-threshold-mib and
// --parallelism, which override S3Options' defaults, for what-if runs.
//
// The store is OpenObjectStore(uri, S3OptionsFromEnvironment(...)): the
// endpoint and keys come from AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, ...,
// as for the agent. Each command prints one JSON object on stdout (times in
// seconds or milliseconds, sizes in bytes, VmHWM in KiB); errors go to
// stderr with exit status 1. bench/checkpoint/run.sh drives it.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/log.h"
#include "storage/open_object_store.h"
#include "storage/transfer.h"
#include "sync_lag.h"

namespace trainyard::bench {
namespace {

struct Flags {
  std::string uri, key, file, dir;
  int files_in_flight = 0;  // 0: TransferOptions' default
  int64_t part_size_mib = 0;  // 0: S3Options' default (what-if runs only)
  int64_t multipart_threshold_mib = -1;  // -1: S3Options' default (what-if runs only)
  int parallelism = 0;        // 0: S3Options' default (what-if runs only)
  std::vector<int64_t> sizes_mb = {1, 16, 64};
  int files = 20;
  int interval_ms = 1000;
};

// A field of /proc/self/status in KiB ("VmHWM", "VmRSS"); -1 if absent.
int64_t ProcStatusKb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Bytes and count of the regular files below `dir`.
std::pair<int64_t, int64_t> TreeSize(const std::string& dir) {
  int64_t bytes = 0, files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      bytes += static_cast<int64_t>(entry.file_size());
      ++files;
    }
  }
  return {bytes, files};
}

TransferOptions TransferOptionsFrom(const Flags& flags) {
  TransferOptions options;
  if (flags.files_in_flight > 0) options.files_in_flight = flags.files_in_flight;
  return options;
}

// Runs one transfer and prints its timing; 0 on success.
int TimeTransfer(const std::string& op, const Flags& flags, ObjectStore& store) {
  using SteadyClock = std::chrono::steady_clock;
  const SteadyClock::time_point start = SteadyClock::now();
  Status status;
  if (op == "put-file") status = store.PutFile(flags.key, flags.file);
  if (op == "get-file") status = store.GetFile(flags.key, flags.file);
  if (op == "put-dir") status = UploadDirectory(store, flags.dir, "", TransferOptionsFrom(flags));
  if (op == "get-dir") status = DownloadPrefix(store, "", flags.dir, TransferOptionsFrom(flags));
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (!status.ok()) {
    std::fprintf(stderr, "checkpoint_bench %s: %s\n", op.c_str(), status.error().ToString().c_str());
    return 1;
  }
  const bool single = op == "put-file" || op == "get-file";
  auto [bytes, files] = single ? std::pair<int64_t, int64_t>{std::filesystem::file_size(flags.file), 1}
                               : TreeSize(flags.dir);
  Json out = {{"op", op},           {"uri", flags.uri},     {"bytes", bytes},
              {"files", files},     {"seconds", seconds},   {"mb_per_s", bytes / 1e6 / seconds},
              {"vmhwm_kb", ProcStatusKb("VmHWM")}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

Json SampleJson(const SyncLagSample& sample) {
  return {{"path", sample.path},
          {"size", sample.size},
          {"lag_ms", sample.mirror_lag_ms},
          {"close_to_durable_ms", sample.close_to_durable_ms},
          {"write_ms", sample.write_ms}};
}

int SyncLag(const Flags& flags, ObjectStore& store) {
  SyncLagOptions options;
  options.local_dir = flags.dir;
  for (int64_t mb : flags.sizes_mb) options.sizes_bytes.push_back(mb << 20);
  options.files_per_size = flags.files;
  options.interval = std::chrono::milliseconds(flags.interval_ms);
  Result<SyncLagReport> report = RunSyncLag(store, options);
  if (!report.ok()) {
    std::fprintf(stderr, "checkpoint_bench sync-lag: %s\n", report.error().ToString().c_str());
    return 1;
  }
  Json samples = Json::array();
  for (const SyncLagSample& sample : report->samples) samples.push_back(SampleJson(sample));
  const CheckpointSyncStatus& status = report->status;
  Json out = {{"op", "sync-lag"},
              {"uri", flags.uri},
              {"interval_ms", flags.interval_ms},
              {"samples", samples},
              {"flush_ms", report->flush_ms},
              {"files_mirrored", status.files_mirrored},
              {"retries", status.retries},
              {"last_error", status.last_error},
              {"last_point_id", status.last_point_id},
              {"vmhwm_kb", ProcStatusKb("VmHWM")}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int Main(const std::string& op, const Flags& flags) {
  Result<StorageUri> uri = ParseStorageUri(flags.uri);
  if (!uri.ok()) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", uri.error().message.c_str());
    return 2;
  }
  S3Options base;
  if (flags.part_size_mib > 0) base.part_size_bytes = flags.part_size_mib << 20;
  if (flags.multipart_threshold_mib >= 0) base.multipart_threshold_bytes = flags.multipart_threshold_mib << 20;
  if (flags.parallelism > 0) base.parallelism = flags.parallelism;
  Result<std::unique_ptr<ObjectStore>> store =
      OpenObjectStore(*uri, S3OptionsFromEnvironment(ProcessEnvironment(), {}, base));
  if (!store.ok()) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", store.error().message.c_str());
    return 2;
  }
  if (op == "sync-lag") return SyncLag(flags, **store);
  return TimeTransfer(op, flags, **store);
}

}  // namespace
}  // namespace trainyard::bench

int main(int argc, char** argv) {
  using trainyard::bench::Flags;
  Flags flags;
  CLI::App app{"Times trainyard's object store on checkpoint transfers (bench/checkpoint)"};
  app.require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& help) {
    CLI::App* cmd = app.add_subcommand(name, help);
    cmd->add_option("--uri", flags.uri, "Store root: s3://bucket/prefix or file:///dir")->required();
    cmd->add_option("--part-size-mib", flags.part_size_mib, "S3Options::part_size_bytes (default: its default)");
    cmd->add_option("--multipart-threshold-mib", flags.multipart_threshold_mib,
                    "S3Options::multipart_threshold_bytes (default: its default)");
    cmd->add_option("--parallelism", flags.parallelism, "S3Options::parallelism (default: its default)");
    return cmd;
  };
  for (std::string op : {"put-file", "get-file"}) {
    CLI::App* cmd = add(op, op == "put-file" ? "PutFile one file" : "GetFile one object");
    cmd->add_option("--key", flags.key, "Object key")->required();
    cmd->add_option("--file", flags.file, "Local file")->required();
  }
  for (std::string op : {"put-dir", "get-dir"}) {
    CLI::App* cmd = add(op, op == "put-dir" ? "UploadDirectory to the root" : "DownloadPrefix of the whole root");
    cmd->add_option("--dir", flags.dir, "Local directory")->required();
    cmd->add_option("--files-in-flight", flags.files_in_flight,
                    "TransferOptions::files_in_flight (default: its default)");
  }
  CLI::App* lag = add("sync-lag", "CheckpointMirror lag: write files on a schedule, collect on_durable");
  lag->add_option("--dir", flags.dir, "Local checkpoint directory (new or empty)")->required();
  lag->add_option("--sizes-mb", flags.sizes_mb, "File sizes in MiB, in writing order")->delimiter(',');
  lag->add_option("--files", flags.files, "Files per size")->capture_default_str();
  lag->add_option("--interval-ms", flags.interval_ms, "Between two writes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  trainyard::SetLogLevel(trainyard::LogLevel::kWarning);
  return trainyard::bench::Main(app.get_subcommands().front()->get_name(), flags);
}
