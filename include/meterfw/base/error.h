/* SPDX-License-Identifier: Apache-2.0 */
/* Named negative error codes, returned (never printed) by every meterfw function that can fail. */
#ifndef METERFW_BASE_ERROR_H
#define METERFW_BASE_ERROR_H

enum mfw_err {
    MFW_OK = 0,
    MFW_E_ARG = -1,     /* an argument is out of its domain (NULL, zero size, bad enum) */
    MFW_E_RANGE = -2,   /* a value is outside its physical or configured range */
    MFW_E_STATE = -3,   /* the call is not allowed in the current state */
    MFW_E_NOSPACE = -4, /* an output buffer or table is full */
    MFW_E_FORMAT = -5,  /* input is malformed (parser) */
    MFW_E_IO = -6,      /* the HAL reported a failure */
    MFW_E_CRC = -7,     /* a record failed its integrity check */
    MFW_E_VERSION = -8, /* a record has an unknown format version */
    MFW_E_AUTH = -9,    /* an authentication tag or a key check did not verify (security) */
};

/* A short English name for an error code, e.g. "MFW_E_RANGE". Never NULL. */
const char *mfw_strerror(int err);

#endif /* METERFW_BASE_ERROR_H */
