#pragma once
// A run's timeline as text for the console: `report --timeline`'s bar chart, and the
// summary table that `run` prints at its end. Plain characters only (no colour, no cursor
// movement), so that a notebook's output area and a log show them as a terminal does.
#include <string>

#include "ssdbuild/results/run_timeline.hpp"

namespace ssdbuild {

/// A heading line, then one line per bar: its label ("[7/23] build/caffe"), the bar on a
/// time axis `columns` wide (# ran, = restored, . skipped, X failed, ! interrupted), its
/// outcome and duration; then a legend.
std::string format_timeline(const Timeline& timeline, size_t columns = 40);

/// One line per bar: label, outcome, duration (and why it failed); then the total line:
/// "total  3 ran, 1 restored, 19 skipped  41m12s (exit 0)".
std::string format_run_summary(const Timeline& timeline);

/// "[7/23] build/caffe" for a step with a known place, else the bar's name.
std::string bar_label(const Timeline& timeline, const TimelineBar& bar);

/// The bar's duration, "12.3s"; "-" for a skipped or restored step, which takes no time of
/// its own (a restore's is its stage's `cache: restore` bar); "?" for a bar with no end.
std::string duration_text(const TimelineBar& bar);

/// "3 ran, 1 restored, 19 skipped, 1 failed": the outcomes that occur, in that order.
std::string outcome_counts(const Timeline& timeline);

}  // namespace ssdbuild
