#pragma once
// MESHD_ASSERT: an always-on invariant check. It must never be reachable from
// user input: bad input is a Status, not an abort.

#include <cstdio>
#include <cstdlib>

#define MESHD_ASSERT(cond, msg)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "meshd: assertion failed at %s:%d: %s (%s)\n", __FILE__,    \
                   __LINE__, #cond, msg);                                              \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
