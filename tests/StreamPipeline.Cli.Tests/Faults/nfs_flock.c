/*
 * LD_PRELOAD for the tests: flock(2) behaves as on a Linux NFS mount, where the client emulates flock with server
 * byte-range locks that need a file opened for writing: on a directory it fails with ENOLCK; on a regular file it
 * works (here: the real flock). NFS_FLOCK_LOG=FILE gets one line per refused call (the path), so a test can check that
 * the refusal really happened. Built by NfsFlock.cs with cc -shared -fPIC.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int flock(int fd, int operation)
{
    static int (*real_flock)(int, int);
    if (!real_flock)
        real_flock = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *log = getenv("NFS_FLOCK_LOG");
        if (log) {
            char link[64], path[4096];
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, path, sizeof path - 1);
            path[n < 0 ? 0 : n] = 0;
            FILE *f = fopen(log, "a");
            if (f) {
                fprintf(f, "%s\n", path);
                fclose(f);
            }
        }
        errno = ENOLCK;
        return -1;
    }
    return real_flock(fd, operation);
}
