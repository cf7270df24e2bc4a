// Amazon Linux 2023 (provided.al2023) has glibc 2.34; Switchboard is built on glibc 2.36.
// glibc 2.35 gave hypotf (and hypot) a new symbol version, and the Swift runtime's static
// libraries call hypotf, so the executables would ask for hypotf@GLIBC_2.35 and fail to
// load on Lambda. Defining hypotf here binds that call inside the executable, to the
// older implementation every glibc since 2.2.5 (2.17 on arm64) exports.
//
// The executables also link GCC's C++ runtime statically (Runtime/link), and Debian's
// libstdc++.a calls arc4random (glibc 2.36) in std::random_device; the arc4random below,
// on getrandom (glibc 2.25), binds that call inside the executable too.
#define _GNU_SOURCE
#include "GlibcCompat.h"
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#if defined(__x86_64__)
__asm__(".symver switchboard_hypotf_baseline, hypotf@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver switchboard_hypotf_baseline, hypotf@GLIBC_2.17");
#endif

float switchboard_hypotf_baseline(float x, float y);

float hypotf(float x, float y) {
    return switchboard_hypotf_baseline(x, y);
}

void switchboard_glibc_compat_anchor(void) {}

int switchboard_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

uint32_t arc4random(void) {
    uint32_t value;
    for (;;) {
        ssize_t count = getrandom(&value, sizeof value, 0);
        if (count == (ssize_t)sizeof value) return value;
        // Like glibc's: it cannot report failure, so it never returns a non-random value.
        if (count < 0 && errno != EINTR) abort();
    }
}
