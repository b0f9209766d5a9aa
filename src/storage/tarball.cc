#include "storage/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <span>

#include "storage/local_fs.h"
#include "storage/object_store.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

struct WriteArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadArchive = std::unique_ptr<archive, ReadArchiveFree>;

// libarchive's message, with errno's code when it is an I/O error and
// `fallback` (usually "bad archive") otherwise.
Error ArchiveError(archive* a, std::string_view what, ErrorCode fallback) {
  const char* message = archive_error_string(a);
  std::string text = std::string(what) + ": " + (message != nullptr ? message : "libarchive error");
  int err = archive_errno(a);
  ErrorCode code = err > 0 ? ErrnoError(err, "").code : fallback;
  if (code == ErrorCode::kInternal || code == ErrorCode::kInvalidArgument) code = fallback;
  return MakeError(code, text);
}

std::string JoinSegments(const std::vector<std::string>& segments, size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) path += '/';
    path += segments[i];
  }
  return path;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// ---- Writing -------------------------------------------------------------

struct TarItem {
  std::string archive_path;
  fs::path source;  // the directory, or the regular file to read
  bool is_directory = false;
};

bool IsWithin(const fs::path& root, const fs::path& path) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

// The item for one directory entry, if it is archived (see WriteTarGz).
std::optional<TarItem> ItemFor(const fs::directory_entry& entry, const fs::path& root,
                               const std::string& prefix) {
  std::string relative = entry.path().lexically_relative(root).generic_string();
  std::string archive_path = prefix.empty() ? relative : prefix + "/" + relative;
  std::error_code ec;
  fs::file_status status = entry.symlink_status(ec);
  if (ec) return std::nullopt;
  if (fs::is_directory(status)) return TarItem{archive_path, entry.path(), true};
  if (fs::is_regular_file(status)) return TarItem{archive_path, entry.path(), false};
  if (!fs::is_symlink(status)) return std::nullopt;
  fs::path target = fs::canonical(entry.path(), ec);
  if (ec || !IsWithin(root, target) || !fs::is_regular_file(fs::status(target, ec)) || ec) {
    return std::nullopt;
  }
  return TarItem{archive_path, target, false};
}

Result<std::vector<TarItem>> CollectItems(const std::string& local_dir, std::string prefix) {
  while (prefix.ends_with('/')) prefix.pop_back();
  if (!prefix.empty()) {
    Status valid = ValidateObjectKey(prefix);
    if (!valid.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, "archive prefix: " + valid.error().message);
    }
  }
  std::error_code ec;
  fs::path root = fs::canonical(local_dir, ec);
  if (ec) return ErrnoError(ec.value(), "resolving " + local_dir);
  std::vector<TarItem> items;
  std::vector<std::string> prefix_segments = prefix.empty() ? std::vector<std::string>{} : SplitPath(prefix);
  for (size_t i = 1; i <= prefix_segments.size(); ++i) {
    items.push_back(TarItem{JoinSegments(prefix_segments, i), root, true});
  }
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (std::optional<TarItem> item = ItemFor(*it, root, prefix)) items.push_back(std::move(*item));
  }
  if (ec) return ErrnoError(ec.value(), "listing " + root.string());
  std::sort(items.begin(), items.end(),
            [](const TarItem& a, const TarItem& b) { return a.archive_path < b.archive_path; });
  return items;
}

Status CopyIntoArchive(archive* a, int fd, int64_t size, const std::string& path) {
  std::vector<char> buffer(1 << 16);
  while (size > 0) {
    ssize_t n = read(fd, buffer.data(), static_cast<size_t>(std::min<int64_t>(size, buffer.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + path);
    if (n == 0) return MakeError(ErrorCode::kUnavailable, path + " shrank while being archived");
    if (archive_write_data(a, buffer.data(), static_cast<size_t>(n)) != n) {
      return ArchiveError(a, "writing " + path + " into the archive", ErrorCode::kInternal);
    }
    size -= n;
  }
  return Ok();
}

Status AddItem(archive* a, const TarItem& item) {
  const std::string source = item.source.string();
  UniqueFd fd(open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Ok();  // deleted since it was listed
    return ErrnoError(errno, "opening " + source);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "stat " + source);
  if (item.is_directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) return Ok();  // replaced
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), item.archive_path.c_str());
  archive_entry_set_filetype(entry.get(), item.is_directory ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(entry.get(), st.st_mode & 0777);
  archive_entry_set_size(entry.get(), item.is_directory ? 0 : st.st_size);
  archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  if (archive_write_header(a, entry.get()) < ARCHIVE_WARN) {
    return ArchiveError(a, "adding " + item.archive_path, ErrorCode::kInternal);
  }
  if (item.is_directory) return Ok();
  return CopyIntoArchive(a, fd.get(), st.st_size, source);
}

Status WriteArchiveTo(int fd, const std::vector<std::vector<TarItem>>& item_lists) {
  std::unique_ptr<archive, WriteArchiveFree> a(archive_write_new());
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) < ARCHIVE_WARN ||
      archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_fd(a.get(), fd) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "starting the archive", ErrorCode::kInternal);
  }
  for (const std::vector<TarItem>& items : item_lists) {
    for (const TarItem& item : items) TY_RETURN_IF_ERROR(AddItem(a.get(), item));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "finishing the archive", ErrorCode::kInternal);
  }
  return Ok();
}

// ---- Extracting ----------------------------------------------------------

enum class EntryKind { kDirectory, kFile, kSymlink, kHardlink };

struct PlannedEntry {
  std::vector<std::string> segments;  // empty for the archive's root ("./")
  EntryKind kind = EntryKind::kFile;
  mode_t perm = 0644;
  std::string symlink_target;                   // kSymlink: as stored
  std::vector<std::string> hardlink_segments;  // kHardlink: the earlier file
};

Error Refuse(std::string_view path, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "refusing archive entry \"" + std::string(path) + "\": " + std::string(why));
}

// Splits an entry path into segments, dropping "." and empty ones.
Result<std::vector<std::string>> NormalizeEntryPath(const char* raw) {
  if (raw == nullptr || *raw == '\0') return Refuse("", "empty path");
  std::string_view path(raw);
  if (path.front() == '/') return Refuse(path, "absolute path");
  std::vector<std::string> segments;
  for (std::string& segment : SplitPath(path)) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return Refuse(path, "\"..\" segment");
    segments.push_back(std::move(segment));
  }
  return segments;
}

// Resolves a symlink's target lexically from the link's directory; refuses
// targets that are absolute, climb above the root, or pass through a symlink.
Status CheckSymlinkTarget(const PlannedEntry& link, const std::set<std::string>& symlinks) {
  const std::string path = JoinSegments(link.segments, link.segments.size());
  const std::string& target = link.symlink_target;
  if (target.empty()) return Refuse(path, "symlink with an empty target");
  if (target.front() == '/') return Refuse(path, "symlink to an absolute path (" + target + ")");
  std::vector<std::string> resolved(link.segments.begin(), link.segments.end() - 1);
  std::vector<std::string> parts = SplitPath(target);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i] == ".") continue;
    if (parts[i] == "..") {
      if (resolved.empty()) return Refuse(path, "symlink leads outside the destination (" + target + ")");
      resolved.pop_back();
      continue;
    }
    resolved.push_back(parts[i]);
    bool last = i + 1 == parts.size();
    if (!last && symlinks.count(JoinSegments(resolved, resolved.size())) > 0) {
      return Refuse(path, "symlink target passes through another symlink (" + target + ")");
    }
  }
  return Ok();
}

Result<ReadArchive> OpenArchive(const std::string& archive_path) {
  ReadArchive a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "opening " + archive_path, ErrorCode::kInvalidArgument);
  }
  return a;
}

// Plans one entry, updating the sets of file and symlink paths seen so far.
Result<PlannedEntry> PlanEntry(archive_entry* entry, std::set<std::string>* files,
                               std::set<std::string>* symlinks) {
  TY_ASSIGN_OR_RETURN(std::vector<std::string> segments, NormalizeEntryPath(archive_entry_pathname(entry)));
  const std::string path = JoinSegments(segments, segments.size());
  for (size_t depth = 1; depth < segments.size(); ++depth) {
    if (symlinks->count(JoinSegments(segments, depth)) > 0) return Refuse(path, "lies below a symlink");
  }
  PlannedEntry planned{segments, EntryKind::kFile, archive_entry_perm(entry) & 0777, "", {}};
  if (const char* hardlink = archive_entry_hardlink(entry)) {
    Result<std::vector<std::string>> target = NormalizeEntryPath(hardlink);
    if (!target.ok()) return Refuse(path, std::string("hard link to an unsafe path (") + hardlink + ")");
    planned.hardlink_segments = std::move(target).value();
    if (files->count(JoinSegments(planned.hardlink_segments, planned.hardlink_segments.size())) == 0) {
      return Refuse(path, std::string("hard link to something other than an earlier file (") + hardlink + ")");
    }
    planned.kind = EntryKind::kHardlink;
  } else if (archive_entry_filetype(entry) == AE_IFDIR) {
    planned.kind = EntryKind::kDirectory;
  } else if (archive_entry_filetype(entry) == AE_IFLNK) {
    planned.kind = EntryKind::kSymlink;
    const char* target = archive_entry_symlink(entry);
    planned.symlink_target = target != nullptr ? target : "";
  } else if (archive_entry_filetype(entry) != AE_IFREG) {
    return Refuse(path, "not a file, directory or link");
  }
  if (segments.empty() && planned.kind != EntryKind::kDirectory) return Refuse(path, "names the root");
  if (planned.kind == EntryKind::kDirectory && symlinks->count(path) > 0) {
    return Refuse(path, "directory in place of a symlink");
  }
  symlinks->erase(path);
  files->erase(path);
  if (planned.kind == EntryKind::kSymlink) symlinks->insert(path);
  if (planned.kind == EntryKind::kFile || planned.kind == EntryKind::kHardlink) files->insert(path);
  return planned;
}

// Reads every header and checks the whole archive; writes nothing.
Result<std::vector<PlannedEntry>> PlanExtraction(const std::string& archive_path) {
  TY_ASSIGN_OR_RETURN(ReadArchive a, OpenArchive(archive_path));
  std::vector<PlannedEntry> plan;
  std::set<std::string> files, symlinks;
  while (true) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return ArchiveError(a.get(), "reading " + archive_path, ErrorCode::kInvalidArgument);
    TY_ASSIGN_OR_RETURN(PlannedEntry planned, PlanEntry(entry, &files, &symlinks));
    plan.push_back(std::move(planned));
  }
  for (const PlannedEntry& planned : plan) {
    if (planned.kind == EntryKind::kSymlink) TY_RETURN_IF_ERROR(CheckSymlinkTarget(planned, symlinks));
  }
  return plan;
}

Result<UniqueFd> OpenParent(int dest_fd, const std::vector<std::string>& segments, bool create) {
  return OpenDirectoryBeneath(dest_fd, std::span<const std::string>(segments.data(), segments.size() - 1),
                              create);
}

Status WriteEntryData(archive* a, archive_entry* entry, int fd) {
  while (true) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return ArchiveError(a, "reading entry data", ErrorCode::kInvalidArgument);
    if (lseek(fd, offset, SEEK_SET) < 0) return ErrnoError(errno, "seek");
    TY_RETURN_IF_ERROR(WriteAll(fd, block, size));
  }
  if (archive_entry_size_is_set(entry) && ftruncate(fd, archive_entry_size(entry)) != 0) {
    return ErrnoError(errno, "truncate");
  }
  return Ok();
}

// Removes whatever non-directory sits at parent/name, so a link can take its place.
Status ClearName(int parent_fd, const std::string& name) {
  if (unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoError(errno, "replacing \"" + name + "\"");
  }
  return Ok();
}

Status ExtractEntry(archive* a, archive_entry* entry, const PlannedEntry& planned, int dest_fd) {
  if (planned.kind == EntryKind::kDirectory) {
    if (planned.segments.empty()) return Ok();
    TY_ASSIGN_OR_RETURN(UniqueFd dir, OpenDirectoryBeneath(dest_fd, planned.segments, /*create=*/true));
    if (fchmod(dir.get(), planned.perm | 0700) != 0) return ErrnoError(errno, "chmod");
    return Ok();
  }
  const std::string& name = planned.segments.back();
  TY_ASSIGN_OR_RETURN(UniqueFd parent, OpenParent(dest_fd, planned.segments, /*create=*/true));
  switch (planned.kind) {
    case EntryKind::kFile:
      return WriteFileAtomically(parent.get(), name, planned.perm,
                                 [&](int fd) { return WriteEntryData(a, entry, fd); });
    case EntryKind::kSymlink:
      TY_RETURN_IF_ERROR(ClearName(parent.get(), name));
      if (symlinkat(planned.symlink_target.c_str(), parent.get(), name.c_str()) != 0) {
        return ErrnoError(errno, "creating symlink");
      }
      return Ok();
    case EntryKind::kHardlink: {
      TY_ASSIGN_OR_RETURN(UniqueFd target_parent, OpenParent(dest_fd, planned.hardlink_segments, false));
      TY_RETURN_IF_ERROR(ClearName(parent.get(), name));
      if (linkat(target_parent.get(), planned.hardlink_segments.back().c_str(), parent.get(), name.c_str(),
                 0) != 0) {
        return ErrnoError(errno, "creating hard link");
      }
      return Ok();
    }
    case EntryKind::kDirectory: break;
  }
  return Ok();
}

}  // namespace

Status WriteTarGz(const std::vector<std::pair<std::string, std::string>>& dirs,
                  const std::string& out_path) {
  const std::string context = "writing " + out_path;
  std::vector<std::vector<TarItem>> item_lists;
  for (const auto& [local_dir, prefix] : dirs) {
    Result<std::vector<TarItem>> items = CollectItems(local_dir, prefix);
    if (!items.ok()) return items.error().WithContext(context);
    item_lists.push_back(std::move(items).value());
  }
  fs::path path(out_path);
  std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  Status status = CreateDirectories(parent);
  if (!status.ok()) return status.error().WithContext(context);
  Result<UniqueFd> dir = OpenDirectory(parent);
  if (!dir.ok()) return dir.error().WithContext(context);
  status = WriteFileAtomically(dir->get(), path.filename().string(), 0644,
                               [&](int fd) { return WriteArchiveTo(fd, item_lists); });
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status ExtractTarGz(const std::string& archive_path, const std::string& dest_dir) {
  const std::string context = "extracting " + archive_path + " into " + dest_dir;
  Result<std::vector<PlannedEntry>> plan = PlanExtraction(archive_path);
  if (!plan.ok()) return plan.error().WithContext(context);
  Status status = CreateDirectories(dest_dir);
  if (!status.ok()) return status.error().WithContext(context);
  Result<UniqueFd> dest = OpenDirectory(dest_dir);
  if (!dest.ok()) return dest.error().WithContext(context);
  Result<ReadArchive> a = OpenArchive(archive_path);
  if (!a.ok()) return a.error().WithContext(context);
  for (const PlannedEntry& planned : *plan) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(a->get(), &entry);
    if (r < ARCHIVE_WARN) {
      return ArchiveError(a->get(), "reading", ErrorCode::kInvalidArgument).WithContext(context);
    }
    Result<std::vector<std::string>> segments =
        r == ARCHIVE_EOF ? Result<std::vector<std::string>>(Refuse("", "missing"))
                         : NormalizeEntryPath(archive_entry_pathname(entry));
    if (!segments.ok() || *segments != planned.segments) {
      return MakeError(ErrorCode::kUnavailable, "the archive changed while it was being extracted")
          .WithContext(context);
    }
    status = ExtractEntry(a->get(), entry, planned, dest->get());
    if (!status.ok()) {
      return status.error().WithContext(context + ": entry \"" +
                                         JoinSegments(planned.segments, planned.segments.size()) + "\"");
    }
  }
  return Ok();
}

}  // namespace trainyard
