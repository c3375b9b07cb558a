#define _GNU_SOURCE
#include "tls_bridge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* Bytes buffered in each direction. */
#define BRIDGE_BUFFER (64 * 1024)

struct sessctl_tls {
    SSL_CTX *ctx;
    SSL *ssl;
    int tcp;      /* to the server, non-blocking, owned by the pump */
    int app;      /* our end of the socketpair, non-blocking, owned by the pump */
    int stop[2];  /* a byte written to stop[1] stops the pump */
    pthread_t thread;
    int started;
    int fatal;    /* a TLS error ended the pump: no close_notify then */
    pthread_mutex_t lock;
    char reason[256];
    unsigned char up[BRIDGE_BUFFER];   /* client -> server */
    unsigned char down[BRIDGE_BUFFER]; /* server -> client */
};

static void put(char *out, size_t len, const char *format, ...) {
    if (out == NULL || len == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(out, len, format, args);
    va_end(args);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline) {
    long long left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

static int is_ip(const char *name) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* The last OpenSSL error as text without the "error:0A000086:SSL routines::" preamble, or `fallback`. */
static void ssl_error_text(char *out, size_t len, const char *fallback) {
    unsigned long code = 0, next;
    while ((next = ERR_get_error()) != 0) code = next;
    if (code == 0) {
        put(out, len, "%s", fallback);
        return;
    }
    const char *reason = ERR_reason_error_string(code);
    if (reason != NULL) {
        put(out, len, "%s", reason);
    } else {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        put(out, len, "%s", buf);
    }
}

static void set_reason(sessctl_tls *b, const char *format, ...) {
    pthread_mutex_lock(&b->lock);
    if (b->reason[0] == 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(b->reason, sizeof b->reason, format, args);
        va_end(args);
    }
    pthread_mutex_unlock(&b->lock);
}

/* A non-blocking TCP connection to host:port made within the deadline, or -1 with a reason. */
static int tcp_connect(const char *host, int port, long long deadline, sessctl_tls_failure *failure,
                       char *message, size_t message_len) {
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(host, service, &hints, &found);
    if (rc != 0) {
        *failure = SESSCTL_TLS_CONNECT;
        put(message, message_len, "%s", gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    *failure = SESSCTL_TLS_CONNECT;
    put(message, message_len, "no address");
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            put(message, message_len, "%s", strerror(errno));
            continue;
        }
        int error = 0;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                error = errno;
            } else {
                struct pollfd p = {fd, POLLOUT, 0};
                int ready;
                do {
                    ready = poll(&p, 1, left_ms(deadline));
                } while (ready < 0 && errno == EINTR);
                if (ready == 0) {
                    close(fd);
                    fd = -1;
                    *failure = SESSCTL_TLS_TIMEOUT;
                    put(message, message_len, "connect timed out");
                    break;
                }
                socklen_t len = sizeof error;
                if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
            }
        }
        if (error == 0) break;
        put(message, message_len, "%s", strerror(error));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        *failure = SESSCTL_TLS_OK;
    }
    return fd;
}

struct sessctl_tls_context {
    SSL_CTX *ctx;
};

static SSL_CTX *make_context(const sessctl_tls_config *config, sessctl_tls_failure *failure, char *message,
                             size_t message_len) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        *failure = SESSCTL_TLS_INTERNAL;
        ssl_error_text(message, message_len, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    *failure = SESSCTL_TLS_CONFIG;
    if (config->ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, config->ca_file, NULL) != 1) {
            char detail[200];
            ssl_error_text(detail, sizeof detail, "unreadable");
            put(message, message_len, "cannot use the CA file %s: %s", config->ca_file, detail);
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ssl_error_text(message, message_len, "cannot load the system's CA certificates");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (config->cert_file != NULL) {
        if (SSL_CTX_use_certificate_chain_file(ctx, config->cert_file) != 1) {
            char detail[200];
            ssl_error_text(detail, sizeof detail, "unreadable");
            put(message, message_len, "cannot use the certificate file %s: %s", config->cert_file, detail);
            SSL_CTX_free(ctx);
            return NULL;
        }
        const char *key = config->key_file != NULL ? config->key_file : config->cert_file;
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
            char detail[200];
            ssl_error_text(detail, sizeof detail, "unreadable");
            if (strstr(detail, "mismatch") != NULL) {
                put(message, message_len, "the key file %s does not match the certificate %s", key, config->cert_file);
            } else {
                put(message, message_len, "cannot use the key file %s: %s", key, detail);
            }
            SSL_CTX_free(ctx);
            return NULL;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            put(message, message_len, "the key file %s does not match the certificate %s", key, config->cert_file);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    *failure = SESSCTL_TLS_OK;
    return ctx;
}

/* Runs SSL_connect on the non-blocking socket until it completes or the deadline passes. */
static int handshake(SSL *ssl, int fd, long long deadline, sessctl_tls_failure *failure, long *verify_code,
                     char *message, size_t message_len) {
    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(ssl);
        if (rc == 1) return 0;
        int error = SSL_get_error(ssl, rc);
        short events;
        if (error == SSL_ERROR_WANT_READ) {
            events = POLLIN;
        } else if (error == SSL_ERROR_WANT_WRITE) {
            events = POLLOUT;
        } else {
            long verify = SSL_get_verify_result(ssl);
            if (verify != X509_V_OK) {
                *failure = SESSCTL_TLS_VERIFY;
                *verify_code = verify;
                put(message, message_len, "certificate verify failed: %s", X509_verify_cert_error_string(verify));
            } else if (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN) {
                *failure = SESSCTL_TLS_HANDSHAKE;
                int saved = errno;
                if (ERR_peek_error() != 0) {
                    ssl_error_text(message, message_len, "TLS error");
                } else if (saved != 0 && rc < 0) {
                    put(message, message_len, "%s", strerror(saved));
                } else {
                    put(message, message_len, "the server closed the connection during the TLS handshake");
                }
            } else {
                *failure = SESSCTL_TLS_HANDSHAKE;
                ssl_error_text(message, message_len, "TLS error");
            }
            return -1;
        }
        struct pollfd p = {fd, events, 0};
        int ready;
        do {
            ready = poll(&p, 1, left_ms(deadline));
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            *failure = SESSCTL_TLS_TIMEOUT;
            put(message, message_len, "the TLS handshake timed out (is it a TLS port?)");
            return -1;
        }
    }
}

/* Moves bytes until either side is done. Each round makes every possible kind of progress
   (OpenSSL may hold decrypted bytes that poll cannot see, so it is read until it wants more),
   then waits for whatever blocked it. */
static void *pump(void *arg) {
    sessctl_tls *b = arg;
    size_t up_start = 0, up_end = 0, down_start = 0, down_end = 0;
    int up_retry = 0; /* length of an SSL_write to repeat after WANT_READ/WANT_WRITE */
    int server_done = 0;
    for (;;) {
        short tcp_events = 0, app_events = 0;
        int progress;
        do {
            progress = 0;
            tcp_events = 0;
            app_events = 0;
            /* server -> down */
            if (!server_done && down_end < BRIDGE_BUFFER) {
                ERR_clear_error();
                int n = SSL_read(b->ssl, b->down + down_end, (int)(BRIDGE_BUFFER - down_end));
                if (n > 0) {
                    down_end += (size_t)n;
                    progress = 1;
                } else {
                    int error = SSL_get_error(b->ssl, n);
                    if (error == SSL_ERROR_WANT_READ) {
                        tcp_events |= POLLIN;
                    } else if (error == SSL_ERROR_WANT_WRITE) {
                        tcp_events |= POLLOUT;
                    } else if (error == SSL_ERROR_ZERO_RETURN) {
                        server_done = 1;
                        set_reason(b, "the server closed the TLS connection");
                    } else if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                        server_done = 1;
                        b->fatal = 1;
                        if (n < 0 && errno != 0) {
                            set_reason(b, "%s", strerror(errno));
                        } else {
                            set_reason(b, "the server closed the connection");
                        }
                    } else {
                        char detail[200];
                        ssl_error_text(detail, sizeof detail, "TLS error");
                        set_reason(b, "%s", detail);
                        b->fatal = 1;
                        goto done;
                    }
                }
            }
            /* down -> client */
            if (down_start < down_end) {
                ssize_t n = send(b->app, b->down + down_start, down_end - down_start, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n > 0) {
                    down_start += (size_t)n;
                    progress = 1;
                    if (down_start == down_end) down_start = down_end = 0;
                } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    app_events |= POLLOUT;
                } else if (!(n < 0 && errno == EINTR)) {
                    goto done; /* the client is gone */
                }
            } else if (server_done) {
                goto done; /* everything the server sent was delivered: the client gets EOF */
            }
            if (down_start > 0 && down_end == BRIDGE_BUFFER) {
                memmove(b->down, b->down + down_start, down_end - down_start);
                down_end -= down_start;
                down_start = 0;
                progress = 1;
            }
            /* client -> up */
            if (up_end < BRIDGE_BUFFER) {
                ssize_t n = recv(b->app, b->up + up_end, BRIDGE_BUFFER - up_end, MSG_DONTWAIT);
                if (n > 0) {
                    up_end += (size_t)n;
                    progress = 1;
                } else if (n == 0) {
                    goto done; /* the client closed its end */
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    app_events |= POLLIN;
                } else if (errno != EINTR) {
                    goto done;
                }
            }
            /* up -> server */
            if (up_start < up_end && !server_done) {
                int length = up_retry ? up_retry : (int)(up_end - up_start);
                ERR_clear_error();
                int n = SSL_write(b->ssl, b->up + up_start, length);
                if (n > 0) {
                    up_start += (size_t)n;
                    up_retry = 0;
                    progress = 1;
                    if (up_start == up_end) up_start = up_end = 0;
                } else {
                    int error = SSL_get_error(b->ssl, n);
                    up_retry = length;
                    if (error == SSL_ERROR_WANT_WRITE) {
                        tcp_events |= POLLOUT;
                    } else if (error == SSL_ERROR_WANT_READ) {
                        tcp_events |= POLLIN;
                    } else {
                        char detail[200];
                        ssl_error_text(detail, sizeof detail, errno ? strerror(errno) : "TLS write failed");
                        set_reason(b, "%s", detail);
                        b->fatal = 1;
                        goto done;
                    }
                }
            }
            if (up_start > 0 && up_end == BRIDGE_BUFFER) {
                /* Allowed with a write pending: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER. */
                memmove(b->up, b->up + up_start, up_end - up_start);
                up_end -= up_start;
                up_start = 0;
                progress = 1;
            }
        } while (progress);

        struct pollfd fds[3] = {
            {b->tcp, tcp_events, 0},
            {b->app, app_events, 0},
            {b->stop[0], POLLIN, 0},
        };
        int ready = poll(fds, 3, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            set_reason(b, "poll failed: %s", strerror(errno));
            goto done;
        }
        if (fds[2].revents) goto done;
        /* POLLHUP comes unasked: the client closed (e.g. it gave up after a timeout). */
        if ((fds[1].revents & (POLLHUP | POLLERR)) && !(fds[1].revents & POLLIN)) goto done;
        if ((fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & (POLLIN | POLLOUT))) {
            server_done = 1;
            set_reason(b, "the connection to the server was closed");
        }
    }
done:
    /* The client learns of the end by EOF on its descriptor. */
    shutdown(b->app, SHUT_RDWR);
    return NULL;
}

sessctl_tls_context *sessctl_tls_context_new(const sessctl_tls_config *config, sessctl_tls_failure *failure,
                                             char *message, size_t message_len) {
    sessctl_tls_context *context = calloc(1, sizeof *context);
    if (context == NULL) {
        *failure = SESSCTL_TLS_INTERNAL;
        put(message, message_len, "out of memory");
        return NULL;
    }
    context->ctx = make_context(config, failure, message, message_len);
    if (context->ctx == NULL) {
        free(context);
        return NULL;
    }
    return context;
}

void sessctl_tls_context_free(sessctl_tls_context *context) {
    if (context == NULL) return;
    SSL_CTX_free(context->ctx);
    free(context);
}

sessctl_tls *sessctl_tls_open(sessctl_tls_context *context, const char *host, int port, const sessctl_tls_peer *peer, int timeout_ms,
                              int *app_fd, sessctl_tls_failure *failure, long *verify_code,
                              char *message, size_t message_len) {
    *failure = SESSCTL_TLS_INTERNAL;
    *verify_code = 0;
    put(message, message_len, "out of memory");
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    sessctl_tls *b = calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    b->tcp = b->app = b->stop[0] = b->stop[1] = -1;
    pthread_mutex_init(&b->lock, NULL);
    int pair[2] = {-1, -1};
    const char *name = peer->server_name != NULL && peer->server_name[0] ? peer->server_name : host;

    SSL_CTX_up_ref(context->ctx);
    b->ctx = context->ctx;
    b->tcp = tcp_connect(host, port, deadline, failure, message, message_len);
    if (b->tcp < 0) goto fail;
    b->ssl = SSL_new(b->ctx);
    if (b->ssl == NULL || SSL_set_fd(b->ssl, b->tcp) != 1) {
        *failure = SESSCTL_TLS_INTERNAL;
        ssl_error_text(message, message_len, "cannot create a TLS connection");
        goto fail;
    }
    if (!is_ip(name)) SSL_set_tlsext_host_name(b->ssl, name);
    if (peer->insecure) {
        SSL_set_verify(b->ssl, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_set_verify(b->ssl, SSL_VERIFY_PEER, NULL);
        X509_VERIFY_PARAM *param = SSL_get0_param(b->ssl);
        int ok;
        if (is_ip(name)) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(param, name);
        } else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            ok = X509_VERIFY_PARAM_set1_host(param, name, 0);
        }
        if (ok != 1) {
            *failure = SESSCTL_TLS_CONFIG;
            put(message, message_len, "cannot check the server's name '%s'", name);
            goto fail;
        }
    }
    if (handshake(b->ssl, b->tcp, deadline, failure, verify_code, message, message_len) != 0) goto fail;

    *failure = SESSCTL_TLS_INTERNAL;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0 || pipe2(b->stop, O_CLOEXEC | O_NONBLOCK) != 0) {
        put(message, message_len, "%s", strerror(errno));
        goto fail;
    }
    b->app = pair[1];
    fcntl(b->app, F_SETFL, fcntl(b->app, F_GETFL) | O_NONBLOCK);

    /* The pump takes no signals: they belong to the program's own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, NULL, pump, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        put(message, message_len, "cannot start a thread: %s", strerror(rc));
        goto fail;
    }
    b->started = 1;
    *app_fd = pair[0];
    *failure = SESSCTL_TLS_OK;
    message[0] = 0;
    return b;

fail:
    if (pair[0] >= 0) close(pair[0]);
    if (pair[1] >= 0 && b->app != pair[1]) close(pair[1]);
    sessctl_tls_close(b);
    return NULL;
}

void sessctl_tls_reason(sessctl_tls *b, char *out, size_t out_len) {
    pthread_mutex_lock(&b->lock);
    put(out, out_len, "%s", b->reason);
    pthread_mutex_unlock(&b->lock);
}

void sessctl_tls_close(sessctl_tls *b) {
    if (b == NULL) return;
    if (b->started) {
        char byte = 1;
        ssize_t ignored = write(b->stop[1], &byte, 1);
        (void)ignored;
        pthread_join(b->thread, NULL);
    }
    if (b->ssl != NULL) {
        if (b->started && !b->fatal) {
            /* A close_notify when it can go out at once; the server does not wait for it. */
            ERR_clear_error();
            SSL_shutdown(b->ssl);
        }
        SSL_free(b->ssl);
    }
    if (b->ctx != NULL) SSL_CTX_free(b->ctx);
    if (b->tcp >= 0) close(b->tcp);
    if (b->app >= 0) close(b->app);
    if (b->stop[0] >= 0) close(b->stop[0]);
    if (b->stop[1] >= 0) close(b->stop[1]);
    pthread_mutex_destroy(&b->lock);
    ERR_clear_error();
    free(b);
}
