/* state_file: a meter's clean-shutdown snapshot in a directory, replaced atomically. */
#ifndef METERD_STATE_FILE_H
#define METERD_STATE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "meterfw/meter.h"

#define STATE_FILE_NAME "snapshot.mfws"

/* Loads DIR/snapshot.mfws into m. Returns 1 if loaded, 0 if there is none, -1 on failure
 * (message in err; m unchanged). */
int state_load(const char *dir, struct meter *m, char *err, size_t errcap);
/* Creates DIR (and its parents) if needed. false + message on failure. */
bool state_prepare_dir(const char *dir, char *err, size_t errcap);
/* Writes the snapshot to DIR/snapshot.mfws.tmp, fsyncs, renames over DIR/snapshot.mfws and
 * fsyncs the directory: after a crash there is either the old or the new state, never half. */
bool state_save(const char *dir, const struct meter *m, char *err, size_t errcap);

#endif /* METERD_STATE_FILE_H */
