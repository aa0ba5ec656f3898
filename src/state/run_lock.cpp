#include "ssdbuild/state/run_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

bool process_alive(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace

std::string lock_holder_gone(const LockHolder& holder, const std::string& current_boot_id,
                             std::chrono::seconds stale_after) {
  if (holder.boot_id != current_boot_id) return "it ran before this machine was reset";
  if (!process_alive(holder.pid)) return "its process " + std::to_string(holder.pid) + " is gone";
  long long silent = now_seconds() - holder.heartbeat;
  if (silent > stale_after.count()) {
    return "its heartbeat stopped " + format_duration(std::chrono::seconds(silent)) + " ago";
  }
  return "";
}

std::optional<LockHolder> read_lock(const std::filesystem::path& lock_file) {
  std::error_code error;
  if (!std::filesystem::exists(lock_file, error)) return std::nullopt;
  LockHolder holder;
  try {
    auto document = nlohmann::json::parse(read_file(lock_file));
    holder.pid = document.value("pid", 0);
    holder.boot_id = document.value("boot_id", "");
    holder.host = document.value("host", "");
    holder.started_at = document.value("started_at", "");
    holder.heartbeat = document.value("heartbeat", 0LL);
    holder.token = document.value("token", "");
  } catch (const std::exception&) {
    // A lock being written right now, or garbage: treated as a holder with no heartbeat
    // yet, so it goes stale by its file time.
    auto modified = std::filesystem::last_write_time(lock_file, error);
    auto age = std::filesystem::file_time_type::clock::now() - modified;
    holder.heartbeat =
        now_seconds() - std::chrono::duration_cast<std::chrono::seconds>(age).count();
  }
  return holder;
}

RunLock::RunLock(std::filesystem::path lock_file, std::string boot_id)
    : lock_file_(std::move(lock_file)) {
  self_.pid = ::getpid();
  self_.boot_id = std::move(boot_id);
  self_.host = host_name();
  self_.started_at = format_utc(std::chrono::system_clock::now());
  self_.token = std::to_string(std::random_device{}()) + std::to_string(now_seconds());
}

RunLock::~RunLock() {
  release();
}

std::string RunLock::serialize() const {
  nlohmann::json document = {{"format", 1},
                             {"pid", self_.pid},
                             {"boot_id", self_.boot_id},
                             {"host", self_.host},
                             {"started_at", self_.started_at},
                             {"heartbeat", self_.heartbeat},
                             {"token", self_.token}};
  return document.dump() + "\n";
}

std::string RunLock::acquire() {
  std::string taken_over;
  for (int attempt = 0; attempt < 3 && !held_; ++attempt) {
    self_.heartbeat = now_seconds();
    int fd = ::open(lock_file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      std::string content = serialize();
      bool written =
          ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
      ::close(fd);
      if (!written) throw Error(errno_message("cannot write " + lock_file_.string(), errno));
      held_ = true;
      break;
    }
    if (errno != EEXIST) throw Error(errno_message("cannot create " + lock_file_.string(), errno));
    auto holder = read_lock(lock_file_);
    if (!holder) continue;  // released meanwhile: try again
    std::string gone = lock_holder_gone(*holder, self_.boot_id, kStaleAfter);
    if (gone.empty()) {
      throw Error("the state folder " + lock_file_.parent_path().string() +
                      " is in use by ssdbuild (pid " + std::to_string(holder->pid) + " on " +
                      holder->host + ", running since " + holder->started_at +
                      ").\nWait for it, or stop it with `ssdbuild stop --state-dir " +
                      lock_file_.parent_path().string() + "` (or `kill " +
                      std::to_string(holder->pid) + "`).",
                  kExitLocked);
    }
    // Take over by replacing the file whole; then read it back to see that we won if
    // another run tried the same.
    write_file_atomically(lock_file_, serialize());
    auto now_held = read_lock(lock_file_);
    if (now_held && now_held->token == self_.token) {
      held_ = true;
      taken_over = "took over the lock of ssdbuild pid " + std::to_string(holder->pid) + " on " +
                   holder->host + ": " + gone;
    }
  }
  if (!held_) throw Error("could not take the lock " + lock_file_.string(), kExitLocked);
  stopping_ = false;
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
  return taken_over;
}

void RunLock::heartbeat_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_.wait_for(lock, kHeartbeatInterval, [this] { return stopping_; })) {
    self_.heartbeat = now_seconds();
    try {
      auto current = read_lock(lock_file_);
      if (!current) {
        // Most often the folder itself went away: Google Drive unmounted under the run.
        spdlog::warn("the lock {} is gone: {}", lock_file_.string(),
                     std::filesystem::is_directory(lock_file_.parent_path())
                         ? "removed by hand or by another run"
                         : "its state folder is not there any more (was Google Drive unmounted?)");
        return;
      }
      if (current->token != self_.token) {
        spdlog::warn("the lock {} was taken by another run", lock_file_.string());
        return;
      }
      write_file_atomically(lock_file_, serialize());
    } catch (const std::exception& problem) {
      spdlog::warn("cannot refresh the lock: {}", problem.what());
    }
  }
}

bool RunLock::still_held() const {
  auto current = read_lock(lock_file_);
  return current && current->token == self_.token;
}

void RunLock::release() {
  if (!held_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  auto current = read_lock(lock_file_);
  if (current && current->token == self_.token) ::unlink(lock_file_.c_str());
  held_ = false;
}

}  // namespace ssdbuild
