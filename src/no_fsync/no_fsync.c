/* ssdbuild-no-fsync.so: preloaded (LD_PRELOAD) into apt-get, dpkg and the maintainer
 * scripts on a machine that is thrown away whole (the apt action's `unsafe_io`), where a
 * flush to the disk protects nothing: a killed process loses nothing that the kernel
 * holds, and a crash of the machine loses the machine. dpkg's --force-unsafe-io drops the
 * fsync per unpacked file only; its database is still flushed several times per package,
 * which was most of what reinstalling a restored stage's packages cost (docs/benchmarks.md).
 * C, with libc only: it is loaded into every process that dpkg starts. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int fsync(int fd) {
  (void)fd;
  return 0;
}

int fdatasync(int fd) {
  (void)fd;
  return 0;
}

int syncfs(int fd) {
  (void)fd;
  return 0;
}

void sync(void) {}

int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags) {
  (void)fd;
  (void)offset;
  (void)nbytes;
  (void)flags;
  return 0;
}

int msync(void* address, size_t length, int flags) {
  (void)address;
  (void)length;
  (void)flags;
  return 0;
}
