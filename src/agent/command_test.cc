#include "agent/command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "agent/test_dir.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& p, const std::string& text, fs::perms perms = fs::perms::owner_all) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  fs::permissions(p, perms);
}

class CommandTest : public ::testing::Test {
 protected:
  CommandTest() {
    WriteFile(image_ / "train", "#!/bin/sh\n");
    WriteFile(image_ / "helper", "#!/bin/sh\n");
  }

  Json Request(Json spec, Json hps = Json::object()) {
    spec["TrainingInputMode"] = "File";
    return {{"AlgorithmSpecification", spec}, {"HyperParameters", hps}};
  }

  TestDir dir_;
  fs::path image_ = dir_.path() / "image";
  InstanceLayout layout_ = *InstanceLayout::Make(dir_.path() / "ml");
  CommandOptions options_{.python = "/opt/py/bin/python3", .bash = "/bin/bash"};
};

TEST_F(CommandTest, AnImageDirectoryRunsItsTrain) {
  auto launch = BuildCommand(Request({{"TrainingImage", image_.string() + "/"}}), layout_);
  ASSERT_TRUE(launch.ok()) << launch.error().ToString();
  EXPECT_EQ(launch->argv, std::vector<std::string>{(image_ / "train").string()});
  EXPECT_EQ(launch->working_dir, image_);
}

TEST_F(CommandTest, ImagesThatCannotRunAreInvalid) {
  WriteFile(dir_.path() / "noexec" / "train", "", fs::perms::owner_read);
  fs::create_directories(dir_.path() / "empty");
  for (const std::string& image :
       {std::string(""), std::string("relative/dir"), std::string("registry/repo:tag"),
        (dir_.path() / "missing").string(), (dir_.path() / "noexec").string(),
        (dir_.path() / "empty").string(), (image_ / "train").string()}) {
    auto launch = BuildCommand(Request({{"TrainingImage", image}}), layout_);
    ASSERT_FALSE(launch.ok()) << image;
    EXPECT_EQ(launch.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(launch.error().message.empty());
  }
}

TEST_F(CommandTest, EntrypointAndArgumentsOverrideLikeDockerRun) {
  Json spec = {{"TrainingImage", image_.string()},
               {"ContainerEntrypoint", {"python3", "-u"}},
               {"ContainerArguments", {"main.py", "--epochs", "3"}}};
  auto launch = BuildCommand(Request(spec), layout_);
  ASSERT_TRUE(launch.ok()) << launch.error().ToString();
  EXPECT_EQ(launch->argv, (std::vector<std::string>{"python3", "-u", "main.py", "--epochs", "3"}));
  EXPECT_EQ(launch->working_dir, image_);

  spec.erase("ContainerEntrypoint");  // arguments alone replace `train`
  spec["ContainerArguments"] = {"helper", "x"};
  launch = BuildCommand(Request(spec), layout_);
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->argv, (std::vector<std::string>{(image_ / "helper").string(), "x"}));

  spec["ContainerArguments"] = {"./bin/run", "$(not a shell)"};
  launch = BuildCommand(Request(spec), layout_);
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->argv,
            (std::vector<std::string>{(image_ / "bin" / "run").string(), "$(not a shell)"}));
}

TEST_F(CommandTest, ScriptModeRunsTheProgramLikeTheToolkit) {
  WriteFile(layout_.code_dir() / "train.py", "print(1)\n");
  WriteFile(layout_.code_dir() / "run.sh", "echo\n");
  WriteFile(layout_.code_dir() / "bin" / "native", "");
  Json hps = {{"sagemaker_program", "\"train.py\""},
              {"sagemaker_submit_directory", "\"file:///src\""},
              {"epochs", "3"}, {"lr", "1e-3"}, {"_tuning_objective_metric", "loss"}};
  auto launch = BuildCommand(Request({{"TrainingImage", "framework:latest"}}, hps), layout_,
                             options_);
  ASSERT_TRUE(launch.ok()) << launch.error().ToString();
  EXPECT_EQ(launch->argv, (std::vector<std::string>{"/opt/py/bin/python3", "train.py", "--epochs",
                                                    "3", "--lr", "0.001"}));
  EXPECT_EQ(launch->working_dir, layout_.code_dir());

  hps["sagemaker_program"] = "run.sh";  // plain, not JSON-encoded
  launch = BuildCommand(Request(Json::object(), hps), layout_, options_);
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->argv[0], "/bin/bash");
  EXPECT_EQ(launch->argv[1], "run.sh");

  hps["sagemaker_program"] = "\"bin/native\"";
  launch = BuildCommand(Request(Json::object(), hps), layout_, options_);
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(launch->argv[0], (layout_.code_dir() / "bin" / "native").string());
  EXPECT_EQ(launch->argv.size(), 5u);
}

TEST_F(CommandTest, ScriptModeProgramsMustBeInTheCodeDirectory) {
  WriteFile(dir_.path() / "outside.py", "");
  for (const std::string& program :
       {std::string("\"missing.py\""), std::string("\"../outside.py\""),
        "\"" + (dir_.path() / "outside.py").string() + "\""}) {
    auto launch = BuildCommand(
        Request(Json::object(), {{"sagemaker_program", program},
                                 {"sagemaker_submit_directory", "\"file:///src\""}}),
        layout_);
    ASSERT_FALSE(launch.ok()) << program;
    EXPECT_EQ(launch.error().code, ErrorCode::kInvalidArgument);
  }
  auto launch = BuildCommand(Request(Json::object(), {{"sagemaker_program", "missing.py"}}), layout_);
  EXPECT_NE(launch.error().message.find("no sagemaker_submit_directory"), std::string::npos);
}

}  // namespace
}  // namespace trainyard
