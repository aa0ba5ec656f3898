#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ssdbuild {

std::string_view trim(std::string_view text);
std::vector<std::string> split_lines(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);

/// A size for people: "512.0 KiB" below a MiB (never "0.0 MiB"), else "12.3 MiB".
std::string format_bytes(double bytes);

/// "[7/23] build/caffe": `name` with its 1-based `number` of `total` (a run's steps).
std::string counted(size_t number, size_t total, std::string_view name);

/// Quotes `text` for bash so that it is one word with exactly this value.
std::string shell_quote(std::string_view text);

/// `words` as one bash command line: each shell_quote'd, joined by spaces.
std::string shell_words(const std::vector<std::string>& words);

/// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is a plausible typo of it, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean `X`?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ssdbuild
