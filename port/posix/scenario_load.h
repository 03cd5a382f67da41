/* SPDX-License-Identifier: Apache-2.0 */
/* scenario_load: a scenario by built-in name or from a file, with a message naming the line of
 * a parse error. */
#ifndef METERD_SCENARIO_LOAD_H
#define METERD_SCENARIO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

/* name: "household", "household-pv" (built in) or a path. false + message on failure. */
bool meterd_load_scenario(struct scenario *s, const char *name, uint8_t phases, char *err,
                          size_t errcap);

#endif /* METERD_SCENARIO_LOAD_H */
