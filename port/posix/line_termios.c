/* SPDX-License-Identifier: Apache-2.0 */
#include "line_termios.h"

#include <errno.h>
#include <termios.h>

static speed_t speed_of(uint32_t baud)
{
    switch (baud) {
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
#ifdef B57600
    case 57600: return B57600;
#endif
#ifdef B115200
    case 115200: return B115200;
#endif
    default: return B0;
    }
}

int line_termios_raw(int fd, uint32_t baud, bool seven_e1, int how)
{
    speed_t s = speed_of(baud);
    if (baud != 0 && s == B0) {
        errno = EINVAL;
        return -1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    t.c_iflag = 0;
    t.c_oflag = 0;
    t.c_lflag = 0;
    t.c_cflag = CREAD | CLOCAL | (seven_e1 ? CS7 | PARENB : CS8);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (baud != 0 && (cfsetispeed(&t, s) != 0 || cfsetospeed(&t, s) != 0))
        return -1;
    return tcsetattr(fd, how, &t);
}
