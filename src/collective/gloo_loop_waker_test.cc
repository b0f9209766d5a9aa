#include "collective/gloo_loop_waker.h"

#include <gloo/transport/tcp/device.h>
#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(GlooLoopWakerTest, WithoutATcpDeviceItDoesNothing) {
  GlooLoopWaker waker(nullptr);
}

// Registered with a real device's loop and unregistered again; the
// collective check's tests connect meshes with it in place.
TEST(GlooLoopWakerTest, ComesAndGoesOnARealDevice) {
  gloo::transport::tcp::attr attr;
  attr.hostname = "127.0.0.1";
  auto device = gloo::transport::tcp::CreateDevice(attr);
  for (int i = 0; i < 3; ++i) {
    GlooLoopWaker waker(device);
  }
}

}  // namespace
}  // namespace trainyard
