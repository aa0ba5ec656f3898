// Clone or fetch, then a detached checkout, through libgit2, for the `git` action.
#include <fcntl.h>
#include <git2.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "io_module_parts.hpp"
#include "ssdbuild/exec/signals.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// libgit2 failures carry their own message; this adds what we were doing.
class GitError : public std::runtime_error {
 public:
  GitError(const std::string& what, int code)
      : std::runtime_error(what + ": " +
                           (git_error_last() && git_error_last()->message
                                ? git_error_last()->message
                                : "error " + std::to_string(code))) {}
};

void check(int code, const std::string& what) {
  if (code < 0) throw GitError(what, code);
}

template <typename T, void (*Free)(T*)>
struct Owned {
  T* pointer = nullptr;
  ~Owned() {
    if (pointer) Free(pointer);
  }
  T** out() { return &pointer; }
  T* get() const { return pointer; }
  void reset() {
    if (pointer) Free(pointer);
    pointer = nullptr;
  }
};

using Repository = Owned<git_repository, git_repository_free>;
using Remote = Owned<git_remote, git_remote_free>;
using Object = Owned<git_object, git_object_free>;
using StatusList = Owned<git_status_list, git_status_list_free>;
using Reference = Owned<git_reference, git_reference_free>;

struct LibraryScope {
  LibraryScope() { git_libgit2_init(); }
  ~LibraryScope() { git_libgit2_shutdown(); }
};

// Progress for a notebook: a line every 5 s or 10 %, and a way to stop on a signal.
struct Progress {
  const StepContext* context;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  int last_percent = -10;
};

int on_transfer(const git_indexer_progress* stats, void* payload) {
  auto* progress = static_cast<Progress*>(payload);
  const StepContext& context = *progress->context;
  if (context.signals && context.signals->received() != 0) return GIT_EUSER;
  if (context.deadline && std::chrono::steady_clock::now() > *context.deadline) return GIT_EUSER;
  int percent = stats->total_objects
                    ? static_cast<int>(100.0 * stats->received_objects / stats->total_objects)
                    : 0;
  auto now = std::chrono::steady_clock::now();
  if (percent >= progress->last_percent + 10 || now - progress->last > std::chrono::seconds(5)) {
    progress->last = now;
    progress->last_percent = percent;
    context.say("git: received " + std::to_string(stats->received_objects) + "/" +
                std::to_string(stats->total_objects) + " objects (" +
                std::to_string(stats->received_bytes / (1024 * 1024)) + " MiB), " +
                std::to_string(percent) + "%");
  }
  return 0;
}

std::string oid_text(const git_oid* oid) {
  char text[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(text, sizeof text, oid);
  return text;
}

// The commit `ref` names, in this order: a remote branch, a tag, any revision (a SHA).
std::string resolve(git_repository* repository, const std::string& ref) {
  for (const std::string& candidate : {"refs/remotes/origin/" + ref, "refs/tags/" + ref, ref}) {
    Object object;
    if (git_revparse_single(object.out(), repository, (candidate + "^{commit}").c_str()) == 0) {
      return oid_text(git_object_id(object.get()));
    }
  }
  throw std::runtime_error("`" + ref +
                           "` is neither a branch, a tag nor a commit of the "
                           "repository");
}

std::vector<std::string> changed_files(git_repository* repository) {
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;  // untracked files are not changes
  StatusList list;
  check(git_status_list_new(list.out(), repository, &options), "cannot read the status");
  std::vector<std::string> files;
  for (size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const git_status_entry* entry = git_status_byindex(list.get(), i);
    const git_diff_delta* delta =
        entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
    if (delta && delta->old_file.path) files.emplace_back(delta->old_file.path);
  }
  return files;
}

std::string head_commit(git_repository* repository) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repository, "HEAD") != 0) return "";
  return oid_text(&oid);
}

// libgit2 (1.5 here) clones a new submodule into its path taken from the process's folder,
// not from the repository's: a `lib` beside ssdbuild's folder made it refuse "'lib' exists
// and is not an empty directory". So the submodules are updated from the repository's own
// folder, and the process's folder is put back after.
class RepositoryFolder {
 public:
  explicit RepositoryFolder(git_repository* repository)
      : saved_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    const char* folder = git_repository_workdir(repository);
    if (folder == nullptr || ::chdir(folder) != 0)
      throw std::runtime_error(std::string("cannot enter the clone ") + (folder ? folder : "?"));
  }
  ~RepositoryFolder() {
    if (saved_ < 0) return;
    if (::fchdir(saved_) != 0) std::perror("ssdbuild: cannot return to its folder");
    ::close(saved_);
  }
  RepositoryFolder(const RepositoryFolder&) = delete;
  RepositoryFolder& operator=(const RepositoryFolder&) = delete;

 private:
  int saved_;
};

// Every submodule, and theirs in turn (what `git submodule update --init --recursive` does,
// which is what the plan writes).
void update_submodules(git_repository* repository, const StepContext& context,
                       git_fetch_options fetch, const std::string& prefix = "") {
  struct Payload {
    const StepContext* context;
    git_fetch_options fetch;
    std::string prefix;
    std::string failure;
  } payload{&context, fetch, prefix, ""};
  RepositoryFolder inside(repository);
  check(git_submodule_foreach(
            repository,
            [](git_submodule* submodule, const char* name, void* data) -> int {
              auto* state = static_cast<Payload*>(data);
              std::string path = state->prefix + name;
              state->context->say("git: submodule " + path);
              git_submodule_update_options options = GIT_SUBMODULE_UPDATE_OPTIONS_INIT;
              options.fetch_opts = state->fetch;
              int status = git_submodule_update(submodule, 1, &options);
              if (status != 0) return status;
              Repository inner;
              status = git_submodule_open(inner.out(), submodule);
              if (status != 0) return status;
              try {
                update_submodules(inner.get(), *state->context, state->fetch, path + "/");
              } catch (const std::exception& problem) {
                state->failure = problem.what();
                return -1;
              }
              return 0;
            },
            &payload),
        payload.failure.empty() ? "cannot update the submodules" : payload.failure);
}

}  // namespace

ActionOutcome check_out(const GitAction::Settings& settings_, const StepContext& context) {
  LibraryScope library;
  try {
    Progress progress{&context};
    git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
    fetch.callbacks.transfer_progress = on_transfer;
    fetch.callbacks.payload = &progress;
    fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;

    Repository repository;
    bool fresh_clone = false;
    // A fresh clone is made beside `dest` and renamed into place once checked out: a clone
    // killed before its checkout must not be taken for a finished one by the next run.
    fs::path clone_folder = settings_.dest;
    clone_folder += ".ssdbuild-tmp";
    std::error_code error;
    bool exists = fs::exists(settings_.dest, error);
    if (exists && git_repository_open(repository.out(), settings_.dest.c_str()) == 0) {
      Remote origin;
      check(git_remote_lookup(origin.out(), repository.get(), "origin"),
            settings_.dest.string() + " has no `origin` remote");
      std::string url = git_remote_url(origin.get()) ? git_remote_url(origin.get()) : "";
      if (url != settings_.url) {
        return ActionOutcome::failed("git: " + settings_.dest.string() + " is a clone of " + url +
                                     ", not " + settings_.url +
                                     "; move it away or choose another `dest`");
      }
      std::string head = head_commit(repository.get());
      if (!settings_.commit.empty() && head == settings_.commit) {
        context.say("git: " + settings_.dest.string() + " is at " + head + " already");
        // A run stopped during the submodules' update completes them now.
        if (settings_.submodules) update_submodules(repository.get(), context, fetch);
        if (context.details) (*context.details)["commit"] = head;
        return ActionOutcome::succeeded();
      }
      context.say("git: fetching " + settings_.url);
      const char* refspecs[] = {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"};
      git_strarray specs = {const_cast<char**>(refspecs), 2};
      check(git_remote_fetch(origin.get(), &specs, &fetch, nullptr), "cannot fetch " + url);
    } else {
      if (exists && !fs::is_empty(settings_.dest, error)) {
        return ActionOutcome::failed("git: " + settings_.dest.string() +
                                     " exists and is not a git clone; move it away or choose "
                                     "another `dest`");
      }
      context.say("git: cloning " + settings_.url + " into " + settings_.dest.string());
      fs::remove_all(clone_folder, error);  // what a killed clone left
      git_clone_options clone = GIT_CLONE_OPTIONS_INIT;
      clone.fetch_opts = fetch;
      clone.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;  // checked out below
      check(git_clone(repository.out(), settings_.url.c_str(), clone_folder.c_str(), &clone),
            "cannot clone " + settings_.url);
      fresh_clone = true;
    }

    std::string target =
        settings_.ref.empty() ? settings_.commit : resolve(repository.get(), settings_.ref);
    if (!settings_.commit.empty() && target != settings_.commit) {
      return ActionOutcome::failed("git: `" + settings_.ref + "` is now " + target +
                                   ", not the pinned commit " + settings_.commit +
                                   "; upstream moved it: update `commit` or pin another ref");
    }
    std::string head = head_commit(repository.get());
    if (head != target || fresh_clone) {
      auto changed = fresh_clone ? std::vector<std::string>() : changed_files(repository.get());
      if (!changed.empty() && !settings_.force) {
        std::string list;
        for (const auto& file : changed) list += "\n    " + file;
        return ActionOutcome::failed("git: " + settings_.dest.string() +
                                     " has local changes; switching it to " + target.substr(0, 12) +
                                     " would lose them. Commit or stash them, or set `force: "
                                     "true`. Changed:" +
                                     list);
      }
      for (const auto& file : changed) context.say("git: discarding local change to " + file);
      Object commit;
      check(git_revparse_single(commit.out(), repository.get(), target.c_str()),
            "cannot find commit " + target);
      git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
      checkout.checkout_strategy =
          settings_.force || fresh_clone ? GIT_CHECKOUT_FORCE : GIT_CHECKOUT_SAFE;
      check(git_checkout_tree(repository.get(), commit.get(), &checkout),
            "cannot check out " + target);
      check(git_repository_set_head_detached(repository.get(), git_object_id(commit.get())),
            "cannot move HEAD to " + target);
    }
    if (settings_.submodules) update_submodules(repository.get(), context, fetch);
    if (fresh_clone) {
      repository.reset();
      if (fs::exists(settings_.dest, error)) fs::remove(settings_.dest, error);  // empty
      fs::rename(clone_folder, settings_.dest, error);
      if (error) {
        return ActionOutcome::failed("git: cannot move the clone " + clone_folder.string() +
                                     " to " + settings_.dest.string() + ": " + error.message());
      }
    }
    context.say("git: " + settings_.dest.string() + " at " + target +
                (settings_.ref.empty() ? "" : " (" + settings_.ref + ")"));
    if (context.details) (*context.details)["commit"] = target;
    return ActionOutcome::succeeded();
  } catch (const std::exception& problem) {
    ActionOutcome outcome = ActionOutcome::failed("git: " + std::string(problem.what()));
    if (context.signals && context.signals->received() != 0) {
      outcome.process.interrupted_by = context.signals->received();
    } else if (context.deadline && std::chrono::steady_clock::now() > *context.deadline) {
      outcome.process.timed_out = true;
    }
    return outcome;
  }
}

}  // namespace ssdbuild
