#include "agent/toolkit_values.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

struct ValueCase {
  const char* hyperparameter;  // as written in hyperparameters.json
  const char* arg;             // what the toolkit passes on the command line
  const char* env;             // what the toolkit puts in SM_HP_<NAME>
};

// Expectations produced by CPython 3 with the toolkit's own expressions:
// str()/json.dumps(sort_keys=True, separators=(",", ":")) of json.loads(v).
const ValueCase kCases[] = {
    {"256", "256", "256"},
    {"0.01", "0.01", "0.01"},
    {"true", "True", "true"},
    {"\"abc\"", "abc", "abc"},
    {"{\"a\": 1}", "a=1", "{\"a\":1}"},
    {"plain text", "plain text", "plain text"},
    {"1e-3", "0.001", "0.001"},
    {"1e16", "1e+16", "1e+16"},
    {"1e15", "1000000000000000.0", "1000000000000000.0"},
    {"123456789012345678", "123456789012345678", "123456789012345678"},
    {"0.0001", "0.0001", "0.0001"},
    {"0.00001", "1e-05", "1e-05"},
    {"-0.0", "-0.0", "-0.0"},
    {"1.5e300", "1.5e+300", "1.5e+300"},
    {"[1, \"a'b\", null, 2.5, {\"z\":1,\"a\":[true]}]", "[1, \"a'b\", None, 2.5, {'z': 1, 'a': [True]}]", "[1,\"a'b\",null,2.5,{\"a\":[true],\"z\":1}]"},
    {"\"caf\303\251 \\u00e9\\ud83d\\ude00\"", "caf\303\251 \303\251\360\237\230\200", "caf\303\251 \303\251\360\237\230\200"},
    {"NaN", "nan", "NaN"},
    {"-Infinity", "-inf", "-Infinity"},
    {"null", "", ""},
    {"{\"b\": {\"y\": 2, \"x\": 1}, \"a\": \"s\"}", "a=s,b={'y': 2, 'x': 1}", "{\"a\":\"s\",\"b\":{\"x\":1,\"y\":2}}"},
    {"\"tab\\there\\n\"", "tab\011here\012", "tab\011here\012"},
    {" 7 ", "7", "7"},
    {"[\"it's\", \"say \\\"hi\\\"\"]", "[\"it's\", 'say \"hi\"']", "[\"it's\",\"say \\\"hi\\\"\"]"},
    {"1E+2", "100.0", "100.0"},
    {"3.14159", "3.14159", "3.14159"},
    {"100", "100", "100"},
    {"1.0", "1.0", "1.0"},
    {"2e-7", "2e-07", "2e-07"},
    {"[\"\303\251\\u0001\", 1e22, false]", "['\303\251\\x01', 1e+22, False]", "[\"\\u00e9\\u0001\",1e+22,false]"},
    {"-17", "-17", "-17"},
    {"{}", "", "{}"},
    {"[]", "[]", "[]"},
    {"", "", ""},
    {"$(rm -rf /)", "$(rm -rf /)", "$(rm -rf /)"},
    {"../../etc", "../../etc", "../../etc"},
};

TEST(ToolkitValuesTest, ValuesAreFormattedAsTheToolkitFormatsThem) {
  for (const ValueCase& c : kCases) {
    OrderedJson v = LoadHyperparameterValue(c.hyperparameter);
    EXPECT_EQ(ToolkitArgValue(v), c.arg) << "hyperparameter: " << c.hyperparameter;
    EXPECT_EQ(ToolkitEnvValue(v), c.env) << "hyperparameter: " << c.hyperparameter;
  }
}

TEST(ToolkitValuesTest, ContractExampleArguments) {
  Json hps = {{"batch-size", "256"}, {"lr", "0.01"},       {"use_cuda", "true"},
              {"name", "\"abc\""},   {"opt", "{\"a\": 1}"}, {"k", "plain text"},
              {"e", "1e-3"}};
  std::vector<std::string> expected = {"--batch-size", "256", "-e",    "0.001", "-k",
                                       "plain text",   "--lr", "0.01", "--name", "abc",
                                       "--opt",        "a=1",  "--use_cuda", "True"};
  EXPECT_EQ(ToolkitCommandArgs(UserHyperparameters(hps)), expected);
}

TEST(ToolkitValuesTest, ReservedHyperparametersAreNotUserHyperparameters) {
  Json hps = {{"sagemaker_program", "\"train.py\""},
              {"sagemaker_submit_directory", "\"file:///code\""},
              {"sagemaker_mpi_enabled", "true"},
              {"_tuning_objective_metric", "loss"},
              {"default_user_module_name", "x"},
              {"epochs", "3"}};
  OrderedJson user = UserHyperparameters(hps);
  EXPECT_EQ(PythonJsonDumps(user), "{\"epochs\":3}");
  OrderedJson framework = AdditionalFrameworkParameters(hps);
  EXPECT_EQ(PythonJsonDumps(framework), "{\"sagemaker_mpi_enabled\":true}");
  EXPECT_TRUE(IsReservedHyperparameter("sagemaker_anything"));
  EXPECT_FALSE(IsReservedHyperparameter("learning_rate"));
}

TEST(ToolkitValuesTest, SingleCharacterKeysCountCharactersNotBytes) {
  OrderedJson user = {{"\xC3\xA9", 1}, {"ab", 2}};
  std::vector<std::string> expected = {"--ab", "2", "-\xC3\xA9", "1"};
  EXPECT_EQ(ToolkitCommandArgs(user), expected);
}

TEST(ToolkitValuesTest, PythonStrOfStringsInContainersUsesRepr) {
  EXPECT_EQ(PythonStr(OrderedJson::parse(R"(["a\\b", "x'y\"z"])")), R"(['a\\b', 'x\'y"z'])");
  EXPECT_EQ(PythonStr(OrderedJson("plain")), "plain");
}

}  // namespace
}  // namespace trainyard
