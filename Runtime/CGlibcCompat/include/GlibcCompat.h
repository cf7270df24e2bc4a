#ifndef SWITCHBOARD_GLIBC_COMPAT_H
#define SWITCHBOARD_GLIBC_COMPAT_H
#include <spawn.h>
// Linked into every executable that ships to Lambda; see GlibcCompat.c.
void switchboard_glibc_compat_anchor(void);

/// Adds to `actions` the closing of every descriptor from `lowest` up, in the child
/// (glibc's posix_spawn_file_actions_addclosefrom_np, 2.34+, which Swift's Glibc module
/// does not show): a child started by a server must not hold its listening socket.
int switchboard_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);
#endif
