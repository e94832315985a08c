/* acceptfloor PORT CONNS [SECONDS] - the least a server can do per public
 * stream on this machine, for the connections-per-second cell.
 *
 * One thread and one epoll set, as Nchan's single worker: it accepts (up to
 * 16 per wake-up), reads each request head and answers it with one write of
 * the exact bytes Sluice sends to open a public stream (the response head,
 * `retry` and the `connected` event), then keeps the socket open. There is
 * no parsing, no token check, no allocation per connection. Drive it with
 * the idle cell's sseload command line (`-n CONNS`), pinned as the servers
 * are (`taskset -c 0 acceptfloor ...`, sseload on CPU1):
 *   taskset -c 0 ./acceptfloor 8199 10000 &
 *   taskset -c 1 sseload -u "http://127.0.0.1:8199/api/public/events/bench?t=$TOKEN" -n 10000 -w 1 -d 4
 * Its connections per second are what the kernel, the load generator and
 * the VM's scheduling allow when the server costs almost nothing.
 * Bounded: it exits once CONNS connections have closed (a readiness probe
 * counts as one), or after SECONDS (default 60), whichever comes first. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    "x-accel-buffering: no\r\nconnection: close\r\ntransfer-encoding: chunked\r\n"
    "access-control-allow-origin: *\r\ndate: Thu, 03 Dec 2026 14:30:56 GMT\r\n"
    "x-request-id: 94c034e095f5598f000000000000000e\r\n\r\n"
    "7a\r\nretry: 3000\n\nevent: connected\n"
    "data: {\"circle\":\"bench\",\"face\":\"bench-widget\",\"subjects\":[\"bench.>\"],\"last_event_id\":null}\n\n\r\n";

static double mono(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: acceptfloor PORT CONNS [SECONDS]\n"); return 2; }
  int port = atoi(argv[1]), conns = atoi(argv[2]);
  double seconds = argc > 3 ? atof(argv[3]) : 60;
  if (port < 1 || port > 65535 || conns < 1 || conns > 100000 || seconds <= 0 || seconds > 3600) {
    fprintf(stderr, "acceptfloor: PORT 1-65535, CONNS 1-100000, SECONDS 0-3600\n");
    return 2;
  }
  int one = 1, listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 4096)) {
    perror("acceptfloor: listen");
    return 1;
  }
  int poller = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[256];
  epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
  char head[4096];
  int accepted = 0, closed = 0;
  double deadline = mono() + seconds;
  while (closed < conns && mono() < deadline) {
    int ready = epoll_wait(poller, events, 256, 100);
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        for (int k = 0; k < 16; k++) {
          int connection = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
          if (connection < 0) break;
          accepted++;
          setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event readable = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = connection};
          epoll_ctl(poller, EPOLL_CTL_ADD, connection, &readable);
        }
        continue;
      }
      ssize_t got = read(fd, head, sizeof head);
      if (got <= 0 || (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
        close(fd);
        closed++;
      } else if (memmem(head, (size_t)got, "\r\n\r\n", 4) && write(fd, response, sizeof response - 1) < 0) {
        close(fd);
        closed++;
      }
    }
  }
  printf("acceptfloor: accepted=%d closed=%d\n", accepted, closed);
  return 0;
}
