#pragma once
// One run at a time per state folder. flock is unreliable on FUSE mounts such as Google
// Drive and link() is refused there, so the lock is a file created with O_EXCL that holds
// the holder's pid, boot id, host and a heartbeat time refreshed while it runs.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ssdbuild {

struct LockHolder {
  int pid = 0;
  std::string boot_id;
  std::string host;
  std::string started_at;
  long long heartbeat = 0;  // seconds since the epoch
  std::string token;        // tells two holders with the same pid apart
};

/// Why the holder is gone ("its process 123 is dead", "another boot", "no heartbeat for
/// 5m"), or "" while it lives.
std::string lock_holder_gone(const LockHolder& holder, const std::string& current_boot_id,
                             std::chrono::seconds stale_after);

/// Reads the lock file; nullopt when there is none.
std::optional<LockHolder> read_lock(const std::filesystem::path& lock_file);

class RunLock {
 public:
  static constexpr std::chrono::seconds kHeartbeatInterval{15};
  static constexpr std::chrono::seconds kStaleAfter{120};

  RunLock(std::filesystem::path lock_file, std::string boot_id);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  /// Takes the lock, taking over a stale one (the returned text says whose, else ""), and
  /// starts the heartbeat. Throws Error with exit code 3 naming a live holder and how to
  /// stop it.
  std::string acquire();
  /// Stops the heartbeat and removes the lock if it is still ours.
  void release();
  /// False when another run took the lock over (it judged this one gone): this run must
  /// stop. Reads the lock file.
  bool still_held() const;

 private:
  std::string serialize() const;
  void heartbeat_loop();

  std::filesystem::path lock_file_;
  LockHolder self_;
  bool held_ = false;
  std::thread heartbeat_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
};

}  // namespace ssdbuild
