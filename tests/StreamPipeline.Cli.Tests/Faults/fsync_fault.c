/*
 * LD_PRELOAD fault injection for the tests: fsync(2) and fdatasync(2) fail for descriptors whose path
 * (readlink /proc/self/fd/N) matches the glob FSYNC_FAULT_PATH, with FSYNC_FAULT_ERRNO (EIO, the default, or ENOSPC).
 * FSYNC_FAULT_SKIP=N lets the first N matching calls through; FSYNC_FAULT_LOG=FILE gets one line per failed call
 * (the path), so a test can check that the fault really fired. Built by FsyncFault.cs with cc -shared -fPIC.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fault_errno(void)
{
    const char *name = getenv("FSYNC_FAULT_ERRNO");
    return name && strcmp(name, "ENOSPC") == 0 ? ENOSPC : EIO;
}

static int should_fail(int fd)
{
    static int matched;
    const char *pattern = getenv("FSYNC_FAULT_PATH");
    if (!pattern || !*pattern)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = 0;
    if (fnmatch(pattern, path, 0) != 0)
        return 0;
    const char *skip = getenv("FSYNC_FAULT_SKIP");
    if (skip && __sync_fetch_and_add(&matched, 1) < atoi(skip))
        return 0;
    const char *log = getenv("FSYNC_FAULT_LOG");
    if (log) {
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "%s\n", path);
            fclose(f);
        }
    }
    return 1;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (should_fail(fd)) {
        errno = fault_errno();
        return -1;
    }
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (should_fail(fd)) {
        errno = fault_errno();
        return -1;
    }
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}
