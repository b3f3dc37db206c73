#ifndef PROMPTOPS_CZLIB_SHIM_H
#define PROMPTOPS_CZLIB_SHIM_H
#include <zlib.h>
#endif
