#ifndef SESSCTL_CHIREDIS_SHIM_H
#define SESSCTL_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
