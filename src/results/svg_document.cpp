#include "ssdbuild/results/svg_document.hpp"

#include <algorithm>
#include <iterator>

#include <spdlog/fmt/fmt.h>

namespace ssdbuild::svg {
namespace {

bool is_utf8_start(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

}  // namespace

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids the other control characters even as references.
        bool forbidden = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n';
        out += forbidden ? ' ' : c;
    }
  }
  return out;
}

// fmt ignores the locale unless asked ("{:L}"): a German locale still gets "12.5".
std::string px(double value) {
  return fmt::format("{:.1f}", value);
}

size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), is_utf8_start));
}

std::string utf8_prefix(std::string_view text, size_t chars) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (is_utf8_start(text[i]) && seen++ == chars) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

std::string shorten(std::string_view text, size_t chars) {
  if (utf8_length(text) <= chars || chars == 0) return std::string(text);
  return utf8_prefix(text, chars - 1) + "\xE2\x80\xA6";  // U+2026
}

void write_text(std::string& out, double x, double y, std::string_view attributes,
                std::string_view text) {
  fmt::format_to(std::back_inserter(out), "<text x=\"{}\" y=\"{}\" {}>{}</text>\n", px(x), px(y),
                 attributes, escape_xml(text));
}

std::string header(double width, double height, std::string_view title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n"
      "<title>{2}</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
      fmt::format("{:.0f}", width), fmt::format("{:.0f}", height), escape_xml(title));
}

}  // namespace ssdbuild::svg
