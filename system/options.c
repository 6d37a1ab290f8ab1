/*
 * options.c - the command line, QEMU's spelling, into an Options struct.
 *
 * One table row per option (name, whether it takes an argument, handler).
 * Options with "key=value,..." arguments (-drive, -boot, -accel, -icount,
 * -smp) go through one splitter that understands QEMU's ",," escape and an
 * implied key for a bare first item ("-boot c" = "-boot order=c").
 *
 * Invariants: nothing here prints or exits; the first error wins and is one
 * line "OPTION[ ARG]: problem". Files named by -kernel, -initrd, -bios (when
 * it is a path) and the drive options must exist when parsing ends; their
 * contents are judged later by the loaders and the board.
 */
#include "system/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "kestrel/log.h"

#define MAX_KV 16
#define MAX_CPUS 16
#define MIN_RAM (1 * MiB)
#define MAX_RAM (1024 * GiB)
#define N_BUILTIN_FW_DIRS 2

typedef struct KeyVal {
    const char *key, *value;   /* value NULL for a bare word such as "server" */
} KeyVal;

typedef struct KVList {
    int count;
    KeyVal item[MAX_KV];
} KVList;

typedef struct OptionDef OptionDef;
typedef bool OptionHandler(Options *o, const OptionDef *def, const char *arg,
                           char *err, size_t errlen);
struct OptionDef {
    const char *name;          /* without the leading '-' */
    bool has_arg;
    OptionHandler *handler;
    int param;                 /* handler specific (drive slot, flag id) */
};

/*
 * Every string this file allocates lives as long as the process (the
 * MachineConfig points into them); the list keeps them reachable.
 */
typedef struct KeptString {
    struct KeptString *next;
    char s[];
} KeptString;
static KeptString *kept_strings;

static char *keep_strndup(const char *s, size_t n)
{
    KeptString *k = malloc(sizeof(*k) + n + 1);
    if (!k)
        abort();
    memcpy(k->s, s, n);
    k->s[n] = '\0';
    k->next = kept_strings;
    kept_strings = k;
    return k->s;
}

/* One item of a comma list, undoing ",," escapes; returns the end of the item. */
static const char *kv_item(const char *s, char **out)
{
    size_t len = 0;
    char *buf = keep_strndup(s, strlen(s));
    while (*s) {
        if (*s == ',') {
            if (s[1] != ',')
                break;
            s++;
        }
        buf[len++] = *s++;
    }
    buf[len] = '\0';
    *out = buf;
    return s;
}

/*
 * Split "a=1,b=2" into l. A first item without '=' gets implied_key (when
 * not NULL); later bare items are flags with a NULL value.
 */
static bool kv_split(const char *opt, const char *arg, const char *implied_key, KVList *l,
                     char *err, size_t errlen)
{
    l->count = 0;
    const char *s = arg;
    while (*s) {
        char *item;
        s = kv_item(s, &item);
        if (*s == ',')
            s++;
        if (l->count == MAX_KV)
            return error_setf(err, errlen, "-%s %s: too many parameters", opt, arg);
        KeyVal *kv = &l->item[l->count++];
        char *eq = strchr(item, '=');
        if (eq) {
            *eq = '\0';
            kv->key = item;
            kv->value = eq + 1;
        } else if (l->count == 1 && implied_key) {
            kv->key = implied_key;
            kv->value = item;
        } else {
            kv->key = item;
            kv->value = NULL;
        }
    }
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!v || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    if (!*s)
        return false;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool options_parse_size(const char *s, uint64_t *bytes)
{
    static const struct { char suffix; int shift; } units[] = {
        { 'B', 0 }, { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 },
    };
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return false;
    int shift = 20;                      /* a plain number is MiB */
    if (*end) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(units); i++)
            if ((*end & ~0x20) == units[i].suffix)
                break;
        if (i == ARRAY_SIZE(units) || end[1])
            return false;
        shift = units[i].shift;
    }
    double b = v * (double)(1ULL << shift);
    if (b >= 18446744073709551616.0 || b != (double)(uint64_t)b)
        return false;
    *bytes = (uint64_t)b;
    return true;
}

/* The file must exist and be readable now. */
static bool check_file(const char *opt, const char *path, char *err, size_t errlen)
{
    if (!*path)
        return error_setf(err, errlen, "-%s: missing file name", opt);
    if (access(path, R_OK) != 0)
        return error_setf(err, errlen, "-%s %s: %s", opt, path, strerror(errno));
    return true;
}

/* --- handlers --- */

static bool opt_ram(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    const char *size = arg;
    if (!strncmp(arg, "size=", 5))
        size = arg + 5;
    uint64_t bytes;
    if (!options_parse_size(size, &bytes))
        return error_setf(err, errlen, "-m %s: invalid size (a number with an optional K, M, G or T suffix)",
                    arg);
    if (bytes < MIN_RAM || bytes > MAX_RAM)
        return error_setf(err, errlen, "-m %s: RAM size must be between 1M and 1T", arg);
    o->cfg.ram_size = bytes;
    return true;
}

static bool opt_smp(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    KVList l;
    if (!kv_split(d->name, arg, "cpus", &l, err, errlen))
        return false;
    for (int i = 0; i < l.count; i++) {
        long n;
        const char *k = l.item[i].key, *v = l.item[i].value;
        bool known = !strcmp(k, "cpus") || !strcmp(k, "maxcpus") || !strcmp(k, "sockets") ||
                     !strcmp(k, "cores") || !strcmp(k, "threads");
        if (!known)
            return error_setf(err, errlen, "-smp %s: unknown parameter '%s'", arg, k);
        if (!v || !parse_int(v, 1, MAX_CPUS, &n))
            return error_setf(err, errlen, "-smp %s: '%s' must be a number from 1 to %d", arg, k, MAX_CPUS);
        if (!strcmp(k, "cpus"))
            o->cfg.smp = (int)n;
    }
    return true;
}

static bool opt_cpu(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?"))
        o->cpu_help = true;
    else
        o->cfg.cpu_model = arg;
    return true;
}

static bool opt_bios(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    /* A bare name (no '/') is looked up in the firmware directories by the board. */
    if (strchr(arg, '/') && !check_file(d->name, arg, err, errlen))
        return false;
    o->cfg.bios = arg;
    return true;
}

static bool opt_fwdir(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    MachineConfig *c = &o->cfg;
    int n_user = c->n_firmware_dirs - N_BUILTIN_FW_DIRS;
    if (c->n_firmware_dirs == (int)ARRAY_SIZE(c->firmware_dirs))
        return error_setf(err, errlen, "-L %s: too many firmware directories", arg);
    /* -L directories go before the built-in ones, in command line order. */
    memmove(&c->firmware_dirs[n_user + 1], &c->firmware_dirs[n_user],
            N_BUILTIN_FW_DIRS * sizeof(c->firmware_dirs[0]));
    c->firmware_dirs[n_user] = arg;
    c->n_firmware_dirs++;
    return true;
}

static bool opt_kernel(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    if (!check_file(d->name, arg, err, errlen))
        return false;
    o->cfg.kernel = arg;
    return true;
}

/* "file args,file args" (multiboot modules) or one file: each file must exist. */
static bool opt_initrd(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    const char *s = arg;
    do {
        char *item, *path;
        s = kv_item(s, &item);
        if (*s == ',')
            s++;
        path = keep_strndup(item, strcspn(item, " "));
        if (!check_file(d->name, path, err, errlen))
            return false;
    } while (*s);
    o->cfg.initrd = arg;
    return true;
}

static bool opt_append(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    o->cfg.append = arg;
    return true;
}

static bool add_drive(Options *o, const char *opt, const DriveConfig *dc, char *err, size_t errlen)
{
    MachineConfig *c = &o->cfg;
    if (c->n_drives == MAX_DRIVES)
        return error_setf(err, errlen, "-%s %s: too many drives (at most %d)", opt, dc->file, MAX_DRIVES);
    for (int i = 0; dc->index >= 0 && i < c->n_drives; i++)
        if (c->drives[i].interface == dc->interface && c->drives[i].index == dc->index)
            return error_setf(err, errlen, "-%s %s: drive index %d is already in use", opt, dc->file,
                        dc->index);
    c->drives[c->n_drives++] = *dc;
    return true;
}

/* -hda..-hdd (param = IDE index), -cdrom (param = 2 | 0x100), -fda/-fdb (param = 0x200 | unit). */
enum { DRIVE_PARAM_CDROM = 0x100, DRIVE_PARAM_FLOPPY = 0x200 };

static bool opt_drive_short(Options *o, const OptionDef *d, const char *arg, char *err,
                            size_t errlen)
{
    if (!check_file(d->name, arg, err, errlen))
        return false;
    DriveConfig dc = {
        .file = arg,
        .interface = (d->param & DRIVE_PARAM_FLOPPY) ? DRIVE_IF_FLOPPY : DRIVE_IF_IDE,
        .media = (d->param & DRIVE_PARAM_CDROM) ? DRIVE_MEDIA_CDROM : DRIVE_MEDIA_DISK,
        .index = d->param & 0xff,
        .read_only = (d->param & DRIVE_PARAM_CDROM) != 0,
    };
    return add_drive(o, d->name, &dc, err, errlen);
}

static bool drive_key(DriveConfig *dc, const KeyVal *kv, const char *arg, char *err,
                      size_t errlen)
{
    static const struct { const char *name; DriveIf value; } ifs[] = {
        { "ide", DRIVE_IF_IDE }, { "floppy", DRIVE_IF_FLOPPY }, { "virtio", DRIVE_IF_VIRTIO },
    };
    const char *k = kv->key, *v = kv->value ? kv->value : "";
    long n;
    if (!strcmp(k, "file")) {
        dc->file = v;
    } else if (!strcmp(k, "format")) {
        dc->format = v;
    } else if (!strcmp(k, "if")) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(ifs) && strcmp(v, ifs[i].name); i++)
            ;
        if (i == ARRAY_SIZE(ifs))
            return error_setf(err, errlen, "-drive %s: unsupported interface if=%s (ide, floppy, virtio)",
                        arg, v);
        dc->interface = ifs[i].value;
    } else if (!strcmp(k, "index")) {
        if (!parse_int(v, 0, MAX_DRIVES - 1, &n))
            return error_setf(err, errlen, "-drive %s: invalid index=%s", arg, v);
        dc->index = (int)n;
    } else if (!strcmp(k, "media")) {
        if (strcmp(v, "disk") && strcmp(v, "cdrom"))
            return error_setf(err, errlen, "-drive %s: invalid media=%s (disk or cdrom)", arg, v);
        dc->media = !strcmp(v, "cdrom") ? DRIVE_MEDIA_CDROM : DRIVE_MEDIA_DISK;
    } else if (!strcmp(k, "readonly") || !strcmp(k, "snapshot")) {
        bool b;
        if (!parse_bool(kv->value, &b))
            return error_setf(err, errlen, "-drive %s: %s expects on or off", arg, k);
        *(!strcmp(k, "readonly") ? &dc->read_only : &dc->snapshot) = b;
    } else {
        return error_setf(err, errlen, "-drive %s: unknown parameter '%s'", arg, k);
    }
    return true;
}

static bool opt_drive(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    KVList l;
    DriveConfig dc = { .interface = DRIVE_IF_IDE, .media = DRIVE_MEDIA_DISK, .index = -1 };
    if (!kv_split(d->name, arg, NULL, &l, err, errlen))
        return false;
    for (int i = 0; i < l.count; i++)
        if (!drive_key(&dc, &l.item[i], arg, err, errlen))
            return false;
    if (!dc.file)
        return error_setf(err, errlen, "-drive %s: missing file=", arg);
    if (!check_file(d->name, dc.file, err, errlen))
        return false;
    if (dc.media == DRIVE_MEDIA_CDROM)
        dc.read_only = true;
    return add_drive(o, d->name, &dc, err, errlen);
}

static bool opt_boot(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    KVList l;
    if (!kv_split(d->name, arg, "order", &l, err, errlen))
        return false;
    for (int i = 0; i < l.count; i++) {
        const char *k = l.item[i].key, *v = l.item[i].value ? l.item[i].value : "";
        if (!strcmp(k, "order") || !strcmp(k, "once")) {
            if (!*v || v[strspn(v, "abcdnop")])
                return error_setf(err, errlen, "-boot %s: invalid boot device in '%s' (a, c, d, n)", arg, v);
            o->cfg.boot_order = v;
        } else if (!strcmp(k, "menu")) {
            if (!parse_bool(l.item[i].value, &o->cfg.boot_menu))
                return error_setf(err, errlen, "-boot %s: menu expects on or off", arg);
        } else {
            return error_setf(err, errlen, "-boot %s: unknown parameter '%s'", arg, k);
        }
    }
    return true;
}

/* "-nic none" / "-net none" say what Kestrel has anyway; anything else needs a network. */
static bool opt_net(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    if (strcmp(d->name, "netdev") && !strcmp(arg, "none"))
        return true;
    return error_setf(err, errlen, "-%s %s: networking is not supported yet", d->name, arg);
}

static bool opt_device(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    MachineConfig *c = &o->cfg;
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->device_help = true;
        return true;
    }
    if (c->n_device_args == MAX_DEVICE_ARGS)
        return error_setf(err, errlen, "-device %s: too many devices (at most %d)", arg, MAX_DEVICE_ARGS);
    c->device_args[c->n_device_args++] = arg;
    return true;
}

static bool opt_serial(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    MachineConfig *c = &o->cfg;
    if (c->n_serial == MAX_SERIAL)
        return error_setf(err, errlen, "-serial %s: too many serial ports (at most %d)", arg, MAX_SERIAL);
    c->serial[c->n_serial++] = strcmp(arg, "none") ? arg : NULL;
    return true;
}

static bool opt_monitor(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    o->cfg.monitor = arg;
    return true;
}

static bool opt_display(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    size_t n = strcspn(arg, ",");
    if (!strncmp(arg, "none", n) && n == 4) {
        o->cfg.display = "none";
    } else if (!strncmp(arg, "sdl", n) && n == 3) {
        return error_setf(err, errlen, "-display %s: the SDL display is not supported yet", arg);
    } else {
        return error_setf(err, errlen, "-display %s: unsupported display (none or sdl)", arg);
    }
    return true;
}

/* Flag options: param selects the field. */
enum { FLAG_NOGRAPHIC, FLAG_NO_REBOOT, FLAG_NO_SHUTDOWN, FLAG_PAUSED, FLAG_HELP, FLAG_VERSION };

static bool opt_flag(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    bool *const fields[] = {
        [FLAG_NOGRAPHIC] = &o->cfg.nographic, [FLAG_NO_REBOOT] = &o->cfg.no_reboot,
        [FLAG_NO_SHUTDOWN] = &o->cfg.no_shutdown, [FLAG_PAUSED] = &o->cfg.start_paused,
        [FLAG_HELP] = &o->help, [FLAG_VERSION] = &o->version,
    };
    *fields[d->param] = true;
    return true;
}

static bool opt_gdb(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    o->cfg.gdb_spec = arg ? arg : "tcp::1234";
    return true;
}

static bool opt_log(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?"))
        o->log_help = true;
    else
        o->log_items = arg;
    return true;
}

static bool opt_logfile(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    o->log_file = arg;
    return true;
}

static bool opt_accel(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    KVList l;
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->accel_help = true;
        return true;
    }
    if (!kv_split(d->name, arg, "accel", &l, err, errlen))
        return false;
    for (int i = 0; i < l.count; i++) {
        const char *k = l.item[i].key, *v = l.item[i].value ? l.item[i].value : "";
        if (!strcmp(k, "accel")) {
            if (strcmp(v, "tcg"))
                return error_setf(err, errlen, "-accel %s: unsupported accelerator '%s' (only tcg)", arg, v);
        } else if (!strcmp(k, "backend")) {
            if (strcmp(v, "interp") && strcmp(v, "jit"))
                return error_setf(err, errlen, "-accel %s: backend must be interp or jit", arg);
            o->cfg.accel_backend = v;
        } else {
            return error_setf(err, errlen, "-accel %s: unknown parameter '%s'", arg, k);
        }
    }
    return true;
}

static bool opt_icount(Options *o, const OptionDef *d, const char *arg, char *err, size_t errlen)
{
    KVList l;
    long n;
    if (!kv_split(d->name, arg, "shift", &l, err, errlen))
        return false;
    for (int i = 0; i < l.count; i++) {
        const char *k = l.item[i].key, *v = l.item[i].value ? l.item[i].value : "";
        if (strcmp(k, "shift"))
            return error_setf(err, errlen, "-icount %s: unknown parameter '%s'", arg, k);
        if (!parse_int(v, 0, 20, &n))
            return error_setf(err, errlen, "-icount %s: shift must be a number from 0 to 20", arg);
        o->cfg.icount_shift = (int)n;
    }
    return true;
}

static const OptionDef option_table[] = {
    { "m", true, opt_ram, 0 },
    { "smp", true, opt_smp, 0 },
    { "cpu", true, opt_cpu, 0 },
    { "bios", true, opt_bios, 0 },
    { "L", true, opt_fwdir, 0 },
    { "kernel", true, opt_kernel, 0 },
    { "initrd", true, opt_initrd, 0 },
    { "append", true, opt_append, 0 },
    { "hda", true, opt_drive_short, 0 },
    { "hdb", true, opt_drive_short, 1 },
    { "hdc", true, opt_drive_short, 2 },
    { "hdd", true, opt_drive_short, 3 },
    { "cdrom", true, opt_drive_short, 2 | DRIVE_PARAM_CDROM },
    { "fda", true, opt_drive_short, 0 | DRIVE_PARAM_FLOPPY },
    { "fdb", true, opt_drive_short, 1 | DRIVE_PARAM_FLOPPY },
    { "drive", true, opt_drive, 0 },
    { "boot", true, opt_boot, 0 },
    { "netdev", true, opt_net, 0 },
    { "nic", true, opt_net, 0 },
    { "net", true, opt_net, 0 },
    { "device", true, opt_device, 0 },
    { "serial", true, opt_serial, 0 },
    { "monitor", true, opt_monitor, 0 },
    { "display", true, opt_display, 0 },
    { "nographic", false, opt_flag, FLAG_NOGRAPHIC },
    { "no-reboot", false, opt_flag, FLAG_NO_REBOOT },
    { "no-shutdown", false, opt_flag, FLAG_NO_SHUTDOWN },
    { "S", false, opt_flag, FLAG_PAUSED },
    { "s", false, opt_gdb, 0 },
    { "gdb", true, opt_gdb, 0 },
    { "d", true, opt_log, 0 },
    { "D", true, opt_logfile, 0 },
    { "accel", true, opt_accel, 0 },
    { "icount", true, opt_icount, 0 },
    { "version", false, opt_flag, FLAG_VERSION },
    { "h", false, opt_flag, FLAG_HELP },
    { "help", false, opt_flag, FLAG_HELP },
};

static const OptionDef *option_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(option_table); i++)
        if (!strcmp(option_table[i].name, name))
            return &option_table[i];
    return NULL;
}

void options_init(Options *o)
{
    memset(o, 0, sizeof(*o));
    MachineConfig *c = &o->cfg;
    c->ram_size = 128 * MiB;
    c->smp = 1;
    c->firmware_dirs[0] = "/usr/share/seabios";
    c->firmware_dirs[1] = "/usr/lib/ipxe/qemu";
    c->n_firmware_dirs = N_BUILTIN_FW_DIRS;
    c->boot_order = "cad";
    c->icount_shift = -1;
}

static bool uses_stdio(const char *spec)
{
    return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"));
}

/* Defaults that depend on several options, then checks across options. */
static bool options_finish(Options *o, char *err, size_t errlen)
{
    MachineConfig *c = &o->cfg;
    if (c->nographic) {
        if (c->display && strcmp(c->display, "none"))
            return error_setf(err, errlen, "-nographic cannot be used with -display %s", c->display);
        c->display = "none";
    } else if (!c->display) {
        c->display = "none";     /* "sdl" once the SDL front end lands */
    }
    /* QEMU's defaults: with -nographic the serial port and the monitor share
     * stdio (mon:stdio), or whichever of them the command line left open
     * gets it; otherwise a virtual console, which Kestrel does not have yet:
     * stdio when there is no window. */
    if (c->nographic && c->n_serial == 0)
        c->serial[c->n_serial++] = c->monitor ? "stdio" : "mon:stdio";
    else if (c->nographic && !c->monitor)
        c->monitor = "stdio";
    else if (c->n_serial == 0)
        c->serial[c->n_serial++] = strcmp(c->display, "none") ? "null" : "stdio";
    int stdio_users = uses_stdio(c->monitor);
    for (int i = 0; i < c->n_serial; i++)
        stdio_users += uses_stdio(c->serial[i]);
    if (stdio_users > 1)
        return error_setf(err, errlen, "stdio is used by more than one of -serial and -monitor");
    if (c->monitor && !strcmp(c->monitor, "none"))
        c->monitor = NULL;
    if ((c->initrd || c->append) && !c->kernel)
        return error_setf(err, errlen, "%s is only allowed with -kernel", c->initrd ? "-initrd" : "-append");
    if (c->gdb_spec)
        return error_setf(err, errlen, "-gdb %s: the gdb server is not supported yet", c->gdb_spec);
    return true;
}

bool options_parse(Options *o, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1])
            return error_setf(err, errlen, "%s: unexpected argument (image files go with -hda, -cdrom...)", a);
        const char *name = a + 1 + (a[1] == '-' && a[2]);   /* --opt as -opt */
        const OptionDef *d = option_find(name);
        if (!d)
            return error_setf(err, errlen, "%s: invalid option", a);
        const char *arg = NULL;
        if (d->has_arg) {
            if (i + 1 >= argc)
                return error_setf(err, errlen, "%s: requires an argument", a);
            arg = argv[++i];
        }
        if (!d->handler(o, d, arg, err, errlen))
            return false;
        if (o->help || o->version)
            return true;
    }
    return options_finish(o, err, errlen);
}

void options_usage(FILE *f)
{
    fputs("usage: kestrel [options]\n"
          "Machine:\n"
          "  -m SIZE            RAM size, K/M/G suffix (default 128M)\n"
          "  -smp N             number of CPUs (1-16)\n"
          "  -cpu MODEL         CPU model (-cpu help lists them)\n"
          "  -bios FILE         firmware image (default bios-256k.bin)\n"
          "  -L DIR             directory searched first for firmware\n"
          "  -device NAME,...   add a device (-device help lists them)\n"
          "Boot:\n"
          "  -kernel FILE       boot a Linux bzImage or a multiboot kernel directly\n"
          "  -initrd FILE       Linux initrd; multiboot: \"F A,F A\" modules (file and arguments)\n"
          "  -append CMDLINE    kernel command line\n"
          "  -boot [order=]cdan[,menu=on]  firmware boot order\n"
          "Drives:\n"
          "  -hda/-hdb/-hdc/-hdd FILE, -cdrom FILE, -fda/-fdb FILE\n"
          "  -drive file=F[,format=raw|qcow2][,if=ide|floppy|virtio][,index=N]\n"
          "         [,media=disk|cdrom][,readonly=on][,snapshot=on]\n"
          "Character devices (stdio, mon:stdio, null, none, file:PATH,\n"
          "  tcp:[HOST]:PORT,server,nowait, unix:PATH,server,nowait):\n"
          "  -serial SPEC       next serial port (repeatable)\n"
          "  -monitor SPEC      the monitor\n"
          "Display:\n"
          "  -display none|sdl  -nographic (serial and monitor on stdio, no window)\n"
          "Run control:\n"
          "  -S                 start paused (monitor 'cont' runs)\n"
          "  -no-reboot         exit instead of rebooting\n"
          "  -no-shutdown       stop instead of exiting on guest poweroff\n"
          "  -accel tcg[,backend=interp|jit]\n"
          "  -icount shift=N    deterministic clock: 2^N ns per instruction\n"
          "Debugging:\n"
          "  -d ITEMS           log items (-d help lists them)   -D FILE  log file\n"
          "  -s, -gdb DEV       gdb server (not yet supported)\n"
          "  -version, -h\n"
          "With stdio: Ctrl-A H shows the escape keys, Ctrl-A X quits.\n", f);
}
