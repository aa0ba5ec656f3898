// The plan's equivalent of the patch action: a python3 program, not sed, whose escaping is a
// trap. It mirrors patch_ops.cpp and PatchAction::preview() rule for rule: the same
// matching, the same "already applied" checks, all-or-nothing, one atomic write per file
// keeping mode and owner.
#include "ssdbuild/actions/patch_action.hpp"

#include <cstdio>

namespace ssdbuild {
namespace {

const char* kKindNames[] = {"replace", "regex",       "comment",      "uncomment",
                            "set",     "append_line", "insert_after", "diff"};

std::string python_string(const std::string& text) {
  std::string quoted = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '\\':
        quoted += "\\\\";
        break;
      case '"':
        quoted += "\\\"";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\x%02x", c);
          quoted += escape;
        } else {
          quoted += static_cast<char>(c);
        }
    }
  }
  return quoted + "\"";
}

const char* kLibrary = R"PY(import os, re, subprocess, sys, tempfile

WS = " \t\n\v\f\r"

def lines_of(t):
    parts = t.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines

def body(line):
    return line[:-1] if line.endswith("\n") else line

def indentation(line):
    return line[:len(line) - len(line.lstrip(" \t"))]

def uncommented(line):
    t = body(line).strip(WS)
    if not t.startswith("#"):
        return None
    return t.lstrip("#").strip(WS)

def with_newline(t):
    return t + "\n" if t and not t.endswith("\n") else t

def append_text(t, addition):
    if t and not t.endswith("\n"):
        t += "\n"
    return t + with_newline(addition)

def part_regex(part):
    out, i = "", 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[" and part.find("]", i + 1) != -1:
            close = part.find("]", i + 1)
            s = part[i + 1:close]
            if s.startswith("!"):
                s = "^" + s[1:]
            out += "[" + s + "]"
            i = close
        else:
            out += re.escape(c)
        i += 1
    return out

def walk(folder, parts, index, found):
    if index == len(parts):
        if os.path.isfile(folder):
            found.append(folder)
        return
    part = parts[index]
    if part == "**":
        walk(folder, parts, index + 1, found)
        for name in (os.listdir(folder) if os.path.isdir(folder) else []):
            path = os.path.join(folder, name)
            if name.startswith(".") or os.path.islink(path) or not os.path.isdir(path):
                continue
            walk(path, parts, index, found)
        return
    if not any(c in part for c in "*?["):
        if os.path.lexists(os.path.join(folder, part)):
            walk(os.path.join(folder, part), parts, index + 1, found)
        return
    for name in (os.listdir(folder) if os.path.isdir(folder) else []):
        if name.startswith(".") and not part.startswith("."):
            continue
        if re.fullmatch(part_regex(part), name):
            walk(os.path.join(folder, name), parts, index + 1, found)

def expand(pattern):
    found = []
    walk("/", [p for p in pattern.split("/") if p], 0, found)
    return sorted(set(found))

def find_outside(t, needle, hidden):
    masked = t
    if hidden:
        at = masked.find(hidden)
        while at != -1:
            masked = masked[:at] + "\0" * len(hidden) + masked[at + len(hidden):]
            at = masked.find(hidden, at + len(hidden))
    found, at = [], masked.find(needle)
    while at != -1 and needle:
        found.append(at)
        at = masked.find(needle, at + len(needle))
    return found

def signature(repl):
    out, literal, i = "", False, 0
    while i < len(repl):
        c = repl[i]
        if c == "$" and i + 1 < len(repl):
            n = repl[i + 1]
            if n == "$":
                out += "\\$"; literal = True; i += 2; continue
            if n == "&" or n.isdigit():
                i += 1
                while i + 1 < len(repl) and repl[i + 1].isdigit():
                    i += 1
                out += ".*?"; i += 1; continue
        out += ("\\" + c) if c in "\\^$.|?*+()[]{}-/" else c
        literal = True
        i += 1
    return out if literal else ""

def expand_replacement(m, repl):
    out, i = [], 0
    while i < len(repl):
        c = repl[i]
        if c == "$" and i + 1 < len(repl):
            n = repl[i + 1]
            if n == "$":
                out.append("$"); i += 2; continue
            if n == "&":
                out.append(m.group(0)); i += 2; continue
            if n.isdigit():
                j = i + 2
                if j < len(repl) and repl[j].isdigit():
                    j += 1
                number = int(repl[i + 1:j])
                if number <= m.re.groups:
                    out.append(m.group(number) or "")
                i = j
                continue
        out.append(c)
        i += 1
    return "".join(out)

ASSIGNMENT = re.compile(r"(\s*)(#\s*)?([A-Za-z_][A-Za-z0-9_.]*)(\s*)(:=|\?=|\+=|=)(.*)")

def apply(kind, first, second, t):
    """Returns (status, matches, text, detail); status: applied, already, none."""
    if kind == "replace":
        found = find_outside(t, first, second)
        if not found:
            return ("already" if (not second or second in t) else "none"), 0, t, ""
        for at in reversed(found):
            t = t[:at] + second + t[at + len(first):]
        return "applied", len(found), t, ""
    if kind == "regex":
        matches = len(list(re.finditer(first, t)))
        if matches == 0:
            sig = signature(second)
            return ("already" if sig and re.search(sig, t) else "none"), 0, t, ""
        return "applied", matches, re.sub(first, lambda m: expand_replacement(m, second), t), ""
    if kind in ("comment", "uncomment"):
        lines, matches, other = lines_of(t), 0, False
        for i, line in enumerate(lines):
            inner = uncommented(line)
            if body(line).strip(WS) == first:
                if kind == "comment":
                    ind = indentation(line)
                    lines[i] = ind + "# " + line[len(ind):]
                    matches += 1
                else:
                    other = True
            elif inner is not None and inner == first:
                if kind == "uncomment":
                    lines[i] = indentation(line) + first + ("\n" if line.endswith("\n") else "")
                    matches += 1
                else:
                    other = True
        if matches == 0:
            return ("already" if other else "none"), 0, t, ""
        return "applied", matches, "".join(lines), ""
    if kind == "set":
        lines, active, commented = lines_of(t), None, None
        for i, line in enumerate(lines):
            m = ASSIGNMENT.fullmatch(body(line))
            if not m or m.group(3) != first:
                continue
            if m.group(2) is None and active is None:
                active = i
            if m.group(2) is not None and commented is None:
                commented = i
        target = active if active is not None else commented
        if target is None:
            return "applied", 1, append_text(t, first + " := " + second), ""
        m = ASSIGNMENT.fullmatch(body(lines[target]))
        if active is not None and m.group(6).strip(WS) == second:
            return "already", 0, t, ""
        last = target
        while (active is not None and last + 1 < len(lines)
               and body(lines[last]).strip(WS).endswith("\\")):
            last += 1
        newline = "\n" if lines[last].endswith("\n") else ""
        lines[target] = m.group(1) + first + m.group(4) + m.group(5) + " " + second + newline
        del lines[target + 1:last + 1]
        return "applied", 1, "".join(lines), ""
    if kind == "append_line":
        if first.strip(WS) and first.strip(WS) in t:
            return "already", 0, t, ""
        return "applied", 1, append_text(t, first), ""
    if kind == "insert_after":
        if second.strip(WS) and second.strip(WS) in t:
            return "already", 0, t, ""
        lines, wanted = lines_of(t), first.strip(WS)
        at = next((i for i, l in enumerate(lines) if body(l).strip(WS) == wanted), None)
        if at is None:
            at = next((i for i, l in enumerate(lines) if wanted in l), None)
        if at is None:
            return "none", 0, t, ""
        if not lines[at].endswith("\n"):
            lines[at] += "\n"
        lines.insert(at + 1, with_newline(second))
        return "applied", 1, "".join(lines), ""
    if kind == "diff":
        with tempfile.TemporaryDirectory() as folder:
            src, diff, out = (os.path.join(folder, n) for n in ("in", "diff", "out"))
            open(src, "w", encoding="utf-8", errors="surrogateescape").write(t)
            open(diff, "w", encoding="utf-8", errors="surrogateescape").write(first)
            base = ["patch", "--batch", "--silent", "-i", diff]
            quiet = dict(stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if subprocess.run(base + ["--reverse", "--dry-run", "--force", src], **quiet).returncode == 0:
                return "already", 0, t, ""
            done = subprocess.run(base + ["--forward", "-o", out, src], **quiet)
            if done.returncode != 0:
                return "none", 0, t, "patch(1) says: " + done.stdout.decode(errors="replace").strip()
            return "applied", 1, open(out, encoding="utf-8", errors="surrogateescape").read(), ""
    raise ValueError(kind)

def main():
    files = []
    for pattern in PATTERNS:
        matched = expand(pattern)
        if not matched:
            sys.exit("patch: no file matches " + pattern)
        files += matched
    label = files[0] if len(files) == 1 else "%d files" % len(files)
    before = [open(f, encoding="utf-8", errors="surrogateescape").read() for f in files]
    after = list(before)
    for index, (kind, first, second, count, described) in enumerate(OPS):
        name = "op %d (%s)" % (index + 1, described)
        attempt, applied, already, matches, detail = [], False, False, 0, ""
        for t in after:
            status, n, t, d = apply(kind, first, second, t)
            attempt.append(t)
            applied, already, matches = applied or status == "applied", already or status == "already", matches + n
            detail = d or detail
        if applied and count is not None and matches != count:
            sys.exit("patch %s: %s: expected %d match(es), found %d; no file was changed" % (label, name, count, matches))
        if applied:
            after = attempt
            print("patch %s: %s: applied (%d place(s))" % (label, name, matches))
        elif already:
            print("patch %s: %s: already applied" % (label, name))
        else:
            sys.exit("patch %s: %s: no match%s; no file was changed" % (label, name, " (" + detail + ")" if detail else ""))
    for path, old, new in zip(files, before, after):
        if old == new:
            continue
        info = os.stat(path)
        temporary = "%s.tmp-%d" % (path, os.getpid())
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
            out.write(new)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, info.st_mode & 0o7777)
        try:
            os.chown(temporary, info.st_uid, info.st_gid)
        except PermissionError:
            pass
        os.replace(temporary, path)
        print("patch: wrote " + path)

main()
)PY";

}  // namespace

std::string patch_python_script(const std::vector<std::string>& patterns,
                                const std::vector<PatchOp>& ops) {
  std::string script = "python3 - <<'SSDBUILD_PATCH_EOF'\n";
  script += "PATTERNS = [";
  for (size_t i = 0; i < patterns.size(); ++i) {
    script += (i ? ", " : "") + python_string(patterns[i]);
  }
  script += "]\nOPS = [\n";
  for (const auto& op : ops) {
    script += "    (" + python_string(kKindNames[static_cast<int>(op.kind)]) + ", " +
              python_string(op.first) + ", " + python_string(op.second) + ", " +
              (op.count ? std::to_string(*op.count) : "None") + ", " +
              python_string(op.describe()) + "),\n";
  }
  script += "]\n";
  script += kLibrary;
  script += "SSDBUILD_PATCH_EOF\n";
  return script;
}

}  // namespace ssdbuild
