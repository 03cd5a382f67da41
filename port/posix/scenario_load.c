/* SPDX-License-Identifier: Apache-2.0 */
#include "scenario_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"

/* A scenario is a page of text; anything much larger is a wrong file. */
#define SCENARIO_FILE_MAX (1024 * 1024)

bool meterd_load_scenario(struct scenario *s, const char *name, uint8_t phases, char *err,
                          size_t errcap)
{
    const char *text = scenario_builtin(name);
    char *owned = NULL;
    size_t len;
    if (text != NULL) {
        len = strlen(text);
    } else {
        FILE *f = fopen(name, "rb");
        if (f == NULL) {
            snprintf(err, errcap,
                     "--scenario: '%s' is neither a built-in scenario (household, "
                     "household-pv) nor a readable file: %s",
                     name, strerror(errno));
            return false;
        }
        owned = malloc(SCENARIO_FILE_MAX + 1);
        if (owned == NULL) {
            fclose(f);
            snprintf(err, errcap, "out of memory");
            return false;
        }
        len = fread(owned, 1, SCENARIO_FILE_MAX + 1, f);
        bool bad = ferror(f) != 0;
        fclose(f);
        if (bad || len > SCENARIO_FILE_MAX) {
            snprintf(err, errcap, "%s: %s", name, bad ? "read error" : "file too large");
            free(owned);
            return false;
        }
        text = owned;
    }
    struct scenario_error se;
    memset(&se, 0, sizeof se);
    int rc = scenario_parse(s, text, len, phases, &se);
    free(owned);
    if (rc != MFW_OK) {
        se.msg[sizeof se.msg - 1] = '\0';
        if (se.line > 0)
            snprintf(err, errcap, "%s:%u: %s", name, se.line,
                     se.msg[0] ? se.msg : mfw_strerror(rc));
        else
            snprintf(err, errcap, "%s: %s", name, se.msg[0] ? se.msg : mfw_strerror(rc));
        return false;
    }
    return true;
}
