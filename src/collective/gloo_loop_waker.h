// GlooLoopWaker: keeps a Gloo TCP device's event loop going round while a
// context connects.
//
// A Gloo TCP pair on the connecting side unregisters its listening socket
// from the device, and unregistering waits for the device's event loop to go
// round once, which it does on an event or every 10 ms (gloo/transport/tcp,
// 2022). connectFullMesh connects one pair after another, so four ranks
// spent about 30 ms of a 60 ms collective check waiting for those ticks. The
// waker registers an eventfd of its own with the device and writes to it
// every millisecond from a thread, so each wait ends within about 1 ms.
// Construct it just before connecting, destroy it right after.
// Thread safety: one waker per connect; construct and destroy on one thread.
#pragma once

#include <gloo/transport/tcp/loop.h>

#include <atomic>
#include <memory>
#include <thread>

#include <gloo/transport/device.h>

namespace trainyard {

class GlooLoopWaker : public gloo::transport::tcp::Handler {
 public:
  // Does nothing (and costs nothing) when `device` is not a TCP device or
  // an eventfd cannot be made: connecting is then only slower.
  explicit GlooLoopWaker(const std::shared_ptr<gloo::transport::Device>& device);
  ~GlooLoopWaker() override;
  GlooLoopWaker(const GlooLoopWaker&) = delete;
  GlooLoopWaker& operator=(const GlooLoopWaker&) = delete;

  void handleEvents(int events) override;  // on the loop's thread: drains the eventfd

 private:
  std::shared_ptr<gloo::transport::Device> device_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread poker_;
};

}  // namespace trainyard
