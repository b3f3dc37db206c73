#ifndef PROMPTOPS_CLIBGIT2_SHIM_H
#define PROMPTOPS_CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic and not callable from Swift; these wrap the options we use. */
static inline int promptops_git_set_search_path(int level, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, path);
}
static inline int promptops_git_enable_caching(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_CACHING, enabled);
}
static inline int promptops_git_set_ssl_cert_file(const char *file) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL);
}
#endif
