/*
** fuzz_common.c — see fuzz_common.h.
*/
#include "common.h"
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fuzz_die(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "\n%s:%d: FUZZ ASSERTION FAILED: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* ------------------------------------------------------------ temp dirs */

#define MAX_TMPDIRS 8
static char *tmpdirs[MAX_TMPDIRS];
static int ntmpdirs;
static pid_t owner;

static void cleanup(void)
{
    if (getpid() != owner) return;      /* not in forked children */
    for (int i = 0; i < ntmpdirs; i++) {
        zhs_path_remove(tmpdirs[i]);
        free(tmpdirs[i]);
    }
    ntmpdirs = 0;
}

const char *fuzz_tmpdir(const char *tag)
{
    if (ntmpdirs == MAX_TMPDIRS) fuzz_die(__FILE__, __LINE__, "ntmpdirs < MAX", "too many temp dirs");
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/zhs-fuzz-%s.XXXXXX", base, tag);
    char *d = mkdtemp(tmpl);
    if (!d) fuzz_die(__FILE__, __LINE__, "mkdtemp", "%s: %s", tmpl, strerror(errno));
    if (ntmpdirs == 0) {
        owner = getpid();
        atexit(cleanup);
    }
    tmpdirs[ntmpdirs] = strdup(d);
    return tmpdirs[ntmpdirs++];
}

/* ------------------------------------------------------------ files */

uint8_t *fuzz_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fuzz_die(__FILE__, __LINE__, "fopen", "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (n == cap) b = realloc(b, cap *= 2);
        size_t r = fread(b + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return b;
}

void fuzz_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fuzz_die(__FILE__, __LINE__, "open", "%s: %s", path, strerror(errno));
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fuzz_die(__FILE__, __LINE__, "write", "%s: %s", path, strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    close(fd);
}

bool fuzz_utf8_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t l;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xE0) == 0xC0) { l = 2; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { l = 3; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { l = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (n - i < l) return false;
        for (size_t k = 1; k < l; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += l;
    }
    return true;
}

/* ------------------------------------------------------------ the index */

static const char *const titles[] = {
    "嘉禾市数据安全管理条例", "星川市个人信息保护办法", "云澜市公共数据开放规定",
    "青禾省人工智能伦理审查指引", "數位身分憑證管理辦法",
};
static const char *const headings[] = {"", "第一章 总则", "第二章 数据处理", "第三章 法律责任"};
static const char *const words[] = {
    "个人信息", "处理者", "应当", "采取", "必要措施", "保障", "网络", "安全", "公共数据",
    "开放", "依法", "监督管理", "部门", "责令改正", "警告", "罚款", "人工智能", "算法",
    "推荐", "服务", "未成年人", "保护", "跨境", "传输", "评估", "申报", "5G", "AI",
    "2024年", "3.5", "第十条", "草案", "个人資料", "隱私", "电子政务", "一网通办",
};

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

void fuzz_build_index(const char *dir, zhs_analyzer *an, int engine)
{
    zhs_error err = {0};
    zhs_writer_options wo;
    zhs_writer_options_default(&wo);
    wo.engine = engine;
    zhs_writer *w;
    if (zhs_writer_open(&w, dir, an, &wo, &err)) fuzz_die(__FILE__, __LINE__, "writer_open", "%s", err.message);
    uint32_t seed = 12345;
    char text[4096], id[64], label[64];
    for (int d = 0; d < FUZZ_NDOCS; d++) {
        /* every passage mentions 数据 (df 300: three blocks with skips);
        ** the rest is drawn from the vocabulary */
        size_t n = (size_t)snprintf(text, sizeof text, "数据");
        int nw = 3 + (int)(lcg(&seed) % 12);
        for (int i = 0; i < nw && n < sizeof text - 64; i++) {
            const char *wd = words[lcg(&seed) % (sizeof words / sizeof words[0])];
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", wd,
                                  lcg(&seed) % 7 == 0 ? "，" : (lcg(&seed) % 11 == 0 ? "。" : ""));
        }
        if (d % 3 == 0) n += (size_t)snprintf(text + n, sizeof text - n, "个人信息保护");
        snprintf(id, sizeof id, "doc-%d", d);
        if (d % 4) snprintf(label, sizeof label, "第%d条", d % 50 + 1);
        else label[0] = 0;
        zhs_passage p = {
            .id = id, .text = text, .text_len = n,
            .title = titles[(d / 60) % (sizeof titles / sizeof titles[0])],
            .heading = headings[d % 4], .label = label, .path = "fuzz/corpus.md",
            .line = (uint32_t)d * 3 + 1,
        };
        if (zhs_writer_add(w, &p, &err)) fuzz_die(__FILE__, __LINE__, "writer_add", "%s", err.message);
    }
    if (zhs_writer_commit(w, &err)) fuzz_die(__FILE__, __LINE__, "writer_commit", "%s", err.message);
    zhs_writer_close(w);
}
