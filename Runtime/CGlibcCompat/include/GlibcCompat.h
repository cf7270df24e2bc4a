#ifndef SWITCHBOARD_GLIBC_COMPAT_H
#define SWITCHBOARD_GLIBC_COMPAT_H
// Linked into every executable that ships to Lambda; see GlibcCompat.c.
void switchboard_glibc_compat_anchor(void);
#endif
