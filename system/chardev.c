/*
 * chardev.c - character back ends: null, file:PATH, stdio, TCP and Unix
 * socket servers, and the "mon:" multiplexer that shares one back end
 * between a serial port and the monitor.
 *
 * Input: the event loop polls the descriptors (chardev_fill_pollfds) and
 * calls chardev_handle_pollfd with the machine lock held. Input is always
 * read, so the Ctrl-A escapes work even when the guest does not read its
 * UART; bytes for the guest wait in a ring until the front end has room
 * (chardev_accept_input retries) and are dropped when the ring is full, as
 * a UART overruns. Output is written at once; a socket without a client
 * drops it (",nowait" semantics).
 *
 * stdio: stdin stays blocking (it may share its file description with
 * stdout) and is read once per poll() readiness. The terminal is switched
 * to raw input (no echo, no line editing; Ctrl-C raises SIGINT with
 * "stdio" and goes to the guest with "mon:stdio", as in QEMU) and restored
 * at exit by chardev_restore_terminal(), which atexit() also runs. Only one
 * back end may use stdio. The Ctrl-A escapes work on stdio and on every
 * "mon:" back end.
 */
#include "system/sysemu.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "kestrel/log.h"

#define CTRL_A 0x01
#define INPUT_RING 4096
#define READ_CHUNK 256

typedef enum CharKind { CHR_NULL, CHR_FILE, CHR_STDIO, CHR_SOCKET } CharKind;

enum { FE_GUEST, FE_MONITOR, FE_COUNT };

struct CharDev {
    CharKind kind;
    int in_fd, out_fd;        /* -1 when absent; equal for a connected socket */
    int listen_fd;            /* socket servers */
    bool escapes;             /* stdio: Ctrl-A commands */
    bool mux;                 /* "mon:": a monitor shares the input */
    bool escape_pending;      /* Ctrl-A seen */
    int focus;                /* FE_GUEST or FE_MONITOR */
    CharFrontend fe[FE_COUNT];
    bool has_fe[FE_COUNT];
    void (*monitor_focus)(void *opaque);
    uint8_t ring[INPUT_RING]; /* input for the guest front end */
    unsigned ring_head, ring_len;
    CharDev *next;
};

static CharDev *all_chardevs;
static bool stdio_in_use;
static bool termios_saved;
static struct termios saved_termios;
static void (*quit_handler)(void);

void chardev_restore_terminal(void)
{
    if (termios_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

/* Raw input; with signals Ctrl-C still raises SIGINT (QEMU: plain stdio yes, mon:stdio no). */
static void stdio_raw_mode(bool signals)
{
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) != 0)
        return;
    termios_saved = true;
    atexit(chardev_restore_terminal);
    t = saved_termios;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals)
        t.c_lflag &= ~(tcflag_t)ISIG;
    t.c_cflag = (t.c_cflag & ~(tcflag_t)(CSIZE | PARENB)) | CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static bool open_stdio(CharDev *c, const char *spec, char *err, size_t errlen)
{
    if (stdio_in_use)
        return error_setf(err, errlen, "%s: stdio is already used by another character device", spec);
    stdio_in_use = true;
    c->kind = CHR_STDIO;
    c->in_fd = STDIN_FILENO;
    c->out_fd = STDOUT_FILENO;
    c->escapes = true;
    stdio_raw_mode(!c->mux);
    return true;
}

static bool open_file(CharDev *c, const char *spec, const char *path, char *err, size_t errlen)
{
    c->kind = CHR_FILE;
    c->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (c->out_fd < 0)
        return error_setf(err, errlen, "%s: %s", spec, strerror(errno));
    return true;
}

/* Options after the address: "server", "nowait", "server=on", "wait=off". */
static bool socket_options(const char *spec, const char *opts, bool *wait, char *err, size_t errlen)
{
    bool server = false;
    *wait = true;
    while (*opts) {
        size_t n = strcspn(opts, ",");
        if ((n == 6 && !strncmp(opts, "server", n)) || (n == 9 && !strncmp(opts, "server=on", n)))
            server = true;
        else if ((n == 6 && !strncmp(opts, "nowait", n)) || (n == 8 && !strncmp(opts, "wait=off", n)))
            *wait = false;
        else if (!(n == 6 && !strncmp(opts, "nodelay", n)) && n)
            return error_setf(err, errlen, "%s: unknown option '%.*s'", spec, (int)n, opts);
        opts += n + (opts[n] == ',');
    }
    if (!server)
        return error_setf(err, errlen, "%s: only server sockets are supported (add ,server,nowait)", spec);
    return true;
}

static int listen_tcp(const char *spec, const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof(host) || !colon[1]) {
        error_setf(err, errlen, "%s: expected tcp:[HOST]:PORT", spec);
        return -1;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE }, *res;
    int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
    if (rc) {
        error_setf(err, errlen, "%s: %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1)) {
        error_setf(err, errlen, "%s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int listen_unix(const char *spec, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
        error_setf(err, errlen, "%s: invalid socket path", spec);
        return -1;
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
        error_setf(err, errlen, "%s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void socket_accept(CharDev *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    c->in_fd = c->out_fd = fd;
}

static bool open_socket(CharDev *c, const char *spec, const char *rest, bool is_unix,
                        char *err, size_t errlen)
{
    size_t n = strcspn(rest, ",");
    char *addr = strndup(rest, n);
    bool wait;
    if (!addr)
        abort();
    c->kind = CHR_SOCKET;
    bool ok = socket_options(spec, rest + n + (rest[n] == ','), &wait, err, errlen);
    if (ok) {
        c->listen_fd = is_unix ? listen_unix(spec, addr, err, errlen)
                               : listen_tcp(spec, addr, err, errlen);
        ok = c->listen_fd >= 0;
    }
    free(addr);
    if (ok && wait) {
        fprintf(stderr, "kestrel: waiting for a connection on %s\n", spec);
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, O_NONBLOCK);
            c->in_fd = c->out_fd = fd;
        }
    }
    return ok;
}

static bool chardev_open(CharDev *c, const char *spec, char *err, size_t errlen)
{
    const char *s = spec;
    if (!strncmp(s, "mon:", 4)) {
        c->mux = true;
        c->escapes = true;
        s += 4;
    }
    if (!strcmp(s, "null") || !strcmp(s, "none")) {
        c->kind = CHR_NULL;
        return true;
    }
    if (!strcmp(s, "stdio"))
        return open_stdio(c, spec, err, errlen);
    if (!strncmp(s, "file:", 5))
        return open_file(c, spec, s + 5, err, errlen);
    if (!strncmp(s, "tcp:", 4))
        return open_socket(c, spec, s + 4, false, err, errlen);
    if (!strncmp(s, "unix:", 5))
        return open_socket(c, spec, s + 5, true, err, errlen);
    return error_setf(err, errlen, "%s: unsupported character device (stdio, mon:stdio, null, "
                "file:PATH, tcp:[HOST]:PORT,server,nowait, unix:PATH,server,nowait)", spec);
}

CharDev *chardev_new(const char *spec, char *err, size_t errlen)
{
    CharDev *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->in_fd = c->out_fd = c->listen_fd = -1;
    if (!chardev_open(c, spec, err, errlen)) {
        chardev_free(c);
        return NULL;
    }
    c->next = all_chardevs;
    all_chardevs = c;
    return c;
}

void chardev_free(CharDev *c)
{
    if (!c)
        return;
    for (CharDev **p = &all_chardevs; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    if (c->kind == CHR_STDIO) {
        chardev_restore_terminal();
        stdio_in_use = false;
    } else {
        if (c->out_fd >= 0)
            close(c->out_fd);
        if (c->listen_fd >= 0)
            close(c->listen_fd);
    }
    free(c);
}

void chardev_set_frontend(CharDev *c, const CharFrontend *fe)
{
    c->fe[FE_GUEST] = *fe;
    c->has_fe[FE_GUEST] = true;
}

bool chardev_is_mux(const CharDev *c)
{
    return c->mux;
}

void chardev_mux_set_monitor(CharDev *c, const CharFrontend *fe, void (*on_focus)(void *opaque))
{
    c->fe[FE_MONITOR] = *fe;
    c->has_fe[FE_MONITOR] = true;
    c->monitor_focus = on_focus;
}

void chardev_set_quit_handler(void (*quit)(void))
{
    quit_handler = quit;
}

static void socket_hangup(CharDev *c)
{
    close(c->in_fd);
    c->in_fd = c->out_fd = -1;
}

void chardev_write(CharDev *c, const uint8_t *buf, int len)
{
    while (c && c->out_fd >= 0 && len > 0) {
        ssize_t n = write(c->out_fd, buf, (size_t)len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && c->kind == CHR_SOCKET && errno != EAGAIN)
            socket_hangup(c);
        if (n <= 0)
            return;     /* full socket or pipe: drop, as a line without a reader does */
        buf += n;
        len -= (int)n;
    }
}

void chardev_printf(CharDev *c, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    chardev_write(c, (const uint8_t *)s, n);
    free(s);
}

/* Hands buffered guest input to the front end as far as it has room. */
void chardev_accept_input(CharDev *c)
{
    const CharFrontend *fe = &c->fe[FE_GUEST];
    if (!c->has_fe[FE_GUEST])
        return;
    while (c->ring_len) {
        int room = fe->can_receive(fe->opaque);
        unsigned chunk = INPUT_RING - c->ring_head;
        if (room <= 0)
            break;
        if (chunk > c->ring_len)
            chunk = c->ring_len;
        if (chunk > (unsigned)room)
            chunk = (unsigned)room;
        fe->receive(fe->opaque, c->ring + c->ring_head, (int)chunk);
        c->ring_head = (c->ring_head + chunk) % INPUT_RING;
        c->ring_len -= chunk;
    }
}

static void deliver_byte(CharDev *c, uint8_t b)
{
    if (c->focus == FE_MONITOR) {
        c->fe[FE_MONITOR].receive(c->fe[FE_MONITOR].opaque, &b, 1);
        return;
    }
    if (c->ring_len < INPUT_RING) {
        c->ring[(c->ring_head + c->ring_len) % INPUT_RING] = b;
        c->ring_len++;
    }
}

static void escape_help(CharDev *c)
{
    chardev_printf(c, "\r\nC-a h    print this help\r\n"
                      "C-a x    exit emulator\r\n");
    if (c->has_fe[FE_MONITOR])
        chardev_printf(c, "C-a c    switch between console and monitor\r\n");
    chardev_printf(c, "C-a C-a  sends C-a\r\n");
}

/* The byte after Ctrl-A. */
static void escape_command(CharDev *c, uint8_t b)
{
    switch (b | 0x20) {
    case 'x':
        chardev_printf(c, "\r\nkestrel: terminated\r\n");
        if (quit_handler)
            quit_handler();
        break;
    case 'h':
        escape_help(c);
        break;
    case 'c':
        if (c->has_fe[FE_MONITOR]) {
            c->focus = c->focus == FE_GUEST ? FE_MONITOR : FE_GUEST;
            if (c->focus == FE_MONITOR && c->monitor_focus)
                c->monitor_focus(c->fe[FE_MONITOR].opaque);
        }
        break;
    default:
        if (b == CTRL_A)
            deliver_byte(c, b);
        break;
    }
}

static void input_bytes(CharDev *c, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (c->escape_pending) {
            c->escape_pending = false;
            escape_command(c, buf[i]);
        } else if (c->escapes && buf[i] == CTRL_A) {
            c->escape_pending = true;
        } else {
            deliver_byte(c, buf[i]);
        }
    }
    chardev_accept_input(c);
}

int chardev_fill_pollfds(struct pollfd *fds, CharDev **owners, int max)
{
    int n = 0;
    for (CharDev *c = all_chardevs; c && n < max; c = c->next) {
        int fd = c->in_fd >= 0 ? c->in_fd : c->listen_fd;
        if (fd < 0)
            continue;
        fds[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
        owners[n++] = c;
    }
    return n;
}

void chardev_handle_pollfd(CharDev *c, const struct pollfd *p)
{
    if (!p->revents)
        return;
    if (p->fd == c->listen_fd) {
        socket_accept(c);
        return;
    }
    uint8_t buf[READ_CHUNK];
    ssize_t n = read(c->in_fd, buf, sizeof(buf));
    if (n > 0) {
        input_bytes(c, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* End of input: a closed socket waits for the next client; stdin is done. */
        if (c->kind == CHR_SOCKET)
            socket_hangup(c);
        else
            c->in_fd = -1;
    }
}
