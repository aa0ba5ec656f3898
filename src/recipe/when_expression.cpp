#include "ssdbuild/recipe/when_expression.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/version_compare.hpp"

namespace ssdbuild {
namespace {

enum class TokenKind { open, close, op, word, quoted, end };

struct Token {
  TokenKind kind;
  std::string text;
  size_t column;  // 1-based, for messages
};

[[noreturn]] void fail(const std::string& message, size_t column) {
  throw WhenExpressionError(message + " at column " + std::to_string(column));
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    size_t column = i + 1;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')') {
      tokens.push_back({c == '(' ? TokenKind::open : TokenKind::close, std::string(1, c), column});
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < text.size() && text[i + 1] == '=') op += '=';
      if (op == "=" || op == "!")
        fail("unknown operator `" + op + "` (use == or !=, or `not`)", column);
      tokens.push_back({TokenKind::op, op, column});
      i += op.size();
    } else if (c == '\'' || c == '"') {
      size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) fail("unterminated string", column);
      tokens.push_back({TokenKind::quoted, std::string(text.substr(i + 1, close - i - 1)), column});
      i = close + 1;
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t close = text.find('}', i);
      if (close == std::string_view::npos) fail("unclosed `${`", column);
      tokens.push_back({TokenKind::word, std::string(text.substr(i + 2, close - i - 2)), column});
      i = close + 1;
    } else {
      size_t start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             std::string_view("()=!<>'\"").find(text[i]) == std::string_view::npos) {
        ++i;
      }
      tokens.push_back({TokenKind::word, std::string(text.substr(start, i - start)), column});
    }
  }
  tokens.push_back({TokenKind::end, "", text.size() + 1});
  return tokens;
}

struct Node {
  enum class Kind { literal, name, quoted, negate, conjunction, disjunction, comparison } kind;
  std::string text;  // literal value, name, quoted text, or comparison operator
  std::unique_ptr<Node> left, right;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::unique_ptr<Node> parse() {
    auto node = parse_or();
    if (peek().kind != TokenKind::end) fail("unexpected `" + peek().text + "`", peek().column);
    return node;
  }

 private:
  const Token& peek() const { return tokens_[position_]; }
  bool at_word(std::string_view word) const {
    return peek().kind == TokenKind::word && peek().text == word;
  }

  std::unique_ptr<Node> binary(Node::Kind kind, std::unique_ptr<Node> left,
                               std::unique_ptr<Node> right, std::string text = "") {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->text = std::move(text);
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  std::unique_ptr<Node> parse_or() {
    auto left = parse_and();
    while (at_word("or")) {
      ++position_;
      left = binary(Node::Kind::disjunction, std::move(left), parse_and());
    }
    return left;
  }

  std::unique_ptr<Node> parse_and() {
    auto left = parse_not();
    while (at_word("and")) {
      ++position_;
      left = binary(Node::Kind::conjunction, std::move(left), parse_not());
    }
    return left;
  }

  std::unique_ptr<Node> parse_not() {
    if (at_word("not")) {
      ++position_;
      return binary(Node::Kind::negate, parse_not(), nullptr);
    }
    return parse_comparison();
  }

  std::unique_ptr<Node> parse_comparison() {
    auto left = parse_primary();
    if (peek().kind == TokenKind::op) {
      std::string op = tokens_[position_++].text;
      return binary(Node::Kind::comparison, std::move(left), parse_primary(), op);
    }
    return left;
  }

  std::unique_ptr<Node> parse_primary() {
    const Token& token = peek();
    if (token.kind == TokenKind::open) {
      ++position_;
      auto inner = parse_or();
      if (peek().kind != TokenKind::close) fail("missing `)`", peek().column);
      ++position_;
      return inner;
    }
    auto node = std::make_unique<Node>();
    if (token.kind == TokenKind::quoted) {
      node->kind = Node::Kind::quoted;
    } else if (token.kind == TokenKind::word && token.text != "and" && token.text != "or" &&
               token.text != "not") {
      bool literal = token.text == "true" || token.text == "false" ||
                     std::isdigit(static_cast<unsigned char>(token.text[0]));
      node->kind = literal ? Node::Kind::literal : Node::Kind::name;
    } else {
      fail(token.kind == TokenKind::end ? "expression ends too early"
                                        : "expected a value, found `" + token.text + "`",
           token.column);
    }
    node->text = token.text;
    ++position_;
    return node;
  }

  std::vector<Token> tokens_;
  size_t position_ = 0;
};

std::unique_ptr<Node> parse_expression(std::string_view expression) {
  if (trim(expression).empty()) throw WhenExpressionError("empty expression");
  return Parser(tokenize(expression)).parse();
}

std::string value_of(const Node& node, const VariableLookup& lookup) {
  switch (node.kind) {
    case Node::Kind::literal:
      return node.text;
    case Node::Kind::name:
      return lookup(node.text);
    case Node::Kind::quoted:
      return interpolate(node.text, lookup);
    default:
      break;
  }
  return "";  // boolean sub-expressions are not values
}

bool compare(const std::string& left, const std::string& op, const std::string& right) {
  int order;
  if (looks_like_version(left) && looks_like_version(right)) {
    order = compare_versions(left, right);
  } else {
    order = left.compare(right);
    order = order < 0 ? -1 : (order > 0 ? 1 : 0);
  }
  if (op == "==") return order == 0;
  if (op == "!=") return order != 0;
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

bool evaluate(const Node& node, const VariableLookup& lookup) {
  switch (node.kind) {
    case Node::Kind::negate:
      return !evaluate(*node.left, lookup);
    case Node::Kind::conjunction:
      return evaluate(*node.left, lookup) && evaluate(*node.right, lookup);
    case Node::Kind::disjunction:
      return evaluate(*node.left, lookup) || evaluate(*node.right, lookup);
    case Node::Kind::comparison:
      return compare(value_of(*node.left, lookup), node.text, value_of(*node.right, lookup));
    default:
      return is_truthy(value_of(node, lookup));
  }
}

void collect_names(const Node& node, std::vector<std::string>& names) {
  if (node.kind == Node::Kind::name) names.push_back(node.text);
  if (node.kind == Node::Kind::quoted) {
    for (auto& name : referenced_variables(node.text)) names.push_back(name);
  }
  if (node.left) collect_names(*node.left, names);
  if (node.right) collect_names(*node.right, names);
}

}  // namespace

bool is_truthy(std::string_view value) {
  std::string lowered(trim(value));
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return !(lowered.empty() || lowered == "0" || lowered == "false" || lowered == "no" ||
           lowered == "off");
}

bool evaluate_when(std::string_view expression, const VariableLookup& lookup) {
  return evaluate(*parse_expression(expression), lookup);
}

std::vector<std::string> when_variables(std::string_view expression) {
  std::vector<std::string> names;
  try {
    collect_names(*parse_expression(expression), names);
  } catch (const InterpolationError& error) {
    throw WhenExpressionError(error.what());
  }
  return names;
}

}  // namespace ssdbuild
