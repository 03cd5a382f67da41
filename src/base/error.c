/* SPDX-License-Identifier: Apache-2.0 */
#include "meterfw/base/error.h"

const char *mfw_strerror(int err)
{
    switch (err) {
    case MFW_OK: return "MFW_OK";
    case MFW_E_ARG: return "MFW_E_ARG";
    case MFW_E_RANGE: return "MFW_E_RANGE";
    case MFW_E_STATE: return "MFW_E_STATE";
    case MFW_E_NOSPACE: return "MFW_E_NOSPACE";
    case MFW_E_FORMAT: return "MFW_E_FORMAT";
    case MFW_E_IO: return "MFW_E_IO";
    case MFW_E_CRC: return "MFW_E_CRC";
    case MFW_E_VERSION: return "MFW_E_VERSION";
    case MFW_E_AUTH: return "MFW_E_AUTH";
    default: return "MFW_E_UNKNOWN";
    }
}
