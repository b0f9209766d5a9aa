#include "collective/gloo_loop_waker.h"

#include <gloo/transport/tcp/device.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>

namespace trainyard {
namespace {

gloo::transport::tcp::Device* TcpDevice(const std::shared_ptr<gloo::transport::Device>& device) {
  return dynamic_cast<gloo::transport::tcp::Device*>(device.get());
}

}  // namespace

GlooLoopWaker::GlooLoopWaker(const std::shared_ptr<gloo::transport::Device>& device) : device_(device) {
  gloo::transport::tcp::Device* tcp = TcpDevice(device_);
  if (tcp == nullptr) return;
  fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) return;
  tcp->registerDescriptor(fd_, EPOLLIN, this);
  poker_ = std::thread([this] {
    const uint64_t one = 1;
    while (!stop_.load()) {
      (void)!write(fd_, &one, sizeof(one));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
}

GlooLoopWaker::~GlooLoopWaker() {
  if (fd_ < 0) return;
  // Unregistering waits for a tick too: done while the poker still pokes.
  TcpDevice(device_)->unregisterDescriptor(fd_, this);
  stop_ = true;
  poker_.join();
  close(fd_);
}

void GlooLoopWaker::handleEvents(int /*events*/) {
  uint64_t count = 0;
  (void)!read(fd_, &count, sizeof(count));
}

}  // namespace trainyard
