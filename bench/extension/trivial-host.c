/*
 * The smallest native messaging host: answers every request at once with a fixed
 * `hello`-shaped result and the request's id. bench/extension/bench.mjs registers it in
 * place of certrenew-host to measure what Chromium itself costs to start a host and
 * carry one message each way (no Rust start-up, no PKCS#11 module). Not a real host.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_all(char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(0, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

int main(void) {
    static char in[1 << 20], out[4096];
    for (;;) {
        uint32_t len;
        if (read_all((char *)&len, 4) != 0 || len >= sizeof in || read_all(in, len) != 0) return 0;
        in[len] = 0;
        char id[80] = "null";
        const char *p = strstr(in, "\"id\":\"");
        if (p) {
            p += 6;
            const char *q = strchr(p, '"');
            if (q && q - p <= 64) snprintf(id, sizeof id, "\"%.*s\"", (int)(q - p), p);
        }
        int n = snprintf(out + 4, sizeof out - 4,
                         "{\"v\":1,\"id\":%s,\"ok\":true,\"result\":{\"protocol\":1,\"host_version\":\"0.1.0\","
                         "\"capabilities\":[],\"modules\":[]}}",
                         id);
        uint32_t l = (uint32_t)n;
        memcpy(out, &l, 4);
        if (write(1, out, (size_t)n + 4) != n + 4) return 1;
    }
}
