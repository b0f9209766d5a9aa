#!/usr/bin/env python3
"""Generates src/model/generated/sagemaker_shapes.{h,cc} from botocore's SageMaker model.

The output is a set of constant tables (shapes, members, enum values, patterns,
operations) covering every shape reachable from the input shapes of the
operations trainyard serves. src/model/validation.cc walks requests against it.

Usage (from the repository root; needs the `botocore` Python package):
    python3 tools/gen_shapes.py [--output-dir src/model/generated]

Patterns are Java regular expressions that must match the whole value. Each is
classified here so the C++ engine can avoid std::regex where it can:
  kAnything        [\\S\\s]*                      (accepts every value)
  kSingleLine      .*  .+                        (Java '.': no line terminators)
  kHyphenatedName  [a-zA-Z0-9](-*[a-zA-Z0-9]){0,N} (and the unbounded '*' form)
  kCharClassRun    [lead]?[class]* or [class]+   (ASCII bitmaps; \\p{L}\\p{Z}\\p{N}
                                                  add ASCII members and flag
                                                  non-ASCII code points for the
                                                  engine's Unicode classifier)
  kRegex           anything else, translated to ECMAScript for std::regex:
                   \\p{Alnum} -> a-zA-Z0-9, '\\/' -> '/', and a trailing
                   lookbehind (?<!c) becomes "must not end with c" (checked by
                   the engine). std::regex works on UTF-8 bytes: its '.'
                   excludes only \\n and \\r (Java's also U+0085, U+2028 and
                   U+2029) and matches one byte of a multi-byte character.
                   Constructs with no ECMAScript equivalent (lookbehind
                   elsewhere, possessive or atomic forms, other \\p classes)
                   stop the generator, so a model update that introduces one
                   gets a human's attention.
The message text shows each pattern as Coral does: with a leading '^', except
the catch-all patterns (.*, .+, [\\S\\s]*) that Coral shows bare.
"""

import argparse
import gzip
import json
import os
import re
import sys

OPERATIONS = [
    "CreateTrainingJob",
    "DescribeTrainingJob",
    "ListTrainingJobs",
    "StopTrainingJob",
    "UpdateTrainingJob",
    "DeleteTrainingJob",
    "CreateHyperParameterTuningJob",
    "DescribeHyperParameterTuningJob",
    "ListHyperParameterTuningJobs",
    "ListTrainingJobsForHyperParameterTuningJob",
    "StopHyperParameterTuningJob",
    "DeleteHyperParameterTuningJob",
    "AddTags",
    "DeleteTags",
    "ListTags",
]

SHAPE_TYPES = {
    "structure": "kStructure",
    "list": "kList",
    "map": "kMap",
    "string": "kString",
    "integer": "kInteger",
    "long": "kLong",
    "float": "kFloat",
    "double": "kDouble",
    "boolean": "kBoolean",
    "timestamp": "kTimestamp",
    "blob": "kBlob",
}

CATCH_ALL_PATTERNS = {".*", ".+", "[\\S\\s]*", "[\\s\\S]*"}
MODEL_PATH = "data/sagemaker/2017-07-24/service-2.json.gz"


def load_model():
    import botocore

    path = os.path.join(os.path.dirname(botocore.__file__), MODEL_PATH)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return botocore.__version__, json.load(f)


def reachable_shapes(model):
    shapes = model["shapes"]
    seen = set()
    stack = [model["operations"][op]["input"]["shape"] for op in OPERATIONS]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for member in shape.get("members", {}).values():
            stack.append(member["shape"])
        if "member" in shape:
            stack.append(shape["member"]["shape"])
        if "key" in shape:
            stack.append(shape["key"]["shape"])
            stack.append(shape["value"]["shape"])
    return sorted(seen)


# ---- Pattern classification -------------------------------------------------

class Untranslatable(Exception):
    pass


def parse_class(body):
    """Parses the inside of a [...] class: returns (set of ASCII codes, unicode_lzn)."""
    chars = set()
    unicode_lzn = False
    items = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            if body.startswith("\\p{", i):
                end = body.index("}", i)
                prop = body[i + 3:end]
                if prop not in ("L", "Z", "N"):
                    raise Untranslatable("class \\p{%s}" % prop)
                unicode_lzn = True
                if prop == "L":
                    chars.update(range(ord("a"), ord("z") + 1))
                    chars.update(range(ord("A"), ord("Z") + 1))
                elif prop == "N":
                    chars.update(range(ord("0"), ord("9") + 1))
                else:
                    chars.add(ord(" "))
                i = end + 1
                continue
            nxt = body[i + 1]
            if nxt.isalnum():
                raise Untranslatable("class escape \\%s" % nxt)
            items.append(nxt)
            i += 2
            continue
        if c == "-" and items and i + 1 < len(body) and items[-1] != "RANGE":
            items.append("RANGE")
            i += 1
            continue
        if c == "^" and i == 0:
            raise Untranslatable("negated class")
        items.append(c)
        i += 1
    # Resolve ranges: a "RANGE" marker between two literal characters.
    k = 0
    while k < len(items):
        if k + 2 < len(items) and items[k + 1] == "RANGE":
            lo, hi = ord(items[k]), ord(items[k + 2])
            chars.update(range(lo, hi + 1))
            k += 3
        else:
            if items[k] != "RANGE":
                chars.add(ord(items[k]))
            else:
                chars.add(ord("-"))
            k += 1
    if any(c >= 128 for c in chars):
        raise Untranslatable("non-ASCII class member")
    return chars, unicode_lzn


CLASS = r"\[((?:\\.|[^\]\\])+)\]"


def strip_outer_group(pattern):
    """'(X)' -> 'X' when the parentheses wrap the whole pattern."""
    if not (pattern.startswith("(") and pattern.endswith(")")):
        return pattern
    depth = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and i != len(pattern) - 1:
                return pattern
        i += 1
    inner = pattern[1:-1]
    return inner if not inner.startswith("?") else pattern


def to_ecmascript(pattern):
    """Translates a Java pattern to ECMAScript; returns (regex, must_not_end_with)."""
    must_not_end_with = ""
    m = re.search(r"\(\?<!(\\?.)\)$", pattern)
    if m:
        must_not_end_with = m.group(1)[-1]
        pattern = pattern[: m.start()]
    out = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\p{Alnum}", i):
                out.append("a-zA-Z0-9" if in_class else "[a-zA-Z0-9]")
                i += len("\\p{Alnum}")
                continue
            nxt = pattern[i + 1]
            if nxt in "pPQEAzZGhHRXkK":
                raise Untranslatable("escape \\%s" % nxt)
            out.append("/" if nxt == "/" else pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[":
                raise Untranslatable("nested class")
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            if pattern.startswith("[^", i):
                out.append("^")
                i += 1
            if pattern[i + 1] == "]":  # a literal ']' first in the class
                out.append("\\]")
                i += 1
            i += 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            kind = pattern[i + 2]
            if kind not in ":=!":
                raise Untranslatable("group (?%s" % kind)
        if c in "*+?}" and i + 1 < len(pattern) and pattern[i + 1] == "+":
            raise Untranslatable("possessive quantifier")
        out.append(c)
        i += 1
    regex = "".join(out)
    re.compile(regex)  # a sanity check: Python's syntax is close to ECMAScript's here
    return regex, must_not_end_with


def classify(pattern):
    """Returns a dict describing how the engine matches `pattern`."""
    info = {"kind": "kRegex", "repeat_max": -1, "lead": None, "rest": set(),
            "rest_min": 0, "unicode_lzn": False, "ecmascript": "", "not_end": ""}
    if pattern in ("[\\S\\s]*", "[\\s\\S]*"):
        info["kind"] = "kAnything"
        return info
    if pattern in (".*", ".+"):
        info["kind"] = "kSingleLine"
        info["rest_min"] = 1 if pattern == ".+" else 0
        return info
    m = re.fullmatch(r"\[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)(?:\{0,(\d+)\}|(\*))", pattern)
    if m:
        info["kind"] = "kHyphenatedName"
        info["repeat_max"] = int(m.group(1)) if m.group(1) else -1
        return info
    inner = strip_outer_group(pattern)
    m = re.fullmatch("(?:%s)?%s([*+])" % (CLASS, CLASS), inner)
    if m:
        try:
            lead = parse_class(m.group(1)) if m.group(1) else None
            rest = parse_class(m.group(2))
        except Untranslatable:
            lead = rest = None
        if rest is not None:
            info["kind"] = "kCharClassRun"
            info["lead"] = lead[0] if lead else None
            info["rest"] = rest[0]
            info["rest_min"] = 1 if m.group(3) == "+" else 0
            info["unicode_lzn"] = rest[1] or bool(lead and lead[1])
            return info
    try:
        info["ecmascript"], info["not_end"] = to_ecmascript(pattern)
    except Untranslatable as e:
        sys.exit("gen_shapes: cannot translate pattern %r (%s); add a matcher" % (pattern, e))
    return info


def display_pattern(pattern):
    if pattern in CATCH_ALL_PATTERNS or pattern.startswith("^"):
        return pattern
    return "^" + pattern


# ---- C++ emission -------------------------------------------------------------

def cpp_string(s):
    out = ['"']
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\u%04x" % ord(ch))
    out.append('"')
    return "".join(out)


def bitmap(chars):
    if chars is None:
        return "{}"
    lo = sum(1 << c for c in chars if c < 64)
    hi = sum(1 << (c - 64) for c in chars if c >= 64)
    return "{0x%xULL, 0x%xULL}" % (lo, hi)


def opt(value):
    return "{}" if value is None else str(value)


def lower_camel(name):
    return name[:1].lower() + name[1:]


HEADER_COMMENT = """\
// GENERATED FILE - DO NOT EDIT.
// Generated by tools/gen_shapes.py from botocore {version}
// ({model}, apiVersion {api}).
// Regenerate: python3 tools/gen_shapes.py
"""

HEADER_BODY = """\
// The SageMaker shapes reachable from the inputs of the operations trainyard
// serves, as constant tables: one ShapeDef per shape, with members, enum values
// and patterns in side tables addressed by index. src/model/validation.cc walks
// requests against these tables. Plain constant data; safe to read from any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace trainyard::sagemaker_shapes {

inline constexpr std::string_view kBotocoreVersion = "{version}";
inline constexpr int16_t kNone = -1;  // "no shape" / "no pattern"

enum class ShapeType : uint8_t {
  kStructure, kList, kMap, kString, kInteger, kLong, kFloat, kDouble, kBoolean, kTimestamp, kBlob,
};

// How a pattern is matched; see tools/gen_shapes.py for the classification.
enum class PatternKind : uint8_t {
  kAnything,        // every value matches
  kSingleLine,      // Java '.*' / '.+': no line terminators; rest_min = 1 for '.+'
  kHyphenatedName,  // [a-zA-Z0-9](-*[a-zA-Z0-9]){0,repeat_max}; repeat_max -1: unbounded
  kCharClassRun,    // optional lead class, then rest class repeated >= rest_min times
  kRegex,           // std::regex on `ecmascript`, plus the must_not_end_with check
};

// A set of ASCII characters: bit c of (c < 64 ? lo : hi).
struct AsciiSet {
  uint64_t lo = 0;
  uint64_t hi = 0;
};

struct PatternDef {
  std::string_view java;     // as in the model
  std::string_view display;  // as Coral prints it in messages
  PatternKind kind;
  int32_t repeat_max;        // kHyphenatedName
  bool has_lead;             // kCharClassRun: first character from `lead`
  AsciiSet lead;
  AsciiSet rest;
  uint8_t rest_min;          // kSingleLine, kCharClassRun: 0 or 1
  bool unicode_lzn;          // kCharClassRun: non-ASCII letters, separators, numbers match
  std::string_view ecmascript;  // kRegex
  char must_not_end_with;       // kRegex: '\\0' for none
};

struct MemberDef {
  std::string_view name;       // JSON member name, e.g. "TrainingJobName"
  std::string_view path_name;  // as in Coral's member paths, e.g. "trainingJobName"
  int16_t shape;
  bool required;
};

struct ShapeDef {
  std::string_view name;
  ShapeType type;
  std::optional<int64_t> min;  // string length, list/map size or numeric value
  std::optional<int64_t> max;
  int16_t pattern;             // index into Patterns(), or kNone
  uint16_t enum_begin, enum_end;      // range in EnumValues()
  uint16_t member_begin, member_end;  // range in Members()
  int16_t element;             // list member / map value shape, or kNone
  int16_t key;                 // map key shape, or kNone
};

struct OperationDef {
  std::string_view name;
  int16_t input;
};

std::span<const ShapeDef> Shapes();
std::span<const MemberDef> Members();
std::span<const std::string_view> EnumValues();
std::span<const PatternDef> Patterns();
std::span<const OperationDef> Operations();

}  // namespace trainyard::sagemaker_shapes
"""


# trainyard's deliberate extensions of the model: a local directory store is
# addressed as file:///abs/path wherever SageMaker takes an S3 URI (DESIGN.md,
# "Storage URIs"). The storage layer refuses relative or escaping paths.
PATTERN_EXTENSIONS = {
    "S3Uri": "(https|s3)://([^/]+)/?(.*)|file:///(.*)",
}


def generate(version, model, out_dir):
    shapes = model["shapes"]
    names = reachable_shapes(model)
    index = {n: i for i, n in enumerate(names)}
    if len(names) > 32767:
        sys.exit("gen_shapes: too many shapes for int16_t indexes")

    patterns, pattern_index = [], {}
    members, enums, rows = [], [], []
    for name in names:
        s = shapes[name]
        if s["type"] not in SHAPE_TYPES:
            sys.exit("gen_shapes: shape %s has unsupported type %s" % (name, s["type"]))
        pat = PATTERN_EXTENSIONS.get(name, s.get("pattern"))
        pidx = "kNone"
        if pat is not None:
            if pat not in pattern_index:
                pattern_index[pat] = len(patterns)
                patterns.append(pat)
            pidx = str(pattern_index[pat])
        enum_begin = len(enums)
        enums.extend(s.get("enum", []))
        member_begin = len(members)
        required = set(s.get("required", []))
        for mname, m in s.get("members", {}).items():
            members.append((mname, index[m["shape"]], mname in required))
        element = key = "kNone"
        if s["type"] == "list":
            element = str(index[s["member"]["shape"]])
        elif s["type"] == "map":
            element = str(index[s["value"]["shape"]])
            key = str(index[s["key"]["shape"]])
        rows.append("  {%s, ShapeType::%s, %s, %s, %s, %d, %d, %d, %d, %s, %s},"
                    % (cpp_string(name), SHAPE_TYPES[s["type"]], opt(s.get("min")),
                       opt(s.get("max")), pidx, enum_begin, len(enums), member_begin,
                       len(members), element, key))

    api = model["metadata"]["apiVersion"]
    banner = HEADER_COMMENT.format(version=version, model="sagemaker/" + api + "/service-2.json",
                                   api=api)
    header = banner + "\n" + HEADER_BODY.replace("{version}", version)

    cc = [banner, '#include "model/generated/sagemaker_shapes.h"', "",
          "namespace trainyard::sagemaker_shapes {", "namespace {", ""]
    cc.append("// {name, ShapeType, min, max, pattern, enum_begin, enum_end, "
              "member_begin, member_end, element, key}")
    cc.append("constexpr ShapeDef kShapes[] = {")
    cc.extend(rows)
    cc.append("};")
    cc.append("")
    cc.append("// {name, path_name, shape, required}")
    cc.append("constexpr MemberDef kMembers[] = {")
    for mname, shape, req in members:
        cc.append("  {%s, %s, %d, %s},  // %s" % (cpp_string(mname), cpp_string(lower_camel(mname)),
                                                 shape, "true" if req else "false", names[shape]))
    cc.append("};")
    cc.append("")
    cc.append("constexpr std::string_view kEnumValues[] = {")
    line = " "
    for e in enums:
        piece = " " + cpp_string(e) + ","
        if len(line) + len(piece) > 98:
            cc.append(line)
            line = " "
        line += piece
    if line.strip():
        cc.append(line)
    cc.append("};")
    cc.append("")
    cc.append("// {java, display, kind, repeat_max, has_lead, lead, rest, rest_min, "
              "unicode_lzn, ecmascript, must_not_end_with}")
    cc.append("constexpr PatternDef kPatterns[] = {")
    for pat in patterns:
        info = classify(pat)
        not_end = "'\\0'" if not info["not_end"] else "'%s'" % info["not_end"].replace("\\", "\\\\")
        cc.append("  {%s,\n   %s,\n   PatternKind::%s, %d, %s, %s, %s, %d, %s, %s, %s},"
                  % (cpp_string(pat), cpp_string(display_pattern(pat)), info["kind"],
                     info["repeat_max"], "true" if info["lead"] is not None else "false",
                     bitmap(info["lead"]), bitmap(info["rest"]), info["rest_min"],
                     "true" if info["unicode_lzn"] else "false", cpp_string(info["ecmascript"]),
                     not_end))
    cc.append("};")
    cc.append("")
    cc.append("constexpr OperationDef kOperations[] = {")
    for op in OPERATIONS:
        input_shape = model["operations"][op]["input"]["shape"]
        cc.append("  {%s, %d},  // %s" % (cpp_string(op), index[input_shape], input_shape))
    cc.append("};")
    cc.append("")
    cc.append("}  // namespace")
    cc.append("")
    for fn, table, typ in (("Shapes", "kShapes", "ShapeDef"), ("Members", "kMembers", "MemberDef"),
                           ("EnumValues", "kEnumValues", "std::string_view"),
                           ("Patterns", "kPatterns", "PatternDef"),
                           ("Operations", "kOperations", "OperationDef")):
        cc.append("std::span<const %s> %s() { return %s; }" % (typ, fn, table))
    cc.append("")
    cc.append("}  // namespace trainyard::sagemaker_shapes")
    cc.append("")

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "sagemaker_shapes.h"), "w", encoding="utf-8") as f:
        f.write(header)
    with open(os.path.join(out_dir, "sagemaker_shapes.cc"), "w", encoding="utf-8") as f:
        f.write("\n".join(cc))
    print("gen_shapes: %d shapes, %d members, %d enum values, %d patterns (botocore %s)"
          % (len(names), len(members), len(enums), len(patterns), version))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default=os.path.join(repo, "src", "model", "generated"))
    args = parser.parse_args()
    version, model = load_model()
    generate(version, model, args.output_dir)


if __name__ == "__main__":
    main()
