#pragma once
// What every chart of ours writes the same way, so that each is self-contained SVG (no
// script, no external font or style) that a notebook (IPython.display.SVG) and a browser
// show alike: the document's header, text that is XML-escaped, coordinates with one
// decimal whatever the locale, labels cut to a length without splitting a UTF-8 character,
// and one palette. The benchmark chart (svg_chart) and the run's timeline (timeline_chart)
// are written with it.
#include <array>
#include <string>
#include <string_view>

namespace ssdbuild::svg {

/// The palette, in the order the benchmark chart gives it to its series.
inline constexpr std::array<const char*, 6> kPalette = {"#2f6fb3", "#d9641e", "#3a9a4b",
                                                        "#8e5bb5", "#b8860b", "#c23b5a"};
inline constexpr const char* kBlue = "#2f6fb3";
inline constexpr const char* kOrange = "#d9641e";
inline constexpr const char* kGreen = "#3a9a4b";
inline constexpr const char* kRed = "#c23b5a";
inline constexpr const char* kGrey = "#a8adb3";
inline constexpr const char* kBand = "#f4f6f8";  // every other row
inline constexpr const char* kGrid = "#dddddd";

/// `text` with &, <, >, " and ' escaped, and the control characters that XML 1.0 forbids
/// (all but tab and newline) turned into spaces.
std::string escape_xml(std::string_view text);

/// A coordinate: "12.5".
std::string px(double value);

/// The first `chars` characters of `text` (UTF-8), with "…" as the last when it is cut.
std::string shorten(std::string_view text, size_t chars);

/// How many characters (not bytes) `text` has.
size_t utf8_length(std::string_view text);

/// The first `chars` characters of `text`, never cutting a UTF-8 sequence in two.
std::string utf8_prefix(std::string_view text, size_t chars);

/// Appends <text x y ATTRIBUTES>TEXT</text> (TEXT escaped).
void write_text(std::string& out, double x, double y, std::string_view attributes,
                std::string_view text);

/// The XML declaration, the <svg> element (width, height, viewBox, sans-serif), its <title>
/// and a white background. The document ends with kFooter.
std::string header(double width, double height, std::string_view title);
inline constexpr const char* kFooter = "</svg>\n";

}  // namespace ssdbuild::svg
