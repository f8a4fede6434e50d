/* Measurement aid, never linked into fastresp: valgrind 3.19 does not know the
 * openat2 system call (ENOSYS), so under callgrind every FileResponse would take the
 * worker-thread path. Preloaded, this turns libc's syscall(SYS_openat2, ...) into
 * openat() with the same flags (RESOLVE_CACHED is dropped), so the on-loop path of
 * files can be counted:
 *
 *   gcc -O2 -shared -fPIC -o /tmp/openat2.so tools/valgrind_openat2.c -ldl
 *   LD_PRELOAD=/tmp/openat2.so valgrind --tool=callgrind python script.py
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct open_how_v0 {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

long syscall(long number, ...) {
    static long (*real)(long, ...);
    long args[6];
    va_list ap;
    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        args[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_openat2) {
        const struct open_how_v0 *how = (const struct open_how_v0 *)args[2];
        return openat((int)args[0], (const char *)args[1], (int)how->flags, (mode_t)how->mode);
    }
    if (!real)
        real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    return real(number, args[0], args[1], args[2], args[3], args[4], args[5]);
}
