#include "ssdbuild/recipe/recipe.hpp"

#include <set>

namespace ssdbuild {

const StageDefinition* Recipe::find_stage(const std::string& stage_name) const {
  for (const auto& stage : stages) {
    if (stage.name == stage_name) return &stage;
  }
  return nullptr;
}

std::vector<const StageDefinition*> Recipe::stages_in_order() const {
  std::vector<const StageDefinition*> order;
  std::set<std::string> placed;
  // Repeatedly take the first stage (in file order) whose needs are all placed; the loader
  // has rejected cycles, so each pass places at least one stage.
  while (order.size() < stages.size()) {
    bool progressed = false;
    for (const auto& stage : stages) {
      if (placed.count(stage.name)) continue;
      bool ready = true;
      for (const auto& need : stage.needs) ready = ready && placed.count(need) > 0;
      if (!ready) continue;
      order.push_back(&stage);
      placed.insert(stage.name);
      progressed = true;
      break;
    }
    if (!progressed) break;
  }
  return order;
}

std::string step_id(const StageDefinition& stage, const StepDefinition& step) {
  return stage.name + "/" + step.name;
}

}  // namespace ssdbuild
