// Amazon Linux 2023 (provided.al2023) has glibc 2.34; Switchboard is built on glibc 2.36.
// glibc 2.35 gave hypotf (and hypot) a new symbol version, and the Swift runtime's static
// libraries call hypotf, so the executables would ask for hypotf@GLIBC_2.35 and fail to
// load on Lambda. Defining hypotf here binds that call inside the executable, to the
// older implementation every glibc since 2.2.5 (2.17 on arm64) exports.
#define _GNU_SOURCE
#include "GlibcCompat.h"
#include <spawn.h>

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
