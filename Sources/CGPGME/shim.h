#ifndef PROMPTOPS_CGPGME_SHIM_H
#define PROMPTOPS_CGPGME_SHIM_H
#include <gpgme.h>

/* gpgme_check_version is a macro that passes a struct offset so the library can refuse a
   header/library bitfield-layout mismatch; Swift cannot call macros, so this wraps it. */
static inline const char *promptops_gpgme_check_version(void) {
    return gpgme_check_version(NULL);
}
#endif
