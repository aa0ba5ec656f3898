#include "ssdbuild/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>

#include "ssdbuild/util/error.hpp"

namespace ssdbuild {
namespace {

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      throw Error(errno_message("cannot write " + path.string(), saved));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

std::string random_suffix() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::to_string(generator() % 1000000000);
}

}  // namespace

namespace {

// Writes `content` to a new temporary file beside `path` and fsyncs it; returns its path.
std::filesystem::path write_temporary(const std::filesystem::path& path, std::string_view content,
                                      const struct stat* keep) {
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid()) + "-" + random_suffix();
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(errno_message("cannot create " + temporary.string(), errno));
  try {
    write_all(fd, content, temporary);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  if (keep != nullptr) {
    (void)::fchmod(fd, keep->st_mode & 07777);
    (void)::fchown(fd, keep->st_uid, keep->st_gid);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int saved = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    throw Error(errno_message(
        "cannot flush " + temporary.string() + " (is the disk full? free space and run again)",
        saved));
  }
  ::close(fd);
  return temporary;
}

// Renames a temporary file written by write_temporary over `path`, durably.
void rename_into_place(const std::filesystem::path& temporary, const std::filesystem::path& path) {
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    throw Error(
        errno_message("cannot rename " + temporary.string() + " to " + path.string(), saved));
  }
  // Make the rename itself durable; a folder that cannot be fsynced (some FUSE mounts) is
  // not an error.
  int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

void write_atomically(const std::filesystem::path& path, std::string_view content,
                      const struct stat* keep) {
  rename_into_place(write_temporary(path, content, keep), path);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  write_atomically(path, content, nullptr);
}

void rewrite_file_atomically(const std::filesystem::path& path, std::string_view content) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw Error(errno_message("cannot stat " + path.string(), errno));
  }
  write_atomically(path, content, &info);
}

void rewrite_files_atomically(
    const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
  std::vector<std::filesystem::path> temporaries;
  try {
    for (const auto& [path, content] : files) {
      struct stat info {};
      if (::stat(path.c_str(), &info) != 0) {
        throw Error(errno_message("cannot stat " + path.string(), errno));
      }
      temporaries.push_back(write_temporary(path, content, &info));
    }
  } catch (...) {
    for (const auto& temporary : temporaries) ::unlink(temporary.c_str());
    throw;
  }
  for (size_t i = 0; i < files.size(); ++i) rename_into_place(temporaries[i], files[i].first);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(errno_message("cannot read " + path.string(), errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void append_line(const std::filesystem::path& path, std::string_view line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(errno_message("cannot open " + path.string(), errno));
  std::string buffer(line);
  buffer += '\n';
  write_all(fd, buffer, path);
  ::close(fd);
}

}  // namespace ssdbuild
