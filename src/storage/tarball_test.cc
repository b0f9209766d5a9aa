#include "storage/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

// An entry of a hand-made archive.
struct TestEntry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string content;
  std::string symlink;   // AE_IFLNK target
  std::string hardlink;  // when set, a hard link to this path
  mode_t perm = 0644;
};

TestEntry File(std::string path, std::string content, mode_t perm = 0644) {
  return TestEntry{std::move(path), AE_IFREG, std::move(content), "", "", perm};
}
TestEntry Dir(std::string path) { return TestEntry{std::move(path), AE_IFDIR, "", "", "", 0755}; }
TestEntry Symlink(std::string path, std::string target) {
  return TestEntry{std::move(path), AE_IFLNK, "", std::move(target), "", 0777};
}
TestEntry Hardlink(std::string path, std::string target) {
  return TestEntry{std::move(path), AE_IFREG, "", "", std::move(target), 0644};
}
TestEntry Special(std::string path, unsigned type) { return TestEntry{std::move(path), type, "", "", "", 0644}; }

void WriteTestArchive(const std::string& out, const std::vector<TestEntry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK);
  for (const TestEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, e.perm);
    if (!e.symlink.empty()) archive_entry_set_symlink(entry, e.symlink.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << e.path;
    if (!e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

// Entry paths of an archive, in order.
std::vector<std::string> EntryPaths(const std::string& path) {
  std::vector<std::string> paths;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) paths.push_back(archive_entry_pathname(entry));
  archive_read_free(a);
  return paths;
}

mode_t PermOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class TarballTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(TarballTest, RoundTripKeepsContentPermissionsAndLayout) {
  WriteFile(dir_.Path("code/train.py"), "print('hi')\n");
  fs::permissions(dir_.Path("code/train.py"), fs::perms(0755));
  WriteFile(dir_.Path("code/pkg/data.bin"), RandomBytes(300'000, 3));
  fs::create_directories(dir_.Path("code/empty"));
  WriteFile(dir_.Path("extra/x.txt"), "x");
  ASSERT_TRUE(WriteTarGz({{dir_.Path("code"), ""}, {dir_.Path("extra"), "lib/extra"}},
                         dir_.Path("out/src.tar.gz")).ok());
  Status status = ExtractTarGz(dir_.Path("out/src.tar.gz"), dir_.Path("dest"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadFile(dir_.Path("dest/train.py")), "print('hi')\n");
  EXPECT_EQ(PermOf(dir_.Path("dest/train.py")), 0755u);
  EXPECT_EQ(PermOf(dir_.Path("dest/pkg/data.bin")), 0644u);
  EXPECT_TRUE(ReadFile(dir_.Path("dest/pkg/data.bin")) == RandomBytes(300'000, 3));
  EXPECT_TRUE(fs::is_directory(dir_.Path("dest/empty")));
  EXPECT_EQ(ReadFile(dir_.Path("dest/lib/extra/x.txt")), "x");
}

TEST_F(TarballTest, NonAsciiAndLongNamesRoundTrip) {
  const std::string long_name = std::string(150, 'n') + "/" + std::string(120, 'm') + ".txt";
  WriteFile(dir_.Path("d/h\xc3\xa9llo w\xc3\xb6rld.txt"), "unicode");
  WriteFile(dir_.Path("d/" + long_name), "long");
  ASSERT_TRUE(WriteTarGz({{dir_.Path("d"), ""}}, dir_.Path("a.tar.gz")).ok());
  Status status = ExtractTarGz(dir_.Path("a.tar.gz"), dir_.Path("dest"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadFile(dir_.Path("dest/h\xc3\xa9llo w\xc3\xb6rld.txt")), "unicode");
  EXPECT_EQ(ReadFile(dir_.Path("dest/" + long_name)), "long");
}

TEST_F(TarballTest, EntriesAreSortedAndTheSameFilesGiveTheSameBytes) {
  WriteFile(dir_.Path("d/b"), "b");
  WriteFile(dir_.Path("d/a/z"), "z");
  WriteFile(dir_.Path("d/a-b"), "ab");
  WriteFile(dir_.Path("d/c"), "c");
  ASSERT_TRUE(WriteTarGz({{dir_.Path("d"), "model"}}, dir_.Path("one.tar.gz")).ok());
  ASSERT_TRUE(WriteTarGz({{dir_.Path("d"), "model"}}, dir_.Path("two.tar.gz")).ok());
  EXPECT_EQ(EntryPaths(dir_.Path("one.tar.gz")),
            (std::vector<std::string>{"model/", "model/a/", "model/a-b", "model/a/z", "model/b", "model/c"}));
  EXPECT_TRUE(ReadFile(dir_.Path("one.tar.gz")) == ReadFile(dir_.Path("two.tar.gz")));
}

TEST_F(TarballTest, WriteNeverReadsOutsideTheDirectory) {
  TempDir outside;
  WriteFile(outside.Path("secret"), "secret");
  WriteFile(dir_.Path("d/real"), "real");
  fs::create_symlink(outside.Path("secret"), dir_.Path("d/out-link"));
  fs::create_directory_symlink(outside.path(), dir_.Path("d/out-dir"));
  fs::create_symlink("real", dir_.Path("d/in-link"));
  ASSERT_TRUE(WriteTarGz({{dir_.Path("d"), ""}}, dir_.Path("a.tar.gz")).ok());
  EXPECT_EQ(EntryPaths(dir_.Path("a.tar.gz")), (std::vector<std::string>{"in-link", "real"}));
  ASSERT_TRUE(ExtractTarGz(dir_.Path("a.tar.gz"), dir_.Path("dest")).ok());
  EXPECT_FALSE(fs::is_symlink(dir_.Path("dest/in-link")));
  EXPECT_EQ(ReadFile(dir_.Path("dest/in-link")), "real");
}

TEST_F(TarballTest, WriteRefusesBadPrefixesAndMissingDirectories) {
  fs::create_directories(dir_.Path("d"));
  for (const char* prefix : {"../up", "/abs", "a/../b"}) {
    Status status = WriteTarGz({{dir_.Path("d"), prefix}}, dir_.Path("a.tar.gz"));
    ASSERT_FALSE(status.ok()) << prefix;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << prefix;
  }
  Status missing = WriteTarGz({{dir_.Path("missing"), ""}}, dir_.Path("a.tar.gz"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_.Path("a.tar.gz")));
}

TEST_F(TarballTest, ExtractRefusesEntriesThatEscapeAndWritesNothing) {
  TempDir outside;
  struct Case {
    std::string name;
    std::vector<TestEntry> entries;
  };
  const std::vector<Case> cases = {
      {"dot-dot", {File("ok", "fine"), File("../evil", "evil")}},
      {"nested dot-dot", {File("a/../../evil", "evil")}},
      {"absolute path", {File(outside.Path("evil"), "evil")}},
      {"symlink to an absolute path", {Symlink("link", outside.path())}},
      {"symlink climbing out", {Symlink("link", "../outside")}},
      {"nested symlink climbing out", {Symlink("sub/link", "../../x")}},
      {"file below a symlink", {Dir("sub/"), Symlink("l", "sub"), File("l/evil", "e")}},
      {"symlink through a symlink", {Symlink("x/y/s", "../.."), Symlink("l", "x/y/s/../../..")}},
      {"hard link climbing out", {Hardlink("h", "../../etc/passwd")}},
      {"hard link to an absolute path", {Hardlink("h", "/etc/passwd")}},
      {"hard link to no earlier file", {Hardlink("h", "later"), File("later", "x")}},
      {"hard link to a symlink", {Symlink("s", "f"), File("f", "x"), Hardlink("h", "s")}},
      {"device", {Special("dev", AE_IFCHR)}},
      {"fifo", {Special("fifo", AE_IFIFO)}},
  };
  for (const Case& c : cases) {
    std::string archive = dir_.Path(std::to_string(&c - cases.data()) + ".tar.gz");
    WriteTestArchive(archive, c.entries);
    Status status = ExtractTarGz(archive, dir_.Path("dest"));
    ASSERT_FALSE(status.ok()) << c.name << " was extracted";
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(status.error().message.find("refusing archive entry"), std::string::npos)
        << c.name << ": " << status.error().message;
    EXPECT_FALSE(fs::exists(dir_.Path("dest"))) << c.name << ": something was written";
  }
  EXPECT_TRUE(fs::is_empty(outside.path()));
  EXPECT_FALSE(fs::exists(dir_.Path("evil")));
}

TEST_F(TarballTest, ExtractKeepsLinksThatStayInside) {
  WriteTestArchive(dir_.Path("a.tar.gz"),
                   {Dir("./"), File("./lib/v1/mod.py", "v1"), Symlink("./lib/current", "v1"),
                    Symlink("./top", "lib/v1/../v1/mod.py"), Hardlink("./copy.py", "./lib/v1/mod.py")});
  Status status = ExtractTarGz(dir_.Path("a.tar.gz"), dir_.Path("dest"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(fs::read_symlink(dir_.Path("dest/lib/current")), "v1");
  EXPECT_EQ(ReadFile(dir_.Path("dest/lib/current/mod.py")), "v1");
  EXPECT_EQ(ReadFile(dir_.Path("dest/top")), "v1");
  EXPECT_EQ(ReadFile(dir_.Path("dest/copy.py")), "v1");
  EXPECT_EQ(fs::hard_link_count(dir_.Path("dest/copy.py")), 2u);
}

TEST_F(TarballTest, ExtractDropsSetIdBitsAndReplacesExistingFiles) {
  WriteFile(dir_.Path("dest/run"), "old and longer");
  WriteTestArchive(dir_.Path("a.tar.gz"), {File("run", "new", 06755)});
  ASSERT_TRUE(ExtractTarGz(dir_.Path("a.tar.gz"), dir_.Path("dest")).ok());
  EXPECT_EQ(ReadFile(dir_.Path("dest/run")), "new");
  EXPECT_EQ(PermOf(dir_.Path("dest/run")), 0755u);
}

TEST_F(TarballTest, ExtractNeverWritesThroughASymlinkAlreadyInTheDestination) {
  TempDir outside;
  fs::create_directories(dir_.Path("dest"));
  fs::create_directory_symlink(outside.path(), dir_.Path("dest/sub"));
  WriteTestArchive(dir_.Path("a.tar.gz"), {File("sub/evil", "evil")});
  Status status = ExtractTarGz(dir_.Path("a.tar.gz"), dir_.Path("dest"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(fs::is_empty(outside.path()));
}

TEST_F(TarballTest, ExtractReportsMissingAndCorruptArchives) {
  Status missing = ExtractTarGz(dir_.Path("missing.tar.gz"), dir_.Path("dest"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  WriteFile(dir_.Path("junk.tar.gz"), RandomBytes(4096, 9));
  Status junk = ExtractTarGz(dir_.Path("junk.tar.gz"), dir_.Path("dest"));
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_.Path("dest")));
}

}  // namespace
}  // namespace trainyard
