/* SPDX-License-Identifier: Apache-2.0 */
/* selective_access: the parameters of selective access to a Profile generic (IC 7) buffer
 * (Blue Book 4.3.6): by range (selector 1, a restricting object and from/to values) and by entry
 * (selector 2, rows and columns). Decoded through a bounded cursor into views of the request. */
#ifndef METERFW_COSEM_SELECTIVE_ACCESS_H
#define METERFW_COSEM_SELECTIVE_ACCESS_H

#include <stdint.h>

#include "meterfw/base/bytes.h"

/* Selective access parameters of Profile generic (IC 7) attribute 2 (Blue Book 4.3.6). */
struct mfw_selective_access_range {
    uint16_t class_id; /* restricting object: class 8, 0.0.1.0.0.255, attr 2, data index 0 */
    uint8_t obis[6];
    int8_t attr;
    uint16_t data_index;
    struct mfw_bytes from, to; /* one Data each: octet-string(12) or date-time */
    struct mfw_bytes selected; /* the selected_values array, whole (may be empty) */
    uint32_t n_selected;
};
struct mfw_selective_access_entry {
    uint32_t from_entry, to_entry; /* 1-based; to 0 = the last */
    uint16_t from_value, to_value; /* 1-based columns; to 0 = the last */
};
int mfw_selective_access_parse_range(const struct mfw_bytes *params,
                                     struct mfw_selective_access_range *out);
int mfw_selective_access_parse_entry(const struct mfw_bytes *params,
                                     struct mfw_selective_access_entry *out);

#endif /* METERFW_COSEM_SELECTIVE_ACCESS_H */
