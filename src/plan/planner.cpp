#include "ssdbuild/plan/planner.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/recipe/interpolation.hpp"
#include "ssdbuild/recipe/when_expression.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

// Resolves strings for one step; errors name the step and point at the recipe.
class StepResolver {
 public:
  StepResolver(const Recipe& recipe, VariableScope& variables, const std::string& id)
      : recipe_(recipe), variables_(variables), id_(id) {}

  std::string text(const std::string& value, const YAML::Node& node) {
    try {
      return variables_.interpolate(value);
    } catch (const InterpolationError& problem) {
      throw RecipeError(location_of(recipe_.file, node), "step `" + id_ + "`: " + problem.what());
    }
  }

  bool condition(const std::string& expression, const YAML::Node& node, const std::string& owner) {
    try {
      return evaluate_when(expression,
                           [this](std::string_view name) { return variables_.value(name); });
    } catch (const std::runtime_error& problem) {
      throw RecipeError(location_of(recipe_.file, node), owner + ", `when`: " + problem.what());
    }
  }

 private:
  const Recipe& recipe_;
  VariableScope& variables_;
  const std::string& id_;
};

std::string hash_definition(const PlannedStep& step, const KeyValueList& reads) {
  Sha256 hash;
  hash.update_field("ssdbuild-step-v1");
  hash.update_field(step.id);
  hash.update_field(step.definition->action_key);
  hash.update_field(step.action->fingerprint_text());
  hash.update_field(step.cwd.string());
  for (const auto& change : step.inherited_env) {
    hash.update_field(to_string(change.mode));
    hash.update_field(change.name);
    hash.update_field(change.value);
  }
  hash.update_field("env");
  for (const auto& [name, value] : step.env) {
    hash.update_field(name);
    hash.update_field(value);
  }
  hash.update_field("creates");
  for (const auto& path : step.creates) hash.update_field(path);
  hash.update_field(step.check);
  hash.update_field(step.scope == Scope::persistent ? "persistent" : "system");
  // Timeout and retries do not change what a step does, so they are left out: raising a
  // timeout must not rebuild.
  for (const auto& [name, value] : reads) {
    hash.update_field(name);
    hash.update_field(value);
  }
  return hash.hex_digest();
}

std::string chain(const std::string& own, const std::vector<std::string>& upstream) {
  Sha256 hash;
  hash.update_field(own);
  for (const auto& fingerprint : upstream) hash.update_field(fingerprint);
  return hash.hex_digest();
}

std::string age_of(const StepRecord& record) {
  auto ended = parse_utc(record.ended_at);
  if (!ended) return "";
  auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *ended);
  return format_age(std::max(age, std::chrono::seconds(0)));
}

// The decision for an enabled, selected step, and whether its running forces the steps
// that depend on it to run too.
struct Verdict {
  Decision decision;
  std::string reason;
  bool cascades;
};

bool own_definition_changed(const PlannedStep& step, const StepRecord& record) {
  return record.details.value("definition", "") != step.definition_hash;
}

Verdict decide(const PlannedStep& step, const StepRecord* record, const std::string& boot_id,
               const std::string& upstream_runs, bool forced, const PlanOptions& options) {
  const StepProbe& probe = options.probe ? *options.probe : real_step_probe();
  if (forced) return {Decision::run, "run: forced", true};
  if (record == nullptr || record->status == StepStatus::pending) {
    return {Decision::run, "run: never ran", true};
  }
  switch (record->status) {
    case StepStatus::running:
      return {Decision::run,
              "run: the run that started it stopped without finishing (pid " +
                  std::to_string(record->runner_pid) + " was killed?)",
              true};
    case StepStatus::failed:
      // Edited since it failed: the edit is the news, not the old failure.
      if (own_definition_changed(step, *record)) {
        return {Decision::run, "run: definition changed (it failed last time)", !step.optional};
      }
      // An optional step that failed gave its dependents nothing: they run again only if
      // it succeeds this time (the executor sees to that), not on every retry.
      return {Decision::run, "run: failed last time (" + record->failure + ")", !step.optional};
    case StepStatus::interrupted:
      return {Decision::run, "run: interrupted last time", true};
    default:
      break;
  }
  if (record->fingerprint != step.fingerprint) {
    return {Decision::run,
            own_definition_changed(step, *record) ? "run: definition changed"
                                                  : "run: a step it depends on changed",
            true};
  }
  if (!upstream_runs.empty()) {
    return {Decision::run, "run: depends on " + upstream_runs + ", which runs", true};
  }
  if (step.scope == Scope::system && record->boot_id != boot_id) {
    // Redoing a system step after a reset restores the same state: no reason to redo the
    // persistent steps after it.
    return {Decision::run, "run: machine was reset (system scope)", false};
  }
  if (auto missing = probe.missing_creates(step); !missing.empty()) {
    return {Decision::run, "run: creates " + missing.front() + " missing", true};
  }
  if (std::string gone = probe.effect_missing(step); !gone.empty()) {
    return {Decision::run, "run: " + gone, true};
  }
  if (!step.check.empty() && options.run_checks && !probe.check_passes(step, nullptr, nullptr)) {
    return {Decision::run, "run: check failed", true};
  }
  std::string age = age_of(*record);
  return {Decision::skip, "skip: done" + (age.empty() ? "" : " " + age), false};
}

size_t find_selector(const std::vector<PlannedStep>& steps, const std::string& selector,
                     bool last) {
  size_t found = steps.size();
  for (size_t i = 0; i < steps.size(); ++i) {
    if (selector_matches(selector, steps[i])) {
      found = i;
      if (!last) break;
    }
  }
  return found;
}

[[noreturn]] void no_such_step(const std::string& option, const std::string& selector,
                               const std::vector<PlannedStep>& steps) {
  std::vector<std::string> ids;
  for (const auto& step : steps) {
    ids.push_back(step.id);
    ids.push_back(step.stage->name);
  }
  throw Error(option + " " + selector + ": no such stage or step" + did_you_mean(selector, ids) +
                  "; `ssdbuild status` lists them",
              kExitUsage);
}

// What resolving the steps of a plan shares, step after step.
struct StepResolution {
  const Recipe& recipe;
  VariableScope& variables;
  const StateStore& state;
  std::filesystem::path workdir;
  std::vector<EnvChange> environment;  // changes made by the `env` steps so far
  std::string compiler_cache_url;      // PlanOptions::compiler_cache_url
};

// A step whose `when` (or its stage's) is false.
PlannedStep switched_off(PlannedStep step, VariableScope& variables, const std::string& previous) {
  // A step that does not run gives its outputs as "": a later step can test for that (the
  // benchmark's weights: none means random ones).
  for (const auto& key : find_action_type(step.definition->action_key)->output_names())
    variables.set_step_output(step.definition->name, key, "");
  // It does nothing, so it leaves the chain as it is: adding a switched-off step to a recipe
  // (a new ssdbuild's built-in one, say) does not re-run what comes after it. Switching it
  // on does, through its own definition.
  step.fingerprint = previous;
  step.reason = "skip: `when` is false";
  spdlog::debug("{}: {}", step.id, step.reason);
  return step;
}

// The step's fields with variables replaced and paths made absolute.
void resolve_fields(PlannedStep& step, StepResolver& resolver,
                    const std::filesystem::path& workdir) {
  const StepDefinition& definition = *step.definition;
  std::filesystem::path cwd = resolver.text(definition.cwd, definition.node["cwd"]);
  step.cwd = (cwd.empty() ? workdir : workdir / cwd).lexically_normal();
  for (const auto& [name, value] : definition.env) {
    step.env.emplace_back(name, resolver.text(value, definition.node["env"][name]));
  }
  for (size_t i = 0; i < definition.creates.size(); ++i) {
    const YAML::Node& node = definition.node["creates"].IsSequence() ? definition.node["creates"][i]
                                                                     : definition.node["creates"];
    std::filesystem::path path = resolver.text(definition.creates[i], node);
    step.creates.push_back((step.cwd / path).lexically_normal().string());
  }
  step.check = resolver.text(definition.check, definition.node["check"]);
  step.scope = definition.scope;
  step.timeout = definition.timeout;
  step.retries = definition.retries;
  step.optional = definition.optional;
}

// One step resolved: fields, action, definition hash, and its fingerprint after `previous`.
PlannedStep resolve_step(StepResolution& resolution, const StageDefinition& stage,
                         const StepDefinition& definition, bool stage_enabled,
                         const std::string& previous) {
  const Recipe& recipe = resolution.recipe;
  VariableScope& variables = resolution.variables;
  const std::filesystem::path& state_folder = resolution.state.layout().folder;
  PlannedStep step;
  step.stage = &stage;
  step.definition = &definition;
  step.id = step_id(stage, definition);
  StepResolver resolver(recipe, variables, step.id);
  variables.take_reads();
  step.enabled = stage_enabled && (definition.when.empty() ||
                                   resolver.condition(definition.when, definition.when_node,
                                                      "step `" + step.id + "`"));
  if (!step.enabled) return switched_off(std::move(step), variables, previous);
  resolve_fields(step, resolver, resolution.workdir);
  // Not in the fingerprint: the cache changes how fast a step runs, not what it makes.
  if (definition.action_key == "run" && definition.ccache.value_or(recipe.ccache)) {
    step.compiler_cache =
        CompilerCacheSetting{compiler_cache_remote(state_folder), resolution.compiler_cache_url};
  }
  ConfigReader reader(
      recipe.file,
      [&](std::string_view text, const YAML::Node& node) {
        return resolver.text(std::string(text), node);
      },
      ActionSettings{step.cwd, state_folder, recipe.name, resolution.environment, false,
                     &resolution.state.pins(), step.id});
  step.inherited_env = resolution.environment;
  step.action = find_action_type(definition.action_key)->parse(definition.action_config, reader);
  step.definition_hash = hash_definition(step, variables.take_reads());
  for (const auto& change : step.action->env_changes()) resolution.environment.push_back(change);
  for (const auto& [key, value] : step.action->outputs()) {
    variables.set_step_output(definition.name, key, value);
  }
  step.fingerprint = chain(step.definition_hash, {previous});
  for (const auto& name : definition.needed_by) step.needed_by.push_back(recipe.find_stage(name));
  return step;
}

// The indexes [first, last) that --from and --to select; checks every selector names
// something (--only stages, --force steps) and throws Error (exit 2) if not.
std::pair<size_t, size_t> selected_range(const Recipe& recipe, const Plan& plan,
                                         const PlanOptions& options) {
  for (const auto& stage : options.only) {
    if (!recipe.find_stage(stage)) {
      std::vector<std::string> names;
      for (const auto& known : recipe.stages) names.push_back(known.name);
      throw Error("--only " + stage + ": no such stage" + did_you_mean(stage, names), kExitUsage);
    }
  }
  size_t first = 0, last = plan.steps.size();
  if (!options.from.empty()) {
    first = find_selector(plan.steps, options.from, false);
    if (first == plan.steps.size()) no_such_step("--from", options.from, plan.steps);
  }
  if (!options.to.empty()) {
    last = find_selector(plan.steps, options.to, true);
    if (last == plan.steps.size()) no_such_step("--to", options.to, plan.steps);
    ++last;
  }
  for (const auto& selector : options.force) {
    if (find_selector(plan.steps, selector, false) == plan.steps.size()) {
      no_such_step("--force", selector, plan.steps);
    }
  }
  return {first, last};
}

// The stage's cache: its paths resolved (relative ones under the work folder) and its key.
PlannedStageCache plan_stage_cache(const Recipe& recipe, VariableScope& variables,
                                   const StageDefinition& stage, const std::string& fingerprint,
                                   const std::filesystem::path& workdir) {
  std::string owner = "stage `" + stage.name + "`, `cache`";
  StepResolver resolver(recipe, variables, owner);
  PlannedStageCache cache;
  cache.stage = &stage;
  cache.key_inputs.stage = stage.name;
  cache.key_inputs.fingerprint = fingerprint;
  const YAML::Node paths = stage.cache->node["paths"];
  for (size_t i = 0; i < stage.cache->paths.size(); ++i) {
    std::filesystem::path path =
        resolver.text(stage.cache->paths[i], paths.IsSequence() ? paths[i] : paths);
    cache.key_inputs.paths.push_back((workdir / path).lexically_normal().string());
  }
  for (const auto& name : cache_key_fact_names()) {
    cache.key_inputs.facts.emplace_back(name, variables.value("facts." + name));
  }
  variables.take_reads();  // the key's facts are not a step's reads
  cache.key = stage_cache_key(cache.key_inputs);
  return cache;
}

// A stage comes back from its cache instead of running when its archive is there, some of
// its steps would run, it is selected whole, and nothing in it is forced.
// The remote store is asked only here, for a stage that would run: a run with nothing to
// do makes no request.
bool restore_instead(std::vector<PlannedStep>& steps, size_t begin, size_t end,
                     PlannedStageCache& cache, bool forced, CacheStores* stores) {
  if (forced || stores == nullptr) return false;
  bool any_runs = false;
  for (size_t i = begin; i < end; ++i) {
    const PlannedStep& step = steps[i];
    if (step.enabled && !step.selected) return false;
    any_runs =
        any_runs || (step.enabled && step.decision == Decision::run && step.action->restorable());
  }
  if (!any_runs) return false;
  if (!cache.available && stores->remote) {
    std::string problem;
    if (auto manifest = stores->remote->find(cache.key, &problem)) {
      cache.available = std::move(*manifest);
      cache.source = CacheSource::remote;
      cache.remote_url = stores->remote->shown_archive_url(*cache.available);
    } else if (!problem.empty() && !stores->remote->given_up()) {
      stores->remote->warn("cache: " + problem + "; stage " + cache.stage->name + " is built here");
    }
  }
  if (!cache.available) return false;
  std::string size = format_bytes(static_cast<double>(cache.available->archive_bytes));
  if (cache.source == CacheSource::remote)
    size += ", downloaded from " + stores->remote->shown_url();
  for (size_t i = begin; i < end; ++i) {
    PlannedStep& step = steps[i];
    if (!step.enabled || step.decision != Decision::run || !step.action->restorable()) continue;
    step.decision = Decision::restore;
    step.run_reason = step.reason;
    step.reason = "restore: from the stage cache (" + size + ")";
    spdlog::debug("{}: {} instead of {}", step.id, step.reason, step.run_reason);
  }
  cache.restore = true;
  return true;
}

// The first step that forces the stages `stage` needs to re-run everything after them.
std::string inherited_cascade(const StageDefinition& stage,
                              const std::map<std::string, std::string>& stage_cascade) {
  for (const auto& need : stage.needs) {
    auto found = stage_cascade.find(need);
    if (found != stage_cascade.end() && !found->second.empty()) return found->second;
  }
  return "";
}

struct Selection {
  const PlanOptions& options;
  size_t first, last;  // --from and --to, as indexes into the plan

  std::string skip_reason(const PlannedStep& step, size_t index) const {
    bool in_only = options.only.empty() || std::find(options.only.begin(), options.only.end(),
                                                     step.stage->name) != options.only.end();
    if (!in_only) return "skip: not in --only";
    if (index < first) return "skip: before --from";
    if (index >= last) return "skip: after --to";
    return "";
  }

  bool forces(const PlannedStep& step) const {
    return std::any_of(options.force.begin(), options.force.end(),
                       [&](const auto& selector) { return selector_matches(selector, step); });
  }
};

// Decides the steps [begin, end) of one stage; returns the step that makes the stages after
// it run (a step that runs for a reason that may change its output), or "".
std::string decide_stage(Plan& plan, size_t begin, size_t end, const StateStore& state,
                         const std::string& boot_id, const Selection& selection,
                         const std::string& inherited) {
  std::string cascade = inherited;
  bool forced_any = false;
  for (size_t i = begin; i < end; ++i) {
    PlannedStep& step = plan.steps[i];
    std::string skip = selection.skip_reason(step, i);
    step.selected = skip.empty();
    if (!step.enabled) continue;
    if (!step.selected) {
      step.decision = Decision::skip;
      step.reason = skip;
      spdlog::debug("{}: {}", step.id, step.reason);
      continue;
    }
    bool forced = selection.forces(step);
    forced_any = forced_any || forced;
    Verdict verdict =
        decide(step, state.find(step.id), boot_id, cascade, forced, selection.options);
    step.decision = verdict.decision;
    step.reason = verdict.reason;
    if (verdict.decision == Decision::run && verdict.cascades && cascade.empty()) {
      cascade = step.id;
    }
    spdlog::debug("{}: {}", step.id, step.reason);
  }
  for (auto& cache : plan.caches) {
    // A restored stage is what its steps would make again: nothing after it needs to run
    // for its sake.
    if (cache.stage == plan.steps[begin].stage &&
        restore_instead(plan.steps, begin, end, cache, forced_any,
                        selection.options.cache_stores)) {
      return inherited;
    }
  }
  return cascade;
}

void decide_all(Plan& plan, const StateStore& state, const std::string& boot_id,
                const PlanOptions& options, size_t first, size_t last) {
  Selection selection{options, first, last};
  std::map<std::string, std::string> stage_cascade;  // stage -> first step that forces
  for (size_t begin = 0; begin < plan.steps.size();) {
    const StageDefinition* stage = plan.steps[begin].stage;
    size_t end = begin;
    while (end < plan.steps.size() && plan.steps[end].stage == stage) ++end;
    stage_cascade[stage->name] = decide_stage(plan, begin, end, state, boot_id, selection,
                                              inherited_cascade(*stage, stage_cascade));
    begin = end;
  }
}

// Whether a step of `stage` that makes files runs: then the stage builds, and the steps it
// is `needed_by` do all of their work. Restored steps, skipped ones and the machine's own
// (packages, alternatives) do not build.
bool stage_builds(const Plan& plan, const StageDefinition* stage) {
  return std::any_of(plan.steps.begin(), plan.steps.end(), [&](const PlannedStep& step) {
    return step.stage == stage && step.enabled && step.decision == Decision::run &&
           step.action->restorable();
  });
}

// The system packages that the cached files of `stages` load, from their manifests; unset
// when a stage is neither switched off nor cached with a known list. The list is wanted for
// a stage that is done too: its files stay, its packages went with the VM.
std::optional<std::vector<std::string>> packages_loaded_by(
    const Plan& plan, const std::vector<const StageDefinition*>& stages) {
  std::set<std::string> packages;
  for (const StageDefinition* stage : stages) {
    bool enabled = std::any_of(plan.steps.begin(), plan.steps.end(), [&](const auto& step) {
      return step.stage == stage && step.enabled;
    });
    if (!enabled) continue;
    const PlannedStageCache* cache = plan.cache_of(stage);
    if (!cache || !cache->available || !cache->available->system_packages) return std::nullopt;
    packages.insert(cache->available->system_packages->begin(),
                    cache->available->system_packages->end());
  }
  return std::vector<std::string>(packages.begin(), packages.end());
}

std::string stage_names(const std::vector<const StageDefinition*>& stages) {
  std::string names;
  for (const StageDefinition* stage : stages) names += (names.empty() ? "" : ", ") + stage->name;
  return names;
}

// A step `needed_by` stages that do not build does only what their files need (apt: the
// packages they load; anything else: nothing). One that did only that last time runs
// whole when one of them builds.
void serve_restored_stages(Plan& plan, const StateStore& state) {
  for (auto& step : plan.steps) {
    if (!step.enabled || !step.selected || step.needed_by.empty()) continue;
    auto builds =
        std::find_if(step.needed_by.begin(), step.needed_by.end(),
                     [&](const StageDefinition* stage) { return stage_builds(plan, stage); });
    if (builds != step.needed_by.end()) {
      const StepRecord* record = state.find(step.id);
      if (step.decision == Decision::skip && record &&
          record->details.value(kServedRestoredOnly, false)) {
        step.decision = Decision::run;
        step.reason = "run: it did only what restored stages need last time, and " +
                      (*builds)->name + " builds";
      }
      continue;
    }
    if (step.decision != Decision::run) continue;
    std::optional<std::vector<std::string>> packages = packages_loaded_by(plan, step.needed_by);
    if (!packages) continue;  // a manifest without its packages: all of the step runs
    step.serves_restored_only = true;
    step.for_restored = step.action->for_restored(*packages);
    std::string stages = stage_names(step.needed_by);
    if (step.for_restored) {
      step.reason += "; only the " + std::to_string(packages->size()) + " packages that " + stages +
                     " load, since none of them builds in this run";
    } else {
      step.decision = Decision::skip;
      step.reason =
          "skip: needed only to build " + stages + ", and none of them builds in this run";
    }
    spdlog::debug("{}: {}", step.id, step.reason);
  }
}

// Whether the stage's `when` holds (no `when`: it does).
bool stage_enabled(const Recipe& recipe, VariableScope& variables, const StageDefinition& stage) {
  if (stage.when.empty()) return true;
  std::string owner = "stage `" + stage.name + "`";
  StepResolver resolver(recipe, variables, owner);
  return resolver.condition(stage.when, stage.when_node, owner);
}

// Every step resolved with its fingerprint, stage by stage in dependency order, and each
// enabled cached stage's key (with its archive, when the store has one).
Plan resolve_all(const Recipe& recipe, VariableScope& variables, const StateStore& state,
                 const PlanOptions& options) {
  Plan plan;
  plan.workdir = std::filesystem::absolute(variables.value("workdir")).lexically_normal();
  StepResolution resolution{recipe, variables, state, plan.workdir, {}, options.compiler_cache_url};
  std::map<std::string, std::string> stage_fingerprint;  // of its last step
  for (const StageDefinition* stage : recipe.stages_in_order()) {
    std::vector<std::string> upstream;
    for (const auto& need : stage->needs) upstream.push_back(stage_fingerprint[need]);
    std::string previous = chain("stage:" + stage->name, upstream);
    bool enabled = stage_enabled(recipe, variables, *stage);
    for (const auto& definition : stage->steps) {
      plan.steps.push_back(resolve_step(resolution, *stage, definition, enabled, previous));
      previous = plan.steps.back().fingerprint;
    }
    stage_fingerprint[stage->name] = previous;
    if (!stage->cache || !enabled) continue;
    plan.caches.push_back(
        plan_stage_cache(recipe, variables, *stage, previous, resolution.workdir));
    if (options.cache_stores) {
      plan.caches.back().available = options.cache_stores->local.find(plan.caches.back().key);
    }
  }
  return plan;
}

}  // namespace

bool check_holds(const PlannedStep& step, const SignalWatcher* signals, LineSink* output) {
  struct Discard : LineSink {
    void on_line(std::string_view line) override { spdlog::debug("check: {}", line); }
  } discard;
  std::error_code error;
  if (!std::filesystem::is_directory(step.cwd, error)) return false;
  ProcessOptions options;
  options.argv = {"bash", "-euo", "pipefail", "-c", step.check};
  options.cwd = step.cwd;
  options.extra_env = step_environment(step);
  options.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  options.kill_grace = std::chrono::seconds(2);
  ProcessResult result = run_process(options, output ? *output : discard, signals);
  spdlog::debug("check of {}: {}", step.id, result.describe());
  return result.ok();
}

void start_step_record(StepRecord& record, const PlannedStep& step, StepStatus status,
                       const std::string& boot_id) {
  record.status = status;
  record.fingerprint = step.fingerprint;
  record.details["definition"] = step.definition_hash;
  record.boot_id = boot_id;
  record.scope = step.scope == Scope::persistent ? "persistent" : "system";
  record.started_at = format_utc(std::chrono::system_clock::now());
  record.ended_at.clear();
  record.exit_code.reset();
  record.failure.clear();
  record.runner_pid = ::getpid();
  record.details.erase(kServedRestoredOnly);
}

KeyValueList step_environment(const PlannedStep& step) {
  KeyValueList values = apply_env_changes(step.inherited_env);
  for (const auto& entry : step.env) values.push_back(entry);
  return values;
}

std::vector<std::string> creates_of(const PlannedStep& step) {
  std::vector<std::string> paths = step.creates;
  const Action* action = step.action_to_run() ? step.action_to_run() : step.action.get();
  if (action) {
    for (auto& path : action->created_paths()) {
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
  }
  return paths;
}

std::vector<std::string> missing_creates(const PlannedStep& step) {
  std::vector<std::string> missing;
  for (const auto& pattern : creates_of(step)) {
    if (!path_or_glob_exists(pattern)) missing.push_back(pattern);
  }
  return missing;
}

std::vector<std::string> StepProbe::missing_creates(const PlannedStep& step) const {
  return ssdbuild::missing_creates(step);
}

bool StepProbe::check_passes(const PlannedStep& step, const SignalWatcher* signals,
                             LineSink* output) const {
  return check_holds(step, signals, output);
}

std::string StepProbe::effect_missing(const PlannedStep& step) const {
  const Action* action = step.action_to_run() ? step.action_to_run() : step.action.get();
  return action ? action->effect_missing() : "";
}

const StepProbe& real_step_probe() {
  static const StepProbe probe;
  return probe;
}

std::vector<EnvChange> plan_env_changes(const Plan& plan) {
  std::vector<EnvChange> changes;
  for (const auto& step : plan.steps) {
    if (!step.action) continue;
    for (const auto& change : step.action->env_changes()) changes.push_back(change);
  }
  return changes;
}

const PlannedStageCache* Plan::cache_of(const StageDefinition* stage) const {
  for (const auto& cache : caches) {
    if (cache.stage == stage) return &cache;
  }
  return nullptr;
}

size_t Plan::count(Decision decision) const {
  return static_cast<size_t>(std::count_if(
      steps.begin(), steps.end(), [&](const auto& step) { return step.decision == decision; }));
}

bool selector_matches(const std::string& selector, const PlannedStep& step) {
  return selector == step.id || selector == step.stage->name;
}

Plan make_plan(const Recipe& recipe, VariableScope& variables, const StateStore& state,
               const std::string& boot_id, const PlanOptions& options) {
  Plan plan = resolve_all(recipe, variables, state, options);
  auto [first, last] = selected_range(recipe, plan, options);
  decide_all(plan, state, boot_id, options, first, last);
  serve_restored_stages(plan, state);
  return plan;
}

std::vector<std::string> dependents_of(const Recipe& recipe, const std::string& step_id_text) {
  std::vector<std::string> result;
  std::set<std::string> affected_stages;
  for (const StageDefinition* stage : recipe.stages_in_order()) {
    bool whole_stage = std::any_of(stage->needs.begin(), stage->needs.end(),
                                   [&](auto& need) { return affected_stages.count(need) > 0; }) ||
                       step_id_text == stage->name;
    bool started = whole_stage;
    for (const auto& step : stage->steps) {
      std::string id = step_id(*stage, step);
      if (id == step_id_text) started = true;
      if (started) result.push_back(id);
    }
    if (started) affected_stages.insert(stage->name);
  }
  return result;
}

}  // namespace ssdbuild
