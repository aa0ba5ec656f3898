// Archive extraction through libarchive, for the `extract` action.
#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "io_module_parts.hpp"
#include "ssdbuild/util/error.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

using ArchivePointer = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// The entry's path with `strip` leading components dropped; "" when nothing is left.
// Throws for absolute paths and `..`.
std::string safe_relative(const std::string& entry, const std::string& name, int strip) {
  if (!name.empty() && name.front() == '/') {
    throw Error("archive entry `" + entry + "` has an absolute path; refusing to extract it");
  }
  std::vector<std::string> parts;
  for (const auto& part : fs::path(name)) {
    std::string text = part.string();
    if (text == "..") {
      throw Error("archive entry `" + entry +
                  "` climbs out of the destination with `..`; "
                  "refusing to extract it");
    }
    if (text == "." || text.empty()) continue;
    parts.push_back(text);
  }
  if (static_cast<int>(parts.size()) <= strip) return "";
  std::string kept;
  for (size_t i = static_cast<size_t>(strip); i < parts.size(); ++i) {
    kept += (kept.empty() ? "" : "/") + parts[i];
  }
  return kept;
}

// Whether a symlink at `relative` (inside the destination) pointing at `target` stays inside.
bool link_stays_inside(const std::string& relative, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  int depth = 0;
  fs::path where = fs::path(relative).parent_path();
  for (const auto& part : where) {
    if (!part.empty() && part != ".") ++depth;
  }
  for (const auto& part : fs::path(target)) {
    std::string text = part.string();
    if (text == "..") {
      if (--depth < 0) return false;
    } else if (!text.empty() && text != ".") {
      ++depth;
    }
  }
  return true;
}

// The first folder on `relative`'s way under `into` that is a symbolic link on disk (one an
// earlier entry made), or "". Each link is checked on its own, but a chain of them can still
// lead out (`a -> .`, then `a/b -> ..`, then `b/x`): no entry may go through a link.
std::string link_on_the_way(const fs::path& into, const std::string& relative) {
  fs::path inside = fs::path(relative).parent_path();
  fs::path walked;
  for (const auto& part : inside) {
    walked /= part;
    std::error_code error;
    if (fs::is_symlink(into / walked, error)) return walked.string();
  }
  return "";
}

}  // namespace

size_t extract_archive_entries(const fs::path& archive, const fs::path& into, int strip) {
  ArchivePointer reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  archive_read_support_format_zip(reader.get());
  archive_read_support_filter_all(reader.get());
  if (archive_read_open_filename(reader.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw Error("cannot open the archive " + archive.string() + ": " +
                archive_error_string(reader.get()));
  }
  ArchivePointer writer(archive_write_disk_new(), archive_write_free);
  // Entries are written to absolute paths under `into` (checked above), so libarchive's
  // absolute-path and symlink guards, which would also judge `into` itself, stay off.
  archive_write_disk_set_options(
      writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  size_t count = 0;
  struct archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      throw Error("cannot read " + archive.string() + ": " + archive_error_string(reader.get()) +
                  " (a truncated or corrupt download?)");
    }
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    std::string relative = safe_relative(name, name, strip);
    if (relative.empty()) continue;
    if (std::string link = link_on_the_way(into, relative); !link.empty()) {
      throw Error("archive entry `" + name + "` goes through `" + link +
                  "`, a link that an earlier entry made; refusing to extract it");
    }
    const char* symlink = archive_entry_symlink(entry);
    if (symlink != nullptr && !link_stays_inside(relative, symlink)) {
      throw Error("archive entry `" + name + "` is a link to `" + symlink +
                  "`, outside the destination; refusing to extract it");
    }
    const char* hardlink = archive_entry_hardlink(entry);
    if (hardlink != nullptr) {
      std::string target = safe_relative(name, hardlink, strip);
      if (target.empty() || !link_on_the_way(into, target).empty()) {
        throw Error("archive entry `" + name + "` is a hard link to `" + hardlink +
                    "`, outside the destination; refusing to extract it");
      }
      archive_entry_set_hardlink(entry, (into / target).c_str());
    }
    archive_entry_set_pathname(entry, (into / relative).c_str());
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
      throw Error("cannot extract `" + name + "`: " + archive_error_string(writer.get()));
    }
    if (archive_entry_size(entry) > 0) {
      const void* block;
      size_t size;
      la_int64_t offset;
      while ((status = archive_read_data_block(reader.get(), &block, &size, &offset)) ==
             ARCHIVE_OK) {
        if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN) {
          throw Error("cannot write `" + name + "`: " + archive_error_string(writer.get()) +
                      " (is the disk full?)");
        }
      }
      if (status < ARCHIVE_WARN) {
        throw Error("cannot read `" + name + "` from " + archive.string() + ": " +
                    archive_error_string(reader.get()));
      }
    }
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      throw Error("cannot finish `" + name + "`: " + archive_error_string(writer.get()));
    }
    ++count;
  }
  return count;
}

}  // namespace ssdbuild
