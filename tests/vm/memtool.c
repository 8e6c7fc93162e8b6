/* memtool: read or write bytes in an mmap-able file (the guest's ivshmem BAR,
 * /sys/bus/pci/devices/.../resource2, supports mmap but not read/write).
 *   memtool FILE OFFSET write STRING   copy STRING's bytes to FILE+OFFSET
 *   memtool FILE OFFSET read LEN       print LEN bytes at FILE+OFFSET
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s FILE OFFSET write STRING | read LEN\n", argv[0]);
        return 2;
    }
    int writing = strcmp(argv[3], "write") == 0;
    if (!writing && strcmp(argv[3], "read") != 0) {
        fprintf(stderr, "memtool: unknown operation %s\n", argv[3]);
        return 2;
    }
    unsigned long off = strtoul(argv[2], NULL, 0);
    size_t len = writing ? strlen(argv[4]) : strtoul(argv[4], NULL, 0);

    int fd = open(argv[1], writing ? O_RDWR : O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "memtool: open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && off + len > (unsigned long)st.st_size) {
        fprintf(stderr, "memtool: range beyond the %lld-byte file\n", (long long)st.st_size);
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    unsigned long base = off & ~(unsigned long)(page - 1);
    size_t maplen = off - base + len;
    void *map = mmap(NULL, maplen, writing ? PROT_READ | PROT_WRITE : PROT_READ,
                     MAP_SHARED, fd, (off_t)base);
    if (map == MAP_FAILED) {
        fprintf(stderr, "memtool: mmap %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    volatile unsigned char *p = (volatile unsigned char *)map + (off - base);
    if (writing) {
        for (size_t i = 0; i < len; i++)
            p[i] = (unsigned char)argv[4][i];
        __sync_synchronize();
    } else {
        for (size_t i = 0; i < len; i++)
            putchar(p[i]);
        putchar('\n');
    }
    munmap(map, maplen);
    close(fd);
    return 0;
}
