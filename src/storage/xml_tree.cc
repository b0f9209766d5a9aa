#include "storage/xml_tree.h"

#include <expat.h>

#include <memory>

namespace trainyard {
namespace {

constexpr char kNamespaceSeparator = '\x01';

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

// Builds the tree from expat's callbacks.
struct TreeBuilder {
  XML_Parser parser = nullptr;
  XmlElement root;
  std::vector<XmlElement*> open;  // the path from the root to the current element
  bool have_root = false;
  std::string failure;

  void Fail(std::string why) {
    if (failure.empty()) failure = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

std::string LocalName(const XML_Char* name) {
  std::string_view full(name);
  size_t separator = full.rfind(kNamespaceSeparator);
  return std::string(separator == std::string_view::npos ? full : full.substr(separator + 1));
}

void OnStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (builder->open.size() >= static_cast<size_t>(kMaxXmlDepth)) {
    builder->Fail("nested deeper than " + std::to_string(kMaxXmlDepth) + " levels");
    return;
  }
  XmlElement* element;
  if (builder->open.empty()) {
    builder->have_root = true;
    element = &builder->root;
  } else {
    element = &builder->open.back()->children.emplace_back();
  }
  element->name = LocalName(name);
  builder->open.push_back(element);
}

void OnEnd(void* data, const XML_Char* /*name*/) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (!builder->open.empty()) builder->open.pop_back();
}

void OnText(void* data, const XML_Char* text, int length) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (!builder->open.empty()) builder->open.back()->text.append(text, static_cast<size_t>(length));
}

void OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<TreeBuilder*>(data)->Fail("a DTD is not allowed");
}

Error Malformed(std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument, "malformed XML: " + std::string(why));
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child ? child->text : "";
}

Result<XmlElement> ParseXml(std::string_view document) {
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(XML_ParserCreateNS("UTF-8", kNamespaceSeparator));
  if (!parser) return MakeError(ErrorCode::kInternal, "cannot create an XML parser");
  TreeBuilder builder;
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  if (document.size() > static_cast<size_t>(INT32_MAX)) return Malformed("document too large");
  XML_Status status =
      XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE);
  if (!builder.failure.empty()) return Malformed(builder.failure);
  if (status != XML_STATUS_OK) {
    return Malformed(std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
                     std::to_string(XML_GetCurrentLineNumber(parser.get())));
  }
  if (!builder.have_root) return Malformed("no root element");
  return std::move(builder.root);
}

}  // namespace trainyard
