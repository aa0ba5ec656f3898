#pragma once
// Files that matter are replaced whole: written to a temporary file beside the target,
// fsynced, then renamed over it, so a reader (or a crash) never sees half a file. Only
// rename is used, no links: Google Drive's FUSE mount refuses them.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssdbuild {

/// Replaces `path` with `content` atomically; throws Error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Replaces an existing file's content atomically, keeping its mode and owner.
void rewrite_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Replaces several existing files, keeping modes and owners: every new content is written
/// and flushed beside its file first, and only then are they renamed into place, so a
/// failed write (a full disk) changes none of them.
void rewrite_files_atomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files);

/// Reads a whole file; throws Error naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// Appends one line (a newline is added) with a single write(2) on an O_APPEND descriptor.
void append_line(const std::filesystem::path& path, std::string_view line);

}  // namespace ssdbuild
