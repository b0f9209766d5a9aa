// A small XML document tree (libexpat behind this adapter), enough to read
// S3's replies.
//
// Element names are local names: a namespace ("http://s3.amazonaws.com/...")
// is dropped. Text is the character data directly inside an element, with
// entities decoded. Documents with a DTD, more than kMaxXmlDepth levels, or
// malformed XML are refused (kInvalidArgument), so a hostile server cannot
// make the parser expand entities or recurse without bound.
// Pure functions and plain values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace trainyard {

inline constexpr int kMaxXmlDepth = 32;

struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child called `name`, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // The text of the first child called `name`, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
};

// The document's root element.
Result<XmlElement> ParseXml(std::string_view document);

}  // namespace trainyard
