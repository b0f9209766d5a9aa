#include "storage/xml_tree.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(XmlTreeTest, ReadsNamesWithoutNamespacesTextAndChildren) {
  Result<XmlElement> root = ParseXml(
      "<?xml version=\"1.0\"?><R xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><A>one &amp; two</A>"
      "<B><C>x</C></B><A>second</A></R>");
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_EQ(root->name, "R");
  ASSERT_EQ(root->children.size(), 3u);
  EXPECT_EQ(root->ChildText("A"), "one & two");
  EXPECT_EQ(root->Child("B")->ChildText("C"), "x");
  EXPECT_EQ(root->ChildText("Missing"), "");
  EXPECT_EQ(root->Child("Missing"), nullptr);
}

TEST(XmlTreeTest, RefusesMalformedDocumentsDtdsAndDeepNesting) {
  EXPECT_FALSE(ParseXml("").ok());
  EXPECT_FALSE(ParseXml("<a><b></a>").ok());
  EXPECT_FALSE(ParseXml("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>").ok());
  std::string deep;
  for (int i = 0; i <= kMaxXmlDepth; ++i) deep += "<a>";
  for (int i = 0; i <= kMaxXmlDepth; ++i) deep += "</a>";
  Result<XmlElement> refused = ParseXml(deep);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trainyard
