/* What-if shim for bench/start (not part of trainyard): sets TCP_NODELAY on every
 * TCP socket a process creates or accepts. run.sh builds it and puts it in
 * LD_PRELOAD when WHAT_IF_NODELAY=1; the server passes its environment on to the
 * agents, so both ends of the agent protocol get it. It shows how much of the
 * start latency is Nagle's algorithm meeting delayed ACKs (cpp-httplib writes
 * headers and body with separate send() calls, and neither the agent's client nor
 * the server sets TCP_NODELAY). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int nodelay(int fd) {
  if (fd >= 0) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  /* fails harmlessly on non-TCP */
  }
  return fd;
}

int socket(int domain, int type, int protocol) {
  static int (*real)(int, int, int);
  if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  int fd = real(domain, type, protocol);
  if ((domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM) nodelay(fd);
  return fd;
}

int accept(int s, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  return nodelay(real(s, addr, len));
}

int accept4(int s, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  return nodelay(real(s, addr, len, flags));
}
