#pragma once
// Planning: resolve each step of a recipe for this run (variables, `when`, paths), compute
// its fingerprint, and decide whether it runs or is skipped, with the reason.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssdbuild/actions/action.hpp"
#include "ssdbuild/cache/stage_cache.hpp"
#include "ssdbuild/exec/compiler_cache.hpp"
#include "ssdbuild/recipe/recipe.hpp"
#include "ssdbuild/recipe/variables.hpp"
#include "ssdbuild/state/state_store.hpp"

namespace ssdbuild {

class SignalWatcher;

/// restore: the step's stage comes back from the stage cache (PlannedStageCache) instead.
enum class Decision { run, skip, restore };

/// A step resolved for one run, with the decision about it.
struct PlannedStep {
  const StageDefinition* stage = nullptr;
  const StepDefinition* definition = nullptr;
  std::string id;                  // stage/step
  bool enabled = true;             // its stage's and its own `when` hold
  bool selected = true;            // inside --only/--from/--to
  std::unique_ptr<Action> action;  // null when not enabled
  std::filesystem::path cwd;
  std::vector<EnvChange> inherited_env;  // from the `env` steps before it
  KeyValueList env;                      // its own `env:`, applied after inherited_env
  std::optional<std::chrono::seconds> timeout;
  int retries = 0;
  bool optional = false;
  std::vector<std::string> creates;  // absolute, may hold globs
  std::string check;
  Scope scope = Scope::system;
  // `ccache: true` on a run step (or the recipe): its compilers go through ccache.
  std::optional<CompilerCacheSetting> compiler_cache;
  std::string definition_hash;  // the step's own resolved definition
  std::string fingerprint;      // definition_hash + what it depends on
  Decision decision = Decision::skip;
  std::string reason;      // "skip: done 2h ago", "run: definition changed", ...
  std::string run_reason;  // for a restore: why it would run, if the restore fails
  // `needed_by` resolved. When serves_restored_only, every one of those stages is restored
  // (or done), and the step runs for_restored (null: it is skipped) instead of `action`,
  // unless a restore fails when the run comes to it (Executor).
  std::vector<const StageDefinition*> needed_by;
  bool serves_restored_only = false;
  std::unique_ptr<Action> for_restored;
  /// The action this step runs in a plan where its needed_by stages are all restored.
  const Action* action_to_run() const {
    return serves_restored_only ? for_restored.get() : action.get();
  }
};

/// What the planner and the executor ask the machine about a step: whether what it creates
/// is there, whether its `check` passes, whether its action's effect holds. A seam, as
/// ninja's DiskInterface: the real one looks at files and runs the check; a test can answer
/// instead, to test decisions without files or children.
class StepProbe {
 public:
  virtual ~StepProbe() = default;
  /// The step's creates_of() paths that match nothing now.
  virtual std::vector<std::string> missing_creates(const PlannedStep& step) const;
  /// check_holds(): the step's `check` run as the step would run it.
  virtual bool check_passes(const PlannedStep& step, const SignalWatcher* signals,
                            LineSink* output) const;
  /// Action::effect_missing() of the step's action.
  virtual std::string effect_missing(const PlannedStep& step) const;
};

/// The machine itself.
const StepProbe& real_step_probe();

struct PlanOptions {
  std::vector<std::string> only;  // stage names
  std::string from;               // stage or stage/step
  std::string to;
  std::vector<std::string> force;       // stage or stage/step
  bool run_checks = true;               // `check` commands run when all else says skip
  CacheStores* cache_stores = nullptr;  // null: no stage is restored
  // A ccache step's remote storage on the same store (http only; none when ""). Without
  // credentials: `ssdbuild ccache-env` reads them from SSDBUILD_CACHE_HEADER.
  std::string compiler_cache_url;
  const StepProbe* probe = nullptr;  // null: real_step_probe()
};

struct Plan {
  std::vector<PlannedStep> steps;         // in execution order
  std::vector<PlannedStageCache> caches;  // the enabled stages with `cache`, in order
  std::filesystem::path workdir;          // where steps run unless they say `cwd`
  size_t count(Decision decision) const;
  const PlannedStageCache* cache_of(const StageDefinition* stage) const;
};

/// Plans `recipe` against the checkpoints in `state`. Throws RecipeError for resolution
/// errors and Error (exit 2) for a --from/--to/--only/--force that names no step.
Plan make_plan(const Recipe& recipe, VariableScope& variables, const StateStore& state,
               const std::string& boot_id, const PlanOptions& options);

/// The environment variables the step runs with, on top of ssdbuild's own: its inherited
/// changes applied to ssdbuild's environment, then its own `env`.
KeyValueList step_environment(const PlannedStep& step);

/// The paths the step must leave behind: its `creates` and what its action makes
/// (Action::created_paths). The planner runs a done step again when one is gone; the
/// executor fails a step that leaves one missing.
std::vector<std::string> creates_of(const PlannedStep& step);

/// Those of creates_of(step) that match nothing now.
std::vector<std::string> missing_creates(const PlannedStep& step);

/// Every environment change the plan's enabled `env` steps make, in order.
std::vector<EnvChange> plan_env_changes(const Plan& plan);

/// Runs the step's `check` as the step itself would run (bash, its folder, its env);
/// true when it exits 0. Output goes to `output`, or to the debug log when null.
bool check_holds(const PlannedStep& step, const SignalWatcher* signals, LineSink* output = nullptr);

/// In a step record's details: true when the step ran (or was skipped as) only what its
/// restored `needed_by` stages need, so that it runs whole when one of them builds.
inline constexpr const char* kServedRestoredOnly = "served_restored_only";

/// Writes into `record` what a run of `step` on boot `boot_id` starts with: `status`, the
/// fingerprint and definition, the boot, the scope, the start time and this process's pid;
/// the last run's end, exit code and failure are cleared.
void start_step_record(StepRecord& record, const PlannedStep& step, StepStatus status,
                       const std::string& boot_id);

/// Whether `selector` (a stage, or stage/step) names the step.
bool selector_matches(const std::string& selector, const PlannedStep& step);

/// Every step id of the recipe that depends on `step_id` (later steps of its stage and the
/// steps of the stages that need its stage, transitively), `step_id` included.
std::vector<std::string> dependents_of(const Recipe& recipe, const std::string& step_id);

}  // namespace ssdbuild
