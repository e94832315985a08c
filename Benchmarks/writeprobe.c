/* writeprobe CONNS ROUNDS [EVENTS_PER_WRITE] - what one core of this machine
 * can write to loopback subscribers, with no server around it.
 *
 * It opens CONNS loopback TCP connections, forks a reader that drains every
 * one of them (run it on the other core: `taskset -c 0 writeprobe ...` pins
 * the writer, the reader is moved to CPU1 here), then, ROUNDS times, writes
 * one 300-byte SSE-sized frame (times EVENTS_PER_WRITE, default 1) to every
 * connection with one write() each, as a server fanning one event out does.
 * It prints writes/s and deliveries/s on the writer's core and the writer's
 * CPU time per write. On loopback the sender pays for most of the receiver's
 * TCP work, so this is the ceiling of one core's fan-out on this machine:
 * at one event per write, no server can deliver more events/s per core.
 * Every loop is bounded (CONNS <= 20000, ROUNDS <= 100000); the reader ends
 * when the writer closes its sockets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: writeprobe CONNS ROUNDS [EVENTS_PER_WRITE]\n"); return 2; }
  int conns = atoi(argv[1]), rounds = atoi(argv[2]), per = argc > 3 ? atoi(argv[3]) : 1;
  if (conns < 1 || conns > 20000 || rounds < 1 || rounds > 100000 || per < 1 || per > 64) {
    fprintf(stderr, "CONNS 1..20000, ROUNDS 1..100000, EVENTS_PER_WRITE 1..64\n");
    return 2;
  }
  struct rlimit nofile = {(rlim_t)conns * 2 + 64, (rlim_t)conns * 2 + 64};
  setrlimit(RLIMIT_NOFILE, &nofile);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 4096) ||
      getsockname(listener, (struct sockaddr *)&address, &length)) { perror("listen"); return 1; }
  int *client = calloc((size_t)conns, sizeof *client), *server = calloc((size_t)conns, sizeof *server);
  if (!client || !server) return 1;
  for (int i = 0; i < conns; i++) {
    client[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (client[i] < 0 || connect(client[i], (struct sockaddr *)&address, sizeof address)) { perror("connect"); return 1; }
    server[i] = accept(listener, NULL, NULL);
    if (server[i] < 0) { perror("accept"); return 1; }
    int one = 1;
    setsockopt(server[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  pid_t reader = fork();
  if (reader == 0) {
    cpu_set_t other;
    CPU_ZERO(&other);
    CPU_SET(1, &other);
    sched_setaffinity(0, sizeof other, &other);
    for (int i = 0; i < conns; i++) close(server[i]);
    struct pollfd *fds = calloc((size_t)conns, sizeof *fds);
    static char sink[65536];
    int open = conns;
    for (int i = 0; i < conns; i++) fds[i] = (struct pollfd){.fd = client[i], .events = POLLIN};
    while (open > 0) {
      if (poll(fds, (nfds_t)conns, 10000) <= 0) break;
      for (int i = 0; i < conns; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(fds[i].fd, sink, sizeof sink);
        if (n <= 0) { close(fds[i].fd); fds[i].fd = -1; open--; }
      }
    }
    _exit(0);
  }
  for (int i = 0; i < conns; i++) close(client[i]);
  static char frame[300 * 64];
  memset(frame, 'x', sizeof frame);
  size_t size = 300 * (size_t)per;
  double start = now_s(), cpu = cpu_s();
  long writes = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < conns; i++) {
      ssize_t n = write(server[i], frame, size);
      if (n < 0 && errno != EAGAIN) { perror("write"); kill(reader, SIGTERM); return 1; }
      writes++;
    }
  }
  double wall = now_s() - start, used = cpu_s() - cpu;
  for (int i = 0; i < conns; i++) close(server[i]);
  waitpid(reader, NULL, 0);
  printf("writeprobe conns=%d rounds=%d events_per_write=%d writes_s=%.0f deliveries_s=%.0f cpu_us_per_write=%.2f\n", conns, rounds,
         per, writes / wall, writes * per / wall, used * 1e6 / writes);
  return 0;
}
