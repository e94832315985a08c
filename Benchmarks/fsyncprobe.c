/* fsyncprobe DIR RATE COUNT - the durable-commit floor of the disk under DIR.
 *
 * Sluice acknowledges and fans out an event only after its SQLite commit is
 * durable (WAL, synchronous=FULL): every commit appends its pages to the WAL
 * and waits for fdatasync. This program does only that, with no database:
 * COUNT times, RATE times a second, it appends 8 KiB (two pages, as a
 * one-event commit does) to a file in DIR and calls fdatasync, and prints
 * the latency of each append+sync as p50/p99/max in milliseconds. A
 * publish-to-delivery percentile of Sluice cannot be below the same
 * percentile here; Nchan keeps messages in memory and pays none of it.
 * The loop is bounded by COUNT (at most 100000); the file is removed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: fsyncprobe DIR RATE COUNT\n"); return 2; }
  int rate = atoi(argv[2]), count = atoi(argv[3]);
  if (rate < 1 || rate > 10000 || count < 1 || count > 100000) { fprintf(stderr, "RATE 1..10000, COUNT 1..100000\n"); return 2; }
  char path[4096];
  snprintf(path, sizeof path, "%s/fsyncprobe.%d", argv[1], (int)getpid());
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0600);
  if (fd < 0) { fprintf(stderr, "open %s: %s\n", path, strerror(errno)); return 1; }
  static char page[8192];
  memset(page, 'w', sizeof page);
  double *lat = calloc((size_t)count, sizeof *lat);
  if (!lat) return 1;
  double period = 1e3 / rate, next = now_ms();
  for (int i = 0; i < count; i++) {
    double wait = next - now_ms();
    if (wait > 0) {
      struct timespec t = {(time_t)(wait / 1e3), (long)((wait - (time_t)(wait / 1e3) * 1e3) * 1e6)};
      nanosleep(&t, NULL);
    }
    next += period;
    double start = now_ms();
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page || fdatasync(fd) != 0) {
      fprintf(stderr, "write/fdatasync: %s\n", strerror(errno));
      close(fd); unlink(path); return 1;
    }
    lat[i] = now_ms() - start;
  }
  close(fd);
  unlink(path);
  qsort(lat, (size_t)count, sizeof *lat, compare);
  printf("fsync_n=%d fsync_p50_ms=%.2f fsync_p99_ms=%.2f fsync_max_ms=%.2f\n", count, lat[count / 2],
         lat[(size_t)(count * 0.99) < (size_t)count ? (size_t)(count * 0.99) : (size_t)count - 1], lat[count - 1]);
  free(lat);
  return 0;
}
