/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_ref: what a request names and what it gets back, in the words of the object model: the
 * reference to an attribute or method of an object (class id, logical name, index, optional
 * selective access) and the Data-Access-Result. The dlms layer decodes requests into these; the
 * cosem layer answers them. */
#ifndef METERFW_COSEM_COSEM_REF_H
#define METERFW_COSEM_COSEM_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/bytes.h"

/* Data-Access-Result (Green Book 9.5); the Action-Result uses the same numbers. */
enum mfw_dar {
    MFW_DAR_SUCCESS = 0,
    MFW_DAR_HARDWARE_FAULT = 1,
    MFW_DAR_TEMPORARY_FAILURE = 2,
    MFW_DAR_READ_WRITE_DENIED = 3,
    MFW_DAR_OBJECT_UNDEFINED = 4,
    MFW_DAR_OBJECT_CLASS_INCONSISTENT = 9,
    MFW_DAR_OBJECT_UNAVAILABLE = 11,
    MFW_DAR_TYPE_UNMATCHED = 12,
    MFW_DAR_SCOPE_OF_ACCESS_VIOLATED = 13,
    MFW_DAR_DATA_BLOCK_UNAVAILABLE = 14,
    MFW_DAR_LONG_GET_ABORTED = 15,        /* Action-Result: long-action-aborted [M] */
    MFW_DAR_NO_LONG_GET_IN_PROGRESS = 16, /* Action-Result: no-long-action-in-progress [M] */
    MFW_DAR_LONG_SET_ABORTED = 17,
    MFW_DAR_NO_LONG_SET_IN_PROGRESS = 18,
    MFW_DAR_DATA_BLOCK_NUMBER_INVALID = 19,
    MFW_DAR_OTHER_REASON = 250,
};

/* cosem-attribute-descriptor / cosem-method-descriptor. */
struct mfw_cosem_ref {
    uint16_t class_id;
    uint8_t obis[6];
    int8_t id; /* attribute or method index */
    bool has_selection;
    uint8_t selector;
    struct mfw_bytes params; /* the selective access parameters: one whole Data */
};

#endif /* METERFW_COSEM_COSEM_REF_H */
