// The stage cache's archives through libarchive: pack a stage's paths into tar + zstd,
// hashing the archive as it is written, and restore one in place, refusing entries that
// would land outside the stage's paths.
#include "ssdbuild/cache/stage_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_set>

#include "io_module_parts.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/sha256.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

using ArchivePointer = std::unique_ptr<struct archive, int (*)(struct archive*)>;
using EntryPointer = std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)>;

// The archive file as libarchive writes it: every block goes to the file and the hash.
struct ArchiveSink {
  int fd = -1;
  Sha256 hash;
  std::uint64_t bytes = 0;
};

la_ssize_t write_block(struct archive* archive, void* data, const void* buffer, size_t length) {
  auto* sink = static_cast<ArchiveSink*>(data);
  const char* next = static_cast<const char*>(buffer);
  size_t left = length;
  while (left > 0) {
    ssize_t written = ::write(sink->fd, next, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      archive_set_error(archive, errno, "%s", std::strerror(errno));
      return -1;
    }
    next += written;
    left -= static_cast<size_t>(written);
  }
  sink->hash.update(std::string_view(static_cast<const char*>(buffer), length));
  sink->bytes += length;
  return static_cast<la_ssize_t>(length);
}

void check_write(struct archive* writer, int status, const std::string& what) {
  if (status < ARCHIVE_WARN) {
    throw Error("stage cache: cannot " + what + ": " + archive_error_string(writer) +
                " (is the disk full?)");
  }
}

ArchivePointer open_writer(ArchiveSink& sink, int threads) {
  ArchivePointer writer(archive_write_new(), archive_write_free);
  archive_write_set_format_pax(writer.get());  // not restricted: nanosecond mtimes
  check_write(writer.get(), archive_write_add_filter_zstd(writer.get()), "use zstd");
  // Older libarchives (before 3.6) have no `threads`: they compress on one core.
  archive_write_set_filter_option(writer.get(), "zstd", "threads",
                                  std::to_string(std::max(1, threads)).c_str());
  archive_write_set_bytes_per_block(writer.get(), 1 << 16);
  archive_write_set_bytes_in_last_block(writer.get(), 1);
  check_write(writer.get(), archive_write_open(writer.get(), &sink, nullptr, write_block, nullptr),
              "start the archive");
  return writer;
}

// Copies one file's data from the disk reader into the archive.
std::uint64_t copy_file_data(struct archive* disk, struct archive* writer,
                             const std::string& name) {
  std::uint64_t copied = 0;
  char buffer[1 << 16];
  while (true) {
    la_ssize_t got = archive_read_data(disk, buffer, sizeof buffer);
    if (got == 0) return copied;
    if (got < 0) {
      throw Error("stage cache: cannot read " + name + ": " + archive_error_string(disk));
    }
    check_write(writer,
                static_cast<int>(archive_write_data(writer, buffer, static_cast<size_t>(got))),
                "write " + name);
    copied += static_cast<std::uint64_t>(got);
  }
}

void pack_tree(const fs::path& root, struct archive* writer, PackedArchive& packed) {
  ArchivePointer disk(archive_read_disk_new(), archive_read_free);
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_behavior(
      disk.get(), ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
  if (archive_read_disk_open(disk.get(), root.c_str()) != ARCHIVE_OK) {
    throw Error("stage cache: cannot read " + root.string() + ": " +
                archive_error_string(disk.get()));
  }
  EntryPointer entry(archive_entry_new(), archive_entry_free);
  while (true) {
    archive_entry_clear(entry.get());
    int status = archive_read_next_header2(disk.get(), entry.get());
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      throw Error("stage cache: cannot read under " + root.string() + ": " +
                  archive_error_string(disk.get()));
    }
    archive_read_disk_descend(disk.get());
    std::string name = archive_entry_pathname(entry.get());
    auto type = archive_entry_filetype(entry.get());
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) continue;  // sockets, fifos
    size_t relative = name.find_first_not_of('/');
    if (relative == std::string::npos) {
      throw Error("stage cache: refusing to pack the root folder `" + name + "`");
    }
    archive_entry_set_pathname(entry.get(), name.c_str() + relative);
    check_write(writer, archive_write_header(writer, entry.get()), "add " + name);
    if (type == AE_IFREG && archive_entry_size(entry.get()) > 0) {
      packed.content_bytes += copy_file_data(disk.get(), writer, name);
    }
    ++packed.entries;
  }
}

// Where an entry goes on disk, after the checks that keep a bad archive inside `roots`.
class EntryGuard {
 public:
  explicit EntryGuard(const std::vector<fs::path>& roots) {
    for (const auto& root : roots) roots_.push_back(root.lexically_normal());
  }

  fs::path destination(const std::string& name) const {
    if (name.empty() || name.front() == '/') refuse(name, "is not a relative path");
    fs::path path = fs::path("/") / name;
    for (const auto& part : fs::path(name)) {
      if (part == "..") refuse(name, "climbs with `..`");
    }
    path = path.lexically_normal();
    bool inside = false;
    for (const auto& root : roots_) inside = inside || is_within(path, root);
    if (!inside) refuse(name, "is outside the stage's cache paths");
    for (fs::path walked = path.parent_path(); walked != walked.root_path();
         walked = walked.parent_path()) {
      if (links_.count(walked.string())) {
        refuse(name, "goes through " + walked.string() + ", a link that an earlier entry made");
      }
    }
    return path;
  }

  void made_link(const fs::path& path) { links_.insert(path.string()); }

 private:
  [[noreturn]] static void refuse(const std::string& name, const std::string& why) {
    throw Error("stage cache: archive entry `" + name + "` " + why + "; refusing to restore it");
  }

  std::vector<fs::path> roots_;
  std::unordered_set<std::string> links_;
};

void copy_entry_data(struct archive* reader, struct archive* writer, const std::string& name) {
  const void* block;
  size_t size;
  la_int64_t offset;
  int status;
  while ((status = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) {
      throw Error("stage cache: cannot write " + name + ": " + archive_error_string(writer) +
                  " (is the disk full?)");
    }
  }
  if (status < ARCHIVE_WARN) {
    throw Error("stage cache: cannot read " + name +
                " from the archive: " + archive_error_string(reader) + " (truncated or corrupt)");
  }
}

}  // namespace

PackedArchive pack_stage_archive(const std::vector<fs::path>& paths, const fs::path& archive,
                                 int threads) {
  ArchiveSink sink;
  sink.fd = ::open(archive.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (sink.fd < 0)
    throw Error(errno_message("stage cache: cannot create " + archive.string(), errno));
  struct CloseFile {
    int fd;
    ~CloseFile() { ::close(fd); }
  } close_file{sink.fd};
  PackedArchive packed;
  {
    ArchivePointer writer = open_writer(sink, threads);
    for (const auto& path : paths) pack_tree(path, writer.get(), packed);
    check_write(writer.get(), archive_write_close(writer.get()), "finish the archive");
  }
  // The rename that publishes it must not come before its data is on disk.
  if (::fsync(sink.fd) != 0) {
    throw Error(errno_message("stage cache: cannot flush " + archive.string(), errno));
  }
  packed.archive_bytes = sink.bytes;
  packed.sha256 = sink.hash.hex_digest();
  return packed;
}

std::uint64_t restore_stage_archive(const fs::path& archive, const std::vector<fs::path>& roots) {
  ArchivePointer reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  archive_read_support_filter_zstd(reader.get());
  if (archive_read_open_filename(reader.get(), archive.c_str(), 1 << 20) != ARCHIVE_OK) {
    throw Error("stage cache: cannot open " + archive.string() + ": " +
                archive_error_string(reader.get()));
  }
  ArchivePointer writer(archive_write_disk_new(), archive_write_free);
  // UNLINK: a file is replaced, not written into (a running binary, a read-only file). The
  // paths are absolute and checked by EntryGuard; libarchive's own guards would also judge
  // the folders above the roots.
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                   ARCHIVE_EXTRACT_UNLINK |
                                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  EntryGuard guard(roots);
  std::uint64_t count = 0;
  struct archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      throw Error("stage cache: cannot read " + archive.string() + ": " +
                  archive_error_string(reader.get()) + " (truncated or corrupt)");
    }
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    fs::path destination = guard.destination(name);
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      archive_entry_set_hardlink(entry, guard.destination(hardlink).c_str());
    }
    archive_entry_set_pathname(entry, destination.c_str());
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
      throw Error("stage cache: cannot restore " + destination.string() + ": " +
                  archive_error_string(writer.get()));
    }
    if (archive_entry_filetype(entry) == AE_IFLNK) guard.made_link(destination);
    if (archive_entry_size(entry) > 0)
      copy_entry_data(reader.get(), writer.get(), destination.string());
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      throw Error("stage cache: cannot finish " + destination.string() + ": " +
                  archive_error_string(writer.get()));
    }
    ++count;
  }
  // Folders get their times last, after everything inside them was written.
  if (archive_write_close(writer.get()) < ARCHIVE_WARN) {
    throw Error("stage cache: cannot finish restoring " + archive.string() + ": " +
                archive_error_string(writer.get()));
  }
  return count;
}

}  // namespace ssdbuild
